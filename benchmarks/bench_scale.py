"""Game scale end to end: N scripted entities through :class:`runtime.Host`, both tiers.

A mod spawns N walkers; each walker's entity script reads its position and ``ctx.state``,
steers toward a waypoint by setting its velocity and emits an event when it arrives. Per
tick we read the scheduler's own stage clock (``timings.stages_ms.scripts`` of a run
report) and the whole tick, and report p50 and p95 over the measured ticks.

The baseline, measured in the same run, is the same ``on_tick`` as plain CPython over plain
objects (an entity with ``position`` and ``velocity`` attributes, a dict for state, a list
for events): what the logic costs with no sandbox, no host and no world around it.

``python -m benchmarks scale`` runs 1,000 and 10,000 entities; ``SCALE_SIZES=1000`` picks
sizes, ``SCALE_TICKS`` the measured ticks.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks._timing import best_of
from host_api import SYNC_EVERY, HostPolicy, Limits
from host_api._policy import LimitCaps, SandboxPolicy
from runtime import Host
from runtime.core import Stage
from sandbox import RestrictedSandbox

SIZES = tuple(int(s) for s in os.environ.get("SCALE_SIZES", "1000,10000").split(","))
TICKS = int(os.environ.get("SCALE_TICKS", "60"))
WARM_UP = 5
TIERS = ("inprocess", "process")

WALKER = """\
def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    state = ctx.state
    tx = state.get("tx", 20.0)
    ty = state.get("ty", 10.0)
    dx = tx - x
    dy = ty - y
    if dx * dx + dy * dy < 1.0:
        state["tx"] = -tx
        state["ty"] = -ty
        n = state.get("n", 0) + 1
        state["n"] = n
        if n % 4 == 0:
            ctx.events.emit("arrived", {"n": n})
    ctx.entity.velocity = (dx * 0.5, dy * 0.5, 0.0)
"""

#: The same steering as one system hook for the whole kind (``on_system``): the rows as
#: lists, assigned in place. Its events are the mod's own (no source entity).
SYSTEM_WALKER = """\
def on_system(ctx, dt, rows):
    vel = rows.velocities
    states = rows.states
    emit = ctx.events.emit
    for i, (x, y, z) in enumerate(rows.positions):
        state = states[i]
        tx = state.get("tx", 20.0)
        ty = state.get("ty", 10.0)
        dx = tx - x
        dy = ty - y
        if dx * dx + dy * dy < 1.0:
            state["tx"] = -tx
            state["ty"] = -ty
            n = state.get("n", 0) + 1
            state["n"] = n
            if n % 4 == 0:
                emit("arrived", {"n": n})
        vel[i] = (dx * 0.5, dy * 0.5, 0.0)
"""

SPAWNER = """\
def on_tick(ctx, dt):
    made = ctx.state.get("made", 0)
    top = min(made + 1000, {n})
    for i in range(made, top):
        ctx.world.spawn("walker", position=(float(i % 100), float(i // 100), 0.0))
    ctx.state["made"] = top
"""

MANIFEST = """\
id = "scale"
name = "Scale"
version = "1.0.0"
capabilities = ["world.read", "world.write", "world.spawn", "events.emit"]

[[scripts]]
path = "scripts/spawner.py"

[[scripts]]
entity = "walker"
path = "scripts/walker.py"

[limits]
timeout_ms = 50
"""


class _Entity:
    __slots__ = ("id", "position", "velocity")

    def __init__(self, i: int) -> None:
        self.id = i
        self.position = (float(i % 100), float(i // 100), 0.0)
        self.velocity = (0.0, 0.0, 0.0)


class _Events:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def emit(self, name: str, payload: Any = None) -> None:
        self.sent.append((name, payload))


class _Ctx:
    __slots__ = ("entity", "events", "state")

    def __init__(self, entity: _Entity, events: _Events) -> None:
        self.entity = entity
        self.state: dict[str, Any] = {}
        self.events = events


def _plain_tick_ms(n: int) -> list[float]:
    """The walker's ``on_tick`` as plain Python over plain objects, ms per tick."""
    namespace: dict[str, Any] = {}
    exec(compile(WALKER, "<plain>", "exec"), namespace)
    on_tick: Callable[..., Any] = namespace["on_tick"]
    events = _Events()
    ctxs = [_Ctx(_Entity(i), events) for i in range(n)]
    samples = []
    for _ in range(WARM_UP + TICKS):
        start = time.perf_counter()
        for ctx in ctxs:
            on_tick(ctx, 1 / 60)
        samples.append((time.perf_counter() - start) * 1e3)
        for ctx in ctxs:  # integrate, as the world does between ticks
            (x, y, z), (vx, vy, vz) = ctx.entity.position, ctx.entity.velocity
            ctx.entity.position = (x + vx / 60, y + vy / 60, z + vz / 60)
        events.sent.clear()
    return samples[WARM_UP:]


class _Rows:
    """Plain lists in the shape of a system hook's ``rows``."""

    def __init__(self, n: int) -> None:
        self.positions = [(float(i % 100), float(i // 100), 0.0) for i in range(n)]
        self.velocities = [(0.0, 0.0, 0.0)] * n
        self.states: list[dict[str, Any]] = [{} for _ in range(n)]


class _SystemCtx:
    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events = _Events()


def _system_body_ms(n: int, runs: int = 7) -> tuple[float, float]:
    """The system walker's body alone over the same ``n`` plain rows: (plain ms, sandboxed
    ms), best of ``runs`` interleaved, in CPU time: the script's logic, without the host."""
    namespace: dict[str, Any] = {}
    exec(compile(SYSTEM_WALKER, "<plain>", "exec"), namespace)
    plain_fn: Callable[..., Any] = namespace["on_system"]
    box = RestrictedSandbox("bench", Limits(fuel=10**8, timeout_ms=10_000, memory_mb=256))
    try:
        module = box.load("scripts/walker.py", SYSTEM_WALKER)
        plain_rows, boxed_rows = _Rows(n), _Rows(n)
        plain = boxed = float("inf")
        ctx = _SystemCtx()
        for _ in range(runs):
            plain = min(
                plain, best_of(1, lambda: plain_fn(ctx, 1 / 60, plain_rows), time.thread_time)
            )
            boxed = min(
                boxed,
                best_of(
                    1,
                    lambda: box.call(module, "on_system", ctx, 1 / 60, boxed_rows),
                    time.thread_time,
                ),
            )
        return plain * 1e3, boxed * 1e3
    finally:
        box.close()


@contextmanager
def _mods(n: int, mods: int = 1, walker: str = "", spawner: str = "") -> Iterator[Path]:
    """``mods`` copies of the walker mod, each with its own kind, ``n`` entities in all."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "mods"
        for m in range(mods):
            mod_id = "scale" if mods == 1 else f"scale-{m}"
            kind = "walker" if mods == 1 else f"walker{m}"
            mod = root / mod_id
            (mod / "scripts").mkdir(parents=True)
            (mod / "mod.toml").write_text(MANIFEST.replace('"scale"', f'"{mod_id}"', 1).replace(
                'entity = "walker"', f'entity = "{kind}"'))  # fmt: skip
            source = (spawner or SPAWNER).format(n=n // mods).replace('"walker"', f'"{kind}"')
            (mod / "scripts" / "spawner.py").write_text(source)
            (mod / "scripts" / "walker.py").write_text(walker or WALKER)
        yield root


def _host_ms(mods: Path, tier: str, n: int) -> tuple[list[float], list[float], str]:
    """Per measured tick: (scripts stage ms, whole tick ms), and the final world hash."""
    policy = HostPolicy(
        sandbox=SandboxPolicy(tier=tier),  # type: ignore[arg-type]
        limits=LimitCaps(timeout_ms=50),
    )
    scripts, ticks = [], []
    with Host(mods, seed=7, policy=policy) as host:
        host.load()
        while len(host.world) < n:
            host.step()
            if host.tick > n // 100 + 20:
                raise RuntimeError(f"{tier}: the spawner stopped at {len(host.world)} entities")
        host.step(WARM_UP)
        stage = host.scheduler.stage_ns
        for _ in range(TICKS):
            before = stage[Stage.SCRIPTS]
            start = time.perf_counter_ns()
            host.step()
            ticks.append((time.perf_counter_ns() - start) / 1e6)
            scripts.append((stage[Stage.SCRIPTS] - before) / 1e6)
        faults = [d for d in host.diagnostics if d.severity == "error"]
        if faults:
            raise RuntimeError(f"{tier}: {faults[0].code}: {faults[0].message}")
        return scripts, ticks, host.world_hash()


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


NOOP = "def on_tick(ctx, dt):\n    pass\n"
#: Mods ticking at once for the process tier's per-mod cost (their round trips overlap).
NOOP_MODS = 8
#: (entities, mods): one mod at game scale, and the same load split over four mods (their
#: process-tier workers run at once).
CASES = (*((n, 1) for n in SIZES), (max(SIZES), 4))


def _pss_mb(pids: list[int]) -> float:
    """Proportional set size of ``pids`` together (MB): shared pages count once in all."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            total += sum(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
    return total / 1024


def _memory(tier: str, n: int) -> float:
    """PSS of a fresh host process and its workers with ``n`` walkers (MB), measured in a
    child process so that nothing else this benchmark did is counted."""
    code = f"import benchmarks.bench_scale as b, sys; print(b._memory_here({tier!r}, {n}))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    return float(out.stdout.strip().splitlines()[-1])


def _memory_here(tier: str, n: int) -> float:
    policy = HostPolicy(sandbox=SandboxPolicy(tier=tier))  # type: ignore[arg-type]
    with _mods(n) as mods, Host(mods, seed=7, policy=policy) as host:
        host.load()
        while len(host.world) < n:
            host.step()
        host.step(SYNC_EVERY + 5)  # every state has crossed back once
        pids = [os.getpid()] + [
            pid for i in host.instances.values() if (pid := getattr(i.sandbox, "pid", None))
        ]
        return _pss_mb(pids)


def main() -> dict[str, float]:
    print(
        f"{'entities':>8} {'mods':>4} {'tier':<10} {'scripts p50':>11} {'p95':>7} "
        f"{'tick p50':>9} {'p95':>7} {'x plain':>8} {'x inproc':>8}  world hash"
    )
    for n, mods in CASES:
        plain = statistics.median(_plain_tick_ms(n))
        print(f"{n:>8} {mods:>4} {'plain':<10} {plain:>11.2f}")
        inprocess = 0.0
        with _mods(n, mods) as folder:
            for tier in TIERS:
                scripts, ticks, digest = _host_ms(folder, tier, n)
                inprocess = inprocess or _p(scripts, 0.5)
                print(
                    f"{n:>8} {mods:>4} {tier:<10} {_p(scripts, 0.5):>11.2f} "
                    f"{_p(scripts, 0.95):>7.2f} {_p(ticks, 0.5):>9.2f} {_p(ticks, 0.95):>7.2f} "
                    f"{_p(scripts, 0.5) / plain:>8.1f} {_p(scripts, 0.5) / inprocess:>8.2f}  "
                    f"{digest[:12]}"
                )
    print()
    print("the same walkers as one system hook per tick (on_system over rows):")
    for n in SIZES:
        plain = statistics.median(_plain_tick_ms(n))
        with _mods(n, walker=SYSTEM_WALKER) as folder:
            for tier in TIERS:
                scripts, ticks, digest = _host_ms(folder, tier, n)
                print(
                    f"{n:>8} {1:>4} {tier:<10} {_p(scripts, 0.5):>11.2f} "
                    f"{_p(scripts, 0.95):>7.2f} {_p(ticks, 0.5):>9.2f} {_p(ticks, 0.95):>7.2f} "
                    f"{_p(scripts, 0.5) / plain:>8.1f} {'':>8}  {digest[:12]}"
                )
    n = max(SIZES)
    plain, boxed = _system_body_ms(n)
    print(
        f"the system body alone over {n:,} rows: plain {plain:.2f} ms, sandboxed "
        f"{boxed:.2f} ms ({boxed / plain:.2f}x)"
    )
    print()
    n = SIZES[0]
    with _mods(n, walker=NOOP) as folder:
        scripts, _, _ = _host_ms(folder, "inprocess", n)
    print(f"no-op entity hook, inprocess: {_p(scripts, 0.5) * 1e3 / n:.2f} us per entity")
    for mods in (1, NOOP_MODS):
        with _mods(0, mods, spawner=NOOP) as folder:
            scripts, _, _ = _host_ms(folder, "process", 0)
        print(
            f"no-op mod hook, process tier, {mods} mod{'s' * (mods > 1)}: "
            f"{_p(scripts, 0.5) * 1e3 / mods:.1f} us per mod and tick"
        )
    print()
    n = max(SIZES)  # the largest size: a difference of a few MB is measurable there
    print(f"{'tier':<10} {'empty MB':>9} {f'{n:,} MB':>9} {'MB per 1,000 entities':>22}")
    for tier in TIERS:
        empty, full = _memory(tier, 0), _memory(tier, n)
        print(f"{tier:<10} {empty:>9.1f} {full:>9.1f} {(full - empty) * 1000 / n:>22.1f}")
    return {}


if __name__ == "__main__":
    main()
