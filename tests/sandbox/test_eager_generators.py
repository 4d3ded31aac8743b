"""``sum``, ``min``, ``max``, ``sorted``, ``any`` and ``all`` of a generator expression call
the builtin directly (the expression's loop burns the fuel): plain Python's results, the
deadline still stops an endless one, a rebound name is still the script's, and ``sum`` from
a number never concatenates in C once an item's ``__radd__`` can hand back a list."""

from __future__ import annotations

import ast

import pytest

from host_api import Limits
from sandbox.python._checker import Checker
from tests.compat.harness import Sandboxed, hook_fault, hook_result_as_plain

from .conftest import compiles_direct

TIERS = ["inprocess", "process"]
ENDLESS_CONSUMERS = ("sum", "any", "max", "sorted")

CONSUMERS = """
def table(xs):
    return [
        sum(x for x in xs),
        sum(1 for x in xs if x > 0),
        min((x for x in xs), key=abs),
        max((x for x in xs), default=None),
        max((x for x in []), default="none"),
        sorted((x for x in xs), reverse=True),
        sorted((x for x in xs), key=lambda v: -v),
        any(x > 2 for x in xs),
        all(x > -10 for x in xs),
        min(range(len(xs)), key=lambda i: xs[i]),
        max(xs, key=lambda v: (v > 1, -v)),
        min([], key=lambda v: v, default="empty"),
        max("hello", key=lambda c: ord(c) % 5),
        max(0.0, xs[0]),
        min(xs[0], xs[-1], 2, key=abs),
    ]


def on_tick(ctx, dt):
    out = [table([3, -1, 2.5, 0]), table([True, 7])]
    try:
        sum(x for x in ["a", "b"])
    except TypeError as exc:
        out.append(str(exc))
    try:
        min(x for x in [])
    except ValueError as exc:
        out.append(str(exc))
    try:
        max([1, "a"], key=lambda v: v)
    except TypeError as exc:
        out.append(str(exc))
    try:
        max(1, 2, default=0)
    except TypeError as exc:
        out.append(str(exc))
    return out
"""


@pytest.mark.parametrize("tier", TIERS)
def test_the_direct_route_gives_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(CONSUMERS, tier=tier)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "call",
    [
        *(f"{consumer}(x < 0 for x in itertools.count())" for consumer in ENDLESS_CONSUMERS),
        # min and max with a lambda key: the key burns a unit per item
        "min(itertools.count(), key=lambda v: -v)",
        "max(itertools.repeat(1), key=lambda v: v)",
    ],
)
def test_the_direct_route_still_meets_the_deadline(tier: str, call: str) -> None:
    source = f"import itertools\ndef on_tick(ctx, dt):\n    return {call}\n"
    fault = hook_fault(source, tier=tier, limits=Limits(timeout_ms=50, memory_mb=64))
    assert fault.code in {"SANDBOX_TIMEOUT", "SANDBOX_FUEL_EXHAUSTED"}


@pytest.mark.parametrize("tier", TIERS)
def test_a_lambda_key_burns_fuel_for_each_item(tier: str) -> None:
    source = (
        "big = list(range(50000))\ndef on_tick(ctx, dt):\n    return max(big, key=lambda v: -v)\n"
    )
    fault = hook_fault(source, tier=tier, limits=Limits(fuel=20_000, timeout_ms=2000))
    assert fault.code == "SANDBOX_FUEL_EXHAUSTED"
    roomy = Sandboxed(source, tier=tier, limits=Limits(fuel=200_000, timeout_ms=2000))
    try:
        assert roomy.call(0.0) == 0
    finally:
        roomy.close()


def test_only_a_lambda_key_takes_the_direct_route() -> None:
    assert compiles_direct("min(xs, key=lambda v: v)")
    assert compiles_direct("max(xs, key=lambda v: v, default=0)")
    assert not compiles_direct("min(*xs, key=lambda v: v)")
    # Any other single iterable is read through the fuel stream, a unit an item, as the
    # stand-in reads it (a builtin key would draw no fuel; sorted lists every item first).
    for call in ("min(xs, key=g)", "min(xs)", "sorted(xs, key=lambda v: v)"):
        assert compiles_direct(call) and _metered(call), call
    # Values written in the call: nothing to meter, whatever the key.
    assert compiles_direct("max(0.0, g)")
    assert compiles_direct("min(xs, g, 3, key=abs)")
    assert not compiles_direct("max(*xs, g)")


def test_a_rebound_name_is_the_scripts_own() -> None:
    source = (
        "def on_tick(ctx, dt):\n    sum = lambda g: 'mine'\n"
        "    return sum(x for x in [1, 2]), max(x for x in [1, 2])\n"
    )
    box = Sandboxed(source)
    try:
        assert box.call(0.0) == ("mine", 2)
    finally:
        box.close()


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("form", ["sum(items)", "sum(v for v in items)", "sum(items, 0.0)"])
def test_sum_from_a_number_stops_at_the_limit_when_an_item_hands_back_a_list(
    tier: str, form: str
) -> None:
    source = (
        "class K:\n    def __radd__(self, other):\n        return []\n"
        "def on_tick(ctx, dt):\n    items = [K()] + [[0] * 200000] * 300\n"
        f"    return len({form})\n"
    )
    fault = hook_fault(source, tier=tier, limits=Limits(memory_mb=16, timeout_ms=2000))
    assert fault.code == "SANDBOX_MEMORY_LIMIT"


def _metered(call: str) -> bool:
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(f"def f(xs, g):\n    return {call}\n"))
    return "(_fz_(xs, _fuel_)" in ast.unparse(tree)
