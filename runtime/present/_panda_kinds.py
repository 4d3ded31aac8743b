"""Which model, colour and size draws an entity kind (pure data; no Panda3D import).

Every model named here ships inside the ``panda3d`` wheel (``panda3d/models/``), so the
renderer needs no asset of its own. Known demo kinds have a fixed look; any other kind gets a
look derived from a CRC-32 of its name, so the same kind looks the same on every run and every
machine (Python's ``hash()`` is salted per process and would not be).
"""

from __future__ import annotations

import colorsys
import zlib
from dataclasses import dataclass
from typing import Final

RGBA = tuple[float, float, float, float]
Vec3f = tuple[float, float, float]


@dataclass(frozen=True)
class KindStyle:
    """How one entity kind is drawn."""

    #: Model path as Panda3D's loader knows it (``models/<name>`` from the wheel).
    model: str
    #: Colour multiplied into the model (textured models keep their texture, tinted).
    color: RGBA
    #: Size in world units along x, y, z after the model is normalised to a unit cube.
    scale: Vec3f = (1.0, 1.0, 1.0)
    #: Degrees turned about z per tick (a spinning coin); 0 for none.
    spin: float = 0.0
    #: Ground kinds are stretched under the framed arena instead of drawn at model size.
    ground: bool = False
    #: Keep the model's own texture (False: plain colour, e.g. a clean box).
    textured: bool = True
    #: Turn the model's front (its -y side, where the wheel's smiley and frowney have their
    #: faces) up towards the camera, which looks down at about 40 degrees.
    faces_camera: bool = False
    #: For a face texture: draw it bold on this background colour (see
    #: :mod:`runtime.present._panda_faces`), or None to keep the texture as it is.
    face_background: RGBA | None = None

    @property
    def look(self) -> Look:
        """Everything but the colour: kinds with the same look are drawn by one batch, each
        entity coloured per vertex, so the number of draw calls is bounded by the looks in
        use, not by the kinds (an unknown kind shares one of the fallback looks)."""
        return Look(
            self.model,
            self.scale,
            self.spin,
            self.ground,
            self.textured,
            self.faces_camera,
            self.face_background,
        )


@dataclass(frozen=True)
class Look:
    """The shape part of a :class:`KindStyle` (hashable; one batch per look and detail)."""

    model: str
    scale: Vec3f
    spin: float
    ground: bool
    textured: bool
    faces_camera: bool = False
    face_background: RGBA | None = None


#: The looks of the kinds the bundled demo mods use.
KNOWN_KINDS: Final[dict[str, KindStyle]] = {
    "ground": KindStyle("models/box", (0.55, 0.85, 0.45, 1.0), (1.0, 1.0, 0.2), ground=True),
    "wanderer": KindStyle("models/smiley", (1.0, 1.0, 1.0, 1.0), faces_camera=True),
    "coin": KindStyle("models/smiley", (1.0, 0.82, 0.15, 1.0), (0.8, 0.2, 0.8), spin=6.0),
    "guard": KindStyle(
        "models/frowney",
        (1.0, 1.0, 1.0, 1.0),
        (1.2, 1.2, 1.2),
        faces_camera=True,
        face_background=(0.35, 0.55, 1.0, 1.0),
    ),
    "wall": KindStyle("models/box", (0.62, 0.60, 0.58, 1.0), textured=False),
    "player": KindStyle("models/teapot", (0.40, 0.70, 1.0, 1.0)),
}

#: Models an unknown kind is drawn with, picked by hash.
FALLBACK_MODELS: Final[tuple[str, ...]] = ("models/box", "models/smiley", "models/teapot")


def style_for(kind: str) -> KindStyle:
    """The look of ``kind``: the table's entry, else one derived from a hash of the name.

    Deterministic across processes and machines; O(len(kind)).
    """
    known = KNOWN_KINDS.get(kind)
    if known is not None:
        return known
    digest = zlib.crc32(kind.encode("utf-8"))
    model = FALLBACK_MODELS[digest % len(FALLBACK_MODELS)]
    # The box's own texture is a dark noise: an unknown kind drawn as a box is plain-coloured.
    # Hue from the hash, fixed saturation and value: always a clear, readable colour.
    hue = ((digest >> 8) % 360) / 360.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.65, 0.95)
    return KindStyle(model, (r, g, b, 1.0), textured=model != "models/box")
