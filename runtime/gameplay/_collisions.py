"""Colliders, the vectorised broad phase, contacts that begin and end, rays and radius queries.

An entity may carry one collider, a sphere or an axis-aligned box, set at spawn (or later by
its owner). Once per tick, after integration, :meth:`Colliders.step` finds every overlapping
pair with numpy only, never a Python loop over entities or pairs:

1. broad phase: each collider's centre falls in a cell of a uniform grid on the ground plane
   (x, y) whose cell is as wide as the largest collider, so two overlapping colliders are in
   the same or in neighbouring cells. Entities are sorted by cell; a table of where each
   cell's entities start (``bincount`` + ``cumsum`` over the cells of the bounding box, or,
   for a very sparse world, ``searchsorted`` over the occupied cells) gives, for each entity,
   the entities of the five cells of its half-neighbourhood (its own cell, and four of its
   eight neighbours, so each pair of cells is looked at once), as a (5, n) table of index
   ranges; the non-empty ranges are expanded into candidate pairs with ``repeat``/``arange``;
2. narrow phase: exact sphere-sphere, box-box and sphere-box tests on the candidate arrays.

Pairs are compared with the previous tick's as sorted int64 keys (``low id << 32 | high
id``): pairs in this tick only *begin*, pairs in the last tick only *end*. Both lists come out
sorted by (lower id, higher id); that, and the host delivering ends before beginnings, is the
deterministic order of ``on_collision`` calls and trigger events.

Cost: O(n log n) for the sort and the searches, plus O(candidates) for the narrow phase. With
colliders of similar size spread over the ground, candidates grow linearly with n; one huge
collider makes every cell huge (a known limit of uniform grids).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from host_api import Collider, RayHit, Vec3

from ..core import World

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Half-neighbourhood of a grid cell: itself and four of its eight neighbours.
NEIGHBOURS: Final = ((1, -1), (1, 0), (1, 1), (0, 1))
#: Cell indices are clamped to this range so far-away (or huge) positions cannot overflow.
CELL_LIMIT: Final = 1 << 30
#: The dense cell table is used while it has at most this many cells per collider (or
#: DENSE_MIN_CELLS); sparser worlds search sorted cell keys instead.
DENSE_CELLS_PER_ENTITY: Final = 64
DENSE_MIN_CELLS: Final = 1 << 16
#: Ids in a pair key must stay below this (2**31 spawns in one run).
ID_LIMIT: Final = 1 << 31
#: Candidate pairs the broad phase may produce in one tick. A pile of colliders has every
#: pair as a candidate (2,000 in one spot: 2 million, a second a tick); spread worlds have
#: under one per collider (10,000 spread spheres: about 4,000 candidates, 1,300 contacts).
#: Past it, the later cells' pairs are not looked at this tick.
MAX_CANDIDATES: Final = 50_000
#: Contacts kept in one tick (the lowest pair keys); each may cost script calls.
MAX_CONTACTS: Final = 5_000


@dataclass(slots=True)
class PairBudget:
    """How many candidate pairs the broad phase may still produce, and whether it cut."""

    left: int = MAX_CANDIDATES
    cut: bool = False


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


def overlapping_pairs(
    centres: FloatArray, half: FloatArray, is_box: BoolArray, budget: PairBudget | None = None
) -> tuple[IntArray, IntArray]:
    """Index pairs ``(i, j)``, ``i != j``, of overlapping colliders (each pair once, any order).

    :param centres: (n, 3) finite positions.
    :param half: (n, 3) half extents (a sphere's radius in all three).
    :param is_box: (n,) True for boxes, False for spheres.
    :param budget: candidate pairs allowed (:data:`MAX_CANDIDATES` by default); ``cut`` is
        set on it when pairs were left out.
    """
    i, j = candidate_pairs(centres, half, budget if budget is not None else PairBudget())
    keep = narrow_phase(centres, half, is_box, i, j)
    return i[keep], j[keep]


def candidate_pairs(
    centres: FloatArray, half: FloatArray, budget: PairBudget
) -> tuple[IntArray, IntArray]:
    """The broad phase: pairs whose centres are in the same or neighbouring grid cells (at
    most ``budget.left`` of them)."""
    n = len(centres)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    cell = max(2.0 * float(half[:, :2].max()), 1e-9)
    fx, fy = np.floor(centres[:, 0] / cell), np.floor(centres[:, 1] / cell)
    x0, x1, y0, y1 = float(fx.min()), float(fx.max()), float(fy.min()), float(fy.max())
    if max(x1 - x0, y1 - y0) < CELL_LIMIT:
        width, height = int(x1 - x0) + 3, int(y1 - y0) + 3  # an empty cell on every side
        if width * height <= max(DENSE_MIN_CELLS, DENSE_CELLS_PER_ENTITY * n):
            gx = (fx - (x0 - 1.0)).astype(np.int64)
            gy = (fy - (y0 - 1.0)).astype(np.int64)
            return _dense_pairs(gx * height + gy, width * height, height, budget)
    grid = np.clip(np.stack([fx, fy], axis=1), -CELL_LIMIT, CELL_LIMIT).astype(np.int64)
    return _sparse_pairs(grid, budget)


def _dense_pairs(
    linear: IntArray, cells: int, height: int, budget: PairBudget
) -> tuple[IntArray, IntArray]:
    """Candidate pairs through a dense table of cell starts (no searching at all).

    :param linear: each entity's cell, ``x * height + y``, with an empty cell on every side.
    :param cells: the table's size (width * height).
    """
    n = len(linear)
    # Any sort will do (the pairs are sorted by id later); quicksort is the fastest here.
    order = np.argsort(linear)
    starts = np.zeros(cells + 1, dtype=np.int64)
    np.cumsum(np.bincount(linear, minlength=cells), out=starts[1:])
    own = linear[order]
    # Row 0: the later entities of the entity's own cell; rows 1-4: the neighbour cells.
    steps = np.array([dx * height + dy for dx, dy in NEIGHBOURS], dtype=np.int64)
    neighbours = own[None, :] + steps[:, None]
    lo = np.empty((1 + len(steps), n), dtype=np.int64)
    hi = np.empty_like(lo)
    lo[0] = np.arange(1, n + 1)
    hi[0] = starts[own + 1]
    lo[1:] = starts[neighbours]
    hi[1:] = starts[neighbours + 1]
    counts = (hi - lo).ravel()
    # Most cells of a sparse world are empty: expand only the blocks that hold someone.
    busy = np.flatnonzero(counts > 0)
    a, b = _expand(busy % n, lo.ravel()[busy], hi.ravel()[busy], budget)
    return order[a], order[b]


def _sparse_pairs(grid: IntArray, budget: PairBudget) -> tuple[IntArray, IntArray]:
    """Candidate pairs for a grid too big for a dense table: sorted cell keys, searched."""
    n = len(grid)
    keys = (grid[:, 0] << 32) + grid[:, 1]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    new_cell = np.empty(n, dtype=bool)
    new_cell[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new_cell[1:])
    starts = np.flatnonzero(new_cell)
    cells = sorted_keys[starts]
    ends = np.append(starts[1:], n)
    cell_of = np.cumsum(new_cell) - 1
    positions = np.arange(n, dtype=np.int64)
    firsts, seconds = [], []
    a, b = _expand(positions, positions + 1, ends[cell_of], budget)
    firsts.append(a)
    seconds.append(b)
    for dx, dy in NEIGHBOURS:
        target = sorted_keys + ((dx << 32) + dy)
        at = np.minimum(np.searchsorted(cells, target), len(cells) - 1)
        found = cells[at] == target
        a, b = _expand(
            positions, np.where(found, starts[at], 0), np.where(found, ends[at], 0), budget
        )
        firsts.append(a)
        seconds.append(b)
    return order[np.concatenate(firsts)], order[np.concatenate(seconds)]


def _expand(
    rows: IntArray, lo: IntArray, hi: IntArray, budget: PairBudget
) -> tuple[IntArray, IntArray]:
    """For each ``rows[k]``, pair it with every index in ``lo[k]:hi[k]`` (vectorised), in
    order, while ``budget`` lasts: whole rows only, counted before anything is built."""
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if total > budget.left:
        budget.cut = True
        keep = int(np.searchsorted(np.cumsum(counts), budget.left, side="right"))
        rows, lo, counts = rows[:keep], lo[:keep], counts[:keep]
        total = int(counts.sum())
    budget.left -= total
    if not total:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    firsts = np.repeat(rows, counts)
    run_start = np.repeat(np.cumsum(counts) - counts, counts)
    seconds = np.repeat(lo, counts) + (np.arange(total, dtype=np.int64) - run_start)
    return firsts, seconds


def narrow_phase(
    centres: FloatArray, half: FloatArray, is_box: BoolArray, i: IntArray, j: IntArray
) -> BoolArray:
    """Which candidate pairs really overlap (touching counts as overlapping)."""
    delta = np.abs(centres[i] - centres[j])
    reach = half[i] + half[j]
    box_i, box_j = is_box[i], is_box[j]
    # Sphere-sphere: centre distance against the sum of the radii.
    dist2 = (delta * delta).sum(axis=1)
    result: BoolArray = dist2 <= reach[:, 0] * reach[:, 0]
    if not (box_i.any() or box_j.any()):
        return result
    # Box-box: the axis-aligned boxes overlap on every axis.
    both = box_i & box_j
    result[both] = (delta[both] <= reach[both]).all(axis=1)
    # Sphere-box: distance from the sphere's centre to the closest point of the box.
    mixed = box_i ^ box_j
    box_half = np.where(box_i[:, None], half[i], half[j])[mixed]
    radius = np.where(box_i, half[j, 0], half[i, 0])[mixed]
    outside = np.maximum(delta[mixed] - box_half, 0.0)
    result[mixed] = (outside * outside).sum(axis=1) <= radius * radius
    return result


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

    #: After a :meth:`step` that hit :data:`MAX_CANDIDATES` or :data:`MAX_CONTACTS`: the entity
    #: in the most contacts (the centre of the pile); None otherwise.
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
        t_box = _ray_boxes(o, d, centres, half)
        t_sphere = _ray_spheres(o, d, centres, half[:, 0])
        t = np.where(self._is_box[index], t_box, t_sphere)
        hit = np.isfinite(t) & (t <= limit)
        ids, dist = self._ids[index][hit], t[hit]
        order = np.lexsort((ids, dist))
        return [RayHit(int(e), float(x)) for e, x in zip(ids[order], dist[order], strict=True)]


def _ray_boxes(o: FloatArray, d: FloatArray, centres: FloatArray, half: FloatArray) -> FloatArray:
    """Entry distance of the ray into each box (0 inside; inf when it misses): slab test."""
    lo, hi = centres - half, centres + half
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / d
        t1, t2 = (lo - o) * inv, (hi - o) * inv
    # A ray parallel to a slab: inside the slab it never leaves, outside it never enters.
    parallel = d == 0.0
    inside = (o >= lo) & (o <= hi)
    near = np.where(parallel, np.where(inside, -np.inf, np.inf), np.minimum(t1, t2))
    far = np.where(parallel, np.where(inside, np.inf, -np.inf), np.maximum(t1, t2))
    t_near, t_far = near.max(axis=1), far.min(axis=1)
    missed = (t_near > t_far) | (t_far < 0.0)
    out: FloatArray = np.where(missed, np.inf, np.maximum(t_near, 0.0))
    return out


def _ray_spheres(o: FloatArray, d: FloatArray, centres: FloatArray, r: FloatArray) -> FloatArray:
    """Entry distance of the ray into each sphere (0 inside; inf when it misses)."""
    oc = o - centres
    b = oc @ d
    c = (oc * oc).sum(axis=1) - r * r
    disc = b * b - c
    root = np.sqrt(np.maximum(disc, 0.0))
    t_far = -b + root
    t_near = np.maximum(-b - root, 0.0)
    out: FloatArray = np.where((disc < 0.0) | (t_far < 0.0), np.inf, t_near)
    return out


def within_radius(world: World, centre: Vec3, radius: float, kind: str | None) -> list[int]:
    """Ids of entities (of ``kind``) whose position is within ``radius`` of ``centre``,
    ascending. Cost: one vectorised pass over the entities."""
    positions = world.positions
    if not len(positions):
        return []
    delta = positions - np.asarray(centre, dtype=np.float64)
    close = (delta * delta).sum(axis=1) <= radius * radius
    ids = world.ids[close]
    if kind is not None:
        ids = ids[np.isin(ids, world.ids_of_kind(kind))]
    return [int(i) for i in ids.tolist()]


def _contacts(keys: IntArray, triggers: npt.NDArray[np.bool_]) -> tuple[Contact, ...]:
    lows, highs = (keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist()
    flags = triggers.tolist()
    return tuple(
        Contact(a, b, bool(f[0]), bool(f[1])) for a, b, f in zip(lows, highs, flags, strict=True)
    )
