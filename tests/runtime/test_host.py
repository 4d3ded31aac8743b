"""runtime.Host end to end with real mods on disk: determinism, hooks, events, faults."""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import Diagnostic, HostPolicy, load_policy
from runtime import Host
from runtime.core._report import RunReport

REPO_MODS = Path(__file__).resolve().parents[2] / "mods"


def unsigned_aside(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Leave out the dev-policy warnings about unsigned test mods."""
    return [d for d in diagnostics if not d.code.startswith("SIGNATURE_")]


def _run(mods: Path, *, ticks: int, seed: int = 0, policy: HostPolicy | None = None) -> Host:
    """A host over ``mods`` that has loaded every mod and run ``ticks`` ticks; close it."""
    host = Host(mods, seed=seed, policy=policy)
    host.load()
    host.step(ticks)
    return host


def _report(mods: Path, *, ticks: int, policy: HostPolicy | None = None) -> RunReport:
    """The report of a host over ``mods`` after ``ticks`` ticks, taken before it closes."""
    with _run(mods, ticks=ticks, policy=policy) as host:
        return host.report()


def test_same_seed_same_hash_and_different_seed_different_hash() -> None:
    with _run(REPO_MODS, seed=3, ticks=120) as a, _run(REPO_MODS, seed=3, ticks=120) as b:
        assert a.world_hash() == b.world_hash()
        assert a.report().mods["scoreboard"].log == b.report().mods["scoreboard"].log
    with _run(REPO_MODS, seed=4, ticks=120) as c:
        assert c.world_hash() != a.world_hash()


def test_stepping_in_pieces_equals_stepping_at_once() -> None:
    with _run(REPO_MODS, seed=1, ticks=90) as whole, Host(REPO_MODS, seed=1) as pieces:
        pieces.load()
        for n in (1, 29, 60):
            pieces.step(n)
        assert pieces.world_hash() == whole.world_hash()


def test_example_mods_run_clean_and_collect_coins() -> None:
    with _run(REPO_MODS, seed=0, ticks=240) as host:
        report = host.report()
    examples = ["arena", "coins", "guards", "scoreboard"]
    assert [m for m in report.load_order if m in examples] == examples
    assert {m.state for m in report.mods.values()} == {"running"}
    assert [d for d in report.diagnostics if d.severity == "error"] == []
    assert any(line.startswith("score ") for line in report.mods["scoreboard"].log)
    assert report.kinds["ground"] == 1 and report.kinds["guard"] == 3
    assert {report.mods[m].tier for m in examples} == {HostPolicy().sandbox.tier}
    assert report.mods["beacon"].tier == "wasm"  # components only: no script tier ran it


def test_hooks_run_in_documented_order(make_mod, mods_dir: Path) -> None:
    make_mod(
        "alpha",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.log("load")
                ctx.world.spawn("blob", (0, 0, 0))
                ctx.world.spawn("blob", (1, 0, 0))

            def on_tick(ctx, dt):
                ctx.log("mod tick %d" % ctx.tick)
            """
        },
        entity_scripts={
            "blob": """
            def on_spawn(ctx):
                ctx.log("spawn %d at tick %d" % (ctx.entity.id, ctx.tick))

            def on_tick(ctx, dt):
                ctx.log("tick %d entity %d" % (ctx.tick, ctx.entity.id))
            """
        },
    )
    assert _report(mods_dir, ticks=2).mods["alpha"].log == [
        "load",
        "mod tick 1",
        "spawn 1 at tick 1",
        "tick 1 entity 1",
        "spawn 2 at tick 1",
        "tick 1 entity 2",
        "mod tick 2",
        "tick 2 entity 1",
        "tick 2 entity 2",
    ]


def test_state_is_kept_per_entity_and_per_mod(make_mod, mods_dir: Path) -> None:
    make_mod(
        "counter",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.state["ticks"] = 0
                ctx.world.spawn("c", (0, 0, 0))
                ctx.world.spawn("c", (0, 0, 0))

            def on_tick(ctx, dt):
                ctx.state["ticks"] = ctx.state["ticks"] + 1
                if ctx.tick == 5:
                    ctx.log("mod ticks %d" % ctx.state["ticks"])
            """
        },
        entity_scripts={
            "c": """
            def on_tick(ctx, dt):
                ctx.state["n"] = ctx.state.get("n", 0) + ctx.entity.id
                if ctx.tick == 5:
                    ctx.log("entity %d sum %d" % (ctx.entity.id, ctx.state["n"]))
            """
        },
    )
    assert _report(mods_dir, ticks=5).mods["counter"].log == [
        "mod ticks 5",
        "entity 1 sum 5",
        "entity 2 sum 10",
    ]


def test_events_are_delivered_in_load_then_entity_then_emission_order(
    make_mod, mods_dir: Path
) -> None:
    emitter = """
    def on_tick(ctx, dt):
        if ctx.tick == 1:
            ctx.events.emit("e", {"from": "%s-entity-%d" % (ctx.entity.kind, ctx.entity.id)})
            ctx.events.emit("e", {"from": "%s-entity-%d-again" % (ctx.entity.kind, ctx.entity.id)})
    """
    make_mod(
        "early",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.world.spawn("early-thing", (0, 0, 0))
                ctx.world.spawn("early-thing", (0, 0, 0))

            def on_tick(ctx, dt):
                if ctx.tick == 1:
                    ctx.events.emit("e", {"from": "early-mod"})
            """
        },
        entity_scripts={"early-thing": emitter},
    )
    make_mod(
        "late",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.world.spawn("late-thing", (0, 0, 0))

            def on_tick(ctx, dt):
                if ctx.tick == 1:
                    ctx.events.emit("e", {"from": "late-mod"})

            def on_event(ctx, event):
                ctx.log("%s:%s" % (event.source, event.payload["from"]))
            """
        },
        entity_scripts={"late-thing": emitter},
        extra='[dependencies]\nsoftAfter = ["early"]\n',
    )
    assert _report(mods_dir, ticks=1).mods["late"].log == [
        "early:early-mod",
        "early:early-thing-entity-1",
        "early:early-thing-entity-1-again",
        "early:early-thing-entity-2",
        "early:early-thing-entity-2-again",
        "late:late-mod",
        "late:late-thing-entity-3",
        "late:late-thing-entity-3-again",
    ]


def test_events_need_events_listen(make_mod, mods_dir: Path) -> None:
    make_mod(
        "deaf",
        capabilities=("events.emit", "log"),
        scripts={
            "main.py": """
            def on_tick(ctx, dt):
                ctx.events.emit("ping", None)

            def on_event(ctx, event):
                ctx.log("heard")
            """
        },
    )
    report = _report(mods_dir, ticks=3)
    assert report.mods["deaf"].log == []
    (note,) = unsigned_aside(report.mods["deaf"].diagnostics)
    assert note.code == "CAPABILITY_DENIED" and note.severity == "warning"
    assert "events.listen" in note.message


def test_a_raising_hook_is_a_sandbox_error_with_line_and_the_host_keeps_ticking(
    make_mod, mods_dir: Path
) -> None:
    make_mod(
        "broken",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.world.spawn("rock", (0, 0, 0), (1, 0, 0))

            def on_tick(ctx, dt):
                if ctx.tick == 2:
                    raise ValueError("boom")
            """
        },
    )
    make_mod("fine", scripts={"main.py": "def on_tick(ctx, dt):\n    ctx.log(str(ctx.tick))\n"})
    report = _report(mods_dir, ticks=4)
    broken = report.mods["broken"]
    assert broken.state == "running" and broken.faults == 1
    (diag,) = unsigned_aside(broken.diagnostics)
    assert diag.code == "SANDBOX_ERROR" and diag.mod == "broken"
    assert diag.file == "scripts/main.py" and diag.line == 7
    assert "boom" in diag.message and diag.hint
    assert report.mods["fine"].log == ["1", "2", "3", "4"]


@pytest.mark.parametrize("ticks", [12])
def test_fault_ladder_throttles_then_quarantines_and_freezes(
    make_mod, mods_dir: Path, ticks: int
) -> None:
    make_mod(
        "flaky",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.world.spawn("rock", (0, 0, 0), (60, 0, 0))

            def on_tick(ctx, dt):
                ctx.log("ran %d" % ctx.tick)
                raise RuntimeError("again")
            """
        },
    )
    make_mod(
        "steady",
        scripts={
            "main.py": "def on_load(ctx):\n    ctx.world.spawn('pebble', (0, 0, 0), (60, 0, 0))\n"
        },
    )
    with _run(mods_dir, ticks=ticks) as host:
        report = host.report()
        rock = host.world.query(kind="rock")[0]
        pebble = host.world.query(kind="pebble")[0]
    flaky = report.mods["flaky"]
    # Default ladder: throttle at 3 faults (then every 4th tick), quarantine at 5.
    assert flaky.log == ["ran 1", "ran 2", "ran 3", "ran 4", "ran 8"]
    assert flaky.faults == 5 and flaky.state == "quarantined"
    codes = [d.code for d in unsigned_aside(flaky.diagnostics)]
    assert codes == ["SANDBOX_ERROR"] * 3 + ["MOD_THROTTLED"] + ["SANDBOX_ERROR"] * 2 + [
        "MOD_QUARANTINED"
    ]
    # Quarantined at tick 8: its rock moved 1 unit per tick until then, the pebble all along.
    assert rock.position[0] == pytest.approx(7.0)
    assert pebble.position[0] == pytest.approx(float(ticks))
    assert report.mods["steady"].state == "running"


def test_load_and_unload_are_repeatable_and_keep_state(make_mod, mods_dir: Path) -> None:
    make_mod(
        "keeper",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.state["loads"] = ctx.state.get("loads", 0) + 1
                ctx.log("load %d" % ctx.state["loads"])
            """
        },
    )
    with Host(mods_dir) as host:
        host.load()
        first = host.instances["keeper"]
        host.unload_mod("keeper")
        assert first.closed and first.sandbox.closed
        second = host.load_mod("keeper")
        assert second is not None and second is not first
        assert host.report().mods["keeper"].log == ["load 1", "load 2"]
    assert second.closed, "closing the host closes every instance"


def test_snapshot_copies_the_world_with_an_overlay() -> None:
    with _run(REPO_MODS, seed=0, ticks=30) as host:
        frame = host.snapshot()
        assert frame.tick == 30
        assert frame.ids.tolist() == host.world.ids.tolist()
        assert len(frame.kinds) == len(frame.ids) == frame.positions.shape[0]
        assert frame.positions.dtype.name == "float32"
        assert frame.overlay["tick rate"] == "60 Hz"
        assert frame.overlay["entities"] == str(len(frame.ids))
        assert frame.overlay["coins"].endswith("ms/tick")
        frame.positions[:] = 0.0
        assert host.world.positions.any(), "the snapshot is a copy"


def test_check_and_run_report_planning_identically(make_mod, mods_dir: Path) -> None:
    from runtime.cli._cmd_check import check_mods

    make_mod("base")
    make_mod("needs-missing", extra='[dependencies]\nrequired = { "ghost" = ">=1.0" }\n')
    make_mod("needs-needy", extra='[dependencies]\nrequired = { "needs-missing" = "*" }\n')
    checked = check_mods(mods_dir, HostPolicy())
    with Host(mods_dir) as host:
        host.load()
        ran = host.report()
    assert checked.load_order == ran.load_order == ["base"]
    assert [d.model_dump() for d in checked.diagnostics] == [
        d.model_dump() for d in ran.diagnostics
    ]
    assert {m: s.state for m, s in checked.mods.items()} == {
        "base": "running",
        "needs-missing": "disabled",
        "needs-needy": "disabled",
    }
    assert ran.mods["needs-missing"].state == "disabled"
    codes = {d.code for d in ran.mods["needs-missing"].diagnostics}
    assert "RESOLVE_MISSING_REQUIRED" in codes


def test_reloading_a_mod_does_not_repeat_on_spawn(make_mod, mods_dir: Path) -> None:
    make_mod(
        "spawny",
        scripts={"main.py": "def on_load(ctx):\n    ctx.world.spawn('pod', (0, 0, 0))\n"},
        entity_scripts={"pod": "def on_spawn(ctx):\n    ctx.log('spawn %d' % ctx.entity.id)\n"},
    )
    make_mod(
        "latecomer",
        entity_scripts={"pod": "def on_spawn(ctx):\n    ctx.log('late %d' % ctx.entity.id)\n"},
    )
    with Host(mods_dir) as host:
        host.load()
        host.step(1)
        host.unload_mod("spawny")
        host.load_mod("spawny")
        host.step(1)
        report = host.report()
    # The reloaded on_load spawned a second pod; the first is not announced again.
    assert report.mods["spawny"].log == ["spawn 1", "spawn 2"]
    # A mod scripting an existing kind meets every entity once.
    assert report.mods["latecomer"].log == ["late 1", "late 2"]


def test_a_fault_in_on_event_is_counted_and_other_receivers_still_get_it(
    make_mod, mods_dir: Path
) -> None:
    make_mod(
        "caller",
        scripts={
            "main.py": "def on_tick(ctx, dt):\n    ctx.events.emit('ping', {'n': ctx.tick})\n"
        },
    )
    make_mod(
        "grumpy",
        scripts={"main.py": "def on_event(ctx, event):\n    raise ValueError('no')\n"},
    )
    make_mod(
        "happy",
        scripts={"main.py": "def on_event(ctx, event):\n    ctx.log(str(event.payload['n']))\n"},
    )
    report = _report(mods_dir, ticks=2)
    assert report.mods["happy"].log == ["1", "2"]
    grumpy = report.mods["grumpy"]
    assert grumpy.faults == 2 and grumpy.state == "running"
    assert [d.code for d in unsigned_aside(grumpy.diagnostics)] == ["SANDBOX_ERROR"] * 2
    assert unsigned_aside(grumpy.diagnostics)[0].line == 2


def test_faults_below_warn_after_are_tolerated(make_mod, mods_dir: Path) -> None:
    make_mod(
        "blip",
        scripts={
            "main.py": """
            def on_tick(ctx, dt):
                if ctx.tick in (1, 2, 3):
                    raise ValueError("blip")
            """
        },
    )
    (mods_dir.parent / "modhost.toml").write_text(
        "[faults]\nwarn_after = 3\nthrottle_after = 10\nquarantine_after = 20\n"
    )
    policy = load_policy(mods_dir.parent / "modhost.toml")
    blip = _report(mods_dir, ticks=4, policy=policy).mods["blip"]
    assert blip.faults == 3 and blip.state == "running"
    severities = [d.severity for d in unsigned_aside(blip.diagnostics)]
    assert severities == ["info", "info", "error"]
