"""The profiler's overhead: tick time with the always-on accounting over tick time without it.

Two worlds, each run by two hosts built the same way but for ``profile=``, measured turn about
(off, on, on, off each round; the median of the rounds' ratios):

- the bundled example game;
- 1,000 scripted entities, each with a tiny ``on_tick``: the worst case for per-call
  accounting.

The first runs in the default process tier, the second in the in-process tier. Time is CPU
time: this thread's plus the host's workers' (:func:`cpu_clock`), which leaves out the time
other processes on a shared machine take, most of the noise of a wall-clock ratio.

The ratio is profiled / unprofiled tick time; the goal is at most 1.03.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._timing import best_of
from host_api import HostPolicy
from host_api._policy import SandboxPolicy
from runtime import Host

REPO_MODS = Path(__file__).resolve().parents[1] / "mods"
ENTITIES = 1_000
ROUNDS = 15

_MANIFEST = """\
id = "swarm"
name = "Swarm"
version = "1.0.0"
capabilities = ["world.read", "world.write", "world.spawn"]

[[scripts]]
path = "scripts/spawner.py"

[[scripts]]
entity = "dot"
path = "scripts/dot.py"

[limits]
timeout_ms = 50
"""
# 100 a tick: one call spawning all of them could pass its CPU limit on a loaded machine.
_SPAWNER = f"""\
def on_tick(ctx, dt):
    made = ctx.state.get("made", 0)
    for i in range(made, min(made + 100, {ENTITIES})):
        ctx.world.spawn("dot", position=(i % 40, i // 40, 0), velocity=(0, 0, 0))
    ctx.state["made"] = min(made + 100, {ENTITIES})
"""
_DOT = """\
def on_tick(ctx, dt):
    n = ctx.state.get("n", 0) + 1
    ctx.state["n"] = n
    if n % 30 == 0:
        ctx.entity.velocity = (0.1, 0.0, 0.0)
"""


def cpu_clock(host: Host) -> Callable[[], float]:
    """CPU seconds used so far by this thread and by ``host``'s process-tier workers (their
    run time from ``/proc/PID/schedstat``): the work of one host's ticks, wherever it ran,
    without the time other processes took the cores."""

    def clock() -> float:
        total = time.thread_time()
        for instance in host.instances.values():
            pid = getattr(instance.sandbox, "pid", None)
            if pid is not None:
                with (
                    contextlib.suppress(OSError, ValueError, IndexError),
                    open(f"/proc/{pid}/schedstat", "rb") as fh,
                ):
                    total += int(fh.read().split()[0]) / 1e9
        return total

    return clock


def _ratio(make: Callable[[bool], Host], ticks: int) -> tuple[float, float]:
    """(CPU ms per tick unprofiled, median over rounds of profiled / unprofiled).

    Each round times off, on, on, off (so drift within a round cancels) and gives one ratio
    of the two sides' best; the median of the rounds drops rounds a burst of load disturbed.
    """
    with make(False) as off, make(True) as on:
        for host in (off, on):
            host.load()
            host.step(15)
        if len(off.world) != len(on.world):
            raise RuntimeError("the two worlds differ: a benchmark mod faulted")
        ratios, offs = [], []
        for _ in range(ROUNDS):
            times = {off: float("inf"), on: float("inf")}
            for host in (off, on, on, off):
                spent = best_of(1, lambda h=host: h.step(ticks), cpu_clock(host))
                times[host] = min(times[host], spent)
            ratios.append(times[on] / times[off])
            offs.append(times[off])
        if off.world_hash() != on.world_hash():
            raise RuntimeError("the worlds diverged (a mod faulted under load?): run again")
    return min(offs) / ticks * 1e3, statistics.median(ratios)


def _swarm(root: Path) -> Path:
    mods = root / "mods"
    scripts = mods / "swarm" / "scripts"
    scripts.mkdir(parents=True)
    (mods / "swarm" / "mod.toml").write_text(_MANIFEST)
    (scripts / "spawner.py").write_text(_SPAWNER)
    (scripts / "dot.py").write_text(_DOT)
    return mods


def main() -> dict[str, float]:
    ratios: dict[str, float] = {}
    print(f"{'world (CPU time)':<28} {'ms/tick (off)':>14} {'on / off':>9}")
    ms, ratio = _ratio(lambda on: Host(REPO_MODS, seed=0, profile=on), 60)
    print(f"{'example game':<28} {ms:>14.3f} {ratio:>9.3f}")
    ratios["profile.overhead.example"] = ratio
    inprocess = HostPolicy(sandbox=SandboxPolicy(tier="inprocess"))
    with tempfile.TemporaryDirectory() as tmp:
        mods = _swarm(Path(tmp))
        make = lambda on: Host(mods, seed=0, policy=inprocess, profile=on)  # noqa: E731
        ms, ratio = _ratio(make, 30)
    print(f"{f'{ENTITIES:,} scripted entities':<28} {ms:>14.3f} {ratio:>9.3f}")
    ratios["profile.overhead.1000_entities"] = ratio
    return ratios


if __name__ == "__main__":
    main()
