"""Resource exhaustion: scripts that try to run forever, recurse without end, or allocate past
the memory limit (in one step, by doubling, or retained tick after tick). Each is stopped by
the limit it exhausts."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import CPU, MEMORY, RECURSION, TIMEOUT, Attack, _resource, _tick

RESOURCES: Final[tuple[Attack, ...]] = (
    _resource("while-true", "an endless while loop", _tick("while True:\n    pass"), CPU),
    _resource(
        "endless-generator",
        "iterating an endless generator",
        "def forever():\n    while True:\n        yield 1\n"
        + _tick("for x in forever():\n    pass"),
        CPU,
    ),
    _resource(
        "nested-comprehension",
        "a comprehension with a huge product",
        _tick("return [x * y for x in range(1000) for y in range(1000)]"),
        CPU,
    ),
    _resource(
        "catch-and-continue",
        "bare except around an endless loop",
        _tick(
            "while True:\n    try:\n        while True:\n            pass\n    except:\n"
            "        pass"
        ),
        CPU,
    ),
    _resource(
        "finally-return",
        "finally: return swallows the fuel signal",
        _tick("try:\n    while True:\n        pass\nfinally:\n    return 1"),
        CPU,
    ),
    _resource(
        "shadow-next",
        "rebinding next() to skip the fuel check",
        "next = lambda it: True\n" + _tick("while True:\n    pass"),
        CPU,
    ),
    _resource(
        "eager-builtin",
        "sum()/sorted() over a huge iterable in C",
        _tick("big = [1] * 1000000\nwhile True:\n    sorted(big)"),
        CPU,
    ),
    _resource(
        "map-in-c",
        "map() of a builtin consumed in C",
        _tick("big = [1] * 1000000\nwhile True:\n    max(map(abs, big))"),
        CPU,
    ),
    _resource(
        "recursion",
        "unbounded recursion",
        "def f(n):\n    return f(n + 1)\n" + _tick("f(0)"),
        RECURSION,
    ),
    _resource(
        "mutual-recursion",
        "lambdas calling each other",
        _tick("a = {}\na['f'] = lambda n: a['g'](n)\na['g'] = lambda n: a['f'](n)\na['f'](0)"),
        RECURSION,
    ),
    _resource(
        "repr-recursion",
        "repr() of a deeply nested list",
        _tick("x = []\nfor i in range(5000):\n    x = [x]\nreturn repr(x)"),
        RECURSION,
    ),
    _resource("list-repeat", "[0] * 10**9", _tick("return [0] * 10**9"), MEMORY),
    _resource("str-repeat", "'a' * 10**10", _tick("return 'a' * 10**10"), MEMORY),
    _resource(
        "repeat-reversed",
        "10**9 * [0] (int on the left)",
        _tick("n = 10**9\nreturn n * [0]"),
        MEMORY,
    ),
    _resource("pow", "2 ** 10**8", _tick("return 2 ** 10**8"), MEMORY),
    _resource("pow-builtin", "pow(10, 10**8)", _tick("return pow(10, 10**8)"), MEMORY),
    _resource(
        "pow-tower",
        "repeated squaring of a big int",
        _tick("x = 3\nfor i in range(40):\n    x = x * x"),
        MEMORY,
    ),
    _resource("lshift", "1 << 10**10", _tick("return 1 << 10**10"), MEMORY),
    _resource("inplace-pow", "x **= 10**8", _tick("x = 7\nx **= 10**8"), MEMORY),
    _resource("str-of-int", "str() of a 5000-digit int", _tick("return str(10 ** 5000)"), MEMORY),
    _resource(
        "int-of-str", "int() of a 100000-digit string", _tick("return int('9' * 100000)"), MEMORY
    ),
    _resource("range-huge", "list(range(10**12))", _tick("return list(range(10**12))"), MEMORY),
    _resource(
        "sum-concat",
        "sum() of a thousand copies of a list, with a list start (concatenated in C)",
        _tick("a = [0] * 100000\nreturn len(sum([a] * 1000, []))"),
        MEMORY,
    ),
    _resource(
        "accumulate-concat",
        "itertools.accumulate over copies of a list (its default '+' concatenates)",
        _tick(
            "import itertools\na = [0] * 100000\nreturn len(list(itertools.accumulate([a] * 1000)))"
        ),
        MEMORY,
    ),
    _resource("bytes-n", "bytes(10**10)", _tick("return bytes(10**10)"), MEMORY),
    _resource(
        "join",
        "str.join of many large parts",
        _tick("part = 'a' * 1000000\nreturn ''.join([part] * 100)"),
        MEMORY,
    ),
    _resource(
        "join-unbound",
        "str.join reached unbound",
        _tick("part = 'a' * 1000000\nreturn str.join('', [part] * 100)"),
        MEMORY,
    ),
    _resource("ljust", "'a'.ljust(10**10)", _tick("return 'a'.ljust(10**10)"), MEMORY),
    _resource(
        "center-getattr",
        "center() reached through getattr",
        _tick("return getattr('a', 'center')(10**10)"),
        MEMORY,
    ),
    _resource("zfill", "'1'.zfill(10**10)", _tick("return '1'.zfill(10**10)"), MEMORY),
    _resource(
        "expandtabs",
        "tabs expanded to a huge width",
        _tick("return ('\\t' * 100000).expandtabs(100000)"),
        MEMORY,
    ),
    _resource(
        "replace",
        "replace('') inserts between every character",
        _tick("return ('a' * 100000).replace('', 'b' * 1000)"),
        MEMORY,
    ),
    _resource(
        "to-bytes", "(1).to_bytes(10**10)", _tick("return (1).to_bytes(10**10, 'big')"), MEMORY
    ),
    _resource("percent-width", "'%*d' % (10**10, 1)", _tick("return '%*d' % (10**10, 1)"), MEMORY),
    _resource(
        "percent-literal-width", "'%999999999d' % 1", _tick("return '%999999999d' % 1"), MEMORY
    ),
    _resource("fstring-width", "f'{1:>{10**10}}'", _tick("n = 10**10\nreturn f'{1:>{n}}'"), MEMORY),
    _resource(
        "fstring-precision", "f'{1.0:.999999999f}'", _tick("return f'{1.0:.999999999f}'"), MEMORY
    ),
    _resource(
        "doubling-add",
        "s = s + s, 64 times",
        _tick("s = 'ab'\nfor i in range(64):\n    s = s + s"),
        MEMORY,
    ),
    _resource(
        "doubling-iadd",
        "l += l, 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l += l"),
        MEMORY,
    ),
    _resource(
        "doubling-extend",
        "l.extend(l), 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l.extend(l)"),
        MEMORY,
    ),
    _resource(
        "doubling-slice",
        "l[len(l):] = l, 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l[len(l):] = l"),
        MEMORY,
    ),
    _resource(
        "doubling-state",
        "ctx.state['s'] += ctx.state['s']",
        _tick("ctx.state['s'] = 'ab'\nfor i in range(64):\n    ctx.state['s'] += ctx.state['s']"),
        MEMORY,
    ),
    _resource(
        "doubling-percent",
        "s = '%s%s' % (s, s)",
        _tick("s = 'ab'\nfor i in range(64):\n    s = '%s%s' % (s, s)"),
        MEMORY,
    ),
    _resource(
        "doubling-fstring",
        "s = f'{s}{s}' with a format spec",
        _tick("s = 'ab'\nfor i in range(64):\n    s = f'{s:<{2 * len(s)}}'"),
        MEMORY,
    ),
    _resource(
        "state-growth",
        "ctx.state grows 1 MB per tick",
        _tick("ctx.state.setdefault('junk', []).append('x' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _resource(
        "module-growth",
        "module-level data grows 1 MB per tick",
        "junk = []\n" + _tick("junk.append('y' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _resource(
        "closure-growth",
        "data kept in a default argument",
        "def keep(x, store=[]):\n    store.append(x)\n" + _tick("keep('z' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    # Data kept in places other than module globals and containers: the walk follows each.
    *(
        _resource(name, summary, source, MEMORY, ticks=48)
        for name, summary, source in (
            (
                "hoard-sys-argv",
                "sys.argv grows 1 MB per tick",
                "import sys\n" + _tick("sys.argv.append('a' * 1000000)"),
            ),
            (
                "hoard-module-name",
                "a name set on an imported module",
                "import math\n"
                + _tick(
                    "setattr(math, 'k' + 'ept', getattr(math, 'k' + 'ept', []))\n"
                    "getattr(math, 'k' + 'ept').append('b' * 1000000)"
                ),
            ),
            (
                "hoard-function-attribute",
                "an attribute of the script's own function",
                "def f():\n    pass\nf.kept = []\n" + _tick("f.kept.append('c' * 1000000)"),
            ),
            (
                "hoard-builtin-attribute",
                "an attribute set on the sandbox's print",
                _tick(
                    "if not hasattr(print, 'kept'):\n    print.kept = []\n"
                    "print.kept.append('d' * 1000000)"
                ),
            ),
            (
                "hoard-stdlib-class",
                "a class attribute of the sandbox's Counter",
                "import collections\nC = collections.Counter\nC.kept = []\n"
                + _tick("C.kept.append('e' * 1000000)"),
            ),
            (
                "hoard-exception-args",
                "the args of a kept exception",
                "E = ValueError([])\n" + _tick("E.args[0].append('f' * 1000000)"),
            ),
            (
                "hoard-generator-local",
                "a suspended generator's local list",
                "def g():\n    kept = []\n    while True:\n        kept.append((yield))\n"
                "G = g()\nnext(G)\n" + _tick("G.send('g' * 1000000)"),
            ),
            (
                "hoard-lru-cache",
                "results kept by functools.cache",
                "import functools\n@functools.cache\ndef f(n):\n    return 'i' * 1000000 + str(n)\n"
                "K = []\n" + _tick("K.append(1)\nf(len(K))"),
            ),
            (
                "hoard-chainmap",
                "a ChainMap's first map grows",
                "import collections\nC = collections.ChainMap({})\n"
                + _tick("C[len(C)] = 'j' * 1000000"),
            ),
            (
                "hoard-random-attribute",
                "an attribute of a random.Random instance",
                "import random\nR = random.Random(1)\nR.kept = []\n"
                + _tick("R.kept.append('k' * 1000000)"),
            ),
            (
                "hoard-partial-args",
                "the arguments of a functools.partial",
                "import functools\nP = functools.partial(max, [])\n"
                + _tick("P.args[0].append('h' * 1000000)"),
            ),
        )
    ),
    _resource(
        "modpow",
        "pow(a, huge, huge): modular exponentiation in C",
        _tick("m = (1 << 99000) + 1\nreturn pow(3, m - 2, m)"),
        CPU,
    ),
    _resource(
        "slow-steps",
        "a loop whose steps are slow C work (list scans)",
        _tick("big = [0] * 1000000\nwhile True:\n    x = 1 in big"),
        TIMEOUT,
    ),
)
