"""Growth in one C-level step: displays, calls, builtins and library helpers that double or
multiply a value without a script operator (``[*x, *x]``, ``f"{x}{x}"``, ``x.hex()``,
``deque.extend``, ``zip`` of a thousand copies of one list, ``sum`` and ``accumulate``
concatenating). The deadline is checked between steps, so each step's size is checked
before it runs, and the memory limit stops them.

Also the number chains' one assumption (``_chains``): a number's operator never hands a
sequence to the next operator of the run. Each reflected method returns the growing list
itself, from a class at module level, in a function, inherited, aliased, or on a ``float``
subclass (whose reflected method Python calls first); and what the versioning pass knows
past a test of the flag (``_kinds.absorbed``): an accumulator a reflected method turns into a
list, an int sum that still repeats a sequence."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import CPU, MEMORY, Attack, _cls, _resource, _tick


def _doubling(
    name: str,
    summary: str,
    start: str,
    step: str,
    times: int = 30,
    expect: str | tuple[str, ...] = MEMORY,
) -> Attack:
    body = f"x = {start}\nfor i in range({times}):\n    {step}\nreturn len(x)"
    return _resource(name, summary, _tick(body), expect)


GROWTH_ATTACKS: Final[tuple[Attack, ...]] = (
    _doubling("unpack-list-doubling", "x = [*x, *x], thirty times", "[0]", "x = [*x, *x]"),
    _doubling("unpack-tuple-doubling", "x = (*x, *x), thirty times", "(0,)", "x = (*x, *x)"),
    _doubling(
        "call-args-doubling",
        "x = f(*x, *x): a call's arguments, returned",
        "(0,)",
        "x = (lambda *a: a)(*x, *x)",
    ),
    _doubling("fstring-doubling", "x = f'{x}{x}', forty times", "'ab'", "x = f'{x}{x}'", 40),
    _doubling(
        "hex-doubling", "x = x.hex().encode(), forty times", "b'ab'", "x = x.hex().encode()", 40
    ),
    _doubling(
        "encode-utf32-growth",
        "x = x.encode('utf-32').decode('latin-1'): four times the text per step",
        "'a'",
        "x = x.encode('utf-32').decode('latin-1')",
    ),
    _doubling(
        "encode-escape-growth",
        "x = x.encode('unicode_escape').decode(): a backslash doubles per step",
        "'\\\\'",
        "x = x.encode('unicode_escape').decode()",
        expect=(MEMORY, *CPU),  # each step is fast until the text is near the limit
    ),
    _doubling(
        "bytes-str-constructor-growth",
        "x = str(bytes(x, 'utf-32'), 'latin-1'): the same through the constructors",
        "'a'",
        "x = str(bytes(x, 'utf-32'), 'latin-1')",
    ),
    _resource(
        "deque-extend-doubling",
        "d.extend(d), thirty times",
        _tick(
            "import collections\nd = collections.deque([0])\nfor i in range(30):\n    d.extend(d)"
        ),
        MEMORY,
    ),
    _resource(
        "zip-copies",
        "list(zip(*[a] * 1000)): a thousand-wide tuple for each item of one list",
        _tick("a = [0] * 100000\nreturn len(list(zip(*[a] * 1000)))"),
        MEMORY,
    ),
    _resource(
        "int-parse-binary",
        "int('1' * 10**6, 2), then math.isqrt of it: the digit limit skips power-of-two bases",
        _tick("import math\nreturn math.isqrt(int('1' * 10 ** 6, 2)) > 0"),
        MEMORY,
    ),
    _resource(
        "int-from-bytes",
        "int.from_bytes of a megabyte, then math.isqrt of its 8,000,000 bits",
        _tick("import math\nreturn math.isqrt(int.from_bytes(b'\\xff' * 10 ** 6, 'big')) > 0"),
        MEMORY,
    ),
    _resource(
        "operator-setitem-slice-doubling",
        "operator.setitem(x, slice(0, 0), x): the script's x[0:0] = x through a function",
        _tick(
            "import operator\nx = [0]\nfor i in range(40):\n"
            "    operator.setitem(x, slice(0, 0), x)\nreturn len(x)"
        ),
        MEMORY,
    ),
    _resource(
        "zip-copies-list-subclass",
        "the same zip of a script's list subclass (measured by the builtin's length)",
        _cls(
            "class L(list):\n    pass",
            "a = L([0] * 100000)\nreturn len(list(zip(*[a] * 1000)))",
        ),
        MEMORY,
    ),
    _resource(
        "zip-longest-copies",
        "itertools.zip_longest of a thousand copies of one list",
        _tick(
            "import itertools\na = [0] * 100000\n"
            "return len(list(itertools.zip_longest(*[a] * 1000)))"
        ),
        MEMORY,
    ),
)


#: A class whose reflected method hands the chain ``x`` (a list): ``1 + k + x + x`` is
#: ``x + x + x``, thirty times over.
_HANDS_BACK: Final = "class K:\n    def __r{op}__(self, other):\n        return self.x\n"


def _chain(name: str, summary: str, preamble: str, step: str, make: str = "K()") -> Attack:
    body = f"x = [0]\nk = {make}\nfor i in range(30):\n    k.x = x\n    {step}\nreturn len(x)"
    return _resource(name, summary, _cls(preamble, body), MEMORY)


_REFLECTED_CHAINS: Final = tuple(
    _chain(
        f"chain-r{op}",
        f"x = 1 {sign} k + x + x: k's __r{op}__ returns the list x",
        _HANDS_BACK.format(op=op),
        f"x = 1 {sign} k + x + x",
    )
    for op, sign in (("add", "+"), ("sub", "-"), ("truediv", "/"), ("floordiv", "//"), ("mod", "%"))
)

CHAIN_ATTACKS: Final[tuple[Attack, ...]] = (
    *_REFLECTED_CHAINS,
    _chain(
        "chain-rmul-float",
        "x = 2.0 * k + x + x: k's __rmul__ returns the list x",
        _HANDS_BACK.format(op="mul"),
        "x = 2.0 * k + x + x",
    ),
    _chain(
        "chain-radd-inherited",
        "the reflected method comes from a base class",
        _HANDS_BACK.format(op="add") + "class J(K):\n    pass\n",
        "x = 1.5 + k + x + x",
        make="J()",
    ),
    _chain(
        "chain-radd-alias",
        "__radd__ = hand, an alias in the class body",
        "class K:\n    def hand(self, other):\n        return self.x\n    __radd__ = hand\n",
        "x = 1 + k + x + x",
    ),
    _chain(
        "chain-radd-float-subclass",
        "a float subclass's __radd__, which Python calls before float's own +",
        "class F(float):\n    def __radd__(self, other):\n        return self.x\n",
        "x = 1.5 + k + x + x",
        make="F(2.0)",
    ),
    _resource(
        "sum-radd-concat",
        "sum([k] + [big] * 300): k's __radd__ turns sum's 0 into a list, then C concatenates",
        _cls(
            _HANDS_BACK.format(op="add"),
            "k = K()\nk.x = []\nbig = [0] * 200000\nreturn len(sum([k] + [big] * 300))",
        ),
        MEMORY,
    ),
    _resource(
        "sum-genexp-radd-concat",
        "the same through a generator expression (sum's direct route)",
        _cls(
            _HANDS_BACK.format(op="add"),
            "k = K()\nk.x = []\nbig = [0] * 200000\nreturn len(sum(v for v in [k] + [big] * 300))",
        ),
        MEMORY,
    ),
    _resource(
        "chain-radd-in-function",
        "the class with __radd__ is built inside the hook, each tick",
        _tick(
            "class K:\n    def __radd__(self, other):\n        return x\n"
            "x = [0]\nfor i in range(30):\n    x = 1 + K() + x + x\nreturn len(x)"
        ),
        MEMORY,
    ),
    _resource(
        "absorb-radd-accumulator",
        "a float accumulator (a number whatever it adds while the flag holds) that k's "
        "__radd__ turns into a list, then s = s + s",
        _cls(
            _HANDS_BACK.format(op="add"),
            "k = K()\ns = 0.5\nfor i in range(30):\n    k.x = s if type(s) is list else [0]\n"
            "    s = s + k\n    s = s + s\nreturn len(s)",
        ),
        MEMORY,
    ),
    _resource(
        "absorb-number-repeats",
        "t = s + z - z is a number whatever z is, t = s * z is not: either still repeats x",
        _tick(
            "z = [1][0]\ns = 2\nx = [0]\nfor i in range(40):\n    t = s * z\n    u = s + z - z\n"
            "    x = t * x\n    x = u * x\nreturn len(x)"
        ),
        MEMORY,
    ),
    _resource(
        "loop-stale-name",
        "t holds the list from before the inner loop when a nested block reads it, before the "
        "loop sets it to a float: t * 2 repeats the list",
        _tick(
            "x = [0]\nfor j in range(40):\n    t = x\n    for i in range(2):\n"
            "        if i == 0:\n            x = t * 2\n        t = 1.5\nreturn len(x)"
        ),
        MEMORY,
    ),
    _resource(
        "loop-widened-name",
        "s is an int, then a list the loop builds: its kinds meet in no number",
        _tick(
            "s = 1\nfor i in range(40):\n    s = s + s\n    if i == 0:\n        s = [0]\n"
            "return len(s)"
        ),
        MEMORY,
    ),
    _resource(
        "loop-swapped-names",
        "a, b = b, a swaps a float and the list each iteration: neither keeps one kind",
        _tick(
            "a = 1.5\nb = [0]\nfor i in range(60):\n    a, b = b, a\n    a = a * 2\n"
            "    a, b = b, a\nreturn len(b)"
        ),
        MEMORY,
    ),
)
