"""``[budgets]``: BUDGET_EXCEEDED with the figures, the fault ladder, presets, off by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from host_api import HostPolicy, PolicyError, load_policy
from runtime import Host

Cli = Any  # the conftest fixture: cli(*args) -> Outcome

#: Any mod is over a budget of a nanosecond: the outcome does not depend on the machine.
TINY = 1e-6
LADDER = {"BUDGET_EXCEEDED", "MOD_THROTTLED", "MOD_QUARANTINED"}


def _ladder(diagnostics: Any) -> list[str]:
    return [d.code for d in diagnostics if d.code in LADDER]


def _policy(folder: Path, budgets: str) -> Path:
    path = folder / "modhost.toml"
    path.write_text(f'[sandbox]\ntier = "inprocess"\n\n[budgets]\n{budgets}\n')
    return path


def test_a_mod_over_its_budget_gets_budget_exceeded_with_figures_and_hint(
    slow_world: Path,
) -> None:
    policy = load_policy(
        _policy(slow_world, f"window_s = 0.5\n\n[budgets.mods.slow]\nmod_cpu_ms = {TINY}\n")
    )
    with Host(slow_world / "mods", policy=policy, seed=0) as host:
        host.load()
        host.step(60)
        over = [d for d in host.diagnostics if d.code == "BUDGET_EXCEEDED"]
    assert [d.mod for d in over] == ["slow", "slow"]  # one per 30-tick window
    first = over[0]
    assert first.severity == "warning"
    assert "CPU per tick (p95)" in first.message and "on_tick" in first.message
    assert first.details["budget"] == TINY
    assert first.details["measured"] > 0
    assert first.details["top_hook"] == "on_tick (scripts/main.py)"
    assert [d.details["overruns"] for d in over] == [1, 2]
    assert "modhost profile" in (first.hint or "")
    assert host.state_of("slow") == "running"  # action "warn": diagnostics only


def test_repeated_overruns_climb_the_fault_ladder(slow_world: Path) -> None:
    policy = load_policy(
        _policy(
            slow_world,
            f"window_s = 0.25\nthrottle_after = 1\nquarantine_after = 3\n\n"
            f'[budgets.mods.slow]\nmod_cpu_ms = {TINY}\naction = "quarantine"\n',
        )
    )
    with Host(slow_world / "mods", policy=policy, seed=0) as host:
        host.load()
        host.step(15)
        assert _ladder(d for d in host.diagnostics if d.mod == "slow") == [
            "BUDGET_EXCEEDED",
            "MOD_THROTTLED",
        ]
        host.step(60)
        report = host.report()
    codes = _ladder(report.mods["slow"].diagnostics)
    assert codes[:4] == ["BUDGET_EXCEEDED", "MOD_THROTTLED", "BUDGET_EXCEEDED", "BUDGET_EXCEEDED"]
    assert "MOD_QUARANTINED" in codes
    assert report.mods["slow"].state == "quarantined"
    assert report.mods["cheap"].state == "running"
    quarantine = next(d for d in report.mods["slow"].diagnostics if d.code == "MOD_QUARANTINED")
    assert "budget overruns" in quarantine.message


def test_action_warn_never_throttles(slow_world: Path) -> None:
    policy = load_policy(
        _policy(slow_world, f"window_s = 0.25\nthrottle_after = 1\nmod_cpu_ms = {TINY}\n")
    )
    with Host(slow_world / "mods", policy=policy, seed=0) as host:
        host.load()
        host.step(60)
        codes = _ladder(host.diagnostics)
        assert codes == ["BUDGET_EXCEEDED"] * 8  # both mods, four windows
        assert host.state_of("slow") == host.state_of("cheap") == "running"


def test_budgets_are_off_by_default_and_leave_the_world_hash_alone(slow_world: Path) -> None:
    hashes = []
    for profile in (True, False):
        with Host(slow_world / "mods", seed=3, profile=profile) as host:
            host.load()
            host.step(40)
            assert not [d for d in host.diagnostics if d.code == "BUDGET_EXCEEDED"]
            hashes.append(host.world_hash())
    assert HostPolicy().budgets.enabled is False
    assert hashes[0] == hashes[1]


@pytest.mark.parametrize(
    ("preset", "tick", "cpu", "share", "action"),
    [
        ("balanced", 16.7, 4.0, 0.5, "warn"),
        ("strict", 16.7, 2.0, 0.25, "quarantine"),
        ("perf", 8.3, 1.0, 0.2, "throttle"),
    ],
)
def test_presets_have_the_documented_thresholds(
    tmp_path: Path, preset: str, tick: float, cpu: float, share: float, action: str
) -> None:
    budgets = load_policy(_policy(tmp_path, f'preset = "{preset}"\nmod_share = 0.9\n')).budgets
    limits, chosen = budgets.effective()
    assert budgets.enabled
    assert (limits.tick_p95_ms, limits.mod_cpu_ms, chosen) == (tick, cpu, action)
    assert limits.mod_share == 0.9 != share  # a threshold set in the file wins over the preset


@pytest.mark.parametrize(
    "bad",
    ['preset = "fastest"', "mod_share = 1.5", "tick_p95_ms = 0", 'action = "ban"', "nope = 1"],
)
def test_invalid_budgets_are_policy_errors(tmp_path: Path, bad: str) -> None:
    with pytest.raises(PolicyError):
        load_policy(_policy(tmp_path, bad))


def test_startup_budget_names_the_slowest_step(slow_world: Path) -> None:
    policy = load_policy(_policy(slow_world, f"startup_ms = {TINY}\n"))
    with Host(slow_world / "mods", policy=policy, seed=0) as host:
        host.load()
        over = [d for d in host.diagnostics if d.code == "BUDGET_EXCEEDED"]
    assert len(over) == 1
    assert over[0].mod is None
    assert "startup" in over[0].message and "slowest step" in over[0].message
