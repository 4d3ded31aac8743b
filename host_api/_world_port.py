"""What the host API needs from a world: the port the runtime implements.

``host_api`` sits below ``runtime``, so it names the operations it needs as a protocol and
the runtime's world satisfies it. Everything crossing the port towards a mod is a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

Vec3 = tuple[float, float, float]
#: JSON-like values: the only things a mod may pass in an event payload or store.
JSONValue = None | bool | int | float | str | list[Any] | dict[str, Any]


@dataclass(frozen=True, slots=True)
class EntityView:
    """A read-only copy of one entity, as handed to mods."""

    id: int
    kind: str
    position: Vec3
    velocity: Vec3
    tags: tuple[str, ...]
    #: The id of the mod that spawned it.
    owner: str


class WorldPort(Protocol):
    """The world operations behind the host API. Implemented by ``runtime``."""

    @property
    def tick(self) -> int:
        """The current tick number (0 before the first tick)."""
        ...

    def get(self, entity_id: int) -> EntityView | None:
        """The entity, or None if it does not exist (or is despawned)."""
        ...

    def query(self, *, kind: str | None = None, tag: str | None = None) -> list[EntityView]:
        """Entities matching kind and tag, in ascending id order."""
        ...

    def set_position(self, entity_id: int, position: Vec3) -> None: ...

    def set_velocity(self, entity_id: int, velocity: Vec3) -> None: ...

    def spawn(
        self, owner: str, kind: str, position: Vec3, velocity: Vec3, tags: tuple[str, ...]
    ) -> int:
        """Queue a spawn (applied at the next stage boundary); returns the new id at once."""
        ...

    def despawn(self, entity_id: int) -> None:
        """Queue a despawn (applied at the next stage boundary)."""
        ...

    def emit(
        self, source_mod: str, source_entity: int | None, name: str, payload: JSONValue
    ) -> None:
        """Queue an event for delivery in the events stage."""
        ...

    def log(self, mod_id: str, message: str) -> None:
        """Record a line a mod wrote (terminal, and the report's last lines)."""
        ...
