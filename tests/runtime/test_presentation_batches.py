"""Entities drawn in batches: draw calls, levels of detail, vertices written from numpy.

Everything renders for real with Panda3D's software renderer (p3tinydisplay), offscreen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from panda3d.core import GeomNode, GeomVertexReader, Point2
from PIL import Image

import runtime.present._panda_impostor as impostor_module
import runtime.present._panda_scene as scene_module
from runtime.core._frame import FrameSnapshot
from runtime.present._panda_kinds import FALLBACK_MODELS
from runtime.present._panda_presenter import PandaPresenter
from runtime.present._presentation import open_presenter

SIZE = (192, 108)
KINDS = ("wanderer", "coin", "guard", "wall", "crate")


def crowd(count: int, kinds: tuple[str, ...] = KINDS, *, tick: int = 1) -> FrameSnapshot:
    """A ground and ``count`` entities of ``kinds`` in turn, on a grid."""
    side = max(1, int(np.ceil(np.sqrt(count))))
    spots = np.arange(count)
    positions = np.zeros((count + 1, 3), dtype=np.float32)
    positions[1:, 0] = (spots % side) * 1.5
    positions[1:, 1] = (spots // side) * 1.5
    return FrameSnapshot(
        tick=tick,
        ids=np.arange(1, count + 2, dtype=np.int64),
        kinds=("ground", *(kinds[i % len(kinds)] for i in range(count))),
        positions=positions,
    )


@pytest.fixture
def presenter() -> Iterator[PandaPresenter]:
    p = open_presenter("offscreen", size=SIZE)
    assert isinstance(p, PandaPresenter)
    with p:
        yield p


def test_draw_calls_do_not_grow_with_the_entity_count(presenter: PandaPresenter) -> None:
    calls = {}
    for count in (5, 500, 5000):
        presenter.draw(crowd(count))
        assert presenter.scene.entity_count == count + 1
        calls[count] = (presenter.scene.draw_calls, presenter.draw_calls)
    # One geom per look in use: ground, wanderer, coin, guard, wall, and crate's fallback look.
    assert set(calls.values()) == {(6, calls[5][1])}
    stats, _ = presenter.overlay.text
    assert f"draw calls: {presenter.draw_calls}" in stats.splitlines()


def test_many_kinds_share_the_fallback_looks(presenter: PandaPresenter) -> None:
    kinds = tuple(f"kind-{n}" for n in range(300))
    presenter.draw(crowd(600, kinds))
    assert presenter.scene.entity_count == 601
    # Unknown kinds differ only in colour (per vertex): the ground and at most the fallbacks.
    assert presenter.scene.draw_calls <= 1 + len(FALLBACK_MODELS)


def test_a_crowded_look_becomes_impostors_and_comes_back_below_the_threshold(
    presenter: PandaPresenter,
) -> None:
    smiley = 673  # vertices of the wheel's smiley: the budget divided by it is the threshold
    over = scene_module.MODEL_VERTEX_BUDGET // smiley + 1
    between = int(scene_module.MODEL_VERTEX_BUDGET * 0.9) // smiley
    under = int(scene_module.MODEL_VERTEX_BUDGET * scene_module.RETURN_FRACTION) // smiley - 1

    def level(count: int) -> str:
        presenter.draw(crowd(count, ("wanderer",)))
        drawn = presenter.scene.drawn(2)
        assert drawn is not None and drawn.kind == "wanderer"
        return drawn.level

    assert level(under) == "model"
    assert level(over) == "impostor"
    assert level(between) == "impostor"  # no flicker just under the threshold
    assert level(under) == "model"
    ground = presenter.scene.drawn(1)
    assert ground is not None and ground.level == "model"  # the ground never turns into quads


def test_batch_vertices_are_each_entity_moved_copy(presenter: PandaPresenter) -> None:
    walls = [(2.0, 3.0, 0.0), (-4.0, 1.0, 0.5), (0.5, -2.5, 1.0)]
    frame = FrameSnapshot(
        tick=1,
        ids=np.array([3, 5, 9], dtype=np.int64),
        kinds=("wall",) * 3,
        positions=np.array(walls, dtype=np.float32),
    )
    for _ in range(2):  # the second frame rewrites positions only, in place
        presenter.draw(frame)
    batches = [
        found
        for found in presenter.scene.root.find_all_matches("**/+GeomNode")
        if not found.is_hidden()
    ]
    assert len(batches) == 1
    node = batches[0].node()
    assert isinstance(node, GeomNode) and node.get_num_geoms() == 1
    reader = GeomVertexReader(node.get_geom(0).get_vertex_data(), "vertex")
    points = []
    while not reader.is_at_end():
        v = reader.get_data3()
        points.append((v.x, v.y, v.z))
    copies = np.array(points).reshape(3, -1, 3)  # 24 vertices per box
    for copy, (x, y, z) in zip(copies, walls, strict=True):
        # A unit box standing on its entity's position, centred in x and y.
        assert copy.min(axis=0) == pytest.approx((x - 0.5, y - 0.5, z), abs=1e-5)
        assert copy.max(axis=0) == pytest.approx((x + 0.5, y + 0.5, z + 1.0), abs=1e-5)


def _picture(frame: FrameSnapshot, path: Path) -> np.ndarray:
    with open_presenter("offscreen", size=(320, 180)) as p:
        p.draw(frame)
        p.screenshot(path)
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.float64)


def test_impostors_look_like_their_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = crowd(10)
    model = _picture(frame, tmp_path / "model.png")
    monkeypatch.setattr(scene_module, "MODEL_VERTEX_BUDGET", 0)
    impostor = _picture(frame, tmp_path / "impostor.png")
    empty = _picture(crowd(0), tmp_path / "empty.png")
    # Not the same picture (flat quads seen in perspective, coins squashed instead of turned),
    # but clearly closer to it than to no entities at all (about half the distance).
    assert np.abs(impostor - model).mean() > 0.0
    assert np.abs(impostor - model).mean() < 0.7 * np.abs(empty - model).mean()


def test_guards_read_as_frowneys(tmp_path: Path) -> None:
    """A guard at about the size it has in the demo picture (some 30 pixels across) shows its
    face: dark strokes on a light ball (the wheel's frowney, thin black strokes on dark blue
    seen from above, showed as a plain ball)."""
    with open_presenter("offscreen", size=(480, 270)) as presenter:
        assert isinstance(presenter, PandaPresenter)
        ball = _guard_pixels(presenter, tmp_path)
    assert len(ball) > 60
    brightness = ball.mean(axis=1)
    assert (brightness > 110).mean() > 0.3  # a light ball ...
    assert (brightness < 50).mean() > 0.1  # ... with a face drawn on it (about 14 %)


def _guard_pixels(presenter: PandaPresenter, tmp_path: Path) -> np.ndarray:
    """The pixels inside the disc a lone guard covers in a 20 x 20 arena."""
    rows = {1: ("ground", (0.0, 0.0, 0.0)), 2: ("guard", (0.0, 0.0, 0.0))}
    rows |= {3 + n: ("coin", (x, y, 0.3)) for n, (x, y) in enumerate([(-9, -9), (9, 9)])}
    ids = sorted(rows)
    presenter.draw(
        FrameSnapshot(
            tick=1,
            ids=np.array(ids, dtype=np.int64),
            kinds=tuple(rows[i][0] for i in ids),
            positions=np.array([rows[i][1] for i in ids], dtype=np.float32),
        )
    )
    camera = presenter._camera
    lens = camera.node().get_lens()
    middle, edge = Point2(), Point2()
    root = presenter.scene.root
    assert lens.project(camera.get_relative_point(root, (0.0, 0.0, 0.6)), middle)
    assert lens.project(camera.get_relative_point(root, (0.6, 0.0, 0.6)), edge)
    path = presenter.screenshot(tmp_path / "guard.png")
    with Image.open(path) as img:
        pixels = np.asarray(img.convert("RGB"), dtype=np.float64)
    h, w = pixels.shape[:2]
    cx, cy = (middle.x + 1) / 2 * w, (1 - middle.y) / 2 * h
    radius = (edge.x - middle.x) / 2 * w * 0.8
    yy, xx = np.mgrid[0:h, 0:w]
    disc: np.ndarray = pixels[(xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2]
    return disc


def test_without_impostor_pictures_crowded_looks_stay_models(
    presenter: PandaPresenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When no offscreen buffer for a picture can be made (here: asked with a size Panda3D
    refuses), the crowd is still drawn, with models, and the frame does not fail."""
    monkeypatch.setattr(impostor_module, "PICTURE_PX", -4)
    presenter.draw(crowd(200, ("wanderer",)))
    drawn = presenter.scene.drawn(2)
    assert drawn is not None and drawn.level == "model"
    assert presenter.scene.entity_count == 201
    presenter.draw(crowd(200, ("guard",)))  # later looks do not try again
    guard = presenter.scene.drawn(2)
    assert guard is not None and guard.level == "model"


def test_grounds_at_one_height_are_drawn_as_one_slab(presenter: PandaPresenter) -> None:
    grounds = 3000
    frame = FrameSnapshot(
        tick=1,
        ids=np.arange(1, grounds + 2, dtype=np.int64),
        kinds=("ground",) * grounds + ("wanderer",),
        positions=np.zeros((grounds + 1, 3), dtype=np.float32),
    )
    presenter.draw(frame)
    assert presenter.scene.entity_count == grounds + 1
    slabs = [
        found.node()
        for found in presenter.scene.root.find_all_matches("**/+GeomNode")
        if found.get_name().startswith("look-models/box") and not found.is_hidden()
    ]
    assert len(slabs) == 1 and isinstance(slabs[0], GeomNode)
    assert slabs[0].get_geom(0).get_vertex_data().get_num_rows() == 24  # one box
