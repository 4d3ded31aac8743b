"""``rows``: what a system hook (``on_system(ctx, dt, rows)``) gets, a kind's entities as lists.

Why lists: an entity script's call per entity costs a fixed part (its ``ctx``, its cursor,
its fuel budget) on top of its logic, and cursor reads and writes are Python calls. A system
hook is one call for the whole kind, and reading ``rows.positions[i]`` or assigning
``rows.velocities[i] = (x, y, z)`` is a list operation, done in C. What the script wrote is
found when the call returns (:func:`commit_rows`): the rows whose tuple is no longer the one
the host put there. They are checked like cursor writes (plain data, three finite numbers,
the mod's ``world.write`` grant) and land in the batch's columns with their row marks, so
the host applies them exactly as it applies cursor writes.

The lists are fresh copies made on first use in the call; a script that keeps one keeps a
copy (counted by the retained-memory walk like any of its data), never the batch.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import chain, compress
from operator import is_not
from typing import Any, Final, final

from ._batch import BatchClosed, EntityBatch
from ._ctx import _host
from ._errors import CapabilityDenied
from ._values import BadArgument, check_plain, check_vec3
from ._world_port import Vec3

#: (rows attribute, batch column, batch mask, host call auditing a refused write).
_COLUMNS: Final = (
    ("positions", "positions", "moved", "set_position"),
    ("velocities", "velocities", "steered", "set_velocity"),
)


@final
class EntityRows:
    """The entities of one kind a system hook runs for, in ascending id.

    ``ids``, ``tags`` and ``states`` (each entity's ``ctx.state`` dict) are indexable by row;
    ``positions`` and ``velocities`` are lists of ``(x, y, z)`` the script reads and assigns
    rows of. Reading positions, velocities or tags needs ``world.read``; assigning needs
    ``world.write`` (checked when the call returns).
    """

    __slots__ = ("_batch", "_ids", "_lists", "_states", "_tags")

    def __init__(self, batch: EntityBatch) -> None:
        self._batch = batch
        #: Per column: (the list the script got, the tuples the host put in it).
        self._lists: dict[str, tuple[list[Vec3], list[Vec3]]] = {}
        self._ids: tuple[int, ...] | None = None
        self._states: list[dict[str, Any]] | None = None
        self._tags: list[tuple[str, ...]] | None = None

    def __len__(self) -> int:
        return len(self._batch.ids)

    def __repr__(self) -> str:
        return f"<rows of {self._batch.kind!r}: {len(self)} entities>"

    @property
    def kind(self) -> str:
        return self._batch.kind

    @property
    def ids(self) -> tuple[int, ...]:
        if self._ids is None:
            self._ids = tuple(self._open().ids)
        return self._ids

    @property
    def states(self) -> list[dict[str, Any]]:
        """Each entity's ``ctx.state`` (the same dicts its entity hooks see)."""
        if self._states is None:
            self._states = list(self._open().states)
        return self._states

    @property
    def positions(self) -> list[Vec3]:
        return self._column("positions")

    @property
    def velocities(self) -> list[Vec3]:
        return self._column("velocities")

    @property
    def tags(self) -> list[tuple[str, ...]]:
        if self._tags is None:
            batch = self._readable()
            self._tags = [batch.tags[row] for row in range(len(batch.ids))]
        return self._tags

    def _column(self, name: str) -> list[Vec3]:
        kept = self._lists.get(name)
        if kept is None:
            batch = self._readable()
            flat = iter(getattr(batch, name))
            given = list(zip(flat, flat, flat, strict=False))
            kept = self._lists[name] = (given, given.copy())
        return kept[0]

    def _open(self) -> EntityBatch:
        batch = self._batch
        if batch.positions is None:
            raise BatchClosed("rows can only be used during the call they were given to")
        return batch

    def _readable(self) -> EntityBatch:
        batch = self._open()
        if not batch.read:
            # The API refuses (and audits the refusal) as it would any read of the kind.
            _host(batch.api.query, batch.kind)
            raise CapabilityDenied("world.read", "world.query", mod_id=batch.api.mod_id)
        return batch


def commit_rows(rows: EntityRows) -> None:
    """Write what the script assigned in ``rows.positions`` / ``rows.velocities`` into the
    batch's columns (marking those rows), after checking every such row.

    Nothing is written unless every assigned row passes: a call's writes land whole or not
    at all. Host code only: it never runs a script's method (types are tested exactly before
    anything is unpacked).

    :raises BadArgument: a list changed length, or an assigned row is not three finite
        numbers.
    :raises CapabilityDenied: rows were assigned without ``world.write``.
    """
    batch = rows._open()
    pending: list[tuple[str, str, Sequence[int], array[float]]] = []
    for name, column, mask, call in _COLUMNS:
        kept = rows._lists.get(name)
        if kept is None:
            continue
        given, original = kept
        if len(given) != len(original):
            raise BadArgument(
                f"rows.{name} must keep one entry per entity "
                f"(it had {len(original)}, now {len(given)})",
                mod_id=batch.api.mod_id,
                hint=f"assign rows.{name}[i] = (x, y, z); do not add or remove entries",
            )
        count = sum(map(is_not, given, original))
        if not count:
            continue
        rows_all = range(len(given))
        # Most systems assign every row: then no list of row numbers is made.
        changed = (
            rows_all
            if count == len(given)
            else list(compress(rows_all, map(is_not, given, original)))
        )
        if not batch.write:
            # The API refuses (and audits the refusal) as it would the first such write.
            row = changed[0]
            check_plain((given[row],), mod_id=batch.api.mod_id, what=f"rows.{name}[{row}]")
            _host(getattr(batch.api, call), batch.ids[row], given[row])
            raise CapabilityDenied("world.write", f"world.{call}", mod_id=batch.api.mod_id)
        values = given if len(changed) == len(given) else [given[row] for row in changed]
        pending.append((column, mask, changed, _checked_rows(values, changed, name, batch)))
    for column, mask, changed, flat in pending:
        target, marks = getattr(batch, column), getattr(batch, mask)
        if len(changed) == len(batch.ids):
            target[:] = flat
            marks[:] = b"\x01" * len(changed)
            continue
        for k, row in enumerate(changed):
            target[3 * row : 3 * row + 3] = flat[3 * k : 3 * k + 3]
            marks[row] = 1


def _checked_rows(
    values: list[Any], rows: Sequence[int], name: str, batch: EntityBatch
) -> array[float]:
    """``values`` (the assigned rows) as one flat ``'d'`` array, or the first row's error."""
    # The common case, tested in C: exact tuples of three exact floats whose sum is finite
    # (an inf or a nan anywhere makes it inf or nan).
    if set(map(type, values)) == {tuple} and set(map(len, values)) == {3}:
        flat = list(chain.from_iterable(values))
        if set(map(type, flat)) == {float}:
            total = sum(flat)
            if total - total == 0.0:
                return array("d", flat)
    out = array("d")
    mod_id = batch.api.mod_id
    for value, row in zip(values, rows, strict=True):
        what = f"rows.{name}[{row}]"
        # Never unpack a script's own object here: that would run its methods in host code.
        check_plain((value,), mod_id=mod_id, what=what)
        out.extend(check_vec3(value, mod_id=mod_id, what=what))
    return out
