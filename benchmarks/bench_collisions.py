"""Collision broad phase per tick, against all-pairs in the same run; record mode's cost.

1. ``Colliders.step`` (grid broad phase, narrow phase, begin/end diffing) for 1,000 and
   10,000 moving spheres of radius 0.5 spread at the same density (about 6 % of the ground
   covered, a few hundred contacts per 10,000). Goal: under 2 ms per tick at 10,000.
   Baseline: a naive all-pairs check of the same positions in numpy (the n x n distance test,
   in row blocks so 10,000 fits in memory), measured in the same run on the same data.
2. Record mode: the bundled example mods per tick with ``--record``'s recorder attached,
   against the same run without it (best of three alternating runs), and the recorder's own
   work per tick measured alone (CPU time), which a busy machine disturbs less.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from benchmarks._timing import best_of
from host_api import Collider, HostPolicy
from runtime import Host
from runtime.core._world import World
from runtime.gameplay._collisions import Colliders
from runtime.replay._replay import Recorder

SIZES = (1_000, 10_000)
TICKS = 50
RADIUS = 0.5
#: Ground area per entity, square units (sets the density).
AREA_PER_ENTITY = 12.0
REPO_MODS = Path(__file__).resolve().parents[1] / "mods"
#: Record mode is measured on the in-process tier: the process tier's pipe round trips
#: would hide the recorder's cost in their noise.
INPROCESS = HostPolicy.model_validate({"sandbox": {"tier": "inprocess"}})


def _world(n: int) -> tuple[World, Colliders]:
    rng = np.random.default_rng(n)
    half = (n * AREA_PER_ENTITY) ** 0.5 / 2.0
    world = World(capacity=n)
    colliders = Colliders()
    sphere = Collider("sphere", (RADIUS, RADIUS, RADIUS))
    for _ in range(n):
        x, y = rng.uniform(-half, half, size=2).tolist()
        vx, vy = rng.uniform(-3, 3, size=2).tolist()
        entity_id = world.spawn("bench", "ball", (x, y, 0.0), (vx, vy, 0.0), ())
        colliders.set(entity_id, sphere)
    world.apply_commands()
    return world, colliders


def _broad_phase_ms(n: int) -> tuple[float, float, int]:
    world, colliders = _world(n)
    colliders.step(world)

    def work() -> None:
        for _ in range(TICKS):
            world.integrate(1 / 60)
            colliders.step(world)

    seconds = best_of(3, work)
    # CPU time as well: on a busy machine wall time includes waiting for a core.
    cpu = best_of(3, work, time.process_time)
    return seconds / TICKS * 1e3, cpu / TICKS * 1e3, colliders.contacts


def _all_pairs_ms(n: int) -> tuple[float, int]:
    """One tick of the naive check: every pair's squared distance (``|a|^2 + |b|^2 - 2ab``,
    one matrix product per block of 1,000 rows), compared with the reach."""
    world, _ = _world(n)
    positions = world.positions.copy()
    norms = (positions * positions).sum(axis=1)
    reach = (2 * RADIUS) ** 2
    found = [0]

    def one_tick() -> None:
        count = 0
        for start in range(0, n, 1000):
            block = positions[start : start + 1000]
            d2 = norms[start : start + 1000, None] + norms[None, :] - 2.0 * (block @ positions.T)
            count += int(np.count_nonzero(d2 <= reach)) - len(block)
        found[0] = count // 2

    seconds = best_of(3, one_tick)
    return seconds * 1e3, found[0]


@contextlib.contextmanager
def _example_host() -> Iterator[Host]:
    """The bundled example mods (copied to a temporary folder), loaded and 10 ticks in."""
    with tempfile.TemporaryDirectory() as tmp:
        mods = Path(tmp) / "mods"
        for name in ("arena", "coins", "guards", "scoreboard"):
            shutil.copytree(REPO_MODS / name, mods / name)
        with Host(mods, seed=0, policy=INPROCESS) as host:
            host.load()
            host.step(10)
            yield host


def _record_ms_per_tick(record: bool) -> float:
    with _example_host() as host:
        if record:
            Recorder(host)
        seconds = best_of(3, lambda: host.step(120))
    return seconds / 120 * 1e3


def _capture_ms() -> float:
    """The recorder's own work per tick (frame hash, pack, compress) on the example world."""
    with _example_host() as host:
        recorder = Recorder(host)

        def work() -> None:
            for _ in range(200):
                recorder._capture(1 / 60)

        seconds = best_of(5, work, time.process_time)
    return seconds / 200 * 1e3


def main() -> None:
    print(
        f"{'entities':>9} {'broad phase ms/tick':>20} {'(cpu)':>7} {'all pairs ms/tick':>18} "
        f"{'speed-up':>9}"
    )
    for n in SIZES:
        grid, cpu, contacts = _broad_phase_ms(n)
        naive, pairs = _all_pairs_ms(n)
        print(f"{n:>9} {grid:>20.3f} {cpu:>7.3f} {naive:>18.3f} {naive / grid:>8.1f}x")
        print(f"{'':>9} contacts now: {contacts} (all-pairs count at tick 0: {pairs})")
    # Alternate plain and recording runs, keep the best of each: load on the machine hits both.
    plain = recorded = float("inf")
    for _ in range(3):
        plain = min(plain, _record_ms_per_tick(False))
        recorded = min(recorded, _record_ms_per_tick(True))
    print(
        f"example mods: plain {plain:.3f} ms/tick, recording {recorded:.3f} ms/tick "
        f"({recorded / plain:.2f}x, +{recorded - plain:.3f} ms per tick)"
    )
    print(f"recorder's own work: {_capture_ms():.3f} ms/tick of CPU time")


if __name__ == "__main__":
    main()
