"""The inline arithmetic path gives plain Python's results, in plain Python's order, for every
kind of operand (the guards change limits, never results), and hands everything that could
grow past a limit to the guard."""

from __future__ import annotations

from typing import Any

import pytest

from host_api import Limits
from tests.compat.harness import Sandboxed, hook_fault, run_plain, run_sandboxed

#: Operands of every kind the inline test looks at: numbers, bools, an int subclass, objects
#: with their own (and reflected) operators, sequences, ints at the inline bounds.
PROGRAM = """
class I(int):
    pass

class Op:
    def __init__(self, tag):
        self.tag = tag
    def __add__(self, o):
        return ("add", self.tag, o)
    def __radd__(self, o):
        return ("radd", self.tag, o)
    def __mul__(self, o):
        return ("mul", self.tag, o)
    def __rmul__(self, o):
        return ("rmul", self.tag, o)
    def __pow__(self, o):
        return ("pow", self.tag, o)
    def __rpow__(self, o):
        return ("rpow", self.tag, o)
    def __lshift__(self, o):
        return ("lshift", self.tag, o)
    def __rlshift__(self, o):
        return ("rlshift", self.tag, o)
    def __mod__(self, o):
        return ("mod", self.tag, o)
    def __rmod__(self, o):
        return ("rmod", self.tag, o)
    def __repr__(self):
        return "Op(%s)" % self.tag

VALUES = [0, 3, -7, 2**49999, -(2**49999), 2**50000, 2**999, 99, 100, 1.5, -0.25, 2j,
          True, False, I(5), I(-3), "ab", [1, 2], (3,), b"x", Op("o")]
OPS = [
    ("+", lambda a, b: a + b), ("*", lambda a, b: a * b), ("**", lambda a, b: a ** b),
    ("<<", lambda a, b: a << b), ("%", lambda a, b: a % b),
]

def show(v):
    if type(v) is int and abs(v) > 2**64:
        return "int of %d bits" % v.bit_length()
    if type(v) is float or type(v) is complex:
        return repr(round(v.real, 6)) if type(v) is float else "complex"
    return repr(v)

def attempt(f, a, b):
    try:
        return show(f(a, b))
    except Exception as e:
        return type(e).__name__

SEQUENCES = (str, list, tuple, bytes)

def over_limit(name, a, b):
    # Pairs plain Python computes (or fails on) but the sandbox refuses as too big.
    ints = [x for x in (a, b) if isinstance(x, int)]
    big = [x for x in ints if abs(x) > 1000]
    if name in ("*", "**", "<<") and big and any(isinstance(x, SEQUENCES) for x in (a, b)):
        return True
    if name == "*" and len(ints) == 2 and sum(abs(x).bit_length() for x in ints) > 100000:
        return True
    if name == "**" and len(ints) == 2 and b > 2 and abs(a).bit_length() * b > 100000:
        return True
    return name == "<<" and len(ints) == 2 and b > 1000

def table():
    out = []
    for name, f in OPS:
        for a in VALUES:
            row = [attempt(f, a, b) for b in VALUES if not over_limit(name, a, b)]
            out.append(" ".join([name, show(a), *row]))
    return out

# literal operands (folded at compile time) and in-place forms
x = 7
print(x * 2, 2 * x, x ** 2, 2 ** x, x << 3, 1 << x, x % 3, 5 % x, x + 1, 1.5 * x, x ** 0.5)
s = "ab"
print(s * 2, 2 * s, "%s!" % s, s + "c")
o = Op("p")
print(o * 2, 2 * o, o ** 2, 2 ** o, o << 1, 1 << o, o % 3, 5 % o, o + 1, 1 + o)
acc = 0
lst = [1]
alias = lst
for v in (1, 2.5, 3j):
    acc += v
    acc *= 2
lst *= 3
lst += [4]
print(acc, alias, lst is alias)
c = 1j
c *= 10**9
n = 10**9
print(n * 1j, c, n * 0.5, 0.5 * n)

# order of evaluation and single evaluation, through nested operators
log = []
def v(tag, value):
    log.append(tag)
    return value
r = v("a", 2) * (v("b", 3) + v("c", 4) * v("d", 5)) ** v("e", 2) % v("f", 1000) + v("g", 1.5)
print(r, log)
log.clear()
grid = [[1, 2], [3, 4]]
i = 1
total = grid[i][0] * grid[i - 1][1] + grid[0][i] * v("h", 2) + (grid[1][1] << v("i", 2))
print(total, log)
deep = 1
for k in range(3):
    deep = ((deep + 1) * (deep + 2) + (deep * 3) * (deep + (deep * (deep + 1)))) % 1000003
print(deep)
# concatenation below and above the inline size, in place and not
text, items, pair = "", [], ()
for k in range(300):
    text += "ab"
    items = items + [k]
    pair = pair + (k,)
grown = [0]
same = grown
for k in range(10):
    grown += grown
print(len(text), text[-4:], len(items), items[-2:], len(pair), len(grown), same is grown)
t = [0, 1, 2, 3, 4]
t[1:3] = (9, 8, 7)
t[:0] = t
print(t)
"""


def test_inline_paths_match_plain_python() -> None:
    namespace: dict[str, Any] = {}
    plain = run_plain(PROGRAM + "\nRESULT = table()\n", "arith_paths")
    exec(compile(PROGRAM, "arith_paths", "exec"), namespace)
    expected = namespace["table"]()
    assert len(expected) == 105  # five operators, 21 left operands
    box = Sandboxed(PROGRAM + "\ndef on_tick(ctx, dt):\n    return table()\n")
    try:
        assert box.lines() == plain  # the fixed part
        assert box.call(0.0) == expected  # the operand table
    finally:
        box.close()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 2**49999 * 2\nprint(x * x)", "'*' would build an int"),
        ("class I(int):\n    pass\nprint(I(3) ** I(10**7))", "'**' would build an int"),
        ("print(True << 10**7)", "'<<' would build an int"),
        ("x = [0]\nx *= 10**9", "'*='"),
    ],
)
def test_inline_path_hands_growth_to_the_guard(source: str, expected: str) -> None:
    with pytest.raises(Exception, match="SANDBOX_MEMORY_LIMIT") as caught:
        run_sandboxed(source)
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    "source",
    [
        "a = 2**49000 * 2**9000\nprint(int.__mul__(a, a))",
        "class I(int):\n    pass\na = I(2**49000 * 2**9000)\nprint(a.__mul__(a))",
        "class I(int):\n    def sq(self):\n        return super().__mul__(self)\n"
        "print(I(2**49000 * 2**9000).sq())",
    ],
)
def test_builtin_operator_methods_are_not_readable(source: str) -> None:
    with pytest.raises(Exception, match="SANDBOX_FORBIDDEN") as caught:
        run_sandboxed(source)
    assert "skip the size check" in str(caught.value)


def test_script_operator_methods_stay_readable() -> None:
    source = (
        "class A:\n    def __init__(self, v):\n        self.v = v\n"
        "    def __add__(self, o):\n        return A(self.v + o.v)\n"
        "class B(A):\n    def __add__(self, o):\n        return B(super().__add__(o).v * 2)\n"
        "print((B(1) + B(2)).v, A.__add__(A(1), A(2)).v, B(3).__add__(B(4)).v)\n"
    )
    assert run_sandboxed(source) == run_plain(source, "operator_methods") == ["6 3 14"]


#: Products and shifts of an int near the cap by a small factor or count: one linear pass, as
#: an addition is, so they run past MAX_INT_BITS inline and in the guard alike (the subclass
#: and ``operator.mul`` take the guard), with plain Python's results.
SMALL_FACTORS = """
import operator
class I(int):
    pass
x = (1 << 99990) + 12345
k = 2**64 - 1
print((x * 3).bit_length(), (3 * x).bit_length(), (x * k).bit_length(), (k * x) % 1000003)
print((x << 63).bit_length(), (x << 5) % 1000003, (x << (k % 64)) % 999983)
y = x
y *= k
y <<= 63
print(y.bit_length(), y % 999983)
print((I(x) * 5).bit_length(), (x * I(7)) % 1000003, operator.mul(x, k).bit_length())
print((I(x) << 63) % 1000003, operator.lshift(x, 63).bit_length())
def kernel(a, b):
    s = 0
    for i in range(3):
        s = s + a * b + (a << i)
    return s % 1000003
print(kernel(x, k), kernel(k, x), kernel(x + x, 3))
"""


def test_small_factors_past_the_int_cap_match_plain_python() -> None:
    assert run_sandboxed(SMALL_FACTORS) == run_plain(SMALL_FACTORS, "small_factors")


@pytest.mark.parametrize(
    "source",
    [
        "x = 1 << 99990\nprint(x * 2**64)",  # a factor one bit too wide: held to the cap
        "x = 1 << 99990\nk = 2**64\nprint(k * x)",
        "x = 1 << 99990\nprint(x << 64)",
        "x = 1 << 99990\nn = 64\nprint(x << n)",
        "class I(int):\n    pass\nprint(I(1 << 99990) * I(2**64))",
    ],
)
def test_factors_past_the_small_size_keep_the_int_cap(source: str) -> None:
    with pytest.raises(Exception, match="SANDBOX_MEMORY_LIMIT") as caught:
        run_sandboxed(source)
    assert "would build an int" in str(caught.value)


@pytest.mark.parametrize("tier", ["inprocess", "process"])
@pytest.mark.parametrize(
    "step",
    ["x = x * 18446744073709551615", "x *= k", "x = x << 63", "x = k * x + x", "x <<= 7"],
)
def test_small_factor_growth_is_stopped_by_fuel_or_time(tier: str, step: str) -> None:
    # Each step grows x by at most 64 bits in one linear pass: the ordinary limits stop the
    # loop (as they stop x = x + x), long before its values weigh anything.
    source = f"def on_tick(ctx, dt):\n    x, k = 3, 2**64 - 1\n    while True:\n        {step}\n"
    fault = hook_fault(source, tier=tier, limits=Limits(fuel=10**7, timeout_ms=50))
    assert fault.code in ("SANDBOX_FUEL_EXHAUSTED", "SANDBOX_TIMEOUT")


#: Powers just under and just over the int cap (100,000 bits): the guard sizes ``a ** b`` by
#: ``b * log2|a|``, not by ``a``'s bit length times ``b`` (twice the size for a power of two).
POWERS_UNDER = ["2 ** 99990", "(-2) ** 99997", "3 ** 63090", "pow(7, 35600)", "x ** 99990"]
POWERS_OVER = ["2 ** 100000", "3 ** 63100", "pow(7, 35700)", "x ** 100000", "2 ** (10 ** 30)"]


@pytest.mark.parametrize("power", POWERS_UNDER)
def test_a_power_under_the_int_cap_is_computed(power: str) -> None:
    source = f"x = 2\nprint(({power}).bit_length())\n"
    assert run_sandboxed(source) == run_plain(source)


@pytest.mark.parametrize("power", POWERS_OVER)
def test_a_power_over_the_int_cap_is_refused_before_it_is_computed(power: str) -> None:
    fault = hook_fault(f"def on_tick(ctx, dt):\n    x = 2\n    return {power}\n")
    assert fault.code == "SANDBOX_MEMORY_LIMIT"
    assert "'**' would build an int" in str(fault)
