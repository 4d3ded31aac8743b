"""Timers (order, repeat, cancel, lifetime, flood, hot reload) and the HUD and camera."""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import DiagnosticCode
from runtime import Host
from runtime.gameplay._timers import MAX_TIMERS_PER_MOD, Timers

CAPS = ("world.read", "world.write", "world.spawn", "log", "timers", "ui.write")

CLOCK = """
def on_load(ctx):
    ctx.timers.after(3, "b", {"n": 2})
    ctx.timers.after(3, "a", {"n": 1})
    ctx.state["beat"] = ctx.timers.every(4, "beat")
    ctx.state["never"] = ctx.timers.after(2, "never")
    ctx.timers.cancel(ctx.state["never"])
    ctx.world.spawn("bomb", (0.0, 0.0, 0.0))
    ctx.world.spawn("bomb", (1.0, 0.0, 0.0))

def on_event(ctx, event):
    ctx.log("%d mod %s %r from %s" % (ctx.tick, event.name, event.payload, event.source))
    if event.name == "beat" and ctx.tick >= 12:
        ctx.timers.cancel(ctx.state["beat"])
"""
BOMB = """
def on_spawn(ctx):
    ctx.timers.after(5 + ctx.entity.id, "boom", {"id": ctx.entity.id})
    ctx.timers.every(1, "fuse")

def on_event(ctx, event):
    if event.name == "boom":
        ctx.log("%d boom %d" % (ctx.tick, ctx.entity.id))
        ctx.world.despawn(ctx.entity.id)
"""


def test_timers_fire_in_order_to_their_owner_and_end_with_it(make_mod, mods_dir: Path) -> None:
    make_mod("clock", scripts={"main.py": CLOCK}, entity_scripts={"bomb": BOMB}, capabilities=CAPS)
    with Host(mods_dir) as host:
        host.load()
        fuses: list[int] = []
        host.gameplay.observers.append(
            lambda e: fuses.append(e.source_entity) if e.name == "fuse" else None
        )
        host.step(20)
        log = host.report().mods["clock"].log
        pending = host.gameplay.timers.pending("clock")
    assert log == [
        "3 mod b {'n': 2} from clock",
        "3 mod a {'n': 1} from clock",
        "4 mod beat None from clock",
        "7 boom 1",
        "8 mod beat None from clock",
        "8 boom 2",
        "12 mod beat None from clock",
    ]
    # on_spawn ran on tick 1. Each bomb's every(1) fuse fired from tick 2 up to and including
    # its boom tick (the boom timer is older), then stopped when the bomb despawned.
    assert fuses.count(1) == 6 and fuses.count(2) == 7
    assert pending == 0


def test_timer_floods_are_refused_with_one_warning_per_tick(make_mod, mods_dir: Path) -> None:
    flood = """
def on_tick(ctx, dt):
    ctx.state["got"] = [ctx.timers.after(100, "x") for _ in range(200)]
"""
    make_mod("flood", scripts={"main.py": flood}, capabilities=CAPS)
    with Host(mods_dir) as host:
        host.load()
        host.step(3)
        warnings = [d for d in host.diagnostics if d.code == DiagnosticCode.TIMER_LIMIT]
        assert host.gameplay.timers.pending("flood") == MAX_TIMERS_PER_MOD
        assert host.report().mods["flood"].state == "running"
    assert [w.details["tick"] for w in warnings] == [2, 3]
    assert warnings[0].severity == "warning" and warnings[0].mod == "flood" and warnings[0].hint


def test_timers_cancel_only_their_own_mods_ids() -> None:
    timers = Timers(lambda: 0, lambda d: None)
    a = timers.add("a", None, 5, None, "x", None)
    assert a is not None and not timers.cancel("b", a) and timers.cancel("a", a)
    assert not timers.cancel("a", a) and timers.due(10) == []


def test_bad_timer_arguments_are_faults(make_mod, mods_dir: Path) -> None:
    bad = 'def on_load(ctx):\n    ctx.timers.after(0, "x")\n'
    make_mod("bad", scripts={"main.py": bad}, capabilities=CAPS)
    make_mod("nocap", scripts={"main.py": 'def on_load(ctx):\n    ctx.timers.after(1, "x")\n'})
    with Host(mods_dir) as host:
        host.load()
        codes = {d.mod: d.code for d in host.diagnostics if d.severity == "error"}
    assert codes == {"bad": DiagnosticCode.SANDBOX_ERROR, "nocap": DiagnosticCode.CAPABILITY_DENIED}


def test_timers_survive_a_hot_reload_and_reach_the_new_code(make_mod, mods_dir: Path) -> None:
    script = """
def on_load(ctx):
    ctx.timers.every(10, "tick-tock")

def on_event(ctx, event):
    ctx.log("%s v1 at %d" % (event.name, ctx.tick))
"""
    folder = make_mod("clock", scripts={"main.py": script}, capabilities=CAPS)
    with Host(mods_dir) as host:
        host.load()
        host.step(15)
        (folder / "scripts" / "main.py").write_text(script.replace("v1", "v2"))
        result = host.reload(["clock"])
        assert result.ok and "clock" in result.reloaded
        host.step(10)
        log = host.report().mods["clock"].log
    # Reloading calls on_reload, not on_load: still one timer, now answered by v2.
    assert log == ["tick-tock v1 at 10", "tick-tock v2 at 20"]


def test_a_removed_mods_timers_and_hud_go(make_mod, mods_dir: Path) -> None:
    script = """
def on_load(ctx):
    ctx.timers.every(2, "x")
    ctx.ui.set_text("a", "hello")
"""
    import shutil

    folder = make_mod("gone", scripts={"main.py": script}, capabilities=CAPS)
    with Host(mods_dir) as host:
        host.load()
        host.step(3)
        assert host.snapshot().hud == {"gone/a": "hello"}
        shutil.rmtree(folder)
        result = host.reload()
        assert "gone" in result.unloaded
        host.step(3)
        assert host.gameplay.timers.pending() == 0
        assert host.snapshot().hud == {}


HUD = """
def on_load(ctx):
    ctx.state["hero"] = ctx.world.spawn("hero", (1.0, 2.0, 0.0), (1.0, 0.0, 0.0))
    ctx.ui.camera_target(ctx.state["hero"])

def on_tick(ctx, dt):
    ctx.ui.set_text("b-tick", "tick %d" % ctx.tick)
    ctx.ui.set_text("a-title", "Demo")
    if ctx.tick == 2:
        ctx.ui.clear_text("a-title")
        ctx.ui.camera_target((5.0, 5.0, 0.0))
"""


def test_hud_items_and_camera_target_reach_the_frame(make_mod, mods_dir: Path) -> None:
    make_mod("ui", scripts={"main.py": HUD}, capabilities=CAPS)
    make_mod("other", scripts={"main.py": 'def on_tick(ctx, dt):\n    ctx.ui.set_text("x", "y")\n'})
    with Host(mods_dir) as host:
        host.load()
        host.step(1)
        frame = host.snapshot()
        assert frame.hud == {"ui/a-title": "Demo", "ui/b-tick": "tick 1"}
        assert frame.camera_target == pytest.approx((1.0 + 1 / 60, 2.0, 0.0))
        host.step(1)
        frame = host.snapshot()
        assert frame.hud == {"ui/b-tick": "tick 2"} and frame.camera_target == (5.0, 5.0, 0.0)
        denied = [d.code for d in host.diagnostics if d.mod == "other"]
    assert DiagnosticCode.CAPABILITY_DENIED in denied


def test_hud_shows_in_an_offscreen_screenshot(make_mod, mods_dir: Path, tmp_path: Path) -> None:
    from runtime.present._panda_overlay import hud_lines
    from runtime.present._presentation import open_presenter

    make_mod("ui", scripts={"main.py": HUD}, capabilities=CAPS)
    with Host(mods_dir) as host, open_presenter("offscreen", size=(320, 180)) as presenter:
        host.load()
        host.attach_presenter(presenter)
        host.step(1)
        assert presenter.overlay.text[1] == hud_lines(host.snapshot()) == "Demo\ntick 1"
        assert presenter.screenshot(tmp_path / "hud.png").stat().st_size > 0
