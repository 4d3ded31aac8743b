"""Attacks on the inline arithmetic path and the allocation guards behind it: values that
look like numbers to a careless type test (``bool``, ``int`` subclasses, objects with their
own operators), ints at the bounds of the inline path, builtin subclasses whose ``__len__``
lies to the size check, and the operators' special methods read as plain functions. Part of
the built-in corpus (``_corpus.ATTACKS``); the same helpers and codes.

The ``versioned-*`` attacks target the float-versioned runs (``_versions``): a name tested as a
float once, then rebound to a string before an operator that the test would have made safe.
"""

from __future__ import annotations

from typing import Final

from ._corpus_attack import CPU, FORBIDDEN, MEMORY, Attack, _attack, _resource, _tick


def _cls(body: str, tick: str) -> str:
    return body.strip() + "\n" + _tick(tick)


_INT_SUB: Final = "class I(int):\n    pass"
_LYING_INT: Final = (
    "class I(int):\n    def __lt__(self, o):\n        return True\n"
    "    def __gt__(self, o):\n        return True\n"
    "    def bit_length(self):\n        return 1"
)

#: An int subclass that compares as small against anything.
_SMALL_INT: Final = (
    "class I(int):\n    def __gt__(self, o):\n        return False\n"
    "    def __ge__(self, o):\n        return False\n"
    "    def __lt__(self, o):\n        return True\n"
    "    def __le__(self, o):\n        return True"
)

#: A string the memory limit allows, and a factor that takes it past the limit (not past RAM).
_BIG: Final = '"ab" * 1000'
_PAST: Final = "60000"

ARITH_ATTACKS: Final[tuple[Attack, ...]] = (
    _resource(
        "versioned-walrus",
        "a float-tested local rebound to a string by ':=' inside the versioned run",
        _tick(f"a = dt * dt * dt\nb = (dt := {_BIG})\nreturn dt * {_PAST} + a"),
        MEMORY,
    ),
    _resource(
        "versioned-unpack",
        "a float-tested local rebound to a string by tuple unpacking inside the run",
        _tick(f"a = dt * dt * dt\ndt, b = {_BIG}, 0\nreturn dt * {_PAST} + a"),
        MEMORY,
    ),
    _resource(
        "versioned-nonlocal",
        "a local rebound to a string by a nested function's nonlocal between two uses",
        _tick(
            f"s = {_BIG}\ndef swap():\n    nonlocal dt\n    dt = s\n"
            f"a = dt * dt * dt\nswap()\nreturn dt * {_PAST} + a"
        ),
        MEMORY,
    ),
    _resource(
        "versioned-global",
        "a global made a string by another function between two uses",
        _cls(
            f"K = 2.0\ndef swap():\n    global K\n    K = {_BIG}",
            f"a = K * dt * K\nswap()\nreturn K * {_PAST} + a",
        ),
        MEMORY,
    ),
    _resource(
        "versioned-retyped-call",
        "a function first called with floats (its fast copy), then with a string",
        _cls(
            "def grow(v, n):\n    return v * n + v * n",
            f"grow(dt, 3.0)\nreturn grow({_BIG}, {_PAST})",
        ),
        MEMORY,
    ),
    _resource(
        "versioned-int-square",
        "an int-tested local squared in a loop: only the size bounds are tested inline",
        _tick("x = 3\nfor i in range(40):\n    x = x * x + x % 7 + 1"),
        MEMORY,
    ),
    _resource(
        "versioned-constant-global",
        "a module constant rebound to a string through a global statement",
        _cls(
            f"MASK = 5\ndef swap():\n    global MASK\n    MASK = {_BIG}",
            f"a = MASK * dt * 2.0\nswap()\nreturn MASK * {_PAST}",
        ),
        MEMORY,
    ),
    _resource(
        "versioned-if-test-walrus",
        "an if test that multiplies a float-tested name after ':=' made it a string",
        _tick(f"if dt * dt > 0 and (dt := {_BIG}) and dt * {_PAST}:\n    return 1"),
        MEMORY,
    ),
    _resource(
        "versioned-loop-rebind",
        "a float used across a loop, rebound to a string late in its body",
        _tick(
            f"n = {_PAST}\nk = dt\nfor i in range(2):\n    if i:\n        return k * n\n"
            f"    a = k * k * 1.5\n    k = {_BIG}"
        ),
        MEMORY,
    ),
    _resource(
        "versioned-loop-walrus",
        "a float used across a loop, rebound to a string by ':=' in a nested condition",
        _tick(
            f"n = {_PAST}\nk = dt\nfor i in range(2):\n    if i:\n        return k * n\n"
            f"    a = k * k * 1.5\n    if a > -1 and (k := {_BIG}):\n        pass"
        ),
        MEMORY,
    ),
    _resource(
        "versioned-loop-kind-branch",
        "an int accumulator made a string in one branch of a loop, then doubled each step",
        _tick(f"s = 0\nfor k in range(40):\n    if k == 1:\n        s = {_BIG}\n    s = s + s"),
        MEMORY,
    ),
    _resource(
        "versioned-loop-kind-range",
        "range rebound to hand out strings, then the loop variable doubled as if an int",
        _cls(
            f"def range(n):\n    return [{_BIG}] * n",
            "for i in range(1):\n    for k in range(40):\n        i = i + i",
        ),
        MEMORY,
    ),
    _resource(
        "versioned-learned-nonlocal",
        "a local known an int from its literal, made a string by a closure called next",
        _tick(
            f"def swap():\n    nonlocal s\n    s = {_BIG}\ns = 0\nswap()\n"
            "for k in range(40):\n    s = s + s"
        ),
        MEMORY,
    ),
    _resource(
        "versioned-learned-global",
        "a global assigned an int in a hook, made a string by another function, then doubled",
        _cls(
            f"S = None\ndef swap():\n    global S\n    S = {_BIG}",
            "global S\nS = 0\nswap()\nfor k in range(40):\n    S = S + S",
        ),
        MEMORY,
    ),
    _resource(
        "versioned-learned-genexp-walrus",
        "an int local rebound to a string by ':=' in a generator expression consumed later",
        _tick(
            f"g = ((s := {_BIG}) for _ in range(1))\ns = 0\n"
            "for k in range(40):\n    next(g, None)\n    s = s + s"
        ),
        MEMORY,
    ),
    _resource(
        "versioned-del-rebind",
        "a float-tested local deleted and rebound to a string inside the run",
        _tick(f"a = dt * dt * dt\ndel dt\ndt = {_BIG}\nreturn dt * {_PAST} + a"),
        MEMORY,
    ),
    _resource(
        "versioned-annotated",
        "a float-tested local rebound to a string by an annotated assignment",
        _tick(f"a = dt * dt * dt\ndt: str = {_BIG}\nreturn dt * {_PAST} + a"),
        MEMORY,
    ),
    _resource(
        "inline-mul-bound",
        "two ints just over the inline '*' bound (2**50000 each)",
        _tick("a = 2**49999 * 2\nreturn a * a"),
        MEMORY,
    ),
    _resource(
        "inline-mul-literal",
        "a big int times an int literal, squared on",
        _tick("x = 2**40000\nfor i in range(100):\n    x = x * 3 * x"),
        MEMORY,
    ),
    _resource(
        "inline-pow-literal-base",
        "an int literal base with a growing exponent (2 ** n)",
        _tick("n = 10**8\nreturn 2 ** n"),
        MEMORY,
    ),
    _resource(
        "inline-int-subclass-mul",
        "an int subclass that lies in comparisons and bit_length, squared",
        _cls(_LYING_INT, "x = I(2**49000 * 2**9000)\nreturn x * x"),
        MEMORY,
    ),
    _resource(
        "inline-int-subclass-pow",
        "an int subclass raised to a huge power",
        _cls(_INT_SUB, "return I(3) ** I(10**7)"),
        MEMORY,
    ),
    _resource(
        "inline-bool-shift",
        "True << 10**7 (a bool is an int)",
        _tick("return True << 10**7"),
        MEMORY,
    ),
    _resource(
        "inline-augmented-subclass",
        "x *= an int subclass of 10**9 on a list",
        _cls(_INT_SUB, "x = [0]\nx *= I(10**9)\nreturn len(x)"),
        MEMORY,
    ),
    _resource(
        "lying-len-list-repeat",
        "a list subclass whose __len__ says 0, repeated 10**8 times",
        _cls(
            "class L(list):\n    def __len__(self):\n        return 0",
            "return L([1]) * 10**8",
        ),
        MEMORY,
    ),
    _resource(
        "lying-len-str-concat",
        "a str subclass whose __len__ says 0, doubled by '+'",
        _cls(
            "class S(str):\n    def __len__(self):\n        return 0",
            "x = S('x' * 4000000)\nfor i in range(40):\n    x = S(x + x)",
        ),
        MEMORY,
    ),
    _resource(
        "subclass-ljust",
        "ljust of a str subclass, with a width of an int subclass that compares as small",
        _cls(_SMALL_INT + "\nclass S(str):\n    pass", "return S('a').ljust(I(10**10))"),
        MEMORY,
    ),
    _resource(
        "subclass-getrandbits",
        "random.getrandbits with an int subclass that compares as small",
        _cls(_SMALL_INT, "import random\nreturn random.getrandbits(I(10**8))"),
        MEMORY,
    ),
    _resource(
        "subclass-to-bytes",
        "to_bytes with an int subclass length",
        _cls(_INT_SUB, "return (1).to_bytes(I(10**10), 'big')"),
        MEMORY,
    ),
    _resource(
        "inline-concat-doubling",
        "a string doubled by '+' (small at first, on the inline path)",
        _tick("s = 'x'\nwhile True:\n    s = s + s"),
        MEMORY,
    ),
    _resource(
        "inline-concat-inplace-doubling",
        "a tuple doubled by '+=' (small at first, on the inline path)",
        _tick("t = (0,)\nwhile True:\n    t += t"),
        MEMORY,
    ),
    _resource(
        "slice-assign-doubling",
        "a list doubled by slice assignment (small at first, on the inline path)",
        _tick(
            "x = [1, 2, 3]\nwhile len(x) < 1000:\n    x[:0] = x\n"
            "x = x * 200\nwhile True:\n    x[:0] = x"
        ),
        MEMORY,
    ),
    _resource(
        "slice-assign-tuple-doubling",
        "a list grown by slice assignment of a tuple of itself (small at first, in C)",
        _tick("x = [1]\nwhile True:\n    x[:0] = tuple(x)"),
        MEMORY,
    ),
    _resource(
        "slice-assign-subclass",
        "a list subclass doubled by slice assignment (never on the small path)",
        _cls("class L(list):\n    pass", "x = L([1])\nwhile True:\n    x[:0] = x"),
        MEMORY,
    ),
    # A comprehension's targets over range() are known ints: an inner comprehension's own
    # target of the same name is not.
    _resource(
        "comprehension-shadowed-target",
        "an inner comprehension's target (a list) shadowing an outer range target, repeated",
        _tick("return [[i * 10 ** 9 for i in [[0]]] for i in range(2)]"),
        MEMORY,
    ),
    _resource(
        "comprehension-range-shift",
        "shifts by a comprehension's range target growing past the int cap",
        _tick("return [1 << (i * 1000) for i in range(200)]"),
        MEMORY,
    ),
    # A factor below 2**64 (or a shift by fewer than 64) runs inline at any size of the other
    # operand: a linear pass, as an addition. What it leads to must stay as bounded.
    _resource(
        "small-factor-growth",
        "x * (2**64 - 1) over and over, kept across ticks in a global",
        _cls("X = 3", "global X\nfor i in range(10**6):\n    X = X * 18446744073709551615"),
        (MEMORY, *CPU),
        ticks=40,
    ),
    _resource(
        "small-shift-growth",
        "x << 63 and x <<= 63 over and over, kept across ticks in a global",
        _cls("X = 3", "global X\nfor i in range(10**6):\n    X = X << 63\n    X <<= 63"),
        (MEMORY, *CPU),
        ticks=40,
    ),
    _resource(
        "small-factor-chain",
        "x * (2**64 - 1) + x - x // 3 (an int product opening a chain), kept across ticks",
        _cls(
            "X = 3",
            "global X\nfor i in range(10**6):\n    X = X * 18446744073709551615 + X - X // 3",
        ),
        (MEMORY, *CPU),
        ticks=40,
    ),
    _resource(
        "small-factor-then-square",
        "an int grown past the cap by small factors, then squared",
        _tick("x = 3\nfor i in range(900):\n    x = x * 18446744073709551615\nreturn x * x"),
        (MEMORY, *CPU),
    ),
    _resource(
        "small-factor-subclass",
        "an int subclass grown by small factors through the guard",
        _cls(_INT_SUB, "x = I(3)\nwhile True:\n    x = I(x * 18446744073709551615)"),
        (MEMORY, *CPU),
    ),
    # A product whose operands the compiler cannot know goes to the sandbox's '*' with its
    # number cases in C (``_fast_ops``): it lets by only what the guard would.
    _resource(
        "fast-mul-square",
        "two big ints read from a list, multiplied (the C shortcut's int case)",
        _tick("v = [3 ** 60000, 5 ** 40000]\nreturn v[0] * v[1]"),
        MEMORY,
    ),
    _resource(
        "fast-mul-squaring-loop",
        "an int in a list squared over and over (small at first, on the C shortcut)",
        _tick("v = [3]\nwhile True:\n    v[0] = v[0] * v[0]"),
        (MEMORY, *CPU),
    ),
    _resource(
        "fast-mul-subclass",
        "an int subclass and a bool past 63 bits, read from a list and multiplied",
        _cls(_INT_SUB, "v = [I(2 ** 70000), True]\nw = v[0] * v[1]\nreturn v[0] * v[0]"),
        MEMORY,
    ),
    _resource(
        "fast-mul-repeat",
        "a list and a huge count read from a list, multiplied",
        _tick("v = [[0], 10 ** 9]\nreturn v[0] * v[1]"),
        MEMORY,
    ),
    _attack(
        "escape.isinstance-real-type",
        "escape",
        "a script's own isinstance, to catch the real int the compiled isinstance(x, int) uses",
        _cls(
            "seen = []\ndef isinstance(value, classes):\n    seen.append(classes)\n    return True",
            "isinstance(3, int)\nisinstance(3, (int, str))\n"
            "return seen[0]('1' * 300000, 2) + seen[1][0]('1' * 300000, 2)",
        ),
        MEMORY,
    ),
    _attack(
        "escape.operator-dunder",
        "escape",
        "int.__mul__ read as a function, squaring past the '*' guard",
        _tick("a = 2**49000 * 2**9000\nreturn int.__mul__(a, a)"),
        FORBIDDEN,
    ),
    _attack(
        "escape.super-operator-dunder",
        "escape",
        "int's __mul__ reached through super() in a subclass method",
        _cls(
            "class I(int):\n    def sq(self):\n        return super().__mul__(self)",
            "return I(2**49000 * 2**9000).sq()",
        ),
        FORBIDDEN,
    ),
    _attack(
        "escape.inherited-operator-dunder",
        "escape",
        "an int subclass's inherited __mul__ called as a method",
        _cls(_INT_SUB, "a = I(2**49000 * 2**9000)\nreturn a.__mul__(a)"),
        FORBIDDEN,
    ),
)
