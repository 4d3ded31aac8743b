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

from ._values import BadArgument, all_finite_f32
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


def as_float32(value: Any, mod_id: str) -> array[float]:
    """Accept an ``array('f')``, a float32 memoryview, or a list of floats; copy it.

    :raises BadArgument: anything else.
    """
    if type(value) is array and value.typecode == "f":
        return array("f", value)  # a copy (one memcpy)
    if type(value) is memoryview and value.format == "f" and value.ndim == 1:
        return array("f", value.tobytes())
    if type(value) is list and all(type(v) is float or type(v) is int for v in value):
        try:
            return array("f", value)
        except OverflowError:  # an int too large for a float (10 ** 400)
            raise BadArgument(
                "positions must be finite",
                mod_id=mod_id,
                hint="keep coordinates within a float's range",
            ) from None
    raise BadArgument(
        "positions must be flat float32 values (x, y, z per entity)",
        mod_id=mod_id,
        hint="pass the array positions_of returned, or a list of floats",
    )


def check_flat(flat: array[float], count: int, kind: str, mod_id: str) -> None:
    """``flat`` holds finite ``x, y, z`` for exactly the ``count`` entities of ``kind``.

    :raises BadArgument: a length other than ``3 * count``, or a value that is not finite.
    """
    if len(flat) != 3 * count:
        raise BadArgument(
            f"positions has {len(flat)} floats; {count} entities of kind '{kind}' need {3 * count}",
            mod_id=mod_id,
            hint="read positions_of(kind) in the same tick and write back as many floats",
        )
    if not all_finite_f32(flat):
        raise BadArgument("positions must be finite", mod_id=mod_id, hint="avoid inf and nan")
