"""Host overhead per entity-tick: the demo world's kinds with no entity scripts attached.

A mod with a mod script but no hooks is loaded (so the scheduler walks a real mod every
stage), and N entities of the demo kinds move with a velocity. What the host does per tick is
then its own work: every stage of the scheduler (integration, the collision broad phase, the
empty events stage ...) and the boundaries between them.

Baseline, measured in the same run: the bare numpy work the integration stage cannot avoid
(``pos += vel * dt`` on the same arrays). The ratio is the host's total over that floor; the
goal is a per-entity cost well below 1 µs.

Also shown, for scale: a tick of the bundled example mods (16 or so scripted entities).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from benchmarks._timing import best_of
from runtime import Host

KINDS = ("ground", "wanderer", "coin", "guard", "score-marker")
SIZES = (1_000, 10_000)
TICKS = 300
REPO_MODS = Path(__file__).resolve().parents[1] / "mods"

_MANIFEST = """\
id = "bench"
name = "Bench"
version = "1.0.0"
capabilities = ["world.read"]

[[scripts]]
path = "scripts/main.py"
"""


def _host_with(mods: Path, n: int) -> Host:
    host = Host(mods, seed=1)
    host.load()
    rng = np.random.default_rng(n)
    for i in range(n):
        x, y, vx, vy = rng.uniform(-10, 10, size=4).tolist()
        host.world.spawn("bench", KINDS[i % len(KINDS)], (x, y, 0.5), (vx, vy, 0.0), ())
    host.world.apply_commands()
    return host


def _host_us_per_entity_tick(mods: Path, n: int) -> float:
    with _host_with(mods, n) as host:
        host.step(10)  # warm up
        seconds = best_of(3, lambda: host.step(TICKS))
    return seconds / TICKS / n * 1e6


def _numpy_us_per_entity_tick(n: int) -> float:
    rng = np.random.default_rng(n)
    pos = rng.uniform(-10, 10, size=(n, 3))
    vel = rng.uniform(-10, 10, size=(n, 3))
    dt = 1 / 60

    def work() -> None:
        for _ in range(TICKS):
            pos[:n] += vel[:n] * dt

    seconds = best_of(3, work)
    return seconds / TICKS / n * 1e6


def _demo_ms_per_tick() -> float:
    with Host(REPO_MODS, seed=0) as host:
        host.load()
        host.step(10)
        seconds = best_of(3, lambda: host.step(60))
    return seconds / 60 * 1e3


def main() -> dict[str, float]:
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        mods = Path(tmp) / "mods"
        (mods / "bench" / "scripts").mkdir(parents=True)
        (mods / "bench" / "mod.toml").write_text(_MANIFEST)
        (mods / "bench" / "scripts" / "main.py").write_text("SIZE = 1\n")
        print(f"{'entities':>9} {'host µs/entity-tick':>20} {'numpy floor':>12} {'ratio':>7}")
        for n in SIZES:
            host = _host_us_per_entity_tick(mods, n)
            floor = _numpy_us_per_entity_tick(n)
            print(f"{n:>9} {host:>20.4f} {floor:>12.4f} {host / floor:>6.1f}x")
            ratios[f"world.host_over_numpy.{n}"] = host / floor
    print(f"bundled example mods: {_demo_ms_per_tick():.3f} ms/tick (scripted, for scale)")
    return ratios


if __name__ == "__main__":
    main()
