"""``HostAPI``: the only door from a mod into the world, for scripts and components alike.

One ``HostAPI`` is built per mod instance from its granted :class:`CapabilitySet`; there is
no shared registry of host functions. Every operation checks its capability first, copies what
comes in and what goes out, and takes the mod's identity from the binding, never from an
argument.
"""

from __future__ import annotations

import random as _random
from pathlib import Path
from typing import Any, Final, final

from ._audit import AuditEvent, AuditSink, now
from ._capabilities import Capability, CapabilitySet
from ._errors import CapabilityDenied
from ._values import check_entity_id, check_name, check_vec3, copy_json
from ._world_port import EntityView, WorldPort

#: Bytes a single ``fs.read`` may return.
MAX_FILE_READ: Final = 1024 * 1024
#: Characters kept of a single log line.
MAX_LOG_LINE: Final = 1000


@final
class HostAPI:
    """The capability-checked operations of one mod instance.

    :param granted: the mod's effective capabilities (its ``mod_id`` is the caller identity).
    :param world: the world port the operations act on.
    :param mod_root: the mod's folder, the only place ``read_file`` may read.
    :param seed: the world seed; the mod's random stream derives from it and the mod id.
    :param audit: where capability decisions are recorded, if anywhere.
    """

    __slots__ = ("_audit", "_granted", "_mod_root", "_random", "_world", "mod_id")

    def __init__(
        self,
        granted: CapabilitySet,
        world: WorldPort,
        *,
        mod_root: Path,
        seed: int,
        audit: AuditSink | None = None,
    ) -> None:
        self.mod_id: Final = granted.mod_id
        self._granted = granted
        self._world = world
        self._mod_root = mod_root.resolve()
        self._audit = audit
        self._random = _random.Random(f"{seed}:{granted.mod_id}")

    @property
    def granted(self) -> CapabilitySet:
        """The effective capability set (immutable)."""
        return self._granted

    @property
    def tick(self) -> int:
        """The current tick."""
        return self._world.tick

    def require(self, capability: Capability, call: str) -> None:
        """Raise :class:`CapabilityDenied` (and audit it) unless ``capability`` is granted."""
        if capability.value in self._granted:
            return
        if self._audit is not None:
            self._audit(
                AuditEvent(now(), self._world.tick, self.mod_id, capability.value, call, "denied")
            )
        raise CapabilityDenied(capability.value, call, mod_id=self.mod_id)

    # -- log -------------------------------------------------------------------------------
    def log(self, message: Any) -> None:
        """Write a line to the host log, prefixed with the mod id. Needs ``log``."""
        self.require(Capability.LOG, "log")
        self._world.log(
            self.mod_id,
            str(message)[:MAX_LOG_LINE] if type(message) is str else repr(message)[:MAX_LOG_LINE],
        )

    # -- world -----------------------------------------------------------------------------
    def get_entity(self, entity_id: Any) -> EntityView | None:
        """One entity by id. Needs ``world.read``."""
        self.require(Capability.WORLD_READ, "world.get")
        return self._world.get(check_entity_id(entity_id, mod_id=self.mod_id))

    def query(self, kind: Any = None, tag: Any = None) -> list[EntityView]:
        """Entities by kind and/or tag, ascending id. Needs ``world.read``."""
        self.require(Capability.WORLD_READ, "world.query")
        k = None if kind is None else check_name(kind, mod_id=self.mod_id, what="kind")
        t = None if tag is None else check_name(tag, mod_id=self.mod_id, what="tag")
        return self._world.query(kind=k, tag=t)

    def set_position(self, entity_id: Any, position: Any) -> None:
        """Move an entity. Needs ``world.write``."""
        self.require(Capability.WORLD_WRITE, "world.set_position")
        self._world.set_position(
            check_entity_id(entity_id, mod_id=self.mod_id),
            check_vec3(position, mod_id=self.mod_id, what="position"),
        )

    def set_velocity(self, entity_id: Any, velocity: Any) -> None:
        """Set an entity's velocity. Needs ``world.write``."""
        self.require(Capability.WORLD_WRITE, "world.set_velocity")
        self._world.set_velocity(
            check_entity_id(entity_id, mod_id=self.mod_id),
            check_vec3(velocity, mod_id=self.mod_id, what="velocity"),
        )

    def spawn(
        self,
        kind: Any,
        position: Any = (0.0, 0.0, 0.0),
        velocity: Any = (0.0, 0.0, 0.0),
        tags: Any = (),
    ) -> int:
        """Spawn an entity owned by this mod. Needs ``world.spawn``."""
        self.require(Capability.WORLD_SPAWN, "world.spawn")
        m = self.mod_id
        tag_tuple = tuple(check_name(t, mod_id=m, what="tag") for t in _as_sequence(tags, m))
        return self._world.spawn(
            m,
            check_name(kind, mod_id=m, what="kind"),
            check_vec3(position, mod_id=m, what="position"),
            check_vec3(velocity, mod_id=m, what="velocity"),
            tag_tuple,
        )

    def despawn(self, entity_id: Any) -> None:
        """Remove an entity. Needs ``world.spawn``."""
        self.require(Capability.WORLD_SPAWN, "world.despawn")
        self._world.despawn(check_entity_id(entity_id, mod_id=self.mod_id))

    # -- events ----------------------------------------------------------------------------
    def emit(self, name: Any, payload: Any = None, *, source_entity: int | None = None) -> None:
        """Emit an event, delivered in the events stage. Needs ``events.emit``."""
        self.require(Capability.EVENTS_EMIT, "events.emit")
        self._world.emit(
            self.mod_id,
            source_entity,
            check_name(name, mod_id=self.mod_id, what="event name"),
            copy_json(payload, mod_id=self.mod_id, what="event payload"),
        )

    # -- files -----------------------------------------------------------------------------
    def read_file(self, relative: Any) -> bytes:
        """Read a file inside the mod's own folder. Needs ``fs.read``."""
        self.require(Capability.FS_READ, "fs.read")
        from ._fs import read_inside

        return read_inside(self._mod_root, relative, mod_id=self.mod_id, max_bytes=MAX_FILE_READ)

    # -- randomness ------------------------------------------------------------------------
    def random(self) -> float:
        """A float in [0, 1) from the mod's seeded stream (no capability needed)."""
        return self._random.random()

    def randint(self, low: int, high: int) -> int:
        """An int in [low, high] from the mod's seeded stream."""
        return self._random.randint(int(low), int(high))


def _as_sequence(value: Any, mod_id: str) -> tuple[Any, ...]:
    if type(value) in (list, tuple):
        return tuple(value)
    from ._values import BadArgument

    raise BadArgument(
        "tags must be a list or tuple of strings", mod_id=mod_id, hint="pass tags=['a', 'b']"
    )
