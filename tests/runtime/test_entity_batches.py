"""Entity scripts run as batches over columns: the same world in both tiers, per-entity limits,
``ctx.entity`` as a cursor, states kept in the process tier's worker, untrusted writes."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from host_api import Diagnostic, HostPolicy
from runtime import Host
from runtime.core._writes import checked_writes
from runtime.testing import Game
from sandbox import ProcessSandbox

TIERS = ("inprocess", "process")
ALL = ("world.read", "world.write", "world.spawn", "log")
NO_WRITE = ("world.read", "world.spawn")
NO_READ = ("world.write", "world.spawn", "log")

HERD = """
def on_tick(ctx, dt):
    made = ctx.state.get("made", 0)
    if made < 30:
        for i in range(3):
            ctx.world.spawn("sheep", (float(made + i), 0.0, 0.0), tags=("wool",))
        ctx.state["made"] = made + 3
    if ctx.tick % 7 == 0:
        sheep = ctx.world.query("sheep")
        if sheep:
            ctx.world.set_position(sheep[0].id, (0.0, 5.0, 0.0))
"""
SHEEP = """
def on_spawn(ctx):
    ctx.state["home"] = ctx.entity.position[0]
    ctx.state["r"] = ctx.random.random()

def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    home = ctx.state["home"]
    n = ctx.state.get("n", 0) + 1
    ctx.state["n"] = n
    ctx.entity.velocity = (home - x + ctx.state["r"], 1.0 - y, 0.0)
    if n % 5 == 0 and "wool" in ctx.entity.tags:
        ctx.events.emit("baa", {"n": n, "x": round(x, 3)})
    if n % 11 == 0:
        ctx.entity.position = (int(home), 0, 0)
"""
WOLF = """
def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    if ctx.entity.id % 3 == 0:
        vx, vy, vz = ctx.entity.velocity
        ctx.entity.velocity = (vx * 0.5, vy * 0.5, vz)
    if ctx.tick % 9 == 0:
        ctx.log("wolf sees %d at %.3f" % (ctx.entity.id, x))
"""


def _host(mods_dir: Path, tier: str, **limits: int) -> Host:
    policy = {"sandbox": {"tier": tier}}
    if limits:
        policy["limits"] = limits  # type: ignore[assignment]
    return Host(mods_dir, seed=11, policy=HostPolicy.model_validate(policy))


def _spawning(kind: str, n: int = 1) -> dict[str, str]:
    """A mod script that spawns ``n`` entities of ``kind`` at x = 0, 1, ... in ``on_load``."""
    body = "".join(f"    ctx.world.spawn('{kind}', ({i}.0, 0.0, 0.0))\n" for i in range(n))
    return {"main.py": "def on_load(ctx):\n" + body}


def _errors(host: Host, mod: str | None = None) -> list[Diagnostic]:
    return [d for d in host.diagnostics if d.severity == "error" and (mod is None or d.mod == mod)]


@pytest.fixture
def herd(make_mod, mods_dir: Path) -> Path:  # type: ignore[no-untyped-def]
    make_mod("herd", scripts={"main.py": HERD}, entity_scripts={"sheep": SHEEP})
    # A second mod scripting the same kind: its writes land after the first mod's.
    make_mod(
        "wolf",
        entity_scripts={"sheep": WOLF},
        extra='[dependencies]\nsoftAfter = ["herd"]\n',
    )
    return mods_dir


def test_both_tiers_make_the_same_world(herd: Path) -> None:
    outcomes = []
    for tier in TIERS:
        with _host(herd, tier) as host:
            events: list[tuple[str, object, object]] = []
            seen = events.append
            host.gameplay.observers.append(lambda e, seen=seen: seen((e.name, e.source, e.payload)))
            host.load()
            host.step(60)
            report = host.report()
            assert not [d for d in report.diagnostics if d.severity == "error"], tier
            outcomes.append((host.world_hash(), events, report.mods["wolf"].log))
    assert outcomes[0][0] == outcomes[1][0]
    assert outcomes[0][1] == outcomes[1][1]
    assert outcomes[0][2] == outcomes[1][2]
    assert any(name == "baa" for name, _, _ in outcomes[0][1])


@pytest.mark.parametrize("tier", TIERS)
def test_a_big_batch_of_cheap_entities_never_trips_the_time_limit(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    dot = """
def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    ctx.entity.velocity = (0.0, 1.0 + x * 0.0, 0.0)
"""
    make_mod("dots", entity_scripts={"dot": dot})
    # The whole batch takes longer than 2 ms of CPU; each entity's call takes microseconds.
    # (The entities are put in the world by the test: spawning is not what is measured.)
    with _host(mods_dir, tier, timeout_ms=2) as host:
        host.load()
        for i in range(5000):
            host.world.spawn("dots", "dot", (float(i), 0.0, 0.0), (0.0, 0.0, 0.0), ())
        host.world.apply_commands()
        host.step(5)
        assert len(host.world) == 5000
        assert [d.code for d in _errors(host)] == []
        assert host.report().mods["dots"].state == "running"
        assert np.all(host.world.velocities[:, 1] == 1.0)


@pytest.mark.parametrize("tier", TIERS)
def test_ctx_entity_reads_back_its_own_writes_and_converts_plain_numbers(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    walker = """
def on_tick(ctx, dt):
    ctx.entity.position = (1, 2, 3)
    ctx.log("%r %r" % (ctx.entity.position, ctx.entity.kind))
"""
    make_mod(
        "walker-mod",
        scripts=_spawning("walker"),
        entity_scripts={"walker": walker},
    )
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(1)
        assert host.report().mods["walker-mod"].log == ["(1.0, 2.0, 3.0) 'walker'"]
        assert host.world.positions.tolist() == [[1.0, 2.0, 3.0]]


@pytest.mark.parametrize("tier", TIERS)
def test_a_cursor_kept_past_its_call_refuses_to_read(make_mod, mods_dir: Path, tier: str) -> None:  # type: ignore[no-untyped-def]
    keeper = """
kept = []

def on_tick(ctx, dt):
    if kept:
        ctx.log("old cursor: %r" % (kept[0].position,))
    kept.append(ctx.entity)
"""
    make_mod(
        "keeper",
        scripts=_spawning("thing"),
        entity_scripts={"thing": keeper},
    )
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(2)
        faults = _errors(host, "keeper")
        assert faults and "only be used during" in faults[0].message
        assert host.report().mods["keeper"].log == []


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    ("capabilities", "body", "code"),
    [
        (NO_WRITE, "ctx.entity.position = (1.0, 0.0, 0.0)", "CAPABILITY_DENIED"),
        (NO_READ, "ctx.log(str(ctx.entity.position))", "CAPABILITY_DENIED"),
        (NO_READ, "ctx.log(str(ctx.entity.tags))", "CAPABILITY_DENIED"),
        (ALL, "ctx.entity.velocity = (float('inf'), 0.0, 0.0)", "SANDBOX_ERROR"),
        (ALL, "ctx.entity.position = (1.0, 2.0)", "SANDBOX_ERROR"),
    ],
)  # fmt: skip
def test_a_cursor_write_or_read_is_checked_like_any_host_call(
    make_mod, mods_dir: Path, tier: str, capabilities: tuple[str, ...], body: str, code: str
) -> None:  # type: ignore[no-untyped-def]
    make_mod(
        "checked",
        scripts=_spawning("thing"),
        entity_scripts={"thing": f"def on_tick(ctx, dt):\n    {body}\n"},
        capabilities=capabilities,
    )
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(1)
        assert [d.code for d in _errors(host, "checked")][:1] == [code]
        # Nothing was written: the entity stays where and as it was.
        assert host.world.positions.tolist() == [[0.0, 0.0, 0.0]]
        assert host.world.velocities.tolist() == [[0.0, 0.0, 0.0]]


@pytest.mark.parametrize("tier", TIERS)
def test_a_script_object_written_to_the_cursor_never_runs_in_host_code(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    sneaky = """
class Vec:
    def __iter__(self):
        ctx_log.append("iterated")
        return iter((1.0, 2.0, 3.0))

    def __len__(self):
        ctx_log.append("measured")
        return 3

ctx_log = []

def on_tick(ctx, dt):
    try:
        ctx.entity.position = Vec()
    finally:
        for line in ctx_log:
            ctx.log(line)
"""
    make_mod(
        "sneaky",
        scripts=_spawning("thing"),
        entity_scripts={"thing": sneaky},
    )
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(1)
        assert [d.code for d in _errors(host, "sneaky")][:1] == ["SANDBOX_ERROR"]
        assert host.report().mods["sneaky"].log == []
        assert host.world.positions.tolist() == [[0.0, 0.0, 0.0]]


COUNTER = """
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
"""


def test_the_process_tier_keeps_states_in_its_worker_and_the_host_reads_them_on_demand(
    make_mod, mods_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    make_mod("counter", scripts=_spawning("c", 2), entity_scripts={"c": COUNTER})
    with _host(mods_dir, "process") as host:
        host.load()
        host.step(5)
        game = Game(host, {})
        assert [game.state("counter", i)["n"] for i in (1, 2)] == [5, 5]
        # Hot reload keeps them (the host pulls them from the old worker first).
        result = host.reload(["counter"], force=True)
        assert result.reloaded == ("counter",)
        host.step(2)
        assert [game.state("counter", i)["n"] for i in (1, 2)] == [7, 7]


def test_a_killed_worker_falls_back_to_the_hosts_copy_of_the_states(
    make_mod, mods_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    stall = """
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    if ctx.tick == 70 and ctx.entity.id == 2:
        # One C-level operation that outlasts the time limit: only a kill stops it (about
        # 100 ms of CPU against 20 + 20 ms; the list itself takes a few ms to build).
        data = [1234567] * 2000000
        while True:
            s = repr(data)
"""
    make_mod("counter", scripts=_spawning("c", 2), entity_scripts={"c": stall})
    with _host(mods_dir, "process", timeout_ms=20, memory_mb=256) as host:
        host.load()
        starts = host.instances["counter"].sandbox.starts
        host.step(72)
        assert "SANDBOX_TIMEOUT" in [d.code for d in _errors(host)]
        assert host.instances["counter"].sandbox.starts == starts + 1  # killed, restarted
        host.step(3)
        game = Game(host, {})
        counts = [game.state("counter", i)["n"] for i in (1, 2)]
        # The states went back to the host's rolling copy (at most SYNC_EVERY ticks old)
        # and went on from there: never lost, never ahead of the ticks run.
        assert all(60 - 64 < n <= 75 for n in counts), counts
        assert host.report().mods["counter"].state == "running"


def test_every_worker_gets_its_tick_before_the_host_waits_for_any(
    make_mod, mods_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    for mod in ("mod-a", "mod-b", "mod-c"):
        make_mod(mod, scripts=_spawning(f"{mod}x", 2),
                 entity_scripts={f"{mod}x": COUNTER})  # fmt: skip
    seen: list[str] = []
    send, serve = ProcessSandbox._send, ProcessSandbox._serve

    def sending(self, conn, message):  # type: ignore[no-untyped-def]
        if message[0] == "tick":
            seen.append("send " + self.mod_id)
        send(self, conn, message)

    def serving(self, *args):  # type: ignore[no-untyped-def]
        seen.append("wait " + self.mod_id)
        return serve(self, *args)

    monkeypatch.setattr(ProcessSandbox, "_send", sending)
    monkeypatch.setattr(ProcessSandbox, "_serve", serving)
    with _host(mods_dir, "process") as host:
        host.load()
        seen.clear()
        host.step(1)
    assert seen == [
        "send mod-a",
        "send mod-b",
        "send mod-c",
        "wait mod-a",
        "wait mod-b",
        "wait mod-c",
    ]


@pytest.mark.parametrize(
    ("mask", "values", "kept"),
    [
        (b"\x01\x00\x01", [1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 4.0, 5.0, 6.0], [0, 2]),
        (b"\x00\x00\x00", [1.0] * 9, []),
        (b"\x01\x01\x07", [float("nan"), 0.0, 0.0, 1.0, float("inf"), 0.0, 1.0, 1.0, 1.0], [2]),
        (b"\x01\x01\x01", [1.0, 2.0, 3.0], []),  # too few values: nothing is applied
        (b"\x01\x01", [1.0] * 9, []),  # a mask of the wrong size: nothing is applied
    ],
)
def test_writes_from_a_worker_are_checked_before_the_world_takes_them(
    mask: bytes, values: list[float], kept: list[int]
) -> None:
    at, vec = checked_writes(mask, struct.pack(f"{len(values)}d", *values), 3)
    assert at.tolist() == kept
    assert vec.shape == (len(kept), 3)
    assert np.isfinite(vec).all()


@pytest.mark.parametrize("junk", [b"\x00" * 7, "text", None, 12])
def test_malformed_write_buffers_are_dropped(junk: object) -> None:
    at, vec = checked_writes(junk, junk, 4)
    assert len(at) == 0 and vec.shape == (0, 3)


MOVER = """
def on_load(ctx):
    ctx.world.spawn("box", (0.0, 0.0, 0.0))
    ctx.world.spawn("box", (5.0, 0.0, 0.0))
"""
BOX = """
def on_tick(ctx, dt):
    other = 2 if ctx.entity.id == 1 else 1
    seen = ctx.world.get(other).position[0]
    ctx.log("%d sees %g" % (ctx.entity.id, seen))
    ctx.world.set_position(other, (seen + 1.0, 0.0, 0.0))
"""


@pytest.mark.parametrize("tier", TIERS)
def test_a_mods_reads_see_the_world_as_its_tick_began_in_both_tiers(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    # Entity 1 moves entity 2 through ctx.world; entity 2's script, later in the same tick,
    # still reads where 2 was when the tick began (in a worker it could not see it either).
    make_mod("boxes", scripts={"main.py": MOVER}, entity_scripts={"box": BOX})
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(2)
        assert host.report().mods["boxes"].log == ["1 sees 5", "2 sees 0", "1 sees 6", "2 sees 1"]
        assert host.world.positions[:, 0].tolist() == [2.0, 7.0]


def test_an_event_reaches_a_kinds_entities_in_one_round_trip(
    make_mod, mods_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    bell = """
def on_load(ctx):
    for i in range(20):
        ctx.world.spawn("ear", (float(i), 0.0, 0.0))

def on_tick(ctx, dt):
    if ctx.tick == 3:
        ctx.events.emit("ring", {"n": 1})
"""
    ear = """
def on_event(ctx, event):
    ctx.state["heard"] = ctx.state.get("heard", 0) + event.payload["n"]
"""
    make_mod("bell", scripts={"main.py": bell}, entity_scripts={"ear": ear})
    batches: list[int] = []
    real = ProcessSandbox._batch

    def counted(self, batch):  # type: ignore[no-untyped-def]
        batches.append(len(batch))
        return real(self, batch)

    monkeypatch.setattr(ProcessSandbox, "_batch", counted)
    with _host(mods_dir, "process") as host:
        host.load()
        batches.clear()
        host.step(4)
        assert batches == [20]
        game = Game(host, {})
        assert [game.state("bell", i).get("heard") for i in range(1, 21)] == [1] * 20


@pytest.mark.parametrize("tier", TIERS)
def test_one_entity_running_out_of_fuel_leaves_the_others_their_own_budget(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    greedy = """
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    if ctx.entity.id == 3 and ctx.tick == 2:
        while True:
            pass
"""
    make_mod("greedy", scripts=_spawning("g", 6), entity_scripts={"g": greedy},
             extra="[limits]\nfuel = 20000\ntimeout_ms = 50\n")  # fmt: skip
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(3)
        assert [d.code for d in _errors(host, "greedy")] == ["SANDBOX_FUEL_EXHAUSTED"]
        game = Game(host, {})
        # Entity 3's second call ran out of fuel (its state change stayed); the entities
        # after it in the same batch ran with a full budget, and so did everyone next tick.
        assert [game.state("greedy", i)["n"] for i in range(1, 7)] == [3] * 6


@pytest.mark.parametrize("tier", TIERS)
def test_memory_kept_by_entity_calls_is_caught_in_a_batch(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    hoarder = """
kept = []

def on_tick(ctx, dt):
    kept.append("x" * 20000 + str(ctx.entity.id))
"""
    spawn = "def on_load(ctx):\n    for i in range(100):\n        ctx.world.spawn('h')\n"
    make_mod("hoarder", scripts={"main.py": spawn}, entity_scripts={"h": hoarder},
             extra="[limits]\nmemory_mb = 16\ntimeout_ms = 50\n")  # fmt: skip
    with _host(mods_dir, tier) as host:
        host.load()
        for _ in range(60):
            host.step()
            if _errors(host, "hoarder"):
                break
        assert "SANDBOX_MEMORY_LIMIT" in [d.code for d in _errors(host, "hoarder")]


@pytest.mark.parametrize("tier", TIERS)
def test_an_event_flood_is_throttled_the_same_in_both_tiers(
    make_mod, mods_dir: Path, tier: str
) -> None:  # type: ignore[no-untyped-def]
    flood = """
def on_tick(ctx, dt):
    for i in range(3000):
        ctx.events.emit("spam", {"i": i})
"""
    make_mod("flood", scripts={"main.py": flood})
    with _host(mods_dir, tier, timeout_ms=1000) as host:
        seen: list[str] = []
        host.gameplay.observers.append(lambda e, seen=seen: seen.append(e.name))
        host.load()
        host.step(2)
        # The host's budget (256 events a tick) holds; the rest never crossed the pipe.
        assert seen.count("spam") == 2 * 256
        throttled = [d for d in host.diagnostics if d.code == "MOD_THROTTLED"]
        assert len(throttled) == 2


@pytest.mark.parametrize("payload", ['"x" * 300000', "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]"])
def test_an_oversized_payload_fails_in_the_scripts_call_in_the_process_tier(
    make_mod, mods_dir: Path, payload: str
) -> None:  # type: ignore[no-untyped-def]
    big = f"""
def on_tick(ctx, dt):
    try:
        ctx.events.emit("big", {payload})
    except Exception:
        ctx.log("refused in the call")
"""
    make_mod("bigmouth", scripts={"main.py": big})
    with _host(mods_dir, "process") as host:
        host.load()
        host.step(1)
        assert host.report().mods["bigmouth"].log == ["refused in the call"]


def test_a_flood_of_world_writes_is_capped_in_the_worker(make_mod, mods_dir: Path) -> None:  # type: ignore[no-untyped-def]
    writer = """
def on_load(ctx):
    ctx.state["id"] = ctx.world.spawn("dot")

def on_tick(ctx, dt):
    for i in range(100001):
        ctx.world.set_position(ctx.state["id"], (1.0, 0.0, 0.0))
"""
    make_mod("writer", scripts={"main.py": writer},
             extra="[limits]\ntimeout_ms = 5000\nfuel = 5000000\n")  # fmt: skip
    with _host(mods_dir, "process", timeout_ms=5000) as host:
        host.load()
        host.step(1)
        assert [d.code for d in _errors(host, "writer")] == ["MOD_PAYLOAD_LIMIT"]
