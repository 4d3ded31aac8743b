"""System hooks: ``on_system(ctx, dt, rows)`` runs once per tick for a kind's entities as lists,
in both tiers, with the same checks as writes through ``ctx.entity``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from host_api import Diagnostic, HostPolicy
from runtime import Host

TIERS = ("inprocess", "process")
ALL = ("world.read", "world.write", "world.spawn", "log", "events.emit")

SPAWNER = """
def on_load(ctx):
    for i in range(40):
        ctx.world.spawn("walker", (float(i % 8), float(i // 8), 0.0), tags=("t%d" % (i % 3),))
"""
#: The same steering as an entity script and as a system.
PER_ENTITY = """
def on_spawn(ctx):
    ctx.state["tx"] = 10.0 + ctx.entity.position[0]

def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    s = ctx.state
    dx = s["tx"] - x
    if dx * dx < 1.0:
        s["tx"] = -s["tx"]
    ctx.entity.velocity = (dx * 0.5, 1.0 - y, 0.0)
"""
SYSTEM = """
def on_spawn(ctx):
    ctx.state["tx"] = 10.0 + ctx.entity.position[0]

def on_system(ctx, dt, rows):
    vel = rows.velocities
    states = rows.states
    for i, (x, y, z) in enumerate(rows.positions):
        s = states[i]
        dx = s["tx"] - x
        if dx * dx < 1.0:
            s["tx"] = -s["tx"]
        vel[i] = (dx * 0.5, 1.0 - y, 0.0)
"""


def _host(mods_dir: Path, tier: str) -> Host:
    return Host(mods_dir, seed=5, policy=HostPolicy.model_validate({"sandbox": {"tier": tier}}))


def _errors(host: Host) -> list[Diagnostic]:
    return [d for d in host.diagnostics if d.severity == "error"]


def _faults(host: Host) -> list[Diagnostic]:
    return [d for d in host.diagnostics if d.code.startswith(("SANDBOX", "CAPABILITY"))]


def _walkers(  # type: ignore[no-untyped-def]
    make_mod, script: str, capabilities: tuple[str, ...] = ALL, extra_limits: str = ""
) -> None:
    make_mod(
        "herd",
        scripts={"main.py": SPAWNER},
        entity_scripts={"walker": script},
        capabilities=capabilities,
        extra=f"[limits]\n{extra_limits}" if extra_limits else "",
    )


@contextmanager
def _loaded(
    make_mod, mods_dir: Path, tier: str, script: str, capabilities: tuple[str, ...] = ALL
) -> Iterator[Host]:  # type: ignore[no-untyped-def]
    """The herd mod with ``script`` for its walkers, loaded (40 walkers spawned)."""
    _walkers(make_mod, script, capabilities)
    with _host(mods_dir, tier) as host:
        host.load()
        yield host


def _positions(host: Host) -> list[tuple[float, float, float]]:
    return [tuple(v.position) for v in host.world.query(kind="walker")]  # type: ignore[misc]


def test_a_system_makes_the_same_world_as_its_entity_script_in_both_tiers(
    tmp_path: Path,
) -> None:
    hashes = {}
    for name, script in (("entity", PER_ENTITY), ("system", SYSTEM)):
        mods = tmp_path / name
        folder = mods / "herd" / "scripts"
        folder.mkdir(parents=True)
        (folder / "main.py").write_text(SPAWNER)
        (folder / "walker.py").write_text(script)
        (mods / "herd" / "mod.toml").write_text(
            'id = "herd"\nname = "Herd"\nversion = "1.0.0"\n'
            'capabilities = ["world.read", "world.write", "world.spawn"]\n\n'
            '[[scripts]]\npath = "scripts/main.py"\n\n'
            '[[scripts]]\nentity = "walker"\npath = "scripts/walker.py"\n\n'
            "[limits]\ntimeout_ms = 50\n"
        )
        for tier in TIERS:
            with _host(mods, tier) as host:
                host.load()
                host.step(90)
                assert not _errors(host), (name, tier, _errors(host))
                assert len(host.world) == 40
                hashes[name, tier] = host.world_hash()
    assert len(set(hashes.values())) == 1, hashes


@pytest.mark.parametrize("tier", TIERS)
def test_rows_hold_the_kind_in_ascending_id_and_states_persist(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    script = """
def on_spawn(ctx):
    ctx.state["seen"] = 0

def on_system(ctx, dt, rows):
    assert ctx.entity is None
    assert rows.kind == "walker" and len(rows) == 40
    ids = rows.ids
    assert list(ids) == sorted(ids)
    assert rows.tags[0] == ("t0",) and rows.tags[4] == ("t1",)
    for s in rows.states:
        s["seen"] += 1
    if ctx.tick == 3:
        ctx.log("%d %d" % (rows.states[0]["seen"], rows.states[-1]["seen"]))
        ctx.events.emit("done", {"n": len(rows)})
"""
    _walkers(make_mod, script)
    seen: list[tuple[str, object]] = []
    with _host(mods_dir, tier) as host:
        host.gameplay.observers.append(lambda e: seen.append((e.name, e.source)))
        host.load()
        host.step(4)
        assert not _errors(host), _errors(host)
        assert host.report().mods["herd"].log[-1].endswith("3 3")
    assert seen == [("done", "herd")]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    ("assigned", "message"),
    [
        ('"fast"', "rows.velocities[2] must be three numbers"),
        ("(1.0, 2.0)", "rows.velocities[2] must be three numbers"),
        ('(float("inf"), 0.0, 0.0)', "rows.velocities[2] must be finite"),
        ('(float("nan"), 0.0, 0.0)', "rows.velocities[2] must be finite"),
        ("Sly()", "rows.velocities[2] got a Sly object"),
        ("(Sly(), 0.0, 0.0)", "rows.velocities[2] got a Sly object"),
        ("None", "rows.velocities[2] must be three numbers"),
    ],
)
def test_a_bad_row_faults_the_call_and_nothing_lands(
    make_mod, mods_dir: Path, tier: str, assigned: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    # Sly's methods would run in host code if the host unpacked it: they must never run.
    script = f"""
class Sly:
    def __iter__(self):
        raise RuntimeError("guest code ran in the host")
    def __float__(self):
        raise RuntimeError("guest code ran in the host")
    def __len__(self):
        raise RuntimeError("guest code ran in the host")

def on_system(ctx, dt, rows):
    vel = rows.velocities
    for i in range(len(vel)):
        vel[i] = (1.0, 0.0, 0.0)
    vel[2] = {assigned}
"""
    with _loaded(make_mod, mods_dir, tier, script) as host:
        before = _positions(host)
        host.step(1)
        faults = _faults(host)
        assert faults and faults[0].code == "SANDBOX_ERROR", faults
        assert message in faults[0].message
        assert faults[0].file == "scripts/walker.py"
        assert "guest code" not in faults[0].message
        assert _positions(host) == before  # the other 39 rows did not land either
        assert host.report().mods["herd"].state == "running"


@pytest.mark.parametrize("tier", TIERS)
def test_plain_numbers_in_any_shape_are_accepted_like_cursor_writes(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    script = """
def on_system(ctx, dt, rows):
    pos = rows.positions
    pos[0] = [1, 2, 3]
    pos[1] = (True, 0, 2.5)
    pos[2] = (1e308, 1e308, 1e308)
"""
    with _loaded(make_mod, mods_dir, tier, script) as host:
        host.step(1)
        assert not _faults(host), _faults(host)
        moved = _positions(host)[:3]
    assert moved[0] == (1.0, 2.0, 3.0)
    assert moved[1] == (1.0, 0.0, 2.5)
    assert moved[2] == (1e308, 1e308, 1e308)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("change", ["pos.append((0.0, 0.0, 0.0))", "pos.pop()", "pos.clear()"])
def test_rows_keep_one_entry_per_entity(make_mod, mods_dir: Path, tier: str, change: str) -> None:  # type: ignore[no-untyped-def]
    script = f"""
def on_system(ctx, dt, rows):
    pos = rows.positions
    pos[0] = (5.0, 5.0, 5.0)
    {change}
"""
    with _loaded(make_mod, mods_dir, tier, script) as host:
        before = _positions(host)
        host.step(1)
        faults = _faults(host)
        assert faults and "must keep one entry per entity" in faults[0].message
        assert _positions(host) == before


@pytest.mark.parametrize("tier", TIERS)
def test_writing_rows_needs_world_write(make_mod, mods_dir: Path, tier: str) -> None:  # type: ignore[no-untyped-def]
    script = """
def on_system(ctx, dt, rows):
    rows.velocities[3] = (1.0, 0.0, 0.0)
"""
    with _loaded(
        make_mod, mods_dir, tier, script, capabilities=("world.read", "world.spawn")
    ) as host:
        host.step(1)
        faults = _faults(host)
        assert faults and faults[0].code == "CAPABILITY_DENIED", faults
        assert all(v == (0.0, 0.0, 0.0) for v in (tuple(e.velocity) for e in host.world.query()))


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("column", ["positions", "velocities", "tags"])
def test_reading_rows_needs_world_read(make_mod, mods_dir: Path, tier: str, column: str) -> None:  # type: ignore[no-untyped-def]
    script = f"""
def on_system(ctx, dt, rows):
    ctx.log("ids %d" % len(rows.ids))
    rows.{column}
"""
    with _loaded(
        make_mod, mods_dir, tier, script, capabilities=("world.write", "world.spawn", "log")
    ) as host:
        host.step(1)
        faults = _faults(host)
        assert faults and faults[0].code == "CAPABILITY_DENIED", faults
        assert host.report().mods["herd"].log == ["ids 40"]


@pytest.mark.parametrize("tier", TIERS)
def test_a_runaway_system_is_stopped_by_its_one_call_budget(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    script = """
def on_system(ctx, dt, rows):
    vel = rows.velocities
    vel[0] = (9.0, 9.0, 9.0)
    n = 0
    while True:
        n += 1
"""
    with _loaded(make_mod, mods_dir, tier, script) as host:
        host.step(2)
        faults = _faults(host)
        assert faults and faults[0].code in ("SANDBOX_FUEL_EXHAUSTED", "SANDBOX_TIMEOUT"), faults
        assert all(tuple(e.velocity) == (0.0, 0.0, 0.0) for e in host.world.query(kind="walker"))
        assert host.tick == 2


@pytest.mark.parametrize("tier", TIERS)
def test_rows_and_state_belong_to_the_call(make_mod, mods_dir: Path, tier: str) -> None:  # type: ignore[no-untyped-def]
    script = """
KEPT = []

def on_system(ctx, dt, rows):
    if KEPT:
        try:
            KEPT[0].positions
        except LookupError:
            ctx.log("closed")
        try:
            ctx.state["x"] = 1
        except TypeError:
            ctx.log("read-only state")
    KEPT.append(rows)
"""
    with _loaded(make_mod, mods_dir, tier, script) as host:
        host.step(2)
        assert not _faults(host), _faults(host)
        assert host.report().mods["herd"].log == ["closed", "read-only state"]


@pytest.mark.parametrize("tier", TIERS)
def test_a_script_with_both_on_tick_and_on_system_is_refused_at_load(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    script = """
def on_tick(ctx, dt):
    pass

def on_system(ctx, dt, rows):
    pass
"""
    _walkers(make_mod, script)
    make_mod("bystander", scripts={"main.py": "def on_tick(ctx, dt):\n    pass\n"})
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(1)
        refused = [d for d in _errors(host) if d.mod == "herd"]
        assert refused and refused[0].code == "SANDBOX_FORBIDDEN"
        assert "both on_tick and on_system" in refused[0].message
        assert refused[0].hint
        assert host.report().mods["bystander"].state == "running"


@pytest.mark.parametrize(
    "script",
    [
        """
def on_tick(ctx, dt):
    junk = ctx.state.setdefault("junk", [])
    for i in range(400):
        junk.append(i * 1000)
""",
        """
def on_system(ctx, dt, rows):
    for s in rows.states:
        junk = s.setdefault("junk", [])
        for i in range(400):
            junk.append(i * 1000)
""",
    ],
    ids=["entity", "system"],
)
def test_what_entities_keep_in_their_states_counts_against_the_mod(
    make_mod, mods_dir: Path, script: str
) -> None:  # type: ignore[no-untyped-def]
    # Each entity's state grows by 400 ints a tick; the 40 states together pass the 4 MB
    # limit within a few dozen ticks. The walk finds it by the fuel the growth paid for
    # (not by the process's peak memory, which other work may already have raised).
    _walkers(make_mod, script, extra_limits="memory_mb = 4\ntimeout_ms = 50\n")
    with _host(mods_dir, "inprocess") as host:
        host.load()
        host.step(120)
        codes = [d.code for d in _faults(host)]
        assert "SANDBOX_MEMORY_LIMIT" in codes, codes


@pytest.mark.parametrize("tier", TIERS)
def test_the_profiler_counts_one_system_call_per_tick(make_mod, mods_dir: Path, tier: str) -> None:  # type: ignore[no-untyped-def]
    _walkers(make_mod, SYSTEM)
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(12)
        prof = host.profiler
        assert prof is not None
        hooks = {key[3]: figure for key, figure in prof.hooks.items() if key[0] == "herd"}
    assert "on_tick" not in hooks
    assert hooks["on_system"].calls == 12
    assert hooks["on_system"].fuel > 40 * 12  # a loop step per entity and tick at least


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "swarm"


def test_the_swarm_example_runs_the_same_in_both_tiers(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "mods" / "swarm")
    hashes = []
    for tier in TIERS:
        with _host(tmp_path / "mods", tier) as host:
            host.load()
            host.step(22)  # the hive releases 100 bees a tick
            start = {v.id: tuple(v.position) for v in host.world.query(kind="bee")}
            host.step(30)
            assert not _errors(host), _errors(host)
            moved = [v for v in host.world.query(kind="bee") if tuple(v.position) != start[v.id]]
            assert len(start) == 2000 and len(moved) == 2000
            hashes.append(host.world_hash())
    assert hashes[0] == hashes[1]


@pytest.mark.parametrize("tier", TIERS)
def test_a_system_hooks_timers_and_events_are_the_mods_own(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    script = """
def on_system(ctx, dt, rows):
    if ctx.tick == 1:
        ctx.timers.after(2, "ring", {"n": len(rows)})
        ctx.events.emit("sent", {})
"""
    make_mod(
        "ear",
        scripts={"main.py": "def on_event(ctx, event):\n    pass\n"},
        capabilities=("events.listen",),
    )
    seen: list[tuple[str, object, object]] = []
    with _loaded(make_mod, mods_dir, tier, script, (*ALL, "timers")) as host:
        host.gameplay.observers.append(lambda e: seen.append((e.name, e.source, e.source_entity)))
        host.step(5)
        assert not _faults(host), _faults(host)
    assert ("sent", "herd", None) in seen
    assert ("ring", "herd", None) in seen


@pytest.mark.parametrize("tier", TIERS)
def test_a_system_stalled_in_c_is_stopped_and_the_host_goes_on(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    # One repr of a million-item list takes longer than the call's time limit: the process
    # tier kills the worker, the in-process meter stops the loop at its next step.
    script = """
DATA = list(range(1000000))

def on_system(ctx, dt, rows):
    while True:
        text = repr(DATA)
"""
    _walkers(make_mod, script, extra_limits="memory_mb = 64\ntimeout_ms = 10\n")
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(2)
        assert host.tick == 2
        faults = _faults(host)
        assert faults and faults[0].code == "SANDBOX_TIMEOUT", faults
        assert "entity" not in faults[0].details


@pytest.mark.parametrize("tier", TIERS)
def test_per_entity_scripts_of_a_kind_run_before_its_system(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    make_mod(
        "herd",
        scripts={"main.py": SPAWNER},
        entity_scripts={"walker": "def on_tick(ctx, dt):\n    ctx.state['seen'] = ctx.tick\n"},
        capabilities=ALL,
    )
    counter = """
def on_system(ctx, dt, rows):
    fresh = sum(1 for s in rows.states if s.get('seen') == ctx.tick)
    ctx.log("tick %d: %d of %d" % (ctx.tick, fresh, len(rows)))
"""
    (mods_dir / "herd" / "scripts" / "counter.py").write_text(counter)
    manifest = mods_dir / "herd" / "mod.toml"
    text = manifest.read_text()
    manifest.write_text(
        text.replace(
            "[limits]", '[[scripts]]\nentity = "walker"\npath = "scripts/counter.py"\n\n[limits]'
        )
    )
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(3)
        assert not _faults(host), _faults(host)
        assert host.report().mods["herd"].log == [f"tick {t}: 40 of 40" for t in (1, 2, 3)]
