"""What a loop's names are known to be across its iterations (``_loop_kinds``): unpacking a
tuple display (``a, b = b, a + b``), a name each iteration sets before it reads it, and the
masks and shifts of two numbers (always an int). Each kernel gives plain Python's results
for every type it is called with, in both tiers; the audit's ``loop-*`` attacks check the
same rules against a list passed off as a number."""

from __future__ import annotations

import ast

import pytest

from host_api import Limits
from sandbox.python._checker import Checker
from tests.compat.harness import Sandboxed, outcome_table

TIERS = ["inprocess", "process"]
LIMITS = Limits(fuel=10_000_000, memory_mb=64, timeout_ms=20000)

KERNELS = """
M = 0xFFFF


def fib(a, b, n):
    for i in range(n):
        a, b = b, a + b
    return a, b


def rounds(a, b, n):
    for i in range(n):
        t = (a + b) & M
        a, b = b, (t * 3 + a) & M
    return a, b


def staged(k, n):
    for i in range(n):
        u = k * k
        k = u * 0.5
    return k


def widened(s, xs):
    for x in xs:
        s += x * 0.5
        s = s - x
    return s


def stale(k, n):
    t = k
    for i in range(n):
        if i == 1:
            k = t * 2
        t = 1.5
    return k


VALUES = [0, 3, -7, 2.5, 1j, True, None, "s", [1], (2,), 10 ** 30]

""" + outcome_table(
    "fib(a, b, 4)",
    "rounds(a, b, 3)",
    "staged(a, 3)",
    "stale(a, 3)",
    "widened(a, [b, b])",
)


@pytest.mark.parametrize("tier", TIERS)
def test_loop_kinds_give_plain_pythons_results(tier: str) -> None:
    plain: dict[str, object] = {}
    exec(compile(KERNELS, "plain", "exec"), plain)
    box = Sandboxed(KERNELS, tier=tier, limits=LIMITS)
    try:
        assert box.call(0.0) == plain["table"]()  # type: ignore[operator]
    finally:
        box.close()


def _function(name: str) -> ast.FunctionDef:
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(KERNELS))
    assert not errors
    return next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)


def _guards(nodes: list[ast.stmt]) -> int:
    """Type tests in ``nodes`` (a product of two ints still tests their bounds, no type)."""
    wrapped = ast.Module(body=nodes, type_ignores=[])
    return sum(
        isinstance(n, ast.Call) and getattr(n.func, "id", "") == "_type_" for n in ast.walk(wrapped)
    )


@pytest.mark.parametrize("name", ["rounds", "staged", "widened"])
def test_a_tested_loop_runs_without_a_type_test(name: str) -> None:
    # rounds: t is set before it is read, every mask is an int and a, b = b, ... keeps both
    # ints; staged: u is set first, so k = u * 0.5 stays a float; widened: s is a number
    # whatever it starts as (int, float or complex), past the flag.
    fn = _function(name)
    branch = next(s for s in fn.body if isinstance(s, ast.If))
    (loop,) = branch.body
    assert isinstance(loop, ast.For)
    assert _guards(loop.body) == 0
    assert _guards(branch.orelse) > 0


def test_a_name_read_before_the_loop_sets_it_is_not_carried() -> None:
    # In stale, t is read (in the if) before the loop sets it: its value from before the
    # loop reaches t * 2, which keeps its guard in every copy.
    fn = _function("stale")
    assert not any(isinstance(s, ast.If) for s in fn.body)  # no test before the loop
    assert "_mul_" in {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
