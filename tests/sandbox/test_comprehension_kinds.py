"""What a comprehension knows (``_loop_kinds.mark_comprehension``): a ``for`` target over
``range(...)`` is an int from its clause on, so arithmetic on it runs without a type test;
anything else (another iterable, a rebound ``range``, a target bound again) keeps the test,
and results, limits and refusals are plain Python's and the guards' as before."""

from __future__ import annotations

import ast

import pytest

from sandbox.python._checker import Checker
from tests.compat.harness import hook_fault, hook_result_as_plain

TIERS = ["inprocess", "process"]


def _type_tests(source: str) -> int:
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(source))
    assert not errors
    return sum(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_type_"
        for n in ast.walk(tree)
    )


@pytest.mark.parametrize(
    ("source", "tested"),
    [
        ("g = [i * 7 + j * 3 for i in range(5) for j in range(4)]", False),
        ("g = [[i * j + 1 for j in range(i)] for i in range(5)]", False),
        ("g = {i: i * 3 for i in range(5) if i * 2 > 3}", False),
        ("g = sum(i * i for i in range(5))", False),
        ("K = 3\ng = [i * K for i in range(5)]", False),
        ("g = [i * 7 for i in xs]", True),
        ("g = [i * 7 for i in range(5) for i in xs]", True),
        ("g = [i * 7 for (i, k) in zip(range(5), xs)]", True),
        ("range = lambda n: xs\ng = [i * 7 for i in range(5)]", True),
        ("g = [(lambda i: i * 7)(i) for i in range(5)]", True),
        # An inner comprehension's target shadows the outer's, directly or deeper inside.
        ("g = [[i * 7 for i in xs] for i in range(5)]", True),
        ("g = [f([i * 7 for i in xs]) for i in range(5)]", True),
        ("g = [[i * 7 for k in range(2) for i in xs] for i in range(5)]", True),
    ],
)
def test_which_comprehensions_run_their_arithmetic_untested(source: str, tested: bool) -> None:
    assert (_type_tests(source) > 0) == tested


TABLE = """
def table():
    xs = [2.5, 3, "s", [1]]
    out = []
    out.append([i * 7 + j * 3 for i in range(-3, 4) for j in range(0, 9, 2)])
    out.append([[i * j % 5 for j in range(i)] for i in range(6)])
    out.append({i: i ** 3 - i << 2 for i in range(-4, 4) if i * 2 > -5})
    out.append([i * x for i in range(3) for x in xs])
    out.append([i * 10 ** 30 + i for i in range(3)])
    out.append(sorted({i % 3 for i in range(10)}))
    out.append(list(i * i for i in range(5)))
    return out


def on_tick(ctx, dt):
    return table()
"""


@pytest.mark.parametrize("tier", TIERS)
def test_comprehensions_give_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(TABLE, tier=tier)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "body",
    [
        "return [1 << (i * 1000) for i in range(200)]",
        "return [7 ** i for i in range(200000)]",
        "return [[i * 10 ** 9 for i in [[0]]] for i in range(2)]",
        "return [[i * 10 ** 9 for k in range(1) for i in [[0]]] for i in range(2)]",
        "return [i * i * i * i * i * i * i for i in range(2 ** 20000, 2 ** 20000 + 2)]",
    ],
)
def test_growth_in_a_comprehension_is_still_refused(tier: str, body: str) -> None:
    fault = hook_fault(f"def on_tick(ctx, dt):\n    {body}\n", tier=tier)
    assert fault.code == "SANDBOX_MEMORY_LIMIT"
    assert "would" in str(fault)  # refused by a guard before the work, not after
