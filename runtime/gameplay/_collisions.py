"""Colliders, contacts that begin and end, and rays through the colliders.

An entity may carry one collider, a sphere or an axis-aligned box, set at spawn (or later by
its owner). Once per tick, after integration, :meth:`Colliders.step` finds every overlapping
pair (:mod:`._overlaps`: a vectorised broad phase and an exact narrow phase).

Pairs are compared with the previous tick's as sorted int64 keys (``low id << 32 | high
id``): pairs in this tick only *begin*, pairs in the last tick only *end*. Both lists come out
sorted by (lower id, higher id); that, and the host delivering ends before beginnings, is the
deterministic order of ``on_collision`` calls and trigger events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from host_api import Collider, RayHit, Vec3

from ..core import World
from ._overlaps import (
    BoolArray,
    FloatArray,
    IntArray,
    PairBudget,
    overlapping_pairs,
)
from ._queries import ray_boxes, ray_spheres

#: Ids in a pair key must stay below this (2**31 spawns in one run).
ID_LIMIT: Final = 1 << 31
#: Contacts kept in one tick (the lowest pair keys); each may cost script calls.
MAX_CONTACTS: Final = 5_000


@dataclass(frozen=True, slots=True)
class Contact:
    """Two entities whose colliders overlap (``a`` < ``b``), and which are triggers."""

    a: int
    b: int
    a_trigger: bool
    b_trigger: bool


@dataclass(frozen=True, slots=True)
class ContactChanges:
    """What changed this tick: contacts that ended, then contacts that began."""

    ended: tuple[Contact, ...]
    began: tuple[Contact, ...]


NO_CHANGES: Final = ContactChanges((), ())


class Colliders:
    """Every collider in the world, the contacts of the last tick, and spatial queries.

    Colliders are kept by entity id; the arrays the broad phase needs are rebuilt only after a
    collider was set or removed.
    """

    def __init__(self) -> None:
        self._by_id: dict[int, Collider] = {}
        self._dirty = True
        self._ids: IntArray = np.empty(0, dtype=np.int64)
        self._half: FloatArray = np.empty((0, 3))
        self._is_box: BoolArray = np.empty(0, dtype=bool)
        self._trigger: BoolArray = np.empty(0, dtype=bool)
        self._pairs: IntArray = np.empty(0, dtype=np.int64)
        self._pair_triggers: npt.NDArray[np.bool_] = np.empty((0, 2), dtype=bool)

    #: After a :meth:`step` that hit :data:`._overlaps.MAX_CANDIDATES` or :data:`MAX_CONTACTS`:
    #: the entity in the most contacts (the centre of the pile); None otherwise.
    crowded: int | None = None

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, entity_id: int) -> Collider | None:
        """The entity's collider, or None."""
        return self._by_id.get(entity_id)

    def set(self, entity_id: int, collider: Collider | None) -> None:
        """Give ``entity_id`` a collider (None removes it)."""
        if entity_id >= ID_LIMIT:
            return  # beyond the pair-key range: such an entity takes part in no contacts
        if collider is None:
            self._dirty |= self._by_id.pop(entity_id, None) is not None
        else:
            self._by_id[entity_id] = collider
            self._dirty = True

    def forget(self, entity_id: int) -> None:
        """Drop a despawned entity's collider (its contacts end quietly)."""
        self.set(entity_id, None)

    @property
    def contacts(self) -> int:
        """Pairs overlapping as of the last :meth:`step`."""
        return len(self._pairs)

    def _arrays(self) -> None:
        if not self._dirty:
            return
        ids = sorted(self._by_id)
        specs = [self._by_id[i] for i in ids]
        self._ids = np.array(ids, dtype=np.int64)
        self._half = np.array([c.size for c in specs], dtype=np.float64).reshape(-1, 3)
        self._is_box = np.array([c.shape == "box" for c in specs], dtype=bool)
        self._trigger = np.array([c.trigger for c in specs], dtype=bool)
        self._dirty = False

    def _live(self, world: World) -> tuple[IntArray, IntArray]:
        """Indices into the collider arrays of live entities, and their world rows."""
        self._arrays()
        world_ids = world.ids
        if not len(self._ids) or not len(world_ids):
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        rows = np.minimum(np.searchsorted(world_ids, self._ids), len(world_ids) - 1)
        live = world_ids[rows] == self._ids
        index = np.flatnonzero(live)
        return index, rows[index]

    def step(self, world: World) -> ContactChanges:
        """Find this tick's overlapping pairs and return the contacts that ended and began.

        Colliders of entities no longer in the world are dropped first.
        """
        index, rows = self._live(world)
        if len(index) < len(self._ids):
            for dead in np.setdiff1d(self._ids, self._ids[index]).tolist():
                self._by_id.pop(int(dead), None)
            self._dirty = True
            index, rows = self._live(world)
        if len(index) < 2 and not len(self._pairs):
            return NO_CHANGES  # nothing can touch, and nothing was touching
        centres = world.positions[rows]
        finite = np.isfinite(centres).all(axis=1)
        if not finite.all():
            index, centres = index[finite], centres[finite]
        if len(index) == len(self._ids):  # every collider takes part: no gathers needed
            half, is_box, ids, trig = self._half, self._is_box, self._ids, self._trigger
        else:
            half, is_box = self._half[index], self._is_box[index]
            ids, trig = self._ids[index], self._trigger[index]
        budget = PairBudget()
        i, j = overlapping_pairs(centres, half, is_box, budget)
        low, high = np.minimum(ids[i], ids[j]), np.maximum(ids[i], ids[j])
        keys = (low << 32) | high
        order = np.argsort(keys)
        if budget.cut or len(order) > MAX_CONTACTS:
            # A pile: keep the lowest pair keys, and name the entity most of them touch.
            touched, counts = np.unique(np.concatenate([low, high]), return_counts=True)
            self.crowded = int(touched[counts.argmax()]) if len(touched) else None
            order = order[:MAX_CONTACTS]
        else:
            self.crowded = None
        keys = keys[order]
        low_first = ids[i] < ids[j]
        trig_low = np.where(low_first, trig[i], trig[j])[order]
        trig_high = np.where(low_first, trig[j], trig[i])[order]
        triggers = np.stack([trig_low, trig_high], axis=1).reshape(-1, 2)
        if np.array_equal(keys, self._pairs):  # the usual tick: the same contacts as the last
            self._pair_triggers = triggers
            return NO_CHANGES
        began = ~np.isin(keys, self._pairs, assume_unique=True)
        ended = ~np.isin(self._pairs, keys, assume_unique=True)
        changes = ContactChanges(
            _contacts(self._pairs[ended], self._pair_triggers[ended]),
            _contacts(keys[began], triggers[began]),
        )
        self._pairs, self._pair_triggers = keys, triggers
        return changes

    def touching(self, entity_id: int) -> list[int]:
        """Entities overlapping ``entity_id`` as of the last step, ascending."""
        low, high = self._pairs >> 32, self._pairs & 0xFFFFFFFF
        found = np.concatenate([high[low == entity_id], low[high == entity_id]])
        return sorted(int(v) for v in found)

    # -- queries ----------------------------------------------------------------------------
    def raycast(self, world: World, origin: Vec3, direction: Vec3, limit: float) -> list[RayHit]:
        """Colliders the ray ``origin + t * direction`` (unit ``direction``, 0 <= t <= limit)
        passes through, nearest first, then by id. Cost: O(colliders), vectorised."""
        index, rows = self._live(world)
        if not len(index):
            return []
        centres = world.positions[rows]
        half = self._half[index]
        o = np.asarray(origin, dtype=np.float64)
        d = np.asarray(direction, dtype=np.float64)
        t_box = ray_boxes(o, d, centres, half)
        t_sphere = ray_spheres(o, d, centres, half[:, 0])
        t = np.where(self._is_box[index], t_box, t_sphere)
        hit = np.isfinite(t) & (t <= limit)
        ids, dist = self._ids[index][hit], t[hit]
        order = np.lexsort((ids, dist))
        return [RayHit(int(e), float(x)) for e, x in zip(ids[order], dist[order], strict=True)]


def _contacts(keys: IntArray, triggers: npt.NDArray[np.bool_]) -> tuple[Contact, ...]:
    lows, highs = (keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist()
    flags = triggers.tolist()
    return tuple(
        Contact(a, b, bool(f[0]), bool(f[1])) for a, b, f in zip(lows, highs, flags, strict=True)
    )
