"""Offscreen frame time of the Panda3D presenter (software renderer), by entity count.

Baseline, measured in the same run: drawing an empty frame (clear, overlay, no entities) at
the same size. Each row shows the mean time of ``draw`` (scene sync + render) and its ratio to
that baseline, so the numbers compare across machines of different speed.
"""

from __future__ import annotations

import time

import numpy as np

from runtime._frame import FrameSnapshot
from runtime._presentation import open_presenter

SIZE = (960, 540)
KINDS = ("wanderer", "coin", "guard", "wall", "crate")
FRAMES = 30


def _frame(count: int, tick: int, rng: np.random.Generator) -> FrameSnapshot:
    ids = np.arange(1, count + 2, dtype=np.int64)
    kinds = ("ground", *(KINDS[i % len(KINDS)] for i in range(count)))
    positions = rng.uniform(-20.0, 20.0, size=(count + 1, 3)).astype(np.float32)
    positions[:, 2] = 0.0
    return FrameSnapshot(
        tick=tick,
        ids=ids,
        kinds=kinds,
        positions=positions,
        overlay={"tick rate": "60.0 Hz", "entities": str(count)},
    )


def _mean_draw_ms(count: int) -> float:
    rng = np.random.default_rng(count)
    with open_presenter("offscreen", size=SIZE) as presenter:
        presenter.draw(_frame(count, 0, rng))  # load models, grow the framing
        start = time.perf_counter()
        for tick in range(1, FRAMES + 1):
            presenter.draw(_frame(count, tick, rng))
        return (time.perf_counter() - start) / FRAMES * 1000.0


def main() -> None:
    """Print the frame-time table."""
    baseline = _mean_draw_ms(0)
    print(f"offscreen {SIZE[0]}x{SIZE[1]}, {FRAMES} frames each; baseline = empty frame")
    print(f"{'entities':>9} {'ms/frame':>9} {'x baseline':>11}")
    print(f"{0:>9} {baseline:>9.2f} {1.0:>11.2f}")
    for count in (10, 100, 1000):
        ms = _mean_draw_ms(count)
        print(f"{count:>9} {ms:>9.2f} {ms / baseline:>11.2f}")


if __name__ == "__main__":
    main()
