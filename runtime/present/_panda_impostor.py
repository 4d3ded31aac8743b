"""Impostors: a look rendered once into a small texture, then drawn as one quad per entity.

The software renderer spends its time per vertex: a smiley has 673, so 10,000 smileys are
millions of vertices per frame. Above a threshold (see ``_panda_scene``) a look is
drawn as quads instead, each textured with a picture of the model taken from the camera's
direction with the scene's lights, so the picture stays recognisable at a fraction of the
cost. The camera always looks along :data:`runtime.present._panda_camera.VIEW_DIRECTION` (a target
moves it, never turns it), so the quads face it with a fixed orientation.

The picture is taken twice, on black and on white: where the two agree the model covers the
pixel (alpha 1), where they differ by the full range it is background (alpha 0). The quad
stands in front of the model's centre by its radius, so it is not cut by the ground.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from panda3d.core import (
    Camera,
    FrameBufferProperties,
    GraphicsEngine,
    GraphicsOutput,
    GraphicsPipe,
    LightAttrib,
    NodePath,
    OrthographicLens,
    RenderState,
    SamplerState,
    Texture,
    TextureAttrib,
    TransparencyAttrib,
    WindowProperties,
)

from ._errors import PresentationUnavailable
from ._panda_batch import Batch
from ._panda_camera import VIEW_DIRECTION
from ._panda_lights import add_lights
from ._panda_models import Template

#: Side of an impostor picture in pixels (a power of two, for mipmaps).
PICTURE_PX = 64
#: Extra room around the model in the picture, as a fraction of its size.
PAD = 0.04

FORWARD = -VIEW_DIRECTION.astype(np.float32)
RIGHT = np.cross(FORWARD, [0.0, 0.0, 1.0]).astype(np.float32)
RIGHT /= np.linalg.norm(RIGHT)
UP = np.cross(RIGHT, FORWARD).astype(np.float32)


class ImpostorUnavailable(PresentationUnavailable):
    """No picture could be taken (no offscreen buffer): the look stays a model. Caught by
    the scene, never shown to a user."""


class ImpostorBaker:
    """Takes the pictures, with the presenter's offscreen pipe.

    :param pipe: the software renderer's offscreen pipe; None where there is none (then
        :attr:`available` is False and looks keep their models).
    """

    def __init__(self, pipe: GraphicsPipe | None) -> None:
        self._pipe = pipe

    @property
    def available(self) -> bool:
        """Whether pictures can be taken here (False after a failed attempt)."""
        return self._pipe is not None

    def bake(self, templates: list[Template]) -> Template:
        """The quad that stands in for ``templates`` (already scaled to the kind's size),
        white, with lighting baked in (batches colour it per vertex).

        Cost: two renders of one model at 64x64; once per look and presenter.

        :raises ImpostorUnavailable: when no picture can be taken (then :attr:`available` is
            False from now on).
        """
        points = np.concatenate([t.positions for t in templates])
        centre = (points.min(axis=0) + points.max(axis=0)) / 2.0
        offsets = points - centre
        half_w = float(np.abs(offsets @ RIGHT).max()) * (1.0 + PAD)
        half_h = float(np.abs(offsets @ UP).max()) * (1.0 + PAD)
        radius = float(np.linalg.norm(offsets, axis=1).max())
        try:
            rgba = self._picture(templates, centre, (half_w, half_h), radius)
        except ImpostorUnavailable:
            self._pipe = None  # do not try again for every look
            raise
        texture = Texture("impostor")
        texture.setup_2d_texture(PICTURE_PX, PICTURE_PX, Texture.T_unsigned_byte, Texture.F_rgba)
        texture.set_ram_image_as(rgba.tobytes(), "RGBA")
        texture.set_minfilter(SamplerState.FT_linear_mipmap_linear)
        texture.set_magfilter(SamplerState.FT_linear)
        texture.set_wrap_u(SamplerState.WM_clamp)
        texture.set_wrap_v(SamplerState.WM_clamp)
        return _quad(centre - FORWARD * radius, half_w, half_h, texture)

    def _picture(
        self,
        templates: list[Template],
        centre: npt.NDArray[np.float32],
        half: tuple[float, float],
        radius: float,
    ) -> npt.NDArray[np.uint8]:
        """RGBA pixels (bottom row first, as Panda3D keeps textures) of the model."""
        if self._pipe is None:
            raise ImpostorUnavailable("no offscreen pipe")
        engine = GraphicsEngine(self._pipe)
        try:
            buffer = engine.make_output(
                self._pipe,
                "modhost-impostor",
                -1,
                _frame_buffer(),
                WindowProperties.size(PICTURE_PX, PICTURE_PX),
                GraphicsPipe.BF_refuse_window,
            )
            if buffer is None:
                raise ImpostorUnavailable("no offscreen buffer for an impostor")
            root = NodePath("impostor")
            add_lights(root)
            white = np.ones((1, 4), dtype=np.float32)
            model = Batch("model", templates, root)
            model.write(np.zeros((1, 3), dtype=np.float32), lambda: white, 0)
            lens = OrthographicLens()
            lens.set_film_size(2.0 * half[0], 2.0 * half[1])
            lens.set_near_far(0.1, 4.0 * radius + 10.0)
            camera = root.attach_new_node(Camera("impostor-camera", lens))
            camera.set_pos(*(centre - FORWARD * (2.0 * radius + 5.0)))
            camera.look_at(*centre)
            region = buffer.make_display_region()
            region.set_camera(camera)
            buffer.set_clear_color_active(True)
            shots = []
            for background in (0.0, 1.0):
                buffer.set_clear_color((background, background, background, 1.0))
                engine.render_frame()
                shots.append(_rgb(buffer))
            root.remove_node()
        finally:
            engine.remove_all_windows()
        on_black, on_white = shots
        alpha = 1.0 - (on_white - on_black).max(axis=2, keepdims=True)
        rgb = np.where(alpha > 0.0, on_black / np.maximum(alpha, 1e-6), 0.0)
        binary = (alpha > 0.5).astype(np.float64)
        rgba = np.concatenate([np.clip(rgb, 0.0, 1.0), binary], axis=2)
        return np.round(rgba * 255.0).astype(np.uint8)


def _rgb(buffer: GraphicsOutput) -> npt.NDArray[np.float64]:
    shot = buffer.get_screenshot()
    if shot is None:
        raise ImpostorUnavailable("could not read an impostor picture back")
    raw = np.frombuffer(bytes(shot.get_ram_image_as("RGB")), dtype=np.uint8)
    return raw.reshape(PICTURE_PX, PICTURE_PX, 3).astype(np.float64) / 255.0


def _frame_buffer() -> FrameBufferProperties:
    fb = FrameBufferProperties()
    fb.set_rgb_color(True)
    fb.set_color_bits(24)
    fb.set_depth_bits(16)
    return fb


def _quad(
    middle: npt.NDArray[np.float32], half_w: float, half_h: float, texture: Texture
) -> Template:
    """A quad facing the camera, centred on ``middle``, showing ``texture``."""
    corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], dtype=np.float32)
    positions = middle + corners[:, :1] * half_w * RIGHT + corners[:, 1:] * half_h * UP
    # Lighting is in the picture already.
    state = RenderState.make(
        TextureAttrib.make(texture),
        TransparencyAttrib.make(TransparencyAttrib.M_binary),
        LightAttrib.make_all_off(),
    )
    return Template(
        positions=positions.astype(np.float32),
        normals=np.tile(-FORWARD, (4, 1)).astype(np.float32),
        texcoords=(corners + 1.0) / 2.0,
        triangles=np.array([0, 1, 2, 0, 2, 3], dtype=np.uint32),
        state=state,
    )
