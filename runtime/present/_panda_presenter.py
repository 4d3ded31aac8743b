"""The Panda3D presenter: a window or an offscreen buffer, a 3D scene and a 2D overlay.

Built on ``GraphicsEngine`` and ``GraphicsPipe`` directly rather than ShowBase. ShowBase is a
process-wide singleton that writes ``base``/``render``/``loader`` into builtins, starts a task
manager, an audio manager and an evdev input scan (which prints ``/dev/input`` errors), and
cannot be torn down and rebuilt reliably in one process. A presenter here owns exactly one
engine, one output and two scene graphs, and :meth:`PandaPresenter.close` releases all of them,
so tests and tools may open and close presenters as often as they like.

Offscreen output uses ``TinyOffscreenGraphicsPipe`` from ``p3tinydisplay`` (a software
rasteriser) by name, so no X11 connection is ever attempted. Window output opens a ``p3tinydisplay``
window (see :data:`WINDOW_MODULE` for why not ``pandagl``) with Panda3D's display messages
silenced; the caller
(:func:`runtime.present._presentation.open_presenter`) falls back to offscreen when both fail.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from types import TracebackType
from typing import Final

import numpy as np
import numpy.typing as npt
from panda3d.core import (
    Camera,
    FrameBufferProperties,
    GraphicsEngine,
    GraphicsOutput,
    GraphicsPipe,
    GraphicsPipeSelection,
    NodePath,
    PerspectiveLens,
    PNMFileTypeRegistry,
    PNMImage,
    WindowProperties,
)
from panda3d.core import Filename as PandaFilename

from ..core import FrameSnapshot, PresentMode
from ._errors import PresentationUnavailable, PresenterClosed, ScreenshotFailed
from ._panda_camera import Framing
from ._panda_config import apply_config, drop_native_noise, quiet_display
from ._panda_impostor import ImpostorBaker
from ._panda_kinds import style_for
from ._panda_overlay import Overlay
from ._panda_scene import Scene

#: Horizontal field of view of the 3D camera, degrees.
FOV_DEG: Final = 50.0
#: Clear colour behind the scene (a dusk blue, so black models and white text both read).
BACKGROUND: Final = (0.16, 0.20, 0.27, 1.0)
#: The display module for windows and buffers: the software renderer. Loading ``pandagl`` as well
#: as ``p3tinydisplay`` (which the offscreen fallback needs) in one process makes Panda3D print
#: "Attempt to register type x11GraphicsPipe more than once!" unconditionally on stderr, and a
#: fallback must stay quiet. The software renderer draws a modhost arena at 960x540 in a few
#: milliseconds, and window and offscreen pictures are then the same.
WINDOW_MODULE: Final = "p3tinydisplay"
#: Names another display module for windows, e.g. ``pandagl`` to measure the window path on
#: a GPU (``benchmarks/bench_render.py --window``). At the cost of two "register type ... more
#: than once" lines from Panda3D: the offscreen pipe (impostor pictures) stays software.
WINDOW_MODULE_ENV: Final = "MODHOST_WINDOW_DISPLAY"


def _window_module() -> str:
    return os.environ.get(WINDOW_MODULE_ENV) or WINDOW_MODULE


#: Frames drawn while a window's framebuffer cannot be read back yet, before giving up.
READBACK_TRIES: Final = 5


class PandaPresenter:
    """Renders :class:`FrameSnapshot`s with Panda3D into a window or an offscreen buffer.

    Use :func:`runtime.present._presentation.open_presenter` rather than this class directly.

    :param mode: ``"window"`` or ``"offscreen"``; the output is made accordingly.
    :param size: (width, height) in pixels.
    :raises PresentationUnavailable: when no output of that mode can be opened.
    """

    def __init__(self, mode: PresentMode, size: tuple[int, int]) -> None:
        apply_config()
        #: The mode in use.
        self.mode: PresentMode = mode
        self._engine, self._output = _open_output(mode, size)
        self._closed = False
        self._drawn = False
        self.scene = Scene(ImpostorBaker(_pipe("offscreen")))
        self.overlay = Overlay(size)
        self._lens = PerspectiveLens()
        self._framing = Framing(FOV_DEG, FOV_DEG)
        self._fitted: tuple[int, int] = (0, 0)
        self._fit(size)
        self._camera = self._attach_camera(self.scene.root, self._lens, sort=0)
        self._attach_camera(self.overlay.root, self.overlay.lens, sort=10)
        self._output.set_clear_color_active(True)
        self._output.set_clear_color(BACKGROUND)

    def _fit(self, size: tuple[int, int]) -> None:
        """Match the lenses and the overlay to an output of ``size`` pixels."""
        if size == self._fitted or min(size) <= 0:
            return
        self._fitted = size
        aspect = size[0] / size[1]
        self._lens.set_fov(FOV_DEG)
        self._lens.set_aspect_ratio(aspect)
        vertical = 2.0 * math.degrees(math.atan(math.tan(math.radians(FOV_DEG) / 2.0) / aspect))
        self._framing.set_fov(FOV_DEG, vertical)
        self.overlay.resize(size)

    def _output_size(self) -> tuple[int, int]:
        return (self._output.get_x_size(), self._output.get_y_size())

    def _attach_camera(self, root: NodePath, lens: object, *, sort: int) -> NodePath:
        camera = Camera(f"camera-{root.get_name()}")
        camera.set_lens(lens)
        camera_np = root.attach_new_node(camera)
        region = self._output.make_display_region()
        region.set_sort(sort)
        region.set_camera(camera_np)
        return camera_np

    # -- the Presenter protocol ------------------------------------------------------------

    def draw(self, frame: FrameSnapshot) -> None:
        """Bring the scene to ``frame`` and render it (blocks until the frame is drawn).

        :raises PresenterClosed: after :meth:`close`.
        """
        self._check_open()
        if self.mode == "window":  # the user may have resized it
            self._fit(self._output_size())
        self.scene.sync(frame)
        self.overlay.update(frame, self.scene.entity_count, self.scene.draw_calls)
        # Entities are framed below the HUD text, so none rises into it.
        self._framing.keep_top_free(self.overlay.hud_height())
        pose = self._framing.update(_framed_positions(frame), frame.camera_target)
        self.scene.place_ground(self._framing.arena())
        self._camera.set_pos(*pose.eye)
        self._camera.look_at(*pose.look_at)
        self._lens.set_near_far(pose.near, pose.far)
        film_height = self._lens.get_film_size()[1]
        self._lens.set_film_offset(0.0, -pose.centre_y * film_height / 2.0)
        self._engine.render_frame()
        self._drawn = True

    def screenshot(self, path: Path) -> Path:
        """Write the last rendered frame to ``path`` as PNG (parents created); returns it.

        Renders once first if nothing was drawn yet, or if the window changed size since the
        last frame (its framebuffer was reallocated), so the file always shows this output.

        :raises ScreenshotFailed: when the image cannot be read back or written.
        :raises PresenterClosed: after :meth:`close`.
        """
        self._check_open()
        if self.mode == "window" and self._output_size() != self._fitted:
            self._fit(self._output_size())
            self._drawn = False
        if not self._drawn:
            self._engine.render_frame()
            self._drawn = True
        path = Path(path)
        image = PNMImage()
        for _ in range(READBACK_TRIES):
            if self._output.get_screenshot(image):
                break
            # A window the X server has not mapped yet (a busy machine) has no framebuffer to
            # read: draw again rather than fail the whole run's screenshot.
            self._engine.render_frame()
        else:
            raise _screenshot_failed(path, f"could not read back the {self.mode} framebuffer")
        # The software framebuffer's alpha is not quite 1; a screenshot is an opaque picture.
        image.remove_alpha()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _screenshot_failed(path, f"cannot create {path.parent}: {exc}") from exc
        png = PNMFileTypeRegistry.get_global_ptr().get_type_from_extension("png")
        if path.is_dir() or not image.write(PandaFilename.from_os_specific(str(path)), png):
            raise _screenshot_failed(path, f"cannot write {path}")
        return path

    def close(self) -> None:
        """Release the output, the engine and both scenes. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.scene.destroy()
        self.overlay.destroy()
        self._engine.remove_all_windows()

    @property
    def size(self) -> tuple[int, int]:
        """Output size in pixels as of the last draw (a window may have been resized)."""
        return self._fitted

    @property
    def draw_calls(self) -> int:
        """Geoms the last frame submitted, scene and overlay: one per part of each look and
        level of detail in use, plus the text blocks. Does not grow with the entity count."""
        return self.scene.draw_calls + self.overlay.draw_calls

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    @property
    def window_closed_by_user(self) -> bool:
        """True when the output is a window that the user has closed (the run may stop)."""
        return self.mode == "window" and not self._closed and self._output.is_closed()

    def __enter__(self) -> PandaPresenter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise PresenterClosed(
                "this presenter is closed", hint="open a new one with open_presenter()"
            )


def _screenshot_failed(path: Path, reason: str) -> ScreenshotFailed:
    return ScreenshotFailed(
        f"could not save the screenshot: {reason}",
        hint="pass a --screenshot path in a folder you can write to",
        details={"path": str(path)},
    )


def _framed_positions(frame: FrameSnapshot) -> npt.NDArray[np.float32]:
    """The positions the camera frames: every entity's but scenery's (the ground is stretched
    under the framed arena, so framing it as well would only pad the picture).

    O(n) in C for the set of kinds; the mask is built only when a scenery kind is present.
    """
    scenery = {kind for kind in set(frame.kinds) if style_for(kind).ground}
    if not scenery:
        return frame.positions
    keep = np.fromiter((kind not in scenery for kind in frame.kinds), bool, len(frame.kinds))
    framed: npt.NDArray[np.float32] = frame.positions[keep]
    return framed


def _open_output(mode: PresentMode, size: tuple[int, int]) -> tuple[GraphicsEngine, GraphicsOutput]:
    if mode == "offscreen":
        return _open_offscreen(size)
    return _open_window(size)


def _frame_buffer() -> FrameBufferProperties:
    fb = FrameBufferProperties()
    fb.set_rgb_color(True)
    fb.set_color_bits(24)
    fb.set_depth_bits(16)
    return fb


def _open_offscreen(size: tuple[int, int]) -> tuple[GraphicsEngine, GraphicsOutput]:
    pipe = _pipe("offscreen")
    if pipe is None:
        raise PresentationUnavailable("the software renderer (p3tinydisplay) is not available")
    engine = GraphicsEngine(pipe)
    output = engine.make_output(
        pipe,
        "modhost-offscreen",
        0,
        _frame_buffer(),
        WindowProperties.size(*size),
        GraphicsPipe.BF_refuse_window,
    )
    if output is None:
        engine.remove_all_windows()
        raise PresentationUnavailable(f"could not make a {size[0]}x{size[1]} offscreen buffer")
    return engine, output


def _open_window(size: tuple[int, int]) -> tuple[GraphicsEngine, GraphicsOutput]:
    with quiet_display():
        pipe = _pipe("window")
        if pipe is None:
            raise PresentationUnavailable(f"{_window_module()} found no display to open")
        engine = GraphicsEngine(pipe)
        props = WindowProperties.size(*size)
        props.set_title("modhost")
        window = engine.make_output(
            pipe, "modhost", 0, _frame_buffer(), props, GraphicsPipe.BF_require_window
        )
        if window is not None:
            engine.open_windows()  # opening is deferred; do it now to learn if it worked
        if window is not None and window.is_valid():
            return engine, window
        engine.remove_all_windows()
    raise PresentationUnavailable(f"{_window_module()} could not open a window")


#: Pipes made so far, by mode. A pipe is a process-wide connection (to the X server for a
#: window): Panda3D does not survive making a second X11 pipe after dropping the first (the
#: third window in one process crashed), so each kind of pipe is made once and shared by every
#: presenter of the process; presenters own only their engine and output.
_PIPES: dict[str, GraphicsPipe] = {}


def _pipe(mode: PresentMode) -> GraphicsPipe | None:
    """The process's pipe for ``mode``, made on first use; None when it cannot work here."""
    pipe = _PIPES.get(mode)
    if pipe is not None:
        return pipe
    selection = GraphicsPipeSelection.get_global_ptr()
    if mode == "offscreen":
        pipe = selection.make_pipe("TinyOffscreenGraphicsPipe", WINDOW_MODULE)
    else:
        with drop_native_noise():
            pipe = selection.make_module_pipe(_window_module())
    if pipe is None or not pipe.is_valid():
        return None
    _PIPES[mode] = pipe
    return pipe
