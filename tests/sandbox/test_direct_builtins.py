"""Builtins the compiled code calls directly where the sandbox's stand-in would only hand
the call on: ``isinstance`` against a stand-in type (``int``, ``str`` ...) and ``str(x)`` of
a number or a string. Each gives plain Python's results, takes the stand-in whenever the name
was rebound, and never hands a real type or the builtin to a script's own function."""

from __future__ import annotations

import ast

import pytest

from host_api import DiagnosticCode, Limits
from sandbox import ScriptFault
from sandbox.python._checker import Checker
from tests.compat.harness import Sandboxed, hook_fault, hook_result_as_plain

from .conftest import make_rig

TIERS = ["inprocess", "process"]


def _compiled_text(source: str) -> str:
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(source))
    assert not errors
    return ast.unparse(tree)


def _source_of(call: str) -> str:
    return _compiled_text(f"def f(xs, g, o):\n    return {call}\n")


INSTANCE_CHECKS = """
class I(int):
    pass

class S(str):
    pass

class P:
    pass

VALUES = [0, True, 2**70, 1.5, "s", S("t"), b"b", range(3), I(4), P(), P, int, None, [1]]

def table():
    out = []
    for v in VALUES:
        out.append((isinstance(v, int), isinstance(v, (int, float)), isinstance(v, str)))
        out.append((isinstance(v, (bytes, range, P)), isinstance(v, type), isinstance(v, (I,))))
    return out

def shadowed(v):
    int = P
    return isinstance(v, int)

def on_tick(ctx, dt):
    return table() + [shadowed(P()), shadowed(3)]
"""


@pytest.mark.parametrize("tier", TIERS)
def test_instance_checks_against_builtin_types_give_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(INSTANCE_CHECKS, tier=tier)


def test_a_rebound_isinstance_never_receives_the_real_type() -> None:
    # The direct form hands the real int only to the builtin isinstance: a script's own
    # isinstance gets the sandbox's int, whose constructor still checks sizes.
    source = (
        "seen = []\n"
        "def isinstance(value, classes):\n"
        "    seen.append(classes)\n"
        "    return True\n"
        "def on_tick(ctx, dt):\n"
        "    isinstance(3, int)\n"
        "    isinstance(3, (str, float))\n"
        "    return seen[0] is int, seen[1][0] is str, seen[0]('1' * 200000, 2)\n"
    )
    fault = hook_fault(source)
    assert fault.code is DiagnosticCode.SANDBOX_MEMORY_LIMIT
    assert "_bisinstance_(xs, _bint_)" in _source_of("isinstance(xs, int)")
    assert "_bisinstance_" not in _source_of("isinstance(xs, g)")  # no stand-in named


STR_CALLS = """
class I(int):
    pass

class S(str):
    pass

class P:
    def __str__(self):
        return "p!"

class Box:
    def __init__(self, v):
        self.v = v

VALUES = [0, -7, True, None, 2.5, float("inf"), 1j, "s", S("t"), I(4), P(), [1, "a"], 2**200]

def table():
    out = [str(v) for v in VALUES]
    out += [str(Box(v).v) for v in VALUES]
    out.append(str(str(3)) + str(4.25))
    return out

def rebound(v):
    str = repr
    return str(v)

def on_tick(ctx, dt):
    return table() + [rebound("x"), rebound(3)]
"""


@pytest.mark.parametrize("tier", TIERS)
def test_str_of_values_of_every_kind_gives_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(STR_CALLS, tier=tier)


@pytest.mark.parametrize("tier", TIERS)
def test_str_of_an_int_past_the_digit_limit_is_still_refused(tier: str) -> None:
    source = "def on_tick(ctx, dt):\n    n = 10 ** 5000\n    return str(n)\n"
    fault = hook_fault(source, tier=tier)
    assert fault.code is DiagnosticCode.SANDBOX_MEMORY_LIMIT


@pytest.mark.parametrize(
    ("call", "direct"),
    [("str(xs)", True), ("str(o.v)", True), ("str(3)", True), ("str(xs, 'utf-8')", False)],
)
def test_which_str_calls_are_direct(call: str, direct: bool) -> None:
    assert ("_bstr_(" in _source_of(call)) is direct


EAGER_CALLS = """
def table():
    lists = [[3, 1, 2], (5.5, -1.0), "bca", {"b": 1, "a": 2}, {4, 2}, range(6), [], [True, 2]]
    out = []
    for xs in lists:
        out.append((sum(xs) if not isinstance(xs, (str, dict)) else None, any(xs), all(xs)))
        out.append((max(xs, default=None), min(xs, default="-"), sorted(xs)))
        out.append((sorted(xs, reverse=True), max(xs, key=str, default=0)))
        out.append(sum(iter(xs)) if isinstance(xs, (list, range)) else len(xs))
    try:
        max([])
    except ValueError as exc:
        out.append(str(exc))
    try:
        sum(["a", "b"])
    except TypeError as exc:
        out.append(type(exc).__name__)
    return out

def on_tick(ctx, dt):
    return table()
"""


@pytest.mark.parametrize("tier", TIERS)
def test_eager_builtins_over_containers_give_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(EAGER_CALLS, tier=tier)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("call", ["sum(xs)", "max(xs)", "sorted(xs)", "any(xs)", "all(xs)"])
def test_the_direct_form_charges_each_item_as_the_stand_in_does(tier: str, call: str) -> None:
    # The same call through a rebound name takes the stand-in: both use the same fuel.
    name = call.split("(")[0]
    fill = 0 if name == "any" else 1  # so that any() and all() read every item
    source = (
        f"alias = {name}\n"
        "def direct(n):\n"
        f"    xs = [{fill}] * n\n"
        f"    return {call}\n"
        "def through(n):\n"
        f"    xs = [{fill}] * n\n"
        "    return alias(xs)\n"
        "def on_tick(ctx, dt):\n"
        "    return direct(int(dt)) if dt > 0 else through(-int(dt))\n"
    )
    rig = make_rig(limits=Limits(fuel=10_000, timeout_ms=1000), tier=tier)
    try:
        module = rig.load(source)
        assert rig.tick(module, 500.0) == rig.tick(module, -500.0)
        if tier == "inprocess":  # the process tier reports no per-call fuel
            rig.tick(module, 500.0)
            direct_fuel = rig.sandbox.fuel_used  # type: ignore[attr-defined]
            rig.tick(module, -500.0)
            assert rig.sandbox.fuel_used == direct_fuel > 500  # type: ignore[attr-defined]
        with pytest.raises(ScriptFault) as info:
            rig.tick(module, 20_000.0)  # past the fuel: each item pulled is a unit
        assert info.value.code is DiagnosticCode.SANDBOX_FUEL_EXHAUSTED
    finally:
        rig.sandbox.close()


@pytest.mark.parametrize(
    ("call", "direct"),
    [
        ("sum(xs)", True),
        ("max(xs, default=0)", True),
        ("sorted(xs, key=g, reverse=True)", True),
        ("sum(xs, 5)", False),  # a start value: the stand-in decides how to add
        ("max(xs, g)", False),
        ("sorted(*xs)", False),
    ],
)
def test_which_eager_calls_are_direct(call: str, direct: bool) -> None:
    name = call.split("(")[0]
    assert (f"_b{name}_(_fz_(" in _source_of(call)) is direct


ROUND_CALLS = """
class F(float):
    pass

def table():
    out = []
    for x in [2.5, 3.5, -1.25, 1e300, 7, -12345, True, F(2.675)]:
        out.append((round(x), round(x, 2), round(x, -2), round(x, 3)))
    for x in [2.5, 1e300, float("inf"), float("nan"), F(1.5)]:
        out.append(str((round(x, 10**9), round(x, -10**9))))
    return out

def rebound(v):
    round = abs
    return round(v)

def on_tick(ctx, dt):
    return table() + [rebound(-2.5)]
"""


@pytest.mark.parametrize("tier", TIERS)
def test_round_of_values_of_every_kind_gives_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(ROUND_CALLS, tier=tier)


def test_round_of_an_int_to_far_negative_digits_still_takes_the_guard() -> None:
    # 10**(10**8) would be minutes of one C call: the guard answers 0 without it.
    source = "def on_tick(ctx, dt):\n    return round(5, -10**8), round(True, -10**9)\n"
    box = Sandboxed(source)
    try:
        assert box.call(0.0) == (0, 0)
    finally:
        box.close()


@pytest.mark.parametrize(
    ("call", "direct"),
    [("round(xs)", True), ("round(o.v, 2)", True), ("round(xs, g)", True),
     ("round(xs, ndigits=2)", False), ("round(*xs)", False)],
)  # fmt: skip
def test_which_round_calls_are_direct(call: str, direct: bool) -> None:
    assert ("_bround_(" in _source_of(call)) is direct


USES = """
def f(xs):
    total = sum(x for x in xs) + sum(xs)
    for i in range(len(xs)):
        total += i
    for i, x in enumerate(xs):
        total += i
    return total, isinstance(total, int), str(total), round(1.25, 1), [range(3)]
"""


def test_a_builtin_the_script_never_binds_needs_no_test() -> None:
    text = _compiled_text(USES)
    for fn in ("range", "sum", "enumerate", "isinstance", "str", "round", "int"):
        assert f" is _g{fn}_" not in text, fn
    assert "isinstance is _bisinstance_" not in text
    assert "_lrange_" not in text


#: Every way a script binds a name: each keeps the test, for that name only.
BINDINGS = [
    "range = 3",
    "def g(range):\n    return range",
    "class C:\n    range = 3",
    "def g():\n    global range\n    range = 3",
    "def g():\n    range = 3\n    def h():\n        nonlocal range\n        range = 4",
    "ys = [(range := 3) for _ in [0]]",
    "for range in [1]:\n    pass",
    "try:\n    pass\nexcept Exception as range:\n    pass",
    "import math as range",
    "from math import floor as range",
    "def range():\n    pass",
    "class range:\n    pass",
    "match 1:\n    case range:\n        pass",
    "match [1]:\n    case [*range]:\n        pass",
    "match {}:\n    case {**range}:\n        pass",
    "range: int = 3",
    "range += 1",
    "del range",
    "lambda range: range",
]


@pytest.mark.parametrize("binding", BINDINGS)
def test_a_name_the_script_binds_anywhere_keeps_its_test(binding: str) -> None:
    text = _compiled_text(binding + "\n" + USES)
    assert " is _grange_" in text or "_lrange_" in text
    assert " is _gsum_" not in text and " is _gstr_" not in text


REBOUND_EVERYWHERE = """
def on_tick(ctx, dt):
    return f([1, 2, 3])


def g():
    global range, sum, str
    range = lambda n: [10, 20][:n]
    sum = lambda xs: 100
    str = lambda x: "str"


g()
"""


@pytest.mark.parametrize("tier", TIERS)
def test_a_name_rebound_from_a_function_is_what_the_script_calls(tier: str) -> None:
    hook_result_as_plain(USES + REBOUND_EVERYWHERE, tier=tier)
