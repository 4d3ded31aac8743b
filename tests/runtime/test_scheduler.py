"""The scheduler runs stages in order with a boundary after each, at a fixed timestep."""

from __future__ import annotations

import pytest

from runtime.core._scheduler import STAGE_ORDER, Scheduler, Stage


def test_stages_run_in_order_with_boundaries() -> None:
    calls: list[str] = []
    scheduler = Scheduler(
        hz=50,
        on_tick_start=lambda: calls.append("start"),
        on_boundary=lambda stage: calls.append(f"|{stage}"),
    )
    for stage in reversed(STAGE_ORDER):
        scheduler.add(stage, lambda dt, s=stage: calls.append(f"{s}:{dt}"))
    scheduler.step(2)
    one_tick = ["start"]
    for stage in STAGE_ORDER:
        one_tick += [f"{stage}:0.02", f"|{stage}"]
    assert calls == one_tick * 2
    assert scheduler.ticks == 2
    assert [str(s) for s in STAGE_ORDER] == [
        "input",
        "scripts",
        "components",
        "integration",
        "collisions",
        "events",
        "presentation",
    ]


def test_functions_in_a_stage_run_in_registration_order() -> None:
    seen: list[int] = []
    scheduler = Scheduler()
    scheduler.add(Stage.EVENTS, lambda dt: seen.append(1))
    scheduler.add(Stage.EVENTS, lambda dt: seen.append(2))
    scheduler.step()
    assert seen == [1, 2]
    assert scheduler.dt == pytest.approx(1 / 60)


def test_bad_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="hz"):
        Scheduler(hz=0)
