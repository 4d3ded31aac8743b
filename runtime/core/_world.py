"""The world: entities stored column-wise in numpy arrays, the runtime's ``WorldPort``.

Storage: one row per live entity in parallel arrays (``ids`` int64, ``kind``/``owner``/
``tagset`` int32 indices into interned tables, ``position``/``velocity`` float64 (n, 3)).
Rows are kept in ascending id order (ids only grow and spawns append), so iteration order is
stable and a row is found through a dict. Spawns and despawns go through a
:class:`~runtime.core._commands.CommandBuffer` and land in :meth:`World.apply_commands`, which the
scheduler calls at each stage boundary.

Position and velocity writes apply immediately, except while a mod's scripts run in the
scripts stage (:meth:`World.defer_writes`): then they land when the mod's tick ends, so a
mod's reads see the world as its tick began whatever the tier.

:func:`World.world_hash` is SHA-256 over the canonical state: tick, next id, and for every
entity in id order its id, kind, owner, tags, position and velocity. Interned indices are
re-ranked by name first, so the hash does not depend on the order names were first seen.
"""

from __future__ import annotations

import copy
import hashlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from host_api import EntityView, JSONValue, Vec3

from ._commands import NO_CHANGES, CommandBuffer, DespawnCommand, SpawnCommand
from ._events import EventQueue
from ._interned import Interned

#: Bumped whenever the canonical encoding behind :meth:`World.world_hash` changes.
HASH_VERSION: Final = b"modhost-world-v1"

LogSink = Callable[[str, str], None]

#: The per-entity columns (the arrays that grow together, shrink together and a checkpoint
#: copies).
_COLUMNS: Final = ("_ids", "_kind", "_owner", "_tagset", "_pos", "_vel")


@dataclass(frozen=True)
class KindRows:
    """One kind's live entities at one moment (:meth:`World.kind_rows`)."""

    #: Their rows in the world's columns (valid until the next stage boundary).
    rows: npt.NDArray[np.intp]
    ids: array[int]
    positions: array[float]
    velocities: array[float]
    tag_rows: array[int]
    tag_table: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class WorldCheckpoint:
    """The whole world at one moment, for :meth:`World.restore` (hot-reload rollback)."""

    #: Live entity ids at the checkpoint, ascending.
    ids: npt.NDArray[np.int64]
    columns: dict[str, Any]
    tick: int
    commands: CommandBuffer
    events: EventQueue
    interned: tuple[int, int, int]


def _restore_slots(target: object, saved: object) -> None:
    """Copy every slot of ``saved`` into ``target`` (the object others hold stays the same)."""
    for name in type(target).__slots__:  # type: ignore[attr-defined]
        setattr(target, name, copy.copy(getattr(saved, name)))


class World:
    """Entity storage and the operations mods reach through ``HostAPI`` (a ``WorldPort``).

    :param events: where :meth:`emit` queues events.
    :param log: where :meth:`log` sends the lines mods write (``(mod_id, message)``).
    :param capacity: initial row capacity; arrays double when full.
    """

    def __init__(
        self,
        *,
        events: EventQueue | None = None,
        log: LogSink | None = None,
        capacity: int = 256,
    ) -> None:
        self.events: Final = events if events is not None else EventQueue()
        self._log = log
        self.commands: Final = CommandBuffer()
        self._tick = 0
        self._n = 0
        self._ids = np.zeros(capacity, dtype=np.int64)
        self._kind = np.zeros(capacity, dtype=np.int32)
        self._owner = np.zeros(capacity, dtype=np.int32)
        self._tagset = np.zeros(capacity, dtype=np.int32)
        self._pos = np.zeros((capacity, 3), dtype=np.float64)
        self._vel = np.zeros((capacity, 3), dtype=np.float64)
        self._row: dict[int, int] = {}
        self._kinds = Interned()
        self._owners = Interned()
        self._tagsets = Interned()
        #: Position (True) and velocity writes held back while a mod's scripts run.
        self._deferred: list[tuple[bool, int, Vec3]] | None = None

    # -- clock -----------------------------------------------------------------------------
    @property
    def tick(self) -> int:
        """The current tick (0 before the first tick; the scheduler advances it)."""
        return self._tick

    def advance_tick(self) -> int:
        """Start the next tick and return its number."""
        self._tick += 1
        return self._tick

    # -- columns (read-only views, valid until the next apply) -------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def ids(self) -> npt.NDArray[np.int64]:
        """Live entity ids, ascending (a view: do not keep across stage boundaries)."""
        return self._ids[: self._n]

    @property
    def positions(self) -> npt.NDArray[np.float64]:
        """Positions, shape (n, 3), in id order (a view)."""
        return self._pos[: self._n]

    @property
    def velocities(self) -> npt.NDArray[np.float64]:
        """Velocities, shape (n, 3), in id order (a view)."""
        return self._vel[: self._n]

    def kind_names(self) -> tuple[str, ...]:
        """Each live entity's kind, in id order."""
        names = self._kinds.values
        return tuple(str(names[k]) for k in self._kind[: self._n].tolist())

    def labels(self) -> dict[str, tuple[npt.NDArray[np.int32], tuple[object, ...]]]:
        """Each entity's ``kind``, ``owner`` and ``tags`` as (codes in id order, the names
        the codes index). Copies; cost O(n) plus the name tables (for per-tick digests)."""
        n = self._n
        return {
            "kind": (self._kind[:n].copy(), tuple(self._kinds.values)),
            "owner": (self._owner[:n].copy(), tuple(self._owners.values)),
            "tags": (self._tagset[:n].copy(), tuple(self._tagsets.values)),
        }

    def ids_of_kind(self, kind: str) -> npt.NDArray[np.int64]:
        """Ids of live entities of ``kind``, ascending (a copy). Cost: one vectorised scan."""
        k = self._kinds.index.get(kind)
        if k is None:
            return np.empty(0, dtype=np.int64)
        found: npt.NDArray[np.int64] = self._ids[: self._n][self._kind[: self._n] == k]
        return found

    def count_by_kind(self) -> dict[str, int]:
        """Live entity counts per kind, sorted by kind name."""
        return self._kinds.counts(self._kind[: self._n])

    def count_owned(self, owner: str) -> int:
        """Live and pending entities of ``owner`` (the host API's entity cap recounts with
        this; O(entities) in numpy)."""
        index = self._owners.index.get(owner)
        live = 0 if index is None else int(np.count_nonzero(self._owner[: self._n] == index))
        return live + self.commands.pending_count(owner)

    def count_by_owner(self) -> dict[str, int]:
        """Live entity counts per owning mod, sorted by mod id."""
        return self._owners.counts(self._owner[: self._n])

    # -- WorldPort ---------------------------------------------------------------------------
    def get(self, entity_id: int) -> EntityView | None:
        """A copy of the entity, or None if it is not (or not yet) in the world."""
        row = self._row.get(entity_id)
        if row is None:
            return None
        return self._view(row)

    def query(self, *, kind: str | None = None, tag: str | None = None) -> list[EntityView]:
        """Copies of the live entities matching ``kind`` and ``tag``, ascending id."""
        mask = np.ones(self._n, dtype=bool)
        if kind is not None:
            k = self._kinds.index.get(kind)
            if k is None:
                return []
            mask &= self._kind[: self._n] == k
        if tag is not None:
            with_tag = [i for i, ts in enumerate(self._tagsets.values) if tag in ts]  # type: ignore[operator]
            if not with_tag:
                return []
            mask &= np.isin(self._tagset[: self._n], with_tag)
        return [self._view(int(row)) for row in np.flatnonzero(mask)]

    def set_position(self, entity_id: int, position: Vec3) -> None:
        """Move a live or pending entity; unknown ids are ignored (it may have despawned)."""
        if self._deferred is not None:
            self._deferred.append((True, entity_id, position))
            return
        row = self._row.get(entity_id)
        if row is not None:
            self._pos[row] = position
        elif (pending := self.commands.pending_spawn(entity_id)) is not None:
            pending.position = position

    # -- entity batches (the scripts stage reads a kind's rows once, writes them once) -----
    def defer_writes(self) -> None:
        """Hold position and velocity writes back until :meth:`apply_deferred`: during a
        mod's scripts, so that its own reads see the world as its tick began in both tiers
        (the process tier's worker sends its writes back only when the tick is done)."""
        self._deferred = []

    def apply_deferred(self) -> None:
        """Apply the writes held back since :meth:`defer_writes`, in order."""
        pending, self._deferred = self._deferred, None
        for is_position, entity_id, value in pending or ():
            if is_position:
                self.set_position(entity_id, value)
            else:
                self.set_velocity(entity_id, value)

    def kind_rows(self, kind: str) -> KindRows:
        """The live entities of ``kind`` now: their rows and copies of their columns."""
        k = self._kinds.index.get(kind)
        n = self._n
        rows = np.flatnonzero(self._kind[:n] == k) if k is not None else np.zeros(0, dtype=np.intp)
        return KindRows(
            rows=rows,
            ids=array("q", self._ids[rows].tobytes()),
            positions=array("d", self._pos[rows].tobytes()),
            velocities=array("d", self._vel[rows].tobytes()),
            tag_rows=array("i", self._tagset[rows].astype(np.int32).tobytes()),
            tag_table=tuple(self._tagsets.values),  # type: ignore[arg-type]
        )

    def write_rows(
        self,
        rows: npt.NDArray[np.intp],
        positions: npt.NDArray[np.float64] | None = None,
        velocities: npt.NDArray[np.float64] | None = None,
    ) -> None:
        """Write ``(len(rows), 3)`` positions and/or velocities to world ``rows`` (from
        :meth:`kind_rows` of this stage: rows only move at a boundary)."""
        if positions is not None:
            self._pos[rows] = positions
        if velocities is not None:
            self._vel[rows] = velocities

    # -- bulk (host_api.BulkWorldPort: one host call moves every entity of a kind) ----------
    def positions_of(self, kind: str) -> tuple[array[int], array[float]]:
        """Ids and flat float32 ``x, y, z`` of live entities of ``kind``, ascending id (copies).

        Cost: one vectorised scan and two buffer copies, no per-entity Python work.
        """
        ids, flat = array("q"), array("f")
        k = self._kinds.index.get(kind)
        if k is not None:
            mask = self._kind[: self._n] == k
            ids.frombytes(self._ids[: self._n][mask].tobytes())
            flat.frombytes(self._pos[: self._n][mask].astype(np.float32).tobytes())
        return ids, flat

    def set_positions_of(self, kind: str, ids: array[int], positions: array[float]) -> int:
        """Write flat float32 positions to ``ids`` (the ids :meth:`positions_of` returned)."""
        values = np.frombuffer(positions, dtype=np.float32).reshape(-1, 3)
        k = self._kinds.index.get(kind)
        if k is not None:
            mask = self._kind[: self._n] == k
            if np.array_equal(self._ids[: self._n][mask], np.frombuffer(ids, dtype=np.int64)):
                self._pos[: self._n][mask] = values
                return len(ids)
        for entity_id, row in zip(ids, values.tolist(), strict=True):
            self.set_position(entity_id, (row[0], row[1], row[2]))
        return len(ids)

    def set_velocity(self, entity_id: int, velocity: Vec3) -> None:
        """Set a live or pending entity's velocity; unknown ids are ignored."""
        if self._deferred is not None:
            self._deferred.append((False, entity_id, velocity))
            return
        row = self._row.get(entity_id)
        if row is not None:
            self._vel[row] = velocity
        elif (pending := self.commands.pending_spawn(entity_id)) is not None:
            pending.velocity = velocity

    def spawn(
        self, owner: str, kind: str, position: Vec3, velocity: Vec3, tags: tuple[str, ...]
    ) -> int:
        """Queue a spawn; the id is returned now, the entity appears at the next boundary."""
        return self.commands.spawn(owner, kind, position, velocity, tags)

    def despawn(self, entity_id: int) -> None:
        """Queue a despawn, applied at the next boundary."""
        self.commands.despawn(entity_id)

    def emit(
        self, source_mod: str, source_entity: int | None, name: str, payload: JSONValue
    ) -> None:
        """Queue an event for the events stage."""
        self.events.emit(source_mod, source_entity, name, payload, self._tick)

    def log(self, mod_id: str, message: str) -> None:
        """Pass a mod's log line to the host's sink."""
        if self._log is not None:
            self._log(mod_id, message)

    # -- stage boundary ------------------------------------------------------------------------
    def apply_commands(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Apply the command buffer; return the ids (spawned, despawned), each ascending.

        An id spawned and despawned in the same buffer appears in neither.
        """
        if not len(self.commands):
            return NO_CHANGES
        spawned: list[int] = []
        doomed: set[int] = set()
        for command in self.commands.take():
            if type(command) is SpawnCommand:
                self._append(command)
                spawned.append(command.id)
            elif type(command) is DespawnCommand and command.id in self._row:
                doomed.add(command.id)
        if doomed:
            self._remove(doomed)
        born = tuple(i for i in spawned if i not in doomed)
        died = tuple(sorted(doomed.difference(spawned)))
        return born, died

    def _append(self, c: SpawnCommand) -> None:
        if self._n == len(self._ids):
            self._grow()
        row = self._n
        self._ids[row] = c.id
        self._kind[row] = self._kinds.intern(c.kind)
        self._owner[row] = self._owners.intern(c.owner)
        self._tagset[row] = self._tagsets.intern(c.tags)
        self._pos[row] = c.position
        self._vel[row] = c.velocity
        self._row[c.id] = row
        self._n += 1

    def _grow(self) -> None:
        size = max(16, 2 * len(self._ids))
        for name in _COLUMNS:
            old = getattr(self, name)
            new = np.zeros((size, *old.shape[1:]), dtype=old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def _remove(self, doomed: set[int]) -> None:
        keep = ~np.isin(self._ids[: self._n], np.fromiter(doomed, dtype=np.int64))
        n = int(keep.sum())
        for name in _COLUMNS:
            column = getattr(self, name)
            column[:n] = column[: self._n][keep]
        self._n = n
        self._row = {int(i): r for r, i in enumerate(self._ids[:n].tolist())}

    # -- checkpoints (hot-reload rollback) ---------------------------------------------------
    def checkpoint(self) -> WorldCheckpoint:
        """A copy of everything :meth:`world_hash` covers plus queued commands and events.

        Cost: O(entities) (the columns are copied), plus the queued events.
        """
        n = self._n
        return WorldCheckpoint(
            ids=self._ids[:n].copy(),
            columns={name: getattr(self, name)[:n].copy() for name in _COLUMNS},
            tick=self._tick,
            commands=copy.deepcopy(self.commands),
            events=copy.deepcopy(self.events),
            interned=(len(self._kinds.values), len(self._owners.values), len(self._tagsets.values)),
        )

    def restore(self, saved: WorldCheckpoint) -> None:
        """Put the world back exactly as it was at ``saved`` (same :meth:`world_hash`)."""
        n = len(saved.ids)
        while len(self._ids) < n:
            self._grow()
        for name in _COLUMNS:
            getattr(self, name)[:n] = saved.columns[name]
        self._n = n
        self._row = {int(i): r for r, i in enumerate(saved.ids.tolist())}
        self._tick = saved.tick
        _restore_slots(self.commands, saved.commands)
        _restore_slots(self.events, saved.events)
        tables = (self._kinds, self._owners, self._tagsets)
        for table, size in zip(tables, saved.interned, strict=True):
            for value in table.values[size:]:
                del table.index[value]
            del table.values[size:]

    # -- integration ------------------------------------------------------------------------
    def integrate(self, dt: float, frozen_owners: Sequence[str] = ()) -> None:
        """Explicit Euler step ``position += velocity * dt`` for every entity.

        :param frozen_owners: mods whose entities do not move (quarantined mods).
        """
        n = self._n
        if not n:
            return
        if frozen_owners:
            frozen = [self._owners.index[o] for o in frozen_owners if o in self._owners.index]
            if frozen:
                moving = ~np.isin(self._owner[:n], frozen)
                self._pos[:n][moving] += self._vel[:n][moving] * dt
                return
        self._pos[:n] += self._vel[:n] * dt

    # -- hashing ------------------------------------------------------------------------------
    def world_hash(self) -> str:
        """SHA-256 (hex) over the canonical world state (see the module docstring)."""
        n = self._n
        h = hashlib.sha256(HASH_VERSION)
        h.update(np.array([self._tick, self.commands.next_id, n], dtype="<i8").tobytes())
        for table, column in (
            (self._kinds, self._kind),
            (self._owners, self._owner),
            (self._tagsets, self._tagset),
        ):
            names, ranks = table.canonical(column[:n])
            h.update(names)
            h.update(ranks)
        h.update(self._ids[:n].astype("<i8").tobytes())
        # -0.0 and 0.0 compare equal but differ in bytes; normalise so equal states hash equal.
        h.update((self._pos[:n] + 0.0).astype("<f8").tobytes())
        h.update((self._vel[:n] + 0.0).astype("<f8").tobytes())
        return h.hexdigest()

    def _view(self, row: int) -> EntityView:
        px, py, pz = self._pos[row].tolist()
        vx, vy, vz = self._vel[row].tolist()
        return EntityView(
            int(self._ids[row]),
            str(self._kinds.values[self._kind[row]]),
            (px, py, pz),
            (vx, vy, vz),
            self._tagsets.values[self._tagset[row]],
            str(self._owners.values[self._owner[row]]),
        )
