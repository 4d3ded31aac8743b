"""Builtins the compiled code calls directly where the sandbox's stand-in would only hand
the call on: ``isinstance`` against a stand-in type (``int``, ``str`` ...) and ``str(x)`` of
a number or a string. Each gives plain Python's results, takes the stand-in whenever the name
was rebound, and never hands a real type or the builtin to a script's own function."""

from __future__ import annotations

import ast

import pytest

from host_api import DiagnosticCode
from sandbox.python._checker import Checker
from tests.compat.harness import hook_fault, hook_result_as_plain

TIERS = ["inprocess", "process"]


def _source_of(call: str) -> str:
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(f"def f(xs, g, o):\n    return {call}\n"))
    assert not errors
    return ast.unparse(tree)


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
