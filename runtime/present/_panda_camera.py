"""Camera framing of the arena (pure numpy; no Panda3D import).

The camera frames the bounding box of every entity seen so far, scenery (the ground, which is
stretched under whatever is framed) left out by the presenter. Bounds only grow, and they grow
in steps with a margin, so an entity drifting outwards moves the camera once in a while rather
than every frame: the picture does not jitter. The margin is taken from the extent actually
seen, never from the padded bounds, so growing many times does not compound it. z is up; the
camera looks from the south (-y), raised, at the centre of the bounds, or at a mod's camera
target when one is set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Direction from the look-at point towards the eye (south, about 40 degrees up).
VIEW_DIRECTION = np.array([0.0, -1.0, 0.85]) / math.hypot(1.0, 0.85)
#: How far above the horizon the camera looks down from, degrees.
ELEVATION_DEG = math.degrees(math.atan2(0.85, 1.0))
#: Fraction of the bounds' size added on every side when the bounds grow.
MARGIN = 0.15
#: Smallest half-size framed, in world units (one entity alone is not filling the screen).
MIN_HALF_EXTENT = 3.0
#: The top band kept for text grows in steps of this fraction of the screen height...
BAND_STEP = 0.04
#: ...up to this much: the picture keeps at least the lower half of the screen.
MAX_BAND = 0.5


@dataclass(frozen=True)
class CameraPose:
    """Where the camera is and what it looks at, with the clip range that keeps all in view."""

    eye: tuple[float, float, float]
    look_at: tuple[float, float, float]
    near: float
    far: float
    #: Where the look-at point lands on screen, vertically, in film units (-1 bottom, 1 top):
    #: below the middle when the top of the screen is kept for text (lens film offset).
    centre_y: float = 0.0


class Framing:
    """Expand-only framing of a set of points.

    :param hfov_deg: the lens's horizontal field of view, degrees.
    :param vfov_deg: the lens's vertical field of view, degrees.
    """

    def __init__(self, hfov_deg: float, vfov_deg: float) -> None:
        self.set_fov(hfov_deg, vfov_deg)
        #: Current bounds (lo, hi), each shape (3,), margin included; None until the first
        #: non-empty frame.
        self.bounds: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
        #: The extent of the positions seen so far (lo, hi), without the margin.
        self._seen: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
        #: Fraction of the screen's height, from the top, kept free of framed entities (the
        #: overlay's text is there). Grows only, like the bounds.
        self.top_band = 0.0

    def keep_top_free(self, fraction: float) -> None:
        """Frame entities below the top ``fraction`` of the screen from now on (the text
        blocks' height). Only grows, in steps of :data:`BAND_STEP`, at most :data:`MAX_BAND`,
        so a HUD line coming and going does not move the camera back and forth."""
        wanted = min(math.ceil(max(fraction, 0.0) / BAND_STEP) * BAND_STEP, MAX_BAND)
        self.top_band = max(self.top_band, wanted)

    def set_fov(self, hfov_deg: float, vfov_deg: float) -> None:
        """Change the field of view (the output was resized); the bounds stay."""
        self._tan_h = math.tan(math.radians(hfov_deg) / 2.0)
        self._tan_v = math.tan(math.radians(vfov_deg) / 2.0)

    def update(
        self,
        positions: npt.NDArray[np.float32],
        target: tuple[float, float, float] | None = None,
    ) -> CameraPose:
        """Grow the bounds to hold ``positions`` (shape (n, 3)) and return the camera pose.

        Non-finite positions are ignored. Cost: O(n) for the min/max.
        """
        positions = positions[np.isfinite(positions).all(axis=1)] if len(positions) else positions
        if len(positions):
            self._grow(
                positions.min(axis=0).astype(np.float64), positions.max(axis=0).astype(np.float64)
            )
        lo, hi = self.bounds if self.bounds is not None else (np.zeros(3), np.zeros(3))
        middle = (lo + hi) / 2.0
        half = np.maximum((hi - lo) / 2.0, MIN_HALF_EXTENT)
        centre = middle if target is None else np.asarray(target, dtype=np.float64)
        distance = self._fit_distance(half)
        radius = float(np.linalg.norm(half))
        return CameraPose(
            eye=_tuple3(centre + VIEW_DIRECTION * distance),
            look_at=_tuple3(centre),
            near=max(0.1, distance - 2.0 * radius),
            far=distance + 2.0 * radius,
            centre_y=-self.top_band,
        )

    def _fit_distance(self, half: npt.NDArray[np.float64]) -> float:
        """Smallest eye distance at which all 8 corners of a box of half-size ``half``,
        centred on the look-at point, are inside the view below the top band (the look-at
        point is then drawn at ``-top_band`` in film units, the middle of what is left)."""
        corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
        corners = corners * half
        forward = -VIEW_DIRECTION
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        # A corner at depth (d + c.forward) is visible when |c.right| <= depth * tan_h, and
        # likewise vertically; solve each for d and take the largest.
        depth = corners @ forward
        need_h = np.abs(corners @ right) / self._tan_h - depth
        need_v = np.abs(corners @ up) / (self._tan_v * (1.0 - self.top_band)) - depth
        return float(max(need_h.max(), need_v.max())) * 1.02

    def arena(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The framed ground rectangle ((x_lo, y_lo), (x_hi, y_hi)): the bounds in x and y,
        at least ``MIN_HALF_EXTENT`` either side of their middle (the origin before any
        entity was seen)."""
        lo, hi = self.bounds if self.bounds is not None else (np.zeros(3), np.zeros(3))
        middle = (lo + hi) / 2.0
        half = np.maximum((hi - lo) / 2.0, MIN_HALF_EXTENT)
        return (
            (float(middle[0] - half[0]), float(middle[1] - half[1])),
            (float(middle[0] + half[0]), float(middle[1] + half[1])),
        )

    def _grow(self, lo: npt.NDArray[np.float64], hi: npt.NDArray[np.float64]) -> None:
        if self.bounds is not None and self._seen is not None:
            cur_lo, cur_hi = self.bounds
            if np.all(lo >= cur_lo) and np.all(hi <= cur_hi):
                return  # inside: keep the camera where it is
            seen_lo, seen_hi = self._seen
            lo, hi = np.minimum(lo, seen_lo), np.maximum(hi, seen_hi)
        self._seen = (lo, hi)
        # The margin comes from the extent seen, not the padded bounds: padding the padded
        # bounds again on every growth (a marker rising a little each second) compounds it
        # and leaves the gameplay a speck in the middle of a huge ground.
        pad = np.maximum((hi - lo) * MARGIN, 1.0)
        self.bounds = (lo - pad, hi + pad)


def _tuple3(v: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))
