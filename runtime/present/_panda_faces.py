"""Face textures drawn bold, so a frowney still reads as one at game scale.

The wheel's frowney is thin black strokes on a dark blue: at the size a guard has in a
960x540 picture (about 30 pixels across) the strokes are under a pixel thick and vanish, and
black on dark blue has little contrast anyway, so guards looked like plain balls. A kind's
style may ask for its model's texture with a lighter background and every dark stroke grown by
a few texels in every direction.
"""

from __future__ import annotations

import numpy as np
from panda3d.core import SamplerState, Texture

#: A texel darker than this (0..255, brightest channel) is part of a stroke.
STROKE_LEVEL = 64
#: Texels a stroke grows by in every direction (the 512x256 face map has 1.4 texels per degree
#: of the sphere, so 5 texels make a stroke about 7 degrees thicker).
GROW = 5


def bold_face(texture: Texture, background: tuple[float, float, float, float]) -> Texture:
    """A copy of ``texture`` (a face on a plain background) with the background replaced by
    ``background`` and its dark strokes grown by :data:`GROW` texels.

    Cost: O(texels x GROW^2) numpy work, once per look and presenter.
    """
    width, height = texture.get_x_size(), texture.get_y_size()
    raw = np.frombuffer(bytes(texture.get_ram_image_as("RGB")), dtype=np.uint8)
    dark = raw.reshape(height, width, 3).max(axis=2) < STROKE_LEVEL
    grown = dark.copy()
    for dy in range(-GROW, GROW + 1):
        for dx in range(-GROW, GROW + 1):
            if dx * dx + dy * dy <= GROW * GROW:
                # Around the sphere (u) the map wraps; towards the poles (v) a roll wraps too,
                # which is harmless: faces sit near the equator.
                grown |= np.roll(dark, (dy, dx), axis=(0, 1))
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rgb[:] = np.round(np.asarray(background[:3]) * 255.0).astype(np.uint8)
    rgb[grown] = 0
    bold = Texture(f"{texture.get_name()}-bold")
    bold.setup_2d_texture(width, height, Texture.T_unsigned_byte, Texture.F_rgb)
    bold.set_ram_image_as(rgb.tobytes(), "RGB")
    bold.set_minfilter(SamplerState.FT_linear_mipmap_linear)
    bold.set_magfilter(SamplerState.FT_linear)
    return bold
