"""Spatial queries over the world: which colliders a ray passes through (slab and sphere
tests, vectorised) and which entities lie within a radius."""

from __future__ import annotations

import numpy as np

from host_api import Vec3

from ..core import World
from ._overlaps import FloatArray


def ray_boxes(o: FloatArray, d: FloatArray, centres: FloatArray, half: FloatArray) -> FloatArray:
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


def ray_spheres(o: FloatArray, d: FloatArray, centres: FloatArray, r: FloatArray) -> FloatArray:
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
