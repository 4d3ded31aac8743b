"""Default camera framing: the gameplay fills the picture, not the scenery or stale margins.

The first tests are pure numpy; the others render offscreen with Panda3D's software renderer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from panda3d.core import Point2
from PIL import Image

from runtime.core._frame import FrameSnapshot
from runtime.present._panda_camera import MARGIN, Framing
from runtime.present._panda_presenter import PandaPresenter
from runtime.present._presentation import open_presenter

ROOT = Path(__file__).resolve().parents[2]
SIZE = (192, 108)


def snapshot(rows: list[tuple[str, tuple[float, float, float]]]) -> FrameSnapshot:
    return FrameSnapshot(
        tick=1,
        ids=np.arange(1, len(rows) + 1, dtype=np.int64),
        kinds=tuple(kind for kind, _ in rows),
        positions=np.array([pos for _, pos in rows], dtype=np.float32).reshape(-1, 3),
    )


def test_growing_many_times_does_not_compound_the_margin() -> None:
    framing = Framing(50.0, 30.0)
    framing.update(np.array([[-9, -9, 0], [9, 9, 0]], dtype=np.float32))
    # A marker that rises a little at a time (the demo's score marker) grows the bounds in z
    # again and again; x and y must keep the margin of the extent actually seen.
    for step in range(1, 60):
        framing.update(np.array([[9.0, 9.0, 0.5 * step]], dtype=np.float32))
    assert framing.bounds is not None
    lo, hi = framing.bounds
    pad = 18.0 * MARGIN
    assert lo[0] == pytest.approx(-9.0 - pad) and hi[0] == pytest.approx(9.0 + pad)
    assert lo[1] == pytest.approx(-9.0 - pad) and hi[1] == pytest.approx(9.0 + pad)
    assert hi[2] >= 29.5
    (x_lo, _), (x_hi, _) = framing.arena()
    assert x_lo == pytest.approx(-9.0 - pad) and x_hi == pytest.approx(9.0 + pad)


def test_the_arena_is_a_minimum_square_before_anything_is_seen() -> None:
    framing = Framing(50.0, 30.0)
    assert framing.arena() == ((-3.0, -3.0), (3.0, 3.0))


def test_the_ground_is_scenery_and_not_framed() -> None:
    with open_presenter("offscreen", size=SIZE) as presenter:
        assert isinstance(presenter, PandaPresenter)
        # The ground sits at the origin, the gameplay far from it: the camera frames the
        # gameplay only, and the ground is stretched under it.
        presenter.draw(
            snapshot(
                [
                    ("ground", (0.0, 0.0, 0.0)),
                    ("wanderer", (40.0, 40.0, 0.0)),
                    ("coin", (44.0, 42.0, 0.3)),
                ]
            )
        )
        bounds = presenter._framing.bounds
        assert bounds is not None
        assert bounds[0][0] > 30.0 and bounds[0][1] > 30.0
        ground = presenter.scene.drawn(1)
        assert ground is not None
        assert ground.position[0] == pytest.approx(42.0, abs=0.5)
        camera = presenter._camera
        lens = camera.node().get_lens()
        for pos in [(40.0, 40.0, 0.0), (44.0, 42.0, 0.3)]:
            in_camera = camera.get_relative_point(presenter.scene.root, pos)
            assert lens.project(in_camera, Point2()), f"{pos} is outside the view"


def test_gameplay_entities_are_not_specks_in_the_demo(tmp_path: Path) -> None:
    """In the demo arena (20 x 20, a marker rising to about z = 8) one unit is a readable
        size on screen: at least 1.5 % of the picture's width (with the margin compounding on
    every growth, as before, it was about 0.6 %)."""
    rows: list[tuple[str, tuple[float, float, float]]] = [("ground", (0.0, 0.0, 0.0))]
    rows += [("beacon", (sx * 9.0, sy * 9.0, 0.5)) for sx in (-1, 1) for sy in (-1, 1)]
    rows.append(("wanderer", (0.0, 0.0, 0.5)))
    # The small size keeps the aspect of the demo (16:9); film coordinates do not depend on
    # pixels. (A 960 x 540 output earlier in the process changes how the pooled ground
    # texture is drawn afterwards, which would disturb the golden image test.)
    with open_presenter("offscreen", size=SIZE) as presenter:
        assert isinstance(presenter, PandaPresenter)
        for z in np.arange(0.5, 8.5, 0.4):
            presenter.draw(snapshot([*rows, ("score-marker", (10.5, 10.5, float(z)))]))
        camera = presenter._camera
        lens = camera.node().get_lens()
        left, right = Point2(), Point2()
        root = presenter.scene.root
        assert lens.project(camera.get_relative_point(root, (0.0, 0.0, 0.5)), left)
        assert lens.project(camera.get_relative_point(root, (1.0, 0.0, 0.5)), right)
        # Film coordinates run from -1 to 1 across the picture.
        assert (right.x - left.x) / 2.0 > 0.015


PRESENTERS_IN_A_ROW = """
import sys
from pathlib import Path
import numpy as np
from PIL import Image
from runtime.core._frame import FrameSnapshot
from runtime.present._presentation import open_presenter

frame = FrameSnapshot(
    tick=1,
    ids=np.array([1, 2], dtype=np.int64),
    kinds=("ground", "wanderer"),
    positions=np.array([(0, 0, 0), (1, 1, 0)], dtype=np.float32),
)
out = Path(sys.argv[1])
for name, draws in (("first", 1), ("busy", 3), ("after", 1)):
    with open_presenter("offscreen", size=(192, 108)) as presenter:
        for _ in range(draws):
            presenter.draw(frame)
        presenter.screenshot(out / f"{name}.png")
"""


def test_a_presenter_draws_the_same_whatever_rendered_before_it(tmp_path: Path) -> None:
    # A fresh process: the first presenter of a process is the reference.
    subprocess.run(
        [sys.executable, "-c", PRESENTERS_IN_A_ROW, str(tmp_path)],
        check=True,
        cwd=ROOT,
        timeout=100,
        capture_output=True,
    )

    def pixels(name: str) -> npt.NDArray[np.float64]:
        with Image.open(tmp_path / f"{name}.png") as img:
            return np.asarray(img.convert("RGB"), dtype=np.float64)

    assert np.abs(pixels("after") - pixels("first")).mean() < 0.5


def test_a_rising_marker_stays_below_the_hud_text() -> None:
    """The demo's score marker climbs at the arena's far corner, under the HUD block (top
    right): the camera keeps every entity below the HUD's bottom edge, however high it goes."""
    rows: list[tuple[str, tuple[float, float, float]]] = [("ground", (0.0, 0.0, 0.0))]
    rows += [("beacon", (sx * 9.0, sy * 9.0, 0.5)) for sx in (-1, 1) for sy in (-1, 1)]
    rows.append(("wanderer", (0.0, 0.0, 0.5)))
    hud = {
        "a-help": "WASD / arrows: move",
        "b-score": "Score: 21",
        "c-caught": "Caught: 5",
        "d-message": "Caught by a guard!",
    }
    with open_presenter("offscreen", size=SIZE) as presenter:
        assert isinstance(presenter, PandaPresenter)
        camera = presenter._camera
        lens = camera.node().get_lens()
        root = presenter.scene.root
        for z in np.arange(0.5, 40.0, 1.5):
            marker = (10.5, 10.5, float(z))
            frame = snapshot([*rows, ("score-marker", marker)])
            presenter.draw(
                FrameSnapshot(
                    tick=frame.tick,
                    ids=frame.ids,
                    kinds=frame.kinds,
                    positions=frame.positions,
                    hud=hud,
                )
            )
            hud_bottom = 1.0 - 2.0 * presenter.overlay.hud_height()  # film units, -1..1
            for top in (marker, (-9.0, 9.0, 1.0), (9.0, 9.0, 1.0)):
                seen = Point2()
                assert lens.project(camera.get_relative_point(root, top), seen), top
                assert seen.y < hud_bottom, f"{top} is drawn into the HUD at marker z={z}"
