"""The command buffer: spawns and despawns requested during a stage, applied at its boundary.

Mods see a stable world for the whole of a stage: what they spawn appears, and what they
despawn disappears, only when the scheduler applies the buffer between two stages. Ids are
reserved at request time, so ``spawn`` can return the new id at once.

Semantics (tested in ``tests/runtime/test_commands.py``):

- commands apply in the order they were issued (which is deterministic: load order, then
  entity id, then call order inside a hook);
- a spawn followed by a despawn of the same id in one buffer never becomes visible, but the id
  stays used (ids are never reused);
- despawning an id that does not exist (or is already queued for despawn) is a no-op;
- a position or velocity written to a pending spawn updates what will be spawned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from host_api import Vec3


@dataclass(slots=True)
class SpawnCommand:
    """A queued spawn. Mutable until applied: writes to the pending entity land here."""

    id: int
    owner: str
    kind: str
    position: Vec3
    velocity: Vec3
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DespawnCommand:
    """A queued despawn."""

    id: int


Command = SpawnCommand | DespawnCommand


class CommandBuffer:
    """An ordered queue of spawn and despawn commands plus the id counter behind them.

    :param first_id: the first entity id handed out (ids grow by one and are never reused).
    """

    __slots__ = ("_commands", "_next_id", "_pending")

    def __init__(self, first_id: int = 1) -> None:
        self._commands: list[Command] = []
        #: Pending spawns by id, for writes to entities that are not in the world yet.
        self._pending: dict[int, SpawnCommand] = {}
        self._next_id = first_id

    @property
    def next_id(self) -> int:
        """The id the next spawn will get (part of the canonical world state)."""
        return self._next_id

    def spawn(
        self, owner: str, kind: str, position: Vec3, velocity: Vec3, tags: tuple[str, ...]
    ) -> int:
        """Queue a spawn and return its id, reserved now."""
        entity_id = self._next_id
        self._next_id += 1
        command = SpawnCommand(entity_id, owner, kind, position, velocity, tags)
        self._commands.append(command)
        self._pending[entity_id] = command
        return entity_id

    def despawn(self, entity_id: int) -> None:
        """Queue a despawn (validity is decided when applied)."""
        self._commands.append(DespawnCommand(entity_id))

    def pending_spawn(self, entity_id: int) -> SpawnCommand | None:
        """The queued spawn for ``entity_id``, if it has not been applied yet."""
        return self._pending.get(entity_id)

    def pending_count(self, owner: str) -> int:
        """Queued spawns of ``owner`` not applied yet."""
        return sum(1 for c in self._pending.values() if c.owner == owner)

    def __len__(self) -> int:
        return len(self._commands)

    def take(self) -> list[Command]:
        """Remove and return every queued command, in issue order."""
        commands, self._commands = self._commands, []
        self._pending.clear()
        return commands


#: Returned by :meth:`World.apply_commands` when nothing was queued (no allocation).
NO_CHANGES: Final[tuple[tuple[int, ...], tuple[int, ...]]] = ((), ())
