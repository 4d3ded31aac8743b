"""The Panda3D presenter, offscreen: lifecycle, entity nodes, camera, overlay, errors.

Everything here renders for real with Panda3D's software renderer (p3tinydisplay).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pytest
from panda3d.core import Point2
from PIL import Image

from host_api import Diagnostic, DiagnosticCode
from runtime.core._frame import FrameSnapshot
from runtime.present._panda_camera import Framing
from runtime.present._panda_kinds import FALLBACK_MODELS, KNOWN_KINDS, style_for
from runtime.present._panda_presenter import PandaPresenter
from runtime.present._presentation import (
    PresenterClosed,
    ScreenshotFailed,
    display_available,
    open_presenter,
)

ROOT = Path(__file__).resolve().parents[2]
SIZE = (192, 108)


def frame(
    positions: Mapping[int, tuple[str, tuple[float, float, float]]],
    *,
    tick: int = 1,
    overlay: dict[str, str] | None = None,
    hud: dict[str, str] | None = None,
) -> FrameSnapshot:
    ids = sorted(positions)
    return FrameSnapshot(
        tick=tick,
        ids=np.array(ids, dtype=np.int64),
        kinds=tuple(positions[i][0] for i in ids),
        positions=np.array([positions[i][1] for i in ids], dtype=np.float32).reshape(-1, 3),
        overlay=overlay or {},
        hud=hud or {},
    )


@pytest.fixture
def presenter() -> Iterator[PandaPresenter]:
    p = open_presenter("offscreen", size=SIZE)
    assert isinstance(p, PandaPresenter)
    with p:
        yield p


def pixels(p: PandaPresenter, tmp_path: Path, name: str) -> np.ndarray:
    path = p.screenshot(tmp_path / name)
    with Image.open(path) as img:
        assert img.format == "PNG"
        return np.asarray(img.convert("RGB"), dtype=np.float64)


def test_open_draw_close_repeatedly_in_one_process(tmp_path: Path) -> None:
    for n in range(4):
        p = open_presenter("offscreen", size=SIZE)
        assert p.mode == "offscreen"
        p.draw(frame({1: ("wanderer", (0.0, 0.0, 0.0))}, tick=n))
        assert p.screenshot(tmp_path / f"{n}.png").stat().st_size > 0
        p.close()
        p.close()  # idempotent


def test_closed_presenter_refuses_work(tmp_path: Path) -> None:
    p = open_presenter("offscreen", size=SIZE)
    p.close()
    with pytest.raises(PresenterClosed):
        p.draw(frame({}))
    with pytest.raises(PresenterClosed):
        p.screenshot(tmp_path / "x.png")


def test_entities_follow_ids_and_batches_are_reused(presenter: PandaPresenter) -> None:
    presenter.draw(
        frame({1: ("ground", (0, 0, 0)), 2: ("coin", (1, 1, 0)), 3: ("guard", (2, 0, 0))})
    )
    nodes = presenter.scene.root.find_all_matches("**/+GeomNode")
    assert presenter.scene.drawn(3) is not None
    presenter.draw(
        frame({1: ("ground", (0, 0, 0)), 2: ("coin", (1.5, 1, 0)), 4: ("ghost", (3, 3, 0))})
    )
    coin = presenter.scene.drawn(2)
    assert coin is not None and coin.kind == "coin" and coin.level == "model"
    assert coin.position == pytest.approx((1.5, 1.0, 0.0))
    assert presenter.scene.drawn(3) is None  # gone
    ghost = presenter.scene.drawn(4)
    assert ghost is not None and ghost.kind == "ghost"
    assert presenter.scene.entity_count == 3
    # The batches of the looks seen before are the same nodes, not rebuilt per frame.
    again = presenter.scene.root.find_all_matches("**/+GeomNode")
    assert all(any(n == m for m in again) for n in nodes)
    presenter.draw(frame({}))
    assert presenter.scene.entity_count == 0
    assert presenter.scene.draw_calls == 0


def test_non_finite_positions_hide_the_entity_without_breaking_the_frame(
    presenter: PandaPresenter, tmp_path: Path
) -> None:
    nan = float("nan")
    presenter.draw(frame({1: ("wanderer", (0, 0, 0)), 2: ("guard", (nan, 1.0, float("inf")))}))
    assert presenter.scene.drawn(2) is None
    assert presenter.scene.entity_count == 1
    presenter.draw(frame({1: ("wanderer", (0, 0, 0)), 2: ("guard", (2.0, 1.0, 0.0))}))
    assert presenter.scene.drawn(2) is not None
    assert np.isfinite(pixels(presenter, tmp_path, "ok.png")).all()


def test_coin_spins_with_the_tick(presenter: PandaPresenter) -> None:
    presenter.draw(frame({7: ("coin", (0, 0, 0))}, tick=1))
    first = presenter.scene.drawn(7)
    presenter.draw(frame({7: ("coin", (0, 0, 0))}, tick=2))
    second = presenter.scene.drawn(7)
    assert first is not None and second is not None
    assert (second.heading - first.heading) % 360 == pytest.approx(KNOWN_KINDS["coin"].spin)


def test_known_kinds_use_wheel_models() -> None:
    assert style_for("wanderer").model == "models/smiley"
    assert style_for("guard").model == "models/frowney"
    assert style_for("ground").ground
    assert style_for("coin").spin != 0
    assert style_for("some-new-kind").model in FALLBACK_MODELS


def test_unknown_kind_looks_are_the_same_in_every_process() -> None:
    code = (
        "from runtime.present._panda_kinds import style_for;"
        "print([style_for(k) for k in ('crate', 'slime', 'x')])"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1
    assert len({style_for(k).color for k in ("crate", "slime", "x", "y", "z")}) > 1


def test_camera_keeps_every_entity_in_view(presenter: PandaPresenter) -> None:
    spots = {
        i: ("wanderer", (float(x), float(y), 0.0))
        for i, (x, y) in enumerate([(-20, -5), (15, 12), (0, 30), (-8, 25), (22, -9)], start=1)
    }
    presenter.draw(frame(spots))
    camera = presenter._camera
    lens = camera.node().get_lens()
    for _, (_, pos) in spots.items():
        in_camera = camera.get_relative_point(presenter.scene.root, pos)
        assert lens.project(in_camera, Point2()), f"{pos} is outside the view"


def test_framing_only_expands_and_does_not_jitter() -> None:
    framing = Framing(50.0, 30.0)
    first = framing.update(np.array([[0, 0, 0], [10, 10, 0]], dtype=np.float32))
    # Entities moving about inside the framed bounds never move the camera.
    rng = np.random.default_rng(3)
    for _ in range(20):
        inside = rng.uniform(0.0, 10.0, size=(5, 3)).astype(np.float32)
        inside[:, 2] = 0.0
        assert framing.update(inside) == first
    # Leaving them grows the bounds (with a margin), and coming back does not shrink them.
    grown = framing.update(np.array([[40, 0, 0]], dtype=np.float32))
    assert grown != first
    assert framing.update(np.array([[5, 5, 0]], dtype=np.float32)) == grown
    # A camera target moves the look-at point but keeps the distance.
    target = framing.update(np.zeros((0, 3), dtype=np.float32), (1.0, 2.0, 3.0))
    assert target.look_at == (1.0, 2.0, 3.0)
    assert np.linalg.norm(np.subtract(target.eye, target.look_at)) == pytest.approx(
        np.linalg.norm(np.subtract(grown.eye, grown.look_at))
    )


def test_overlay_and_hud_text_reach_the_screenshot(
    presenter: PandaPresenter, tmp_path: Path
) -> None:
    world = {1: ("ground", (0, 0, 0)), 2: ("wanderer", (1, 1, 0))}
    presenter.draw(frame(world))
    stats, hud = presenter.overlay.text
    assert stats.splitlines() == ["tick 1", "entities: 2", f"draw calls: {presenter.draw_calls}"]
    assert hud == ""

    presenter.draw(
        frame(
            world,
            overlay={"tick rate": "60.0 Hz", "entities": "2", "coins": "0.12 ms"},
            hud={"b-lives": "Lives: 2", "a-score": "Score: 7"},
        )
    )
    stats, hud = presenter.overlay.text
    assert stats.splitlines() == [
        "tick 1",
        f"draw calls: {presenter.draw_calls}",
        "tick rate: 60.0 Hz",
        "entities: 2",
        "coins: 0.12 ms",
    ]
    assert hud.splitlines() == ["Score: 7", "Lives: 2"]
    text = pixels(presenter, tmp_path, "text.png")
    # The camera keeps the room it made for the taller text (the band only grows), so the
    # same world without the text differs only where the text was.
    presenter.draw(frame(world))
    bare = pixels(presenter, tmp_path, "bare.png")
    h, w = SIZE[1], SIZE[0]
    # Top-left (stats) and top-right (HUD) corners change; the bottom middle does not.
    top_left = np.s_[: h // 3, : w // 3]
    top_right = np.s_[: h // 3, -w // 3 :]
    bottom = np.s_[-h // 4 :, w // 3 : -w // 3]
    assert np.abs(text[top_left] - bare[top_left]).mean() > 5
    assert np.abs(text[top_right] - bare[top_right]).mean() > 5
    assert np.abs(text[bottom] - bare[bottom]).mean() < 1


def test_screenshot_to_an_unwritable_place_is_a_diagnostic(
    presenter: PandaPresenter, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    presenter.draw(frame({1: ("wanderer", (0, 0, 0))}))
    with pytest.raises(ScreenshotFailed) as info:
        presenter.screenshot(blocker / "shot.png")
    diagnostic = info.value.to_diagnostic()
    assert diagnostic.code == DiagnosticCode.SCREENSHOT_FAILED
    assert diagnostic.hint


def test_screenshot_before_any_draw_is_the_empty_scene(tmp_path: Path) -> None:
    with open_presenter("offscreen", size=SIZE) as p:
        path = p.screenshot(tmp_path / "nested" / "empty.png")
    with Image.open(path) as img:
        assert img.size == SIZE


def test_window_without_display_falls_back_with_one_info(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    notes: list[Diagnostic] = []
    if display_available():
        pytest.skip("this platform always has a display")
    with open_presenter("window", size=SIZE, report=notes.append) as p:
        assert p.mode == "offscreen"
        p.draw(frame({1: ("wanderer", (0, 0, 0))}))
    assert [(d.code, d.severity) for d in notes] == [(DiagnosticCode.PRESENTATION_FALLBACK, "info")]


def test_bad_arguments_are_caller_bugs() -> None:
    with pytest.raises(ValueError):
        open_presenter("vr", size=SIZE)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        open_presenter("offscreen", size=(8, 8))


SCRIPT = """
import sys, numpy as np
from runtime.core._frame import FrameSnapshot
from runtime.present._presentation import open_presenter
with open_presenter(sys.argv[1], size=(96, 54)) as p:
    p.draw(FrameSnapshot(tick=1, ids=np.array([1], dtype=np.int64), kinds=("coin",),
                         positions=np.zeros((1, 3), dtype=np.float32)))
    p.screenshot(sys.argv[2])
    print(p.mode)
"""


def run_script(mode: str, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**environ, **env},
        timeout=60,
        check=False,
    )


def test_offscreen_prints_nothing_on_stderr(tmp_path: Path) -> None:
    done = run_script("offscreen", tmp_path / "a.png", DISPLAY=":97")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "offscreen"
    assert done.stderr == ""
    assert (tmp_path / "a.png").stat().st_size > 0


@pytest.mark.parametrize("display", [None, ":97"], ids=["no-DISPLAY", "unreachable-DISPLAY"])
def test_window_fallback_prints_one_info_line_and_no_display_errors(
    tmp_path: Path, display: str | None
) -> None:
    env = {"DISPLAY": display} if display else {}
    done = run_script("window", tmp_path / "w.png", **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "offscreen"
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("info: PRESENTATION_FALLBACK")
    assert (tmp_path / "w.png").stat().st_size > 0


def test_importing_the_presentation_entry_does_not_load_panda3d() -> None:
    code = (
        "import sys, runtime, runtime.present._presentation, runtime.present._panda_kinds, "
        "runtime.present._panda_camera;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('panda3d', 'direct')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"


def test_kind_codes_given_or_derived_name_the_same_kinds() -> None:
    kinds = ("ground", "coin", "guard", "coin")
    derived = FrameSnapshot(
        tick=1, ids=np.arange(4), kinds=kinds, positions=np.zeros((4, 3), np.float32)
    )
    codes, names = derived.kind_index
    assert tuple(names[c] for c in codes) == kinds
    given = FrameSnapshot(
        tick=1,
        ids=np.arange(4),
        kinds=kinds,
        positions=np.zeros((4, 3), np.float32),
        kind_codes=np.array([2, 0, 1, 0], dtype=np.int32),
        kind_table=("coin", "guard", "ground"),
    )
    assert given.kind_index[1] == ("coin", "guard", "ground")
    # Codes that do not fit the table are not trusted: they are derived from the names.
    bad = FrameSnapshot(
        tick=1,
        ids=np.arange(4),
        kinds=kinds,
        positions=np.zeros((4, 3), np.float32),
        kind_codes=np.array([7, 0, 1, 0], dtype=np.int32),
        kind_table=("coin",),
    )
    codes, names = bad.kind_index
    assert tuple(names[c] for c in codes) == kinds
