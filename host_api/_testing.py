"""Test doubles for mod authors and for modhost's own tests.

``FakeWorld`` is an in-memory :class:`WorldPort` with no numpy and no scheduler: spawns and
despawns apply immediately, events and log lines are recorded in lists.
``recording_api`` builds a :class:`HostAPI` over it whose audit records every denial.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._api import HostAPI
from ._audit import AuditEvent
from ._capabilities import ALL_CAPABILITIES, grant
from ._world_port import EntityView, JSONValue, Vec3


@dataclass(frozen=True)
class EmittedEvent:
    """An event a mod emitted through the fake world."""

    source_mod: str
    source_entity: int | None
    name: str
    payload: JSONValue


@dataclass
class FakeWorld:
    """An in-memory world port that records what mods do to it."""

    tick: int = 0
    entities: dict[int, EntityView] = field(default_factory=dict)
    events: list[EmittedEvent] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    _next_id: int = 1

    def add(
        self,
        kind: str,
        position: Vec3 = (0.0, 0.0, 0.0),
        *,
        owner: str = "test",
        tags: tuple[str, ...] = (),
    ) -> EntityView:
        """Put an entity into the world directly (test set-up)."""
        eid = self.spawn(owner, kind, position, (0.0, 0.0, 0.0), tags)
        return self.entities[eid]

    def get(self, entity_id: int) -> EntityView | None:
        return self.entities.get(entity_id)

    def count_owned(self, owner: str) -> int:
        """Entities of ``owner`` (what the host API's entity cap recounts with)."""
        return sum(1 for e in self.entities.values() if e.owner == owner)

    def query(self, *, kind: str | None = None, tag: str | None = None) -> list[EntityView]:
        return [
            e
            for _, e in sorted(self.entities.items())
            if (kind is None or e.kind == kind) and (tag is None or tag in e.tags)
        ]

    def set_position(self, entity_id: int, position: Vec3) -> None:
        if entity_id in self.entities:
            self.entities[entity_id] = replace(self.entities[entity_id], position=position)

    def set_velocity(self, entity_id: int, velocity: Vec3) -> None:
        if entity_id in self.entities:
            self.entities[entity_id] = replace(self.entities[entity_id], velocity=velocity)

    def spawn(
        self, owner: str, kind: str, position: Vec3, velocity: Vec3, tags: tuple[str, ...]
    ) -> int:
        eid = self._next_id
        self._next_id += 1
        self.entities[eid] = EntityView(eid, kind, position, velocity, tags, owner)
        return eid

    def despawn(self, entity_id: int) -> None:
        self.entities.pop(entity_id, None)

    def emit(
        self, source_mod: str, source_entity: int | None, name: str, payload: JSONValue
    ) -> None:
        self.events.append(EmittedEvent(source_mod, source_entity, name, payload))

    def log(self, mod_id: str, message: str) -> None:
        self.logs.append((mod_id, message))


def recording_api(
    mod_id: str = "test-mod",
    capabilities: Any = ALL_CAPABILITIES,
    *,
    world: FakeWorld | None = None,
    mod_root: Path | None = None,
    seed: int = 0,
) -> tuple[HostAPI, FakeWorld, list[AuditEvent]]:
    """A host API for ``mod_id`` over a :class:`FakeWorld`, and the audit list it fills.

    :param capabilities: the capabilities granted (all of them by default).
    """
    world = world if world is not None else FakeWorld()
    audit: list[AuditEvent] = []
    granted = grant(mod_id, capabilities, ALL_CAPABILITIES)
    api = HostAPI(granted, world, mod_root=mod_root or Path("."), seed=seed, audit=audit.append)
    return api, world, audit
