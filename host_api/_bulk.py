"""Bulk entity operations: the positions of every entity of a kind as one flat float32 array.

Per-entity host calls do not scale from Python (a guest updating 10,000 entities one call at a
time spends most of a tick crossing the boundary), so the host API offers one call that reads
and one that writes ``x, y, z`` of all entities of a kind, in ascending id order. A world that
keeps positions in arrays implements :class:`BulkWorldPort` and answers without a Python loop;
any other :class:`WorldPort` gets the loop below.
"""

from __future__ import annotations

from array import array
from typing import Any, Protocol, runtime_checkable

from ._world_port import WorldPort


@runtime_checkable
class BulkWorldPort(Protocol):
    """Optional fast path a world may offer for :func:`positions_of` / :func:`set_positions_of`."""

    def positions_of(self, kind: str) -> tuple[array[int], array[float]]:
        """(ids ``'q'``, flat positions ``'f'``) of the entities of ``kind``, ascending id."""
        ...

    def set_positions_of(self, kind: str, ids: array[int], positions: array[float]) -> int:
        """Write ``positions`` (flat, float32) to ``ids``; returns how many were written."""
        ...


def positions_of(world: WorldPort, kind: str) -> tuple[array[int], array[float]]:
    """Ids and flat float32 positions of the entities of ``kind``, ascending id. Copies."""
    fast = getattr(world, "positions_of", None)  # BulkWorldPort (isinstance is slow here)
    if fast is not None:
        ids, flat = fast(kind)
        return _copy(ids, "q"), _copy(flat, "f")
    views = world.query(kind=kind)
    flat = array("f", bytes(12 * len(views)))
    for i, view in enumerate(views):
        flat[3 * i], flat[3 * i + 1], flat[3 * i + 2] = view.position
    return array("q", [v.id for v in views]), flat


def _copy(values: array[Any], typecode: str) -> array[Any]:
    """A copy of ``values`` as an array of ``typecode`` (a memcpy when the type matches)."""
    # array(typecode, array of the same typecode) copies the buffer in one memcpy.
    return array(typecode, values)


def set_positions_of(world: WorldPort, ids: array[int], positions: array[float], kind: str) -> int:
    """Write flat float32 ``positions`` to ``ids`` (already checked by the caller)."""
    fast = getattr(world, "set_positions_of", None)
    if fast is not None:
        return int(fast(kind, ids, positions))
    for i, entity_id in enumerate(ids):
        world.set_position(
            entity_id, (positions[3 * i], positions[3 * i + 1], positions[3 * i + 2])
        )
    return len(ids)
