"""Entity batches: the entities of one kind a mod's scripts run for in one tick, as columns.

Why columns: per-entity objects (a view, a context, a state copy, an op per write) cost more
than the script's own logic at game scale. A batch holds the kind's ids, positions,
velocities and tags as plain lists taken once per tick, and ``ctx.entity`` is an
:class:`EntityCursor` (a row number into them). The host reads the lists from the world's
numpy columns; the process tier's worker receives them as packed arrays in one message.

What a script observes, in both tiers alike (so both give the same world):

- ``ctx.entity`` reads the world as it was when the scripts stage began, plus the script's
  own writes through ``ctx.entity`` (a write is read back at once);
- ``ctx.entity.position = ...`` / ``.velocity = ...`` land in the batch's copy of the column
  and are marked (:attr:`EntityBatch.moved`, :attr:`EntityBatch.steered`); the host applies
  them when the mod's tick ends, after the capability check, as one vectorised write;
- every other ``ctx`` call goes through the mod's API as before.

One :class:`~host_api.ScriptContext` serves the whole batch: :meth:`EntityBatch.enter` points
it at the next row (its ``entity``, ``state``, and the entity that events and timers are
attributed to). A cursor kept past its batch refuses to read (the batch's columns are
released when it ends), so a script cannot pin old snapshots in memory.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any, Final, final

from ._capabilities import Capability
from ._ctx import ScriptContext, _host, _plain
from ._errors import CapabilityDenied
from ._values import check_vec3
from ._world_port import Vec3

#: Every ``SYNC_EVERY`` ticks each entity's ``ctx.state`` is copied back to the host by the
#: process tier (a rolling share of the entities each tick), the host's copy after a worker
#: restart.
SYNC_EVERY: Final = 64


#: The two columns a cursor writes, and the host call and value name of each.
_POSITION, _VELOCITY = 0, 1
_CALLS = ("set_position", "set_velocity")
_WHAT = ("position", "velocity")


#: ``ctx.state`` of a system hook: its entities' states are ``rows.states``.
_NO_STATE: Final = MappingProxyType({})


class BatchClosed(LookupError):
    """A cursor was used after its batch ended."""


@final
class EntityBatch:
    """One kind's entities for one mod and tick, and the writes its scripts made.

    :param kind: the entity kind.
    :param ids: the entities, ascending id.
    :param positions: ``x, y, z`` per row (``'d'``); the batch writes into its own copy.
    :param velocities: ``x, y, z`` per row (``'d'``).
    :param tags: each row's tags (indexable by row).
    :param states: each row's ``ctx.state`` dict.
    :param granted: the mod's capabilities (reads and writes without them take the API's
        path, which refuses and audits).
    """

    __slots__ = (
        "_events",
        "_timers",
        "api",
        "ctx",
        "ids",
        "kind",
        "moved",
        "positions",
        "read",
        "states",
        "steered",
        "tags",
        "velocities",
        "write",
    )

    def __init__(
        self,
        api: Any,
        kind: str,
        ids: Sequence[int],
        positions: array[float],
        velocities: array[float],
        tags: Any,
        states: list[dict[str, Any]],
        granted: frozenset[str] | set[str],
    ) -> None:
        self.api = api
        self.kind = kind
        self.ids = ids
        # Writes land in these copies (read back at once) and are marked in moved/steered.
        self.positions: array[float] | None = array("d", positions)
        self.velocities: array[float] | None = array("d", velocities)
        self.tags = tags
        self.states = states
        self.read = Capability.WORLD_READ.value in granted
        self.write = Capability.WORLD_WRITE.value in granted
        #: One byte per row: 1 where a script wrote the position through ``ctx.entity``.
        self.moved = bytearray(len(ids))
        #: One byte per row: 1 where a script wrote the velocity through ``ctx.entity``.
        self.steered = bytearray(len(ids))
        self.ctx = ScriptContext(api, {}, None)
        self._events = self.ctx.events
        self._timers = self.ctx.timers

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def cursor_type(self) -> type[EntityCursor]:
        """What :meth:`enter` puts in ``ctx.entity`` (a tier's own loop makes them itself)."""
        return EntityCursor

    def enter(self, row: int) -> ScriptContext:
        """The batch's ``ctx``, pointed at ``row``."""
        ctx = self.ctx
        ctx.entity = EntityCursor(self, row)  # type: ignore[assignment]
        ctx.state = self.states[row]
        self._events._source = self._timers._entity = self.ids[row]
        return ctx

    def system_ctx(self) -> ScriptContext:
        """The batch's ``ctx`` for a system hook (``on_system``): no entity, an empty,
        read-only ``state`` (each entity's is in ``rows.states``); events and timers are the
        mod's own, as in a mod script."""
        ctx = self.ctx
        ctx.entity = None
        ctx.state = _NO_STATE  # type: ignore[assignment]
        self._events._source = self._timers._entity = None
        return ctx

    def written(self) -> tuple[bytes, bytes, bytes, bytes]:
        """``(moved mask, positions, steered mask, velocities)`` as bytes; empty pairs where
        nothing was written."""
        out: list[bytes] = []
        for mask, values in ((self.moved, self.positions), (self.steered, self.velocities)):
            if values is not None and mask.count(1):
                out += [bytes(mask), values.tobytes()]
            else:
                out += [b"", b""]
        return out[0], out[1], out[2], out[3]

    def close(self) -> None:
        """End the batch: cursors kept by scripts stop reading; call :meth:`written` first."""
        self.positions = None
        self.velocities = None
        self.ctx.entity = None
        self.ctx.state = {}


def _vector_column(column: int) -> property:
    """The ``position`` (``column`` 0) or ``velocity`` property of :class:`EntityCursor`: the
    common case (granted, during the batch, a tuple of three finite floats) inline."""
    is_position = column == _POSITION

    def read(self: EntityCursor) -> Vec3:
        batch = self._batch
        flat = batch.positions if is_position else batch.velocities
        if flat is None or not batch.read:
            self._readable()
        i = 3 * self._row
        return (flat[i], flat[i + 1], flat[i + 2])  # type: ignore[index]

    def write(self: EntityCursor, value: Any) -> None:
        batch = self._batch
        flat = batch.positions if is_position else batch.velocities
        if type(value) is tuple and len(value) == 3 and batch.write and flat is not None:
            x, y, z = value
            # x - x is 0.0 for finite floats, nan for inf and nan.
            if (
                type(x) is float
                and type(y) is float
                and type(z) is float
                and (x - x) + (y - y) + (z - z) == 0.0
            ):
                row = self._row
                i = 3 * row
                flat[i] = x
                flat[i + 1] = y
                flat[i + 2] = z
                (batch.moved if is_position else batch.steered)[row] = 1
                return
        self._slow_write(value, column)

    return property(read, write)


@final
class EntityCursor:
    """``ctx.entity`` in a batch: id, kind, position, velocity, tags of one row."""

    __slots__ = ("_batch", "_row")

    def __init__(self, batch: EntityBatch, row: int) -> None:
        self._batch = batch
        self._row = row

    @property
    def id(self) -> int:
        return self._batch.ids[self._row]

    @property
    def kind(self) -> str:
        return self._batch.kind

    @property
    def tags(self) -> tuple[str, ...]:
        self._readable()
        return self._batch.tags[self._row]  # type: ignore[no-any-return]

    # position and velocity are each entity script's hot path: one Python frame per read or
    # write (see _vector_column); anything but the common case takes _slow_write.
    position: Vec3 = _vector_column(_POSITION)  # type: ignore[assignment]
    velocity: Vec3 = _vector_column(_VELOCITY)  # type: ignore[assignment]

    def _slow_write(self, value: Any, column: int) -> None:
        """A write that is not a tuple of three finite floats, or not granted, or late:
        checked (and refused) with its errors, then written."""
        batch = self._writable(value, _CALLS[column])
        x, y, z = self._checked(value, _WHAT[column])
        flat = batch.positions if column == _POSITION else batch.velocities
        i = 3 * self._row
        flat[i] = x  # type: ignore[index]
        flat[i + 1] = y  # type: ignore[index]
        flat[i + 2] = z  # type: ignore[index]
        (batch.moved if column == _POSITION else batch.steered)[self._row] = 1

    def _readable(self) -> EntityBatch:
        batch = self._batch
        if not batch.read:
            _host(batch.api.get_entity, self.id)
            raise CapabilityDenied("world.read", "world.get", mod_id=batch.api.mod_id)
        if batch.positions is None:
            raise BatchClosed("ctx.entity can only be used during the call it was given to")
        return batch

    def _writable(self, value: Any, call: str) -> EntityBatch:
        batch = self._batch
        if not batch.write:
            # The API refuses (and audits the refusal) as it would for any write.
            _host(getattr(batch.api, call), self.id, value)
            raise CapabilityDenied("world.write", f"world.{call}", mod_id=batch.api.mod_id)
        if batch.positions is None:
            raise BatchClosed("ctx.entity can only be used during the call it was given to")
        return batch

    def _checked(self, value: Any, what: str) -> Vec3:
        batch = self._batch
        # Never unpack a script's own object here: that would run its methods in host code.
        _plain(getattr(batch.api, "set_" + what), (value,))
        return check_vec3(value, mod_id=batch.api.mod_id, what=what)
