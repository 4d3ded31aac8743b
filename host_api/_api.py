"""``HostAPI``: the only door from a mod into the world, for scripts and components alike.

One ``HostAPI`` is built per mod instance from its granted :class:`CapabilitySet`; there is
no shared registry of host functions. Every operation checks its capability first, copies what
comes in and what goes out, and takes the mod's identity from the binding, never from an
argument.

Chatty operations (``log``, ``events.emit``, ``storage``) are metered per tick by a
:class:`TickLimiter`: a flood is throttled with one ``MOD_THROTTLED`` warning, not a crash.
Diagnostics the API raises without raising (throttling) go to ``report`` or, without one, wait
in :meth:`HostAPI.drain_diagnostics` (:mod:`host_api._meter`). The checks on what comes in
live beside the values they check (:mod:`host_api._values`, ``_gameplay``, ``_bulk``), and the
per-mod entity caps in :mod:`host_api._quota`.
"""

from __future__ import annotations

import json
import random as _random
from array import array
from pathlib import Path
from typing import Any, Final, NoReturn, final

from ._audit import AuditSink
from ._bulk import as_float32, check_flat, positions_of, set_positions_of
from ._capabilities import Capability, CapabilitySet
from ._diagnostics import Diagnostic
from ._errors import CapabilityDenied
from ._gameplay import (
    MAX_RAY,
    GameplayPort,
    RayHit,
    check_button,
    check_camera_target,
    check_collider,
    check_distance,
    check_hud_text,
    check_ray,
    check_ticks,
    check_timer_id,
)
from ._meter import CallMeter, DiagnosticSink
from ._quota import EntityQuota, tag_list
from ._rate import TickLimiter
from ._storage import ModStorage
from ._values import (
    BadArgument,
    check_entity_id,
    check_name,
    check_storage_key,
    check_vec3,
    copy_json,
    log_text,
)
from ._world_port import EntityView, JSONValue, WorldPort

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
    :param storage: the mod's persistent store (bound by the host; ``storage`` calls without
        one are denied as if the capability were missing).
    :param limiter: per-tick budgets for log, events and storage (defaults apply if None).
    :param report: where throttling diagnostics go; None keeps them for
        :meth:`drain_diagnostics`.
    :param gameplay: input, timers, HUD and spatial queries (bound by the runtime; calls
        without one are denied as if the capability were missing).
    """

    __slots__ = (
        "_gameplay",
        "_granted",
        "_meter",
        "_mod_root",
        "_quota",
        "_random",
        "_storage",
        "_world",
        "capability_calls",
        "mod_id",
    )

    def __init__(
        self,
        granted: CapabilitySet,
        world: WorldPort,
        *,
        mod_root: Path,
        seed: int,
        audit: AuditSink | None = None,
        storage: ModStorage | None = None,
        limiter: TickLimiter | None = None,
        report: DiagnosticSink | None = None,
        gameplay: GameplayPort | None = None,
    ) -> None:
        self.mod_id: Final = granted.mod_id
        self._granted = granted
        self._world = world
        self._mod_root = mod_root.resolve()
        self._random = _random.Random(f"{seed}:{granted.mod_id}")
        self._storage = storage
        #: Audit records, per-tick metering, and diagnostics raised without raising.
        self._meter = CallMeter(granted.mod_id, world, audit, limiter, report)
        self._gameplay = gameplay
        #: Granted host calls so far, per capability (the profiler reads it; never reset).
        self.capability_calls: dict[str, int] = {}
        #: Entities, spawns per tick and colliders against the per-mod caps.
        self._quota = EntityQuota(world, granted.mod_id)

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
        if capability in self._granted:  # a StrEnum member is its name; .value costs a lookup
            calls = self.capability_calls
            calls[capability] = calls.get(capability, 0) + 1
            return
        self._deny(capability, call)

    def _deny(self, capability: Capability, call: str) -> NoReturn:
        """Audit the denial and raise :class:`CapabilityDenied`."""
        self._meter.record(capability.value, call, "denied")
        raise CapabilityDenied(capability.value, call, mod_id=self.mod_id)

    def note(self, diagnostic: Diagnostic) -> None:
        """Report a diagnostic about this mod without raising (e.g. a component's denied call
        answered with an error value). Goes to ``report``, or waits for
        :meth:`drain_diagnostics`.
        """
        self._meter.emit(diagnostic)

    def drain_diagnostics(self) -> list[Diagnostic]:
        """Diagnostics raised without an exception since the last call (when no ``report``)."""
        return self._meter.drain()

    # -- log -------------------------------------------------------------------------------
    def log(self, message: Any) -> None:
        """Write a line to the host log, prefixed with the mod id. Needs ``log``.

        Metered per tick; a flood drops lines after one ``MOD_THROTTLED`` warning.
        """
        self.require(Capability.LOG, "log")
        text = log_text(message, mod_id=self.mod_id, limit=MAX_LOG_LINE)
        if self._meter.metered(Capability.LOG.value, "log", len(text)):
            self._world.log(self.mod_id, text)

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
        collider: Any = None,
    ) -> int:
        """Spawn an entity owned by this mod. Needs ``world.spawn``.

        :param collider: optional, see :meth:`set_collider`.
        """
        self.require(Capability.WORLD_SPAWN, "world.spawn")
        m = self.mod_id
        tag_seq = tag_list(tags, m)
        quota = self._quota
        quota.charge_spawn()
        tag_tuple = tuple(check_name(t, mod_id=m, what="tag") for t in tag_seq)
        checked = check_collider(collider, mod_id=m)
        port = None if checked is None else self._port("world.spawn", Capability.WORLD_SPAWN)
        entity_id = self._world.spawn(
            m,
            check_name(kind, mod_id=m, what="kind"),
            check_vec3(position, mod_id=m, what="position"),
            check_vec3(velocity, mod_id=m, what="velocity"),
            tag_tuple,
        )
        quota.spawned()
        if port is not None:
            quota.charge_collider(entity_id)
            port.set_collider(m, entity_id, checked)
        return entity_id

    def set_collider(self, entity_id: Any, collider: Any) -> None:
        """Give an entity this mod owns a collider, or remove it with None. Needs
        ``world.spawn``.

        ``collider`` is ``{"shape": "sphere", "radius": r}`` or ``{"shape": "box", "half":
        (x, y, z)}``, with ``"trigger": True`` for a trigger volume (enter/exit events instead
        of ``on_collision``). Entities of other mods are ignored.

        :raises ColliderInvalid: an unknown shape or a size out of range.
        """
        port = self._port("world.set_collider", Capability.WORLD_SPAWN)
        checked = check_collider(collider, mod_id=self.mod_id)
        eid = check_entity_id(entity_id, mod_id=self.mod_id)
        if checked is None:
            self._quota.drop_collider(eid)
        else:
            self._quota.charge_collider(eid)
        port.set_collider(self.mod_id, eid, checked)

    def raycast(self, origin: Any, direction: Any, max_distance: Any = 100.0) -> list[RayHit]:
        """Entities with colliders on the ray, nearest first. Needs ``world.read``.

        :param direction: any non-zero vector (normalised here).
        :raises BadArgument: a zero direction or a distance outside [0, MAX_RAY].
        """
        port = self._port("world.raycast", Capability.WORLD_READ)
        return port.raycast(*check_ray(origin, direction, max_distance, mod_id=self.mod_id))

    def within_radius(self, centre: Any, radius: Any, kind: Any = None) -> list[int]:
        """Ids of entities (of ``kind``, if given) within ``radius`` of ``centre``, ascending.
        Needs ``world.read``.
        """
        port = self._port("world.within_radius", Capability.WORLD_READ)
        m = self.mod_id
        c = check_vec3(centre, mod_id=m, what="centre")
        r = check_distance(radius, mod_id=m, what="radius", limit=MAX_RAY)
        k = None if kind is None else check_name(kind, mod_id=m, what="kind")
        return port.within_radius(c, r, k)

    def despawn(self, entity_id: Any) -> None:
        """Remove an entity. Needs ``world.spawn``."""
        self.require(Capability.WORLD_SPAWN, "world.despawn")
        self._world.despawn(check_entity_id(entity_id, mod_id=self.mod_id))

    # -- gameplay: input, timers, HUD -----------------------------------------------------
    def _port(self, call: str, capability: Capability) -> GameplayPort:
        self.require(capability, call)
        if self._gameplay is None:
            # No gameplay bound (a bare HostAPI in a test): same answer as no grant.
            self._deny(capability, call)
        return self._gameplay

    def input_is_down(self, key: Any) -> bool:
        """Whether a key or mouse button is held this tick. Needs ``input.read``.

        :raises UnknownKey: a name outside ``BUTTON_NAMES`` (``INPUT_UNKNOWN_KEY``).
        """
        port = self._port("input.is_down", Capability.INPUT_READ)
        return port.is_down(check_button(key, mod_id=self.mod_id))

    def input_mouse(self) -> tuple[float, float]:
        """The pointer position in [-1, 1]^2 as of this tick. Needs ``input.read``."""
        return self._port("input.mouse", Capability.INPUT_READ).mouse()

    def timer_after(
        self, ticks: Any, name: Any, payload: Any = None, *, entity: int | None = None
    ) -> int | None:
        """Deliver ``on_event(ctx, event)`` named ``name`` once, ``ticks`` ticks from now, to
        the caller (``entity``'s scripts, or the mod scripts). Needs ``timers``.

        :returns: the timer id, or None when the mod has too many timers pending (one
            ``TIMER_LIMIT`` warning is reported).
        """
        return self._timer("timers.after", ticks, name, payload, entity, repeat=False)

    def timer_every(
        self, ticks: Any, name: Any, payload: Any = None, *, entity: int | None = None
    ) -> int | None:
        """Like :meth:`timer_after`, but again every ``ticks`` ticks until cancelled or the
        entity or mod goes away. Needs ``timers``."""
        return self._timer("timers.every", ticks, name, payload, entity, repeat=True)

    def _timer(
        self, call: str, ticks: Any, name: Any, payload: Any, entity: int | None, *, repeat: bool
    ) -> int | None:
        port = self._port(call, Capability.TIMERS)
        m = self.mod_id
        delay = check_ticks(ticks, mod_id=m, what="ticks")
        checked_name = check_name(name, mod_id=m, what="timer name")
        body = copy_json(payload, mod_id=m, what="timer payload")
        return port.timer_add(m, entity, delay, delay if repeat else None, checked_name, body)

    def timer_cancel(self, timer_id: Any) -> bool:
        """Cancel one of this mod's timers; True when it was pending. Needs ``timers``."""
        port = self._port("timers.cancel", Capability.TIMERS)
        return port.timer_cancel(self.mod_id, check_timer_id(timer_id, mod_id=self.mod_id))

    def ui_set_text(self, key: Any, text: Any) -> None:
        """Show ``text`` on the HUD under ``key`` (items are drawn in key order, across mods
        by mod id). Needs ``ui.write``."""
        port = self._port("ui.set_text", Capability.UI_WRITE)
        m = self.mod_id
        port.hud_set(m, check_name(key, mod_id=m, what="HUD key"), check_hud_text(text, mod_id=m))

    def ui_clear_text(self, key: Any) -> None:
        """Remove the HUD item ``key``. Needs ``ui.write``."""
        port = self._port("ui.clear_text", Capability.UI_WRITE)
        port.hud_set(self.mod_id, check_name(key, mod_id=self.mod_id, what="HUD key"), None)

    def ui_camera_target(self, target: Any) -> None:
        """Point the camera at an entity id (followed), an (x, y, z) point, or None (frame
        every entity). Needs ``ui.write``."""
        port = self._port("ui.camera_target", Capability.UI_WRITE)
        port.camera_target(self.mod_id, check_camera_target(target, mod_id=self.mod_id))

    # -- events ----------------------------------------------------------------------------
    def emit(self, name: Any, payload: Any = None, *, source_entity: int | None = None) -> None:
        """Emit an event, delivered in the events stage. Needs ``events.emit``.

        The payload is deep-copied (JSON-like values only, bounded size and depth). Metered
        per tick by count and encoded payload size.
        """
        self.require(Capability.EVENTS_EMIT, "events.emit")
        checked_name = check_name(name, mod_id=self.mod_id, what="event name")
        body = copy_json(payload, mod_id=self.mod_id, what="event payload")
        size = len(checked_name) + len(json.dumps(body))
        if self._meter.metered(Capability.EVENTS_EMIT.value, "events.emit", size):
            self._world.emit(self.mod_id, source_entity, checked_name, body)

    # -- bulk ------------------------------------------------------------------------------
    def positions_of(self, kind: Any) -> tuple[array[int], array[float]]:
        """Ids (``array('q')``) and flat ``x, y, z`` float32 positions (``array('f')``) of the
        entities of ``kind``, ascending id, both fresh copies. Needs ``world.read``.

        Cost: one call for the whole kind; O(n) copies, no per-entity host call.
        """
        self.require(Capability.WORLD_READ, "world.positions_of")
        return positions_of(self._world, check_name(kind, mod_id=self.mod_id, what="kind"))

    def set_positions_of(self, kind: Any, positions: Any) -> int:
        """Move every entity of ``kind``: ``positions`` is flat ``x, y, z`` per entity in the
        order :meth:`positions_of` returns them. Needs ``world.write``.

        :returns: how many entities were moved.
        :raises BadArgument: not a float32 ``array``/``memoryview``, a length other than three
            times the number of entities of ``kind``, or a value that is not finite.
        """
        self.require(Capability.WORLD_WRITE, "world.set_positions_of")
        checked_kind = check_name(kind, mod_id=self.mod_id, what="kind")
        flat = as_float32(positions, self.mod_id)
        ids, _ = positions_of(self._world, checked_kind)
        check_flat(flat, len(ids), checked_kind, self.mod_id)
        return set_positions_of(self._world, ids, flat, checked_kind)

    # -- storage ---------------------------------------------------------------------------
    def _store(self, call: str) -> ModStorage:
        self.require(Capability.STORAGE, call)
        if self._storage is None:
            # No store bound (e.g. a host without a data folder): same answer as no grant.
            self._deny(Capability.STORAGE, call)
        return self._storage

    def storage_get(self, key: Any) -> JSONValue:
        """A copy of the value stored under ``key`` (None if absent). Needs ``storage``."""
        store = self._store("storage.get")
        return store.get(check_storage_key(key, mod_id=self.mod_id))

    def storage_set(self, key: Any, value: Any) -> bool:
        """Store a JSON-like ``value`` under ``key``, persisted across runs. Needs ``storage``.

        :returns: False when the write was dropped because the mod flooded this tick.
        :raises StorageQuotaExceeded: the store would exceed its quota.
        """
        store = self._store("storage.set")
        checked_key = check_storage_key(key, mod_id=self.mod_id)
        body = copy_json(value, mod_id=self.mod_id, what="storage value")
        size = len(checked_key) + len(json.dumps(body))
        if not self._meter.metered(Capability.STORAGE.value, "storage.set", size):
            return False
        store.set(checked_key, body)
        self._meter.record(Capability.STORAGE.value, "storage.set", "allowed")
        return True

    def storage_delete(self, key: Any) -> bool:
        """Remove ``key``; True when it existed. Needs ``storage``; metered like a write."""
        store = self._store("storage.delete")
        checked_key = check_storage_key(key, mod_id=self.mod_id)
        if not self._meter.metered(Capability.STORAGE.value, "storage.delete", len(checked_key)):
            return False
        return store.delete(checked_key)

    def storage_keys(self) -> list[str]:
        """The stored keys, sorted (a fresh list). Needs ``storage``."""
        return self._store("storage.keys").keys()

    # -- files -----------------------------------------------------------------------------
    def read_file(self, relative: Any) -> bytes:
        """Read a file inside the mod's own folder. Needs ``fs.read``."""
        self.require(Capability.FS_READ, "fs.read")
        from ._fs import read_inside

        data = read_inside(self._mod_root, relative, mod_id=self.mod_id, max_bytes=MAX_FILE_READ)
        self._meter.record(Capability.FS_READ.value, "fs.read", "allowed")
        return data

    # -- randomness ------------------------------------------------------------------------
    def random(self) -> float:
        """A float in [0, 1) from the mod's seeded stream (no capability needed)."""
        return self._random.random()

    def randint(self, low: int, high: int) -> int:
        """An int in [low, high] from the mod's seeded stream.

        :raises BadArgument: bounds that are not ints, or ``low > high``.
        """
        if type(low) not in (int, bool) or type(high) not in (int, bool) or low > high:
            raise BadArgument(
                f"randint needs two ints with low <= high, not {low!r:.40} and {high!r:.40}",
                mod_id=self.mod_id,
                hint="pass whole numbers, the smaller first: ctx.random.randint(1, 6)",
            )
        return self._random.randint(int(low), int(high))
