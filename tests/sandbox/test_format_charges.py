"""'%' formatting and ``str.format`` read their directives and bound their values' text in
host code: each is charged a unit of fuel (the directives of '%' before they are read, the
values and ``str.format``'s fields as they go, so the deadline is checked between them)."""

from __future__ import annotations

import pytest

from host_api import DiagnosticCode, Limits
from tests.compat.harness import hook_fault, hook_result_as_plain

TIERS = ["inprocess", "process"]
SMALL_FUEL = Limits(memory_mb=16, fuel=20_000, timeout_ms=5_000)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "expression",
    [
        '("%d" * 50000) % ((1,) * 50000)',  # the directives, before they are read
        '("%s" * 30000) % tuple(["ab"] * 30000)',
        '(" %(a)s" * 50000) % {"a": 1}',
        'b"%d" * 50000 % ((1,) * 50000)',
        '("{}" * 30000).format(*(["a"] * 30000))',
        '("{0:{1}}" * 30000).format(1, 5)',
        '("{a}" * 30000).format_map({"a": 1})',
    ],
)
def test_formatting_charges_each_directive_and_value(tier: str, expression: str) -> None:
    source = f"def on_tick(ctx, dt):\n    return len({expression})\n"
    fault = hook_fault(source, tier=tier, limits=SMALL_FUEL)
    assert fault.code is DiagnosticCode.SANDBOX_FUEL_EXHAUSTED


@pytest.mark.parametrize("tier", TIERS)
def test_a_long_format_is_stopped_at_the_deadline_while_it_runs(tier: str) -> None:
    # Fuel for all of it, not the time: the deadline is checked between fields.
    limits = Limits(memory_mb=64, fuel=10_000_000, timeout_ms=50)
    source = 'def on_tick(ctx, dt):\n    return len(("{0:{1}}" * 400000).format(1, 5))\n'
    fault = hook_fault(source, tier=tier, limits=limits)
    assert fault.code is DiagnosticCode.SANDBOX_TIMEOUT


@pytest.mark.parametrize("tier", TIERS)
def test_ordinary_formatting_is_plain_pythons(tier: str) -> None:
    hook_result_as_plain(
        "def on_tick(ctx, dt):\n"
        "    rows = [('a', 1, 2.5), ('bb', 22, 0.125)]\n"
        "    out = ['%-4s|%5d|%8.3f|%*d|%.*f' % (n, i, x, 6, i, 2, x) for n, i, x in rows]\n"
        "    out += ['{:>6}|{:^7.2f}|{n!r}'.format(n, x, n=n) for n, i, x in rows]\n"
        "    out.append('%(a)s-%(b)05d %%' % {'a': 'x', 'b': 42})\n"
        "    out.append('{a}/{b}'.format_map({'a': 1, 'b': 'two'}))\n"
        "    return out\n",
        tier=tier,
    )
