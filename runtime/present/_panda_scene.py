"""The 3D scene: entities drawn in batches, one per look and level of detail.

Kinds that share a look (model, size, spin; see ``_panda_kinds.Look``) are drawn
by one :class:`runtime.present._panda_batch.Batch`, each entity coloured per vertex. A frame groups
the snapshot's entities by look with a few vectorised numpy passes over its columns and writes
each batch's vertices in one go, so a frame costs O(looks) Python work and O(entities) numpy
work, and the number of draw calls is the number of looks in use, whatever the entity count.

Level of detail: a look is drawn with its full model while its instances stay within
:data:`MODEL_VERTEX_BUDGET` vertices, and as impostors (a camera-facing textured quad per
entity, :mod:`runtime.present._panda_impostor`) above it; it comes back to the model only below
:data:`RETURN_FRACTION` of the budget, so a count hovering at the threshold does not flicker.
The ground is always a model: one slab per ground entity, stretched under the framed arena.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from panda3d.core import NodePath

from ..core import FrameSnapshot
from ._panda_batch import Batch
from ._panda_camera import ELEVATION_DEG
from ._panda_faces import bold_face
from ._panda_impostor import ImpostorBaker, ImpostorUnavailable
from ._panda_kinds import Look, style_for
from ._panda_lights import add_lights
from ._panda_models import Template, load_templates

#: Thickness of a ground slab in world units (its top is at the ground entity's z).
GROUND_THICKNESS: Final = 0.2
#: Most vertices one look may send per frame as full models; above it, impostors. The software
#: renderer transforms and lights every vertex on the CPU: 40,000 keep a frame of 960x540
#: within a few milliseconds (59 smileys, 1,666 boxes).
MODEL_VERTEX_BUDGET: Final = 40_000
#: A look drawn as impostors returns to its model below this fraction of the budget.
RETURN_FRACTION: Final = 0.75

Level = Literal["model", "impostor"]
#: Gives a batch's per-instance colours when it needs them.
Colours = Callable[[], npt.NDArray[np.float32]]


@dataclass(frozen=True)
class DrawnEntity:
    """How one entity was drawn in the last frame (for tests, tools and picking)."""

    kind: str
    #: Where it stands, (x, y, z) (a ground slab: the middle of its top).
    position: tuple[float, float, float]
    #: ``"model"`` or ``"impostor"``.
    level: Level
    #: Heading about z in degrees (spinning kinds), else 0.
    heading: float


class _LookDraw:
    """The batches of one look: its model, and its impostor once needed."""

    def __init__(self, look: Look, root: NodePath, baker: ImpostorBaker) -> None:
        self.look = look
        self._root = root
        self._baker = baker
        parts = load_templates(look.model, tilt_deg=ELEVATION_DEG if look.faces_camera else 0.0)
        if not look.textured:
            parts = [t.untextured() for t in parts]
        elif look.face_background is not None:
            parts = [_bold(t, look.face_background) for t in parts]
        #: The model's parts at the look's size (the ground is stretched per frame instead).
        self.parts = parts if look.ground else [t.scaled(look.scale) for t in parts]
        self.vertices = sum(t.vertex_count for t in self.parts)
        self.level: Level = "model"
        self._model = Batch(f"look-{look.model}", self.parts, root)
        self._impostor: Batch | None = None
        self._phases: tuple[int, npt.NDArray[np.float32]] = (-1, np.zeros(0, dtype=np.float32))

    def choose_level(self, count: int) -> Level:
        """Switch between model and impostor for ``count`` instances (with hysteresis)."""
        if self.look.ground or not self._baker.available:
            return "model"
        load = count * self.vertices
        if self.level == "model" and load > MODEL_VERTEX_BUDGET:
            self.level = "impostor"
        elif self.level == "impostor" and load < MODEL_VERTEX_BUDGET * RETURN_FRACTION:
            self.level = "model"
        return self.level

    def phases(
        self, generation: int, ids: npt.NDArray[np.int64], rows: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.float32]:
        """Each instance's heading offset in radians (see :func:`_headings`), kept while the
        instances stay the same."""
        if self._phases[0] != generation:
            degrees = _headings(0, self.look.spin, ids.take(rows))
            self._phases = (generation, np.radians(degrees).astype(np.float32))
        return self._phases[1]

    def batches(self) -> list[Batch]:
        return [b for b in (self._model, self._impostor) if b is not None]

    def active(self) -> Batch:
        """The batch of the current level (the impostor is baked on first use)."""
        if self.level == "model":
            return self._model
        if self._impostor is None:
            try:
                quad = self._baker.bake(self.parts)
            except ImpostorUnavailable:  # no offscreen buffer after all: keep drawing models
                self.level = "model"
                return self._model
            self._impostor = Batch(f"impostor-{self.look.model}", [quad], self._root)
        return self._impostor


def _bold(part: Template, background: tuple[float, float, float, float]) -> Template:
    texture = part.face_texture()
    return part if texture is None else part.with_texture(bold_face(texture, background))


class Scene:
    """The 3D scene graph of a presenter: lights and one batch per look and level.

    :param baker: takes impostor pictures (with the presenter's offscreen pipe).
    """

    def __init__(self, baker: ImpostorBaker) -> None:
        #: Root of everything 3D; the camera is parented here by the presenter.
        self.root = NodePath("modhost-render")
        self._baker = baker
        self._looks: dict[Look, _LookDraw] = {}
        #: kind name -> (its look, its RGBA colour); styles are derived once per kind.
        self._kinds: dict[str, tuple[Look, tuple[float, float, float, float]]] = {}
        self._table: tuple[tuple[str, ...], npt.NDArray[np.int32], npt.NDArray[np.float32]] = (
            (),
            np.zeros(0, dtype=np.int32),
            np.zeros((0, 4), dtype=np.float32),
        )
        self._frame: FrameSnapshot | None = None
        self._arena: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 0.0), (0.0, 0.0))
        self._count = self._draw_calls = 0
        #: This frame's ground batches and their rows, written by place_ground().
        self._grounds: list[
            tuple[Batch, npt.NDArray[np.float32], Callable[[], npt.NDArray[np.float32]]]
        ] = []
        #: (ids, kind codes, finite mask, kind names) the groups were made for.
        self._group_key: (
            tuple[
                npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.bool_], tuple[str, ...]
            ]
            | None
        ) = None
        self._groups: list[npt.NDArray[np.intp]] = []
        #: Bumped whenever the groups change: batches then rewrite colours and indices.
        self._generation = 0
        add_lights(self.root)

    @property
    def entity_count(self) -> int:
        """How many entities the last frame drew (non-finite positions are not drawn)."""
        return self._count

    @property
    def draw_calls(self) -> int:
        """Geoms the last frame submitted: one per part of each look and level in use."""
        return self._draw_calls

    def sync(self, frame: FrameSnapshot) -> None:
        """Make the batches draw ``frame``; the ground follows with :meth:`place_ground`, once
        the camera has framed the frame.

        Cost: while the entities stay the same (same ids, kinds and finiteness as the frame
        before: three array comparisons), one gather of positions per look and one write per
        batch part; when they change, O(looks x entities) vectorised numpy to regroup them.
        """
        codes, names = frame.kind_index
        # The batches' buffers are float32; a snapshot built elsewhere may hold float64.
        positions = np.asarray(frame.positions, dtype=np.float32)
        groups = self._groups_for(frame, codes, names)
        _, colour_of_code = self._code_tables(names)
        drawn = calls = 0
        self._grounds = []
        for draw, rows in zip(list(self._looks.values()), groups, strict=True):
            level = draw.choose_level(len(rows))
            active = draw.active() if len(rows) else None
            for batch in draw.batches():
                if batch is not active and batch.count:
                    batch.write(_NO_POINTS, _no_colours, self._generation)
            if active is None:
                continue
            drawn += len(rows)
            calls += active.parts
            if draw.look.ground:
                # Slabs at one height are one slab (all stretched under the same arena):
                # a mod spawning thousands of grounds costs one slab per height.
                rows = rows[np.unique(positions[rows, 2], return_index=True)[1]]

            def colours(rows: npt.NDArray[np.intp] = rows) -> npt.NDArray[np.float32]:
                return colour_of_code[codes[rows]]

            centres = positions.take(rows, axis=0)
            if draw.look.ground:
                self._grounds.append((active, centres, colours))
            else:
                self._write(draw, active, level, frame, rows, centres, colours)
        self._frame = frame
        self._count, self._draw_calls = drawn, calls

    def place_ground(self, arena: tuple[tuple[float, float], tuple[float, float]]) -> None:
        """Stretch this frame's ground slabs under ``arena``, ((x_lo, y_lo), (x_hi, y_hi)):
        each slab's top at its entity's z."""
        self._arena = arena
        (x_lo, y_lo), (x_hi, y_hi) = arena
        size = (max(x_hi - x_lo, 1.0), max(y_hi - y_lo, 1.0), GROUND_THICKNESS)
        for batch, centres, colours in self._grounds:
            centres[:, 0] = (x_lo + x_hi) / 2.0
            centres[:, 1] = (y_lo + y_hi) / 2.0
            centres[:, 2] -= GROUND_THICKNESS
            batch.write(centres, colours, self._generation, scale=size)
        self._grounds = []

    def _groups_for(
        self, frame: FrameSnapshot, codes: npt.NDArray[np.int32], names: tuple[str, ...]
    ) -> list[npt.NDArray[np.intp]]:
        """Row indices of ``frame``'s drawable entities, one array per look (in
        ``self._looks`` order); reused while ids, kinds and finiteness are unchanged."""
        # A NaN or infinite position would trip a Panda3D assertion: such an entity is hidden.
        # (x + y + z is finite exactly when all three are; one whole-array test first.)
        positions = frame.positions
        if np.isfinite(positions).all():
            finite = np.ones(len(positions), dtype=np.bool_)
        else:
            finite = np.isfinite(positions[:, 0] + positions[:, 1] + positions[:, 2])
        key = self._group_key
        if (
            key is not None
            and key[3] == names
            and np.array_equal(key[0], frame.ids)
            and np.array_equal(key[1], codes)
            and np.array_equal(key[2], finite)
        ):
            return self._groups
        look_of_code, _ = self._code_tables(names)
        look_ids = np.where(finite, look_of_code[codes], -1)
        self._groups = [np.flatnonzero(look_ids == i) for i in range(len(self._looks))]
        self._group_key = (frame.ids.copy(), codes.copy(), finite, names)
        self._generation += 1
        return self._groups

    def _write(
        self,
        draw: _LookDraw,
        batch: Batch,
        level: Level,
        frame: FrameSnapshot,
        rows: npt.NDArray[np.intp],
        centres: npt.NDArray[np.float32],
        colours: Colours,
    ) -> None:
        look, generation = draw.look, self._generation
        if not look.spin:
            batch.write(centres, colours, generation)
            return
        phase = draw.phases(generation, frame.ids, rows)
        headings = phase + np.float32(math.radians((frame.tick * look.spin) % 360.0))
        if level == "model":
            batch.write(centres, colours, generation, headings=headings)
        else:
            # A flat, spinning model seen from the side narrows and widens: so does its quad.
            thin = min(look.scale[1] / max(look.scale[0], 1e-6), 1.0)
            squash = np.maximum(np.abs(np.cos(headings)), np.float32(thin))
            batch.write(centres, colours, generation, squash=squash)

    def _code_tables(
        self, names: tuple[str, ...]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """Per kind code: the index of its look in ``self._looks``, and its colour."""
        cached, looks, colours = self._table
        if cached is names or cached == names:
            return looks, colours
        rows = [self._kind(name) for name in names]
        looks = np.array([list(self._looks).index(look) for look, _ in rows], dtype=np.int32)
        colours = np.array([colour for _, colour in rows], dtype=np.float32).reshape(-1, 4)
        self._table = (names, looks, colours)
        return looks, colours

    def _kind(self, name: str) -> tuple[Look, tuple[float, float, float, float]]:
        known = self._kinds.get(name)
        if known is None:
            style = style_for(name)
            known = self._kinds[name] = (style.look, style.color)
            if style.look not in self._looks:
                self._looks[style.look] = _LookDraw(style.look, self.root, self._baker)
        return known

    def drawn(self, entity_id: int) -> DrawnEntity | None:
        """How ``entity_id`` was drawn in the last frame, or None if it was not (absent, or its
        position was not finite). O(log n): ids are ascending."""
        frame = self._frame
        if frame is None:
            return None
        row = int(np.searchsorted(frame.ids, entity_id))
        if row >= len(frame.ids) or frame.ids[row] != entity_id:
            return None
        position = frame.positions[row]
        if not np.isfinite(position).all():
            return None
        kind = frame.kinds[row]
        look, _ = self._kinds[kind]
        draw = self._looks[look]
        heading = float(_headings(frame.tick, look.spin, frame.ids[row : row + 1])[0])
        x, y, z = (float(v) for v in position)
        if look.ground:  # stretched under the arena
            (x_lo, y_lo), (x_hi, y_hi) = self._arena
            x, y = (x_lo + x_hi) / 2.0, (y_lo + y_hi) / 2.0
        return DrawnEntity(kind, (x, y, z), draw.level, heading)

    def destroy(self) -> None:
        """Drop every batch (idempotent)."""
        for draw in self._looks.values():
            for batch in draw.batches():
                batch.destroy()
        self._looks.clear()
        self._kinds.clear()
        self.root.remove_node()


_NO_POINTS: Final = np.zeros((0, 3), dtype=np.float32)


def _no_colours() -> npt.NDArray[np.float32]:
    return np.zeros((0, 4), dtype=np.float32)


def _headings(tick: int, spin: float, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Degrees about z of spinning entities: turning with the tick, offset per id so a row of
    coins does not turn in lockstep."""
    if not spin:
        return np.zeros(len(ids))
    return np.asarray((tick * spin + (ids % 360) * 37) % 360.0, dtype=np.float64)
