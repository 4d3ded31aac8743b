"""The profiler's accounting: per-hook figures from both tiers, bounded rings, trends, GC."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from host_api import Limits
from runtime import Host
from runtime.core._scheduler import STAGE_ORDER, Stage
from runtime.gameplay._input import InputEvent
from runtime.profile._profile import MAX_EVENT_NAMES, Profiler
from runtime.profile._profile_overlay import TOGGLE_KEY, ProfileOverlay, graph, panel_lines
from runtime.profile._profile_report import TrendWatcher, trend_windows
from sandbox import HookFigures, ProcessSandbox, RestrictedSandbox, ScriptSandbox

# Without a ctx argument the process tier makes one up and passes the others after it.
LOOP = """\
def on_tick(ctx, dt=None, extra=None):
    for i in range(500):
        pass


def on_spawn(ctx, extra=None):
    return 1
"""


def _figures_of(box: ScriptSandbox) -> dict[tuple[str, str], list[int]]:
    module = box.load("scripts/loop.py", LOOP)
    box.figures = HookFigures()
    calls = [(module, "on_spawn", (None,)), *[(module, "on_tick", (None, 0.1))] * 4]
    calls += [(module, "on_spawn", (None,))]
    box.call_batch(calls, lambda fault: True)
    return box.figures.take()


@pytest.mark.parametrize("tier", [RestrictedSandbox, ProcessSandbox])
def test_each_tier_counts_calls_and_fuel_per_hook(tier: type[ScriptSandbox]) -> None:
    with tier("m", Limits(timeout_ms=2000)) as box:
        totals = _figures_of(box)
    assert set(totals) == {("scripts/loop.py", "on_spawn"), ("scripts/loop.py", "on_tick")}
    spawn, tick = totals[("scripts/loop.py", "on_spawn")], totals[("scripts/loop.py", "on_tick")]
    assert (spawn[0], tick[0]) == (2, 4)
    assert tick[1] > 0 and spawn[1] > 0
    assert 4 * 500 <= tick[2] < 4 * 520


def test_fuel_figures_are_the_same_in_both_tiers() -> None:
    with RestrictedSandbox("m", Limits()) as a, ProcessSandbox("m", Limits(timeout_ms=2000)) as b:
        fuel_a = {k: v[2] for k, v in _figures_of(a).items()}
        fuel_b = {k: v[2] for k, v in _figures_of(b).items()}
    assert fuel_a == fuel_b


def test_without_figures_nothing_is_recorded() -> None:
    with RestrictedSandbox("m", Limits()) as box:
        module = box.load("scripts/loop.py", LOOP)
        box.call_batch([(module, "on_tick", (None, 0.1))], lambda fault: True)
        assert box.figures is None


def _tick(prof: Profiler, mods_ns: dict[str, int]) -> None:
    """One synthetic tick, as the scheduler drives it: each mod runs in the scripts stage for
    the given ns, and every stage takes 1,000 ns more."""
    clock = 0
    starts, ends = [], []
    for stage in STAGE_ORDER:
        prof.stage = stage
        starts.append(clock)
        if stage is Stage.SCRIPTS:
            for mod, ns in mods_ns.items():
                prof.mod_done(mod, clock, clock + ns, None)
                clock += ns
        clock += 1000
        ends.append(clock)
    prof.stage = None
    prof.tick_ended(starts, ends)


def test_rings_are_bounded_however_long_the_run() -> None:
    prof = Profiler(hz=10, windows_s=(1.0,))
    assert prof.capacity == 20
    for n in range(500):
        _tick(prof, {"a": 1000 + n})
    assert prof.ticks == 500
    wall, cpu = prof.mod_series("a")
    assert prof.tick_ns.shape == wall.shape == cpu.shape == (20,)
    assert list(wall[-3:]) == [1497, 1498, 1499]
    assert prof.window(10) is not None and prof.window(10, offset=10) is not None
    assert prof.window(21) is None
    assert prof.hooks[("a", "scripts", "", "(host)")].wall_ns == sum(1000 + n for n in range(500))


def test_a_mod_whose_p95_grew_is_named() -> None:
    prof = Profiler(hz=10, windows_s=(1.0,))
    said: list[str] = []
    host: Any = type("H", (), {"profiler": prof, "tick": 0, "policy": _policy()})()
    TrendWatcher(host, said.append).attach()
    for _ in range(10):
        _tick(prof, {"steady": 200_000, "growing": 200_000})
    for _ in range(10):
        _tick(prof, {"steady": 200_000, "growing": 900_000})
    (window,) = trend_windows(prof, growth=0.5, min_ms=0.05)
    assert window.grew == ["growing"]
    assert window.delta_mods_p95_ms == {"growing": 0.7, "steady": 0.0}
    assert said == ["trend: growing p95 0.200 ms -> 0.900 ms over the last 1 s (tick 0)"]


def _policy() -> Any:
    from host_api import HostPolicy

    return HostPolicy()


def test_event_names_are_capped() -> None:
    prof = Profiler(hz=60)
    prof.count_events([f"e{n}" for n in range(MAX_EVENT_NAMES + 50)] + ["e0"])
    assert len(prof.events) == MAX_EVENT_NAMES + 1
    assert prof.events["(other)"] == 50 and prof.events["e0"] == 2


def test_gc_pauses_are_counted_while_started() -> None:
    prof = Profiler(hz=60)
    prof.start(tick=lambda: 0, capability_calls=dict)
    try:
        gc.collect()
        assert prof.gc.count >= 1 and prof.gc.total_ns > 0
    finally:
        prof.close()
    seen = prof.gc.count
    gc.collect()
    assert prof.gc.count == seen


def test_graph_shows_ticks_against_the_frame_budget() -> None:
    import numpy as np

    assert (
        graph(np.array([0, 10, 20, 40]), budget_ns=20, columns=4) == "_=@@"
    )  # half the budget: mid-ramp
    assert graph(np.array([], dtype=np.int64), budget_ns=20) == ""


def test_overlay_panel_toggles_with_its_key(slow_world: Path) -> None:
    with Host(slow_world / "mods", seed=0) as host:
        host.load()
        overlay = ProfileOverlay(host)
        host.gameplay.input.queue([InputEvent(tick=3, type="key_down", key=TOGGLE_KEY)])
        host.step(2)
        assert overlay() == {}
        host.step(1)
        lines = overlay()
        assert lines == panel_lines(host)
        hot = [v.rsplit(" ", 3)[0] for k, v in lines.items() if k.startswith("hot ")]
        # Each mod's hook and host-side time; 'cheap' listens to events, so also its
        # host-side time in the events stage.
        assert sorted(hot) == [
            "cheap events/host side",
            "cheap scripts/host side",
            "cheap scripts/on_tick",
            "slow scripts/host side",
            "slow scripts/on_tick",
        ]
        assert "tick graph" in lines and "tick time" in lines
        host.step(1)
        assert overlay() != {}  # stays shown until the key comes again


LISTENER = """\
def on_event(ctx, event):
    ctx.state["seen"] = ctx.state.get("seen", 0) + 1
"""


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_on_event_calls_are_counted_per_hook(slow_world: Path, make_mod: Any, tier: str) -> None:
    from host_api import HostPolicy
    from host_api._policy import SandboxPolicy

    make_mod("listener", scripts={"main.py": LISTENER})
    policy = HostPolicy(sandbox=SandboxPolicy(tier=tier))  # type: ignore[arg-type]
    with Host(slow_world / "mods", policy=policy, seed=0) as host:
        host.load()
        host.step(10)
        prof = host.profiler
        assert prof is not None
        hook = prof.hooks[("listener", "events", "scripts/main.py", "on_event")]
    assert hook.calls == 10  # slow emits one event a tick
    assert hook.fuel >= 10 and hook.wall_ns > 0


def test_two_profilers_each_stop_their_own_gc_counting() -> None:
    first, second = Profiler(hz=60), Profiler(hz=60)
    first.start(tick=lambda: 0, capability_calls=dict)
    second.start(tick=lambda: 0, capability_calls=dict)
    first.close()
    seen, before = first.gc.count, second.gc.count
    gc.collect()
    second.close()
    assert first.gc.count == seen and second.gc.count > before
    assert first.gc not in gc.callbacks and second.gc not in gc.callbacks


def test_hook_lines_read_a_changed_script_as_hostile_input(tmp_path: Path) -> None:
    """The report reads each profiled script again for its ``def`` lines: by then the file
    may be anything (a FIFO, a huge file, a parser bomb), and the report still comes out."""
    import os
    from types import SimpleNamespace

    from runtime.profile._profile_report import _HookLines

    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "ok.py").write_text("x = 1\n\ndef on_tick(ctx, dt):\n    pass\n")
    os.mkfifo(tmp_path / "scripts" / "fifo.py")
    (tmp_path / "scripts" / "huge.py").write_text("#" * (1 << 20))
    (tmp_path / "scripts" / "deep.py").write_text("x = " + "(" * 100_000 + ")" * 100_000)
    host = SimpleNamespace(instances={"m": SimpleNamespace(folder=tmp_path)})
    lines = _HookLines(host)  # type: ignore[arg-type]
    assert lines.where("m", "scripts/ok.py", "on_tick") == "scripts/ok.py:3"
    for name in ("fifo", "huge", "deep"):
        assert lines.where("m", f"scripts/{name}.py", "on_tick") == f"scripts/{name}.py"


WALKER = """
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
"""
HERD = """
def on_system(ctx, dt, rows):
    total = 0
    for i in range(len(rows.ids)):
        total += i
"""
SPAWN_FIVE = "def on_load(ctx):\n    for i in range(5):\n        ctx.world.spawn('sheep')\n"


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_a_kinds_scripts_are_each_counted_under_their_own_hooks(
    tmp_path: Path, make_mod: Any, tier: str
) -> None:
    from host_api import HostPolicy
    from host_api._policy import SandboxPolicy

    folder = make_mod("farm", scripts={"main.py": SPAWN_FIVE}, entity_scripts={"sheep": WALKER})
    (folder / "scripts" / "herd.py").write_text(HERD, encoding="utf-8")
    manifest = folder / "mod.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "[limits]", '[[scripts]]\nentity = "sheep"\npath = "scripts/herd.py"\n\n[limits]'
        ),
        encoding="utf-8",
    )
    policy = HostPolicy(sandbox=SandboxPolicy(tier=tier))  # type: ignore[arg-type]
    with Host(folder.parent, policy=policy, seed=0) as host:
        host.load()
        host.step(4)
        prof = host.profiler
        assert prof is not None
        hooks = {(path, hook): figures for (mod, _, path, hook), figures in prof.hooks.items()
                 if mod == "farm"}  # fmt: skip
    assert hooks[("scripts/sheep.py", "on_tick")].calls == 4 * 5
    system = hooks[("scripts/herd.py", "on_system")]
    assert system.calls == 4 and system.fuel > 0
