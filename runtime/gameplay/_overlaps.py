"""Which colliders overlap: the vectorised broad phase and the exact narrow phase, with numpy
only, never a Python loop over entities or pairs.

1. broad phase: each collider's centre falls in a cell of a uniform grid on the ground plane
   (x, y) whose cell is as wide as the largest collider, so two overlapping colliders are in
   the same or in neighbouring cells. Entities are sorted by cell; a table of where each
   cell's entities start (``bincount`` + ``cumsum`` over the cells of the bounding box, or,
   for a very sparse world, ``searchsorted`` over the occupied cells) gives, for each entity,
   the entities of the five cells of its half-neighbourhood (its own cell, and four of its
   eight neighbours, so each pair of cells is looked at once), as a (5, n) table of index
   ranges; the non-empty ranges are expanded into candidate pairs with ``repeat``/``arange``;
2. narrow phase: exact sphere-sphere, box-box and sphere-box tests on the candidate arrays.

Cost: O(n log n) for the sort and the searches, plus O(candidates) for the narrow phase. With
colliders of similar size spread over the ground, candidates grow linearly with n; one huge
collider makes every cell huge (a known limit of uniform grids).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

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
#: Candidate pairs the broad phase may produce in one tick. A pile of colliders has every
#: pair as a candidate (2,000 in one spot: 2 million, a second a tick); spread worlds have
#: under one per collider (10,000 spread spheres: about 4,000 candidates, 1,300 contacts).
#: Past it, the later cells' pairs are not looked at this tick.
MAX_CANDIDATES: Final = 50_000


@dataclass(slots=True)
class PairBudget:
    """How many candidate pairs the broad phase may still produce, and whether it cut."""

    left: int = MAX_CANDIDATES
    cut: bool = False


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
