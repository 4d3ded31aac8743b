"""Golden image of the offscreen render: a fixed arena compared with tests/golden/*.png.

Compared by mean absolute pixel difference with a tolerance, not by bytes, so a change in
rounding of the software rasteriser does not fail the test but a moved, missing or recoloured
entity, or missing overlay text, does. Regenerate the reference after an intended change of the
picture with ``MODHOST_UPDATE_GOLDEN=1 .venv/bin/pytest tests/runtime/test_presentation_golden.py``
and look at the new PNG before committing it (see tests/golden/README.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from runtime.core._frame import FrameSnapshot
from runtime.present._panda_presenter import PandaPresenter
from runtime.present._presentation import open_presenter

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "presentation_arena.png"
CROWD_GOLDEN = GOLDEN.with_name("presentation_crowd_10k.png")
SIZE = (320, 180)
#: The crowd needs more pixels to show what its entities are.
CROWD_SIZE = (480, 270)
#: Mean absolute difference per channel (0..255) still taken as "the same picture".
TOLERANCE = 1.5

#: (id, kind, position): a ground, each demo kind, and two kinds the table does not know.
ARENA: tuple[tuple[int, str, tuple[float, float, float]], ...] = (
    (1, "ground", (0.0, 0.0, 0.0)),
    (2, "wanderer", (-3.5, 1.5, 0.0)),
    (3, "coin", (2.0, 2.0, 0.3)),
    (4, "coin", (3.0, 0.5, 0.3)),
    (5, "guard", (3.5, -2.0, 0.0)),
    (6, "wall", (-4.0, -1.5, 0.0)),
    (7, "crate", (-0.5, -3.0, 0.0)),
    (8, "slime", (0.5, 3.5, 0.0)),
)


def arena_frame(mirror: bool = False) -> FrameSnapshot:
    """The golden arena; ``mirror`` swaps every entity to the other side (x -> -x, y -> -y)."""
    sign = -1.0 if mirror else 1.0
    return FrameSnapshot(
        tick=120,
        ids=np.array([i for i, _, _ in ARENA], dtype=np.int64),
        kinds=tuple(k for _, k, _ in ARENA),
        positions=np.array(
            [(sign * x, sign * y, z) for _, _, (x, y, z) in ARENA], dtype=np.float32
        ),
        overlay={"tick rate": "60.0 Hz", "entities": str(len(ARENA)), "coins": "0.12 ms"},
        hud={"score": "Score: 3"},
    )


def render(frame: FrameSnapshot, path: Path, size: tuple[int, int] = SIZE) -> np.ndarray:
    with open_presenter("offscreen", size=size) as presenter:
        presenter.draw(frame)
        presenter.screenshot(path)
    return load(path)


def load(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.float64)


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, f"size changed: {a.shape} vs {b.shape}"
    return float(np.abs(a - b).mean())


def crowd_frame(count: int = 10_000) -> FrameSnapshot:
    """A seeded crowd: a ground and ``count`` entities of the demo kinds and two unknown ones
    scattered over a 100 x 100 arena, with a HUD line (crowded looks are drawn as impostors)."""
    rng = np.random.default_rng(20)
    kinds = ("wanderer", "coin", "guard", "wall", "crate", "slime")
    positions = np.zeros((count + 1, 3), dtype=np.float32)
    positions[1:, :2] = rng.uniform(-50.0, 50.0, size=(count, 2))
    return FrameSnapshot(
        tick=240,
        ids=np.arange(1, count + 2, dtype=np.int64),
        kinds=("ground", *(kinds[i % len(kinds)] for i in range(count))),
        positions=positions,
        overlay={"tick rate": "60.0 Hz"},
        hud={"score": "Score: 3"},
    )


def compare_with_golden(image: np.ndarray, written: Path, golden: Path) -> None:
    if os.environ.get("MODHOST_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(written.read_bytes())
    assert golden.exists(), "no golden image: run with MODHOST_UPDATE_GOLDEN=1 once"
    # Not blank: a flat picture (e.g. only the clear colour) has almost no variance.
    assert image.std() > 20.0
    diff = mean_abs_diff(image, load(golden))
    assert diff <= TOLERANCE, f"offscreen render differs from {golden.name} by {diff:.2f}"


def test_offscreen_render_matches_the_golden_image(tmp_path: Path) -> None:
    image = render(arena_frame(), tmp_path / "arena.png")
    compare_with_golden(image, tmp_path / "arena.png", GOLDEN)


def test_a_crowd_of_10000_matches_its_golden_image(tmp_path: Path) -> None:
    frame = crowd_frame()
    with open_presenter("offscreen", size=CROWD_SIZE) as presenter:
        assert isinstance(presenter, PandaPresenter)
        presenter.draw(frame)
        presenter.screenshot(tmp_path / "crowd.png")
        levels = [presenter.scene.drawn(i).level for i in range(1, 8)]  # type: ignore[union-attr]
        calls = presenter.scene.draw_calls
    assert levels == ["model", *["impostor"] * 6]  # the ground stays a slab
    assert calls <= 7  # the ground and one batch per look, whatever the 10,000
    compare_with_golden(load(tmp_path / "crowd.png"), tmp_path / "crowd.png", CROWD_GOLDEN)


def test_the_crowd_golden_image_tells_crowds_apart(tmp_path: Path) -> None:
    """A crowd half the size is beyond the tolerance."""
    half = render(crowd_frame(5_000), tmp_path / "half.png", CROWD_SIZE)
    assert mean_abs_diff(half, load(CROWD_GOLDEN)) > 2 * TOLERANCE


def test_moving_the_entities_changes_the_picture_beyond_the_tolerance(tmp_path: Path) -> None:
    moved = render(arena_frame(mirror=True), tmp_path / "mirrored.png")
    assert mean_abs_diff(moved, load(GOLDEN)) > 2 * TOLERANCE


def test_dropping_the_overlay_changes_the_picture_beyond_the_tolerance(tmp_path: Path) -> None:
    frame = arena_frame()
    bare = FrameSnapshot(
        tick=frame.tick, ids=frame.ids, kinds=frame.kinds, positions=frame.positions
    )
    image = render(bare, tmp_path / "bare.png")
    golden = load(GOLDEN)
    # The text blocks sit in the top corners; compare there.
    corners = np.s_[: SIZE[1] // 3, :]
    assert mean_abs_diff(image[corners], golden[corners]) > 2 * TOLERANCE


@pytest.mark.parametrize("size", [(160, 90), (400, 300)])
def test_other_sizes_render_the_same_arena(tmp_path: Path, size: tuple[int, int]) -> None:
    with open_presenter("offscreen", size=size) as presenter:
        presenter.draw(arena_frame())
        path = presenter.screenshot(tmp_path / "sized.png")
    with Image.open(path) as img:
        assert img.size == size
        assert np.asarray(img.convert("RGB"), dtype=np.float64).std() > 20.0
