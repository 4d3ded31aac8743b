"""Host Python code of the standard library computing with what a script hands it: counts
of a ``Counter`` added in ``update``, the draws of a ``Random`` subclass multiplied in
``uniform``, a ``NormalDist`` subclass's ``_mu`` repeated in ``*``, sizes of ``quantiles``
made in a host loop, the maps of a ``ChainMap`` looped over on every lookup, and the shared
parts ``dataclasses.asdict`` rebuilds each time it reaches them. That code
is neither metered nor guarded, so each value is checked, or the work charged, before it
runs."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import CPU, FORBIDDEN, FUEL, MEMORY, Attack, _cls, _resource, _tick

STDLIB_HOOK_ATTACKS: Final[tuple[Attack, ...]] = (
    _resource(
        "counter-update-doubling",
        "c.update(c) where the count is a list: Counter adds it to itself in host code",
        _tick(
            "import collections\nc = collections.Counter()\nc['a'] = [0]\n"
            "for i in range(40):\n    c.update(c)\nreturn len(c['a'])"
        ),
        (FORBIDDEN, MEMORY),
    ),
    _resource(
        "counter-update-keywords",
        "c.update(a=c['a']) with a string count, forty times: the keyword count is added too",
        _tick(
            "import collections\nc = collections.Counter()\nc['a'] = 'ab'\n"
            "for i in range(40):\n    c.update(a=c['a'])\nreturn len(c['a'])"
        ),
        (FORBIDDEN, MEMORY),
    ),
    _resource(
        "counter-subclass-reads",
        "a Counter subclass whose [] and items() hand c += c one list (and which stores "
        "nothing): Counter extends it with itself, forty times",
        _cls(
            "import collections\nclass C(collections.Counter):\n    big = [0]\n"
            "    def __getitem__(self, k):\n        return C.big\n"
            "    def items(self):\n        return [('a', C.big)]\n"
            "    def __setitem__(self, k, v):\n        pass",
            "c = C(a=1)\nfor i in range(40):\n    try:\n        c += c\n"
            "    except TypeError:\n        pass\nreturn len(C.big)",
        ),
        (FORBIDDEN, MEMORY),
    ),
    _resource(
        "random-subclass-uniform",
        "a Random subclass's random() returns a list: uniform(0, n) repeats it n times",
        _cls(
            "import random\nbig = [0] * 100000\nclass R(random.Random):\n"
            "    def random(self):\n        return big",
            "return len(R(1).uniform(0, 100000))",
        ),
        (FORBIDDEN, MEMORY),
    ),
    _resource(
        "random-subclass-randbelow",
        "a Random subclass's _randbelow returns a list: randrange(0, n, 7) repeats it 7 times "
        "over, forty times",
        _cls(
            "import random\nclass R(random.Random):\n    x = [0]\n"
            "    def _randbelow(self, n):\n        return R.x",
            "r = R(1)\nfor i in range(40):\n    try:\n        r.randrange(0, 100, 2)\n"
            "    except TypeError:\n        pass\n    R.x = R.x * 2\nreturn len(R.x)",
        ),
        (FORBIDDEN, MEMORY),
    ),
    _resource(
        "random-subclass-getrandbits",
        "a Random subclass's getrandbits returns a huge int for randbytes and randrange",
        _cls(
            "import random\nclass R(random.Random):\n"
            "    def getrandbits(self, k):\n        return 1 << 40000",
            "return R(1).randrange(10 ** 6, 10 ** 6 + 10 ** 5, 3)",
        ),
        (FORBIDDEN, MEMORY),
    ),
    _resource(
        "normaldist-subclass-mu",
        "a NormalDist subclass's _mu property hands NormalDist.__mul__ a list to repeat",
        _cls(
            "import statistics\nbig = [0] * 200000\nclass N(statistics.NormalDist):\n"
            "    @property\n    def _mu(self):\n        return big\n"
            "    @_mu.setter\n    def _mu(self, v):\n        pass",
            "return N(0, 1) * 5000",
        ),
        (FORBIDDEN, MEMORY),
    ),
    _resource(
        "normaldist-quantiles",
        "NormalDist().quantiles(10**8): a hundred million floats in a host loop",
        _tick("import statistics\nreturn len(statistics.NormalDist().quantiles(10 ** 8))"),
        (MEMORY, FUEL),
    ),
    _resource(
        "statistics-quantiles-loop",
        "statistics.quantiles(data, n=400000), tick after tick: a host loop the size of n",
        _tick("import statistics\nwhile True:\n    statistics.quantiles([1, 2, 3], n=400000)"),
        CPU,
    ),
    _resource(
        "dataclasses-asdict-shared",
        "asdict of a dataclass holding a list shared twice at each of thirty levels: it "
        "rebuilds a billion lists",
        _cls(
            "import dataclasses\n@dataclasses.dataclass\nclass D:\n    x: object",
            "v = [0]\nfor i in range(30):\n    v = [v, v]\nreturn len(dataclasses.asdict(D(v)))",
        ),
        (*CPU, MEMORY),
    ),
    _resource(
        "dataclasses-astuple-shared",
        "the same through astuple, a dict shared at each level",
        _cls(
            "import dataclasses\n@dataclasses.dataclass\nclass D:\n    x: object",
            "v = {}\nfor i in range(30):\n    v = {'a': v, 'b': v}\n"
            "return len(dataclasses.astuple(D(v)))",
        ),
        (*CPU, MEMORY),
    ),
    _resource(
        "chainmap-many-maps",
        "len() of a ChainMap holding one big dict twenty thousand times",
        _tick(
            "import collections\nd = dict.fromkeys(range(1000))\n"
            "cm = collections.ChainMap(*[d] * 20000)\nwhile True:\n    len(cm)"
        ),
        CPU,
    ),
    _resource(
        "chainmap-lookup-loop",
        "lookups of a missing key in a ChainMap of two hundred thousand maps",
        _tick(
            "import collections\ncm = collections.ChainMap(*[{}] * 200000)\n"
            "while True:\n    'k' in cm"
        ),
        CPU,
    ),
    _resource(
        "typing-namedtuple-fields",
        "typing.NamedTuple's functional form with 20,000 fields: the host builds the class",
        _tick(
            "import typing\nn = 20000\n"
            "return typing.NamedTuple('T', list(zip(map(str, range(n)), [int] * n)))"
        ),
        (FORBIDDEN, *CPU),
    ),
    _resource(
        "typing-typeddict-fields",
        "typing.TypedDict with 20,000 keys: the host checks each field's type in Python",
        _tick(
            "import typing\nkeys = dict.fromkeys(map(str, range(20000)), int)\n"
            "return typing.TypedDict('T', keys)"
        ),
        (FORBIDDEN, *CPU),
    ),
    _resource(
        "attrgetter-parts",
        "operator.attrgetter of one name with a million dotted parts, each checked in Python",
        _tick("import operator\nreturn operator.attrgetter('.'.join(['a'] * 1000000))"),
        CPU,
    ),
    _resource(
        "percent-many-directives",
        "'%' with a million directives: the host read each one before the size check",
        _tick("return len(('%d' * 1000000) % ((1,) * 1000000))"),
        (*CPU, MEMORY),
    ),
    _resource(
        "format-nested-specs",
        "str.format with 400,000 fields of nested specs, formatted in Python on the host",
        _tick("return len(('{0:{1}}' * 400000).format(1, 5))"),
        (*CPU, MEMORY),
    ),
)
