"""The LoadPlan surface the runtime uses: per-mod views, --strict, JSON, the cycle boundary."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from host_api import ModhostError
from resolver import DependencyCycle, LoadPlanFailed, ModCandidate, ResolutionError, plan_load_order
from resolver._graph import load_order

MakeCandidate = Callable[[dict[str, Any]], ModCandidate]


def _broken(make: MakeCandidate) -> list[ModCandidate]:
    return [
        make({"id": "scoreboard", "required": {"core-items": ">=1.0,<2.0"}}),
        make({"id": "hud", "required": {"scoreboard": "*"}}),
        make({"id": "coins"}),
        make({"id": "weather", "softAfter": ["wind"]}),
        make({"id": "wind", "softAfter": ["weather"]}),
    ]


def test_diagnostics_for_a_taken_down_mod_point_at_the_root(make_candidate: MakeCandidate) -> None:
    plan = plan_load_order(_broken(make_candidate))
    (diag,) = plan.diagnostics_for("hud")
    assert diag.mod == "scoreboard" and diag.code == "RESOLVE_MISSING_REQUIRED"
    reason = plan.reason("hud")
    assert reason is not None and reason.path == ("scoreboard", "hud")
    assert plan.reason("coins") is None
    assert plan.diagnostics_for("coins") == ()


def test_strict_raises_with_every_diagnostic(make_candidate: MakeCandidate) -> None:
    plan = plan_load_order(_broken(make_candidate))
    assert not plan.ok
    with pytest.raises(LoadPlanFailed) as info:
        plan.raise_for_errors()
    assert isinstance(info.value, ResolutionError) and isinstance(info.value, ModhostError)
    assert info.value.code == "RESOLVE_MISSING_REQUIRED"
    assert [d.code for d in info.value.diagnostics] == ["RESOLVE_MISSING_REQUIRED", "RESOLVE_CYCLE"]
    assert info.value.to_diagnostic().mod == "scoreboard"


def test_warnings_alone_pass_strict(make_candidate: MakeCandidate) -> None:
    plan = plan_load_order(_broken(make_candidate)[2:])
    assert plan.ok and [d.severity for d in plan.diagnostics] == ["warning"]
    plan.raise_for_errors()


def test_to_dict_is_json_and_stable(make_candidate: MakeCandidate) -> None:
    mods = _broken(make_candidate)
    first = json.dumps(plan_load_order(mods).to_dict(), sort_keys=False)
    second = json.dumps(plan_load_order(mods[::-1]).to_dict(), sort_keys=False)
    assert first == second
    data = json.loads(first)
    assert data["load_order"] == ["coins", "wind", "weather"]
    assert data["disabled"]["hud"]["path"] == ["scoreboard", "hud"]


def test_empty_folder(make_candidate: MakeCandidate) -> None:
    plan = plan_load_order([])
    assert plan.order == () and plan.disabled == () and plan.diagnostics == ()


def test_a_cycle_reaching_the_order_step_is_named() -> None:
    with pytest.raises(DependencyCycle) as info:
        load_order(["aa", "bb", "cc"], {"aa": ["bb"], "bb": ["aa"], "cc": []})
    assert info.value.code == "RESOLVE_CYCLE"
    assert info.value.cycle in (("aa", "bb", "aa"), ("bb", "aa", "bb"))
    assert "dependency cycle: " in info.value.message
