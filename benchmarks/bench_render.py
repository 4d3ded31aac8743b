"""Offscreen rendering by entity count: scene sync and the whole frame, with draw calls.

For 1,000, 10,000 and 50,000 entities of the demo kinds (and one unknown kind) on a
ground, at 960x540 with the software renderer (p3tinydisplay), each entity moving every
frame:

- **scene sync**: ``Scene.sync``, the positions of one frame into the batches' vertex arrays
  (what grows with the entity count on the CPU side). Goal: at most 1 ms for 10,000.
- **whole frame**: ``PandaPresenter.draw``, sync plus overlay, camera and rendering. Goals:
  at most 16 ms for 1,000 and 50 ms for 10,000.
- **draw calls**: geoms the frame submits (scene and overlay); must not grow with the count.

``python -m benchmarks.bench_render --window [COUNT]`` measures the window path instead (needs
a display; with ``MODHOST_WINDOW_DISPLAY=pandagl`` on a GPU): COUNT entities (10,000 by
default) drawn in a 960x540 window for :data:`WINDOW_FRAMES` frames, with the mean and 95th
percentile frame time and the share of frames within 1/60 s.

Baseline, measured in the same run: the same presenter drawing the empty frame (a ground,
the overlay, no entities); each row also shows its ratio to it, which compares across
machines. Times are the best of three rounds of the mean over :data:`FRAMES` frames, in wall
time and in CPU time (``time.process_time``): on a shared machine other work stretches wall
time several times over, CPU time much less, so the goals are checked on CPU time.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks._timing import best_of
from runtime.core._frame import FrameSnapshot
from runtime.present._panda_presenter import WINDOW_MODULE, WINDOW_MODULE_ENV, PandaPresenter
from runtime.present._presentation import open_presenter

SIZE = (960, 540)
KINDS = ("wanderer", "coin", "guard", "wall", "crate")
COUNTS = (1_000, 10_000, 50_000)
FRAMES = 20
ROUNDS = 3
#: Goals (ms) per entity count: (scene sync, whole frame); None where there is none.
GOALS: dict[int, tuple[float | None, float | None]] = {
    1_000: (None, 16.0),
    10_000: (1.0, 50.0),
}


def _frames(count: int) -> list[FrameSnapshot]:
    """``FRAMES`` frames of ``count`` entities random-walking over a square that keeps their
    density (and so their size on screen) about the demo's, with kind codes as the host
    hands them over."""
    rng = np.random.default_rng(count)
    half = max(10.0, float(np.sqrt(count)) * 0.8)
    ids = np.arange(1, count + 2, dtype=np.int64)
    codes = np.array([0, *(1 + i % len(KINDS) for i in range(count))], dtype=np.int32)
    table = ("ground", *KINDS)
    kinds = tuple(table[c] for c in codes)
    positions = np.zeros((count + 1, 3), dtype=np.float32)
    positions[1:, :2] = rng.uniform(-half, half, size=(count, 2))
    frames = []
    for tick in range(FRAMES):
        positions = positions.copy()
        positions[1:, :2] += rng.normal(0.0, 0.05, size=(count, 2)).astype(np.float32)
        frames.append(
            FrameSnapshot(
                tick=tick,
                ids=ids,
                kinds=kinds,
                positions=positions,
                overlay={"tick rate": "60 Hz", "entities": str(count)},
                hud={"a-score": "Score: 3"},
                kind_codes=codes,
                kind_table=table,
            )
        )
    return frames


@dataclass(frozen=True)
class Row:
    """One entity count's numbers, ms per frame."""

    sync_wall: float
    sync_cpu: float
    frame_wall: float
    frame_cpu: float
    draw_calls: int


def measure(count: int) -> Row:
    """The numbers for ``count`` entities (0: the baseline)."""
    frames = _frames(count)
    with open_presenter("offscreen", size=SIZE) as presenter:
        assert isinstance(presenter, PandaPresenter)
        presenter.draw(frames[0])  # load models, bake impostors, grow the framing

        def sync() -> None:
            for frame in frames:
                presenter.scene.sync(frame)

        def draw() -> None:
            for frame in frames:
                presenter.draw(frame)

        def per_frame(work: Callable[[], None], clock: Callable[[], float]) -> float:
            return best_of(ROUNDS, work, clock) / FRAMES * 1000.0

        return Row(
            per_frame(sync, time.perf_counter),
            per_frame(sync, time.process_time),
            per_frame(draw, time.perf_counter),
            per_frame(draw, time.process_time),
            presenter.draw_calls,
        )


def _goal(value: float, goal: float | None) -> str:
    if goal is None:
        return ""
    return f"{'met' if value <= goal else 'MISSED'} (<= {goal:g})"


def main() -> None:
    """Print the table."""
    base = measure(0)
    print(
        f"offscreen {SIZE[0]}x{SIZE[1]}, software renderer, best of {ROUNDS} x {FRAMES} frames,"
        " ms per frame in wall and CPU time; x empty: CPU time against the empty frame"
    )
    print(
        f"{'entities':>9} {'sync wall':>9} {'sync CPU':>8} {'x empty':>8} {'frame wall':>10}"
        f" {'frame CPU':>9} {'x empty':>8} {'draw calls':>10}  goals (CPU): sync, frame"
    )
    for count, row in [(0, base), *((count, measure(count)) for count in COUNTS)]:
        sync_goal, frame_goal = GOALS.get(count, (None, None))
        goals = ", ".join(
            g for g in (_goal(row.sync_cpu, sync_goal), _goal(row.frame_cpu, frame_goal)) if g
        )
        print(
            f"{count:>9,} {row.sync_wall:>9.3f} {row.sync_cpu:>8.3f}"
            f" {row.sync_cpu / base.sync_cpu:>8.1f} {row.frame_wall:>10.2f}"
            f" {row.frame_cpu:>9.2f} {row.frame_cpu / base.frame_cpu:>8.1f}"
            f" {row.draw_calls:>10}  {goals}".rstrip()
        )


#: Frames drawn by the window measurement.
WINDOW_FRAMES = 300


def window(count: int = 10_000) -> None:
    """Print the window path's frame times for ``count`` entities (see the module docstring)."""
    frames = _frames(count)
    with open_presenter("window", size=SIZE) as presenter:
        if presenter.mode != "window":
            print("no window could be opened here (see the line above): nothing measured")
            return
        presenter.draw(frames[0])
        times = []
        for n in range(WINDOW_FRAMES):
            start = time.perf_counter()
            presenter.draw(frames[n % FRAMES])
            times.append(time.perf_counter() - start)
        calls = presenter.draw_calls
    ms = np.array(times) * 1000.0
    within = float((ms <= 1000.0 / 60.0).mean())
    module = os.environ.get(WINDOW_MODULE_ENV) or WINDOW_MODULE
    print(
        f"window {SIZE[0]}x{SIZE[1]} ({module}),"
        f" {count:,} entities, {WINDOW_FRAMES} frames: mean {ms.mean():.2f} ms,"
        f" p95 {np.percentile(ms, 95):.2f} ms, {within:.0%} within 1/60 s, {calls} draw calls"
    )


if __name__ == "__main__":
    if "--window" in sys.argv:
        rest = [a for a in sys.argv[1:] if a != "--window"]
        window(int(rest[0]) if rest else 10_000)
    else:
        main()
