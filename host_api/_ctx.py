"""The ``ctx`` object a Python entity script receives.

Scripts get narrow facades over their mod's :class:`HostAPI`, never the API, the world or the
manifest themselves. Internals are underscored: the sandbox's compiler rejects any access to
underscored names, so a script cannot reach past the facade. Each facade is per mod (the
runtime builds one ``ScriptContext`` per entity of a mod), so a script that rebinds a
facade's attribute changes only its own mod.

Everything a facade returns is a value (ints, floats, strings, tuples, frozen
:class:`EntityView` copies) or a fresh copy. Exceptions a host function raises are passed to
the script only when they are mod faults (:class:`ModhostError`, which carry strings and
codes); anything else is a host bug, wrapped in :class:`HostCallFailed`, which a script can
neither catch nor inspect, and which the sandbox re-raises as the original error.
"""

from __future__ import annotations

from typing import Any, Final, final

from ._api import HostAPI
from ._capabilities import Capability
from ._errors import ModhostError
from ._values import PLAIN_SCALARS, check_plain
from ._world_port import EntityView, Vec3

#: Exceptions a host call may pass to the script unchanged.
_PASS: Final = (ModhostError, RecursionError, MemoryError)


class HostCallFailed(BaseException):
    """A host function called from a script failed with a host bug; ``original`` is the error.

    A ``BaseException`` so the script's ``except Exception`` cannot catch it (nor read the host
    objects its arguments may hold). The sandbox unwraps it at its boundary.
    """

    def __init__(self, original: BaseException) -> None:
        super().__init__(f"{type(original).__name__}: {original}")
        self.original = original


@final
class EntityHandle:
    """``ctx.entity``: the entity an entity script is running for.

    The hot path of most scripts (read the position, write it back) skips the general
    ``HostAPI`` path when it may: the capability is looked up once (a mod's grants never
    change), and a write of three finite floats goes straight to the world. Anything else
    (a denied capability, another value type) takes the full ``HostAPI`` call, with its checks,
    audit record and error.
    """

    __slots__ = ("_api", "_id", "_kind", "_read", "_world", "_write")

    def __init__(self, api: HostAPI, view: EntityView) -> None:
        self._api = api
        self._id = view.id
        self._kind = view.kind
        # Only the real HostAPI has a world port; other APIs (the process tier's worker side)
        # always take the general path.
        direct = isinstance(api, HostAPI)
        self._world = api._world if direct else None
        self._read = direct and Capability.WORLD_READ in api.granted
        self._write = direct and Capability.WORLD_WRITE in api.granted

    @property
    def id(self) -> int:
        return self._id

    @property
    def kind(self) -> str:
        return self._kind

    def _view(self) -> EntityView:
        try:
            view = self._world.get(self._id) if self._read else self._api.get_entity(self._id)  # type: ignore[union-attr]
        except _PASS:
            raise
        except Exception as exc:
            raise HostCallFailed(exc) from None
        if view is None:
            raise LookupError(f"entity {self._id} no longer exists")
        return view

    @property
    def position(self) -> Vec3:
        return self._view().position

    @position.setter
    def position(self, value: Any) -> None:
        try:
            if self._write and _finite_floats(value):
                self._world.set_position(self._id, value)  # type: ignore[union-attr]
            else:
                _plain(self._api.set_position, (value,))
                self._api.set_position(self._id, value)
        except _PASS:
            raise
        except Exception as exc:
            raise HostCallFailed(exc) from None

    @property
    def velocity(self) -> Vec3:
        return self._view().velocity

    @velocity.setter
    def velocity(self, value: Any) -> None:
        try:
            if self._write and _finite_floats(value):
                self._world.set_velocity(self._id, value)  # type: ignore[union-attr]
            else:
                _plain(self._api.set_velocity, (value,))
                self._api.set_velocity(self._id, value)
        except _PASS:
            raise
        except Exception as exc:
            raise HostCallFailed(exc) from None

    @property
    def tags(self) -> tuple[str, ...]:
        return self._view().tags


def _plain(call: Any, args: tuple[Any, ...]) -> None:
    for arg in args:
        if type(arg) not in PLAIN_SCALARS:
            api = getattr(call, "__self__", None)
            name = getattr(call, "__name__", "a host call")
            check_plain(args, mod_id=getattr(api, "mod_id", ""), what=f"ctx ({name})")
            return


def _finite_floats(value: Any) -> bool:
    """A tuple of exactly three finite floats (what ``check_vec3`` would return unchanged)."""
    if type(value) is not tuple or len(value) != 3:
        return False
    x, y, z = value
    # x - x is 0.0 for finite floats and nan for inf and nan.
    return (
        type(x) is float
        and type(y) is float
        and type(z) is float
        and x - x == 0.0
        and y - y == 0.0
        and z - z == 0.0
    )


def _host(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a host call; host bugs become :class:`HostCallFailed` (mod faults pass through).

    Arguments must be plain data: the host never runs a script's own methods.
    """
    _plain(call, args)
    try:
        return call(*args, **kwargs)
    except _PASS:
        raise
    except Exception as exc:
        raise HostCallFailed(exc) from None


@final
class WorldFacade:
    """``ctx.world``: query, spawn, despawn."""

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def query(self, kind: Any = None, tag: Any = None) -> list[EntityView]:
        return _host(self._api.query, kind, tag)  # type: ignore[no-any-return]

    def get(self, entity_id: Any) -> EntityView | None:
        return _host(self._api.get_entity, entity_id)  # type: ignore[no-any-return]

    def spawn(
        self,
        kind: Any,
        position: Any = (0.0, 0.0, 0.0),
        velocity: Any = (0.0, 0.0, 0.0),
        tags: Any = (),
        collider: Any = None,
    ) -> int:
        return _host(self._api.spawn, kind, position, velocity, tags, collider)  # type: ignore[no-any-return]

    def set_collider(self, entity_id: Any, collider: Any) -> None:
        _host(self._api.set_collider, entity_id, collider)

    def raycast(self, origin: Any, direction: Any, max_distance: Any = 100.0) -> list[Any]:
        """Hits (``hit.entity``, ``hit.distance``) nearest first."""
        return _host(self._api.raycast, origin, direction, max_distance)  # type: ignore[no-any-return]

    def within_radius(self, centre: Any, radius: Any, kind: Any = None) -> list[int]:
        return _host(self._api.within_radius, centre, radius, kind)  # type: ignore[no-any-return]

    def despawn(self, entity_id: Any) -> None:
        _host(self._api.despawn, entity_id)

    def set_position(self, entity_id: Any, position: Any) -> None:
        _host(self._api.set_position, entity_id, position)

    def set_velocity(self, entity_id: Any, velocity: Any) -> None:
        _host(self._api.set_velocity, entity_id, velocity)


@final
class EventsFacade:
    """``ctx.events``: emit."""

    __slots__ = ("_api", "_source")

    def __init__(self, api: HostAPI, source_entity: int | None) -> None:
        self._api = api
        self._source = source_entity

    def emit(self, name: Any, payload: Any = None) -> None:
        _plain(self._api.emit, (name, payload))
        try:
            self._api.emit(name, payload, source_entity=self._source)
        except _PASS:
            raise
        except Exception as exc:
            raise HostCallFailed(exc) from None


@final
class FsFacade:
    """``ctx.fs``: read files inside the mod's folder."""

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def read(self, path: Any) -> bytes:
        return _host(self._api.read_file, path)  # type: ignore[no-any-return]

    def read_text(self, path: Any) -> str:
        data: bytes = _host(self._api.read_file, path)
        return data.decode("utf-8", errors="replace")


@final
class StorageFacade:
    """``ctx.storage``: the mod's persistent key-value store (JSON-like values, a quota)."""

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def get(self, key: Any) -> Any:
        return _host(self._api.storage_get, key)

    def set(self, key: Any, value: Any) -> bool:
        return _host(self._api.storage_set, key, value)  # type: ignore[no-any-return]

    def delete(self, key: Any) -> bool:
        return _host(self._api.storage_delete, key)  # type: ignore[no-any-return]

    def keys(self) -> list[str]:
        return _host(self._api.storage_keys)  # type: ignore[no-any-return]


@final
class InputFacade:
    """``ctx.input``: keys and mouse buttons held this tick, and the pointer (``input.read``).

    Key presses also arrive as events (``input.key_down``, ``input.key_up``,
    ``input.mouse_move``, ``input.mouse_down``, ``input.mouse_up``) through ``on_event``.
    """

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def is_down(self, key: Any) -> bool:
        return _host(self._api.input_is_down, key)  # type: ignore[no-any-return]

    def mouse(self) -> tuple[float, float]:
        return _host(self._api.input_mouse)  # type: ignore[no-any-return]


@final
class TimersFacade:
    """``ctx.timers``: events to oneself later (``timers``); an entity's timers end with it."""

    __slots__ = ("_api", "_entity")

    def __init__(self, api: HostAPI, entity: int | None) -> None:
        self._api = api
        self._entity = entity

    def after(self, ticks: Any, name: Any, payload: Any = None) -> int | None:
        return _host(self._api.timer_after, ticks, name, payload, entity=self._entity)  # type: ignore[no-any-return]

    def every(self, ticks: Any, name: Any, payload: Any = None) -> int | None:
        return _host(self._api.timer_every, ticks, name, payload, entity=self._entity)  # type: ignore[no-any-return]

    def cancel(self, timer_id: Any) -> bool:
        return _host(self._api.timer_cancel, timer_id)  # type: ignore[no-any-return]


@final
class UiFacade:
    """``ctx.ui``: HUD text items and the camera target (``ui.write``)."""

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def set_text(self, key: Any, text: Any) -> None:
        _host(self._api.ui_set_text, key, text)

    def clear_text(self, key: Any) -> None:
        _host(self._api.ui_clear_text, key)

    def camera_target(self, target: Any) -> None:
        _host(self._api.ui_camera_target, target)


@final
class RandomFacade:
    """``ctx.random``: the mod's seeded, deterministic stream."""

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def random(self) -> float:
        return self._api.random()

    def uniform(self, low: float, high: float) -> float:
        return float(low) + (float(high) - float(low)) * self._api.random()

    def randint(self, low: int, high: int) -> int:
        return _host(self._api.randint, low, high)  # type: ignore[no-any-return]

    def choice(self, seq: Any) -> Any:
        items = list(seq)
        if not items:
            raise IndexError("choice from an empty sequence")
        return items[self._api.randint(0, len(items) - 1)]


@final
class ScriptContext:
    """The ``ctx`` argument of every hook.

    :param api: the mod's host API.
    :param state: the per-entity (or per-mod) state dict, kept across ticks and reloads.
    :param entity: the entity this call is for; None in a mod script.
    """

    __slots__ = (
        "_api",
        "entity",
        "events",
        "fs",
        "input",
        "random",
        "state",
        "storage",
        "timers",
        "ui",
        "world",
    )

    def __init__(
        self, api: HostAPI, state: dict[str, Any], entity: EntityView | None = None
    ) -> None:
        self._api = api
        self.state = state
        self.entity = None if entity is None else EntityHandle(api, entity)
        self.world = WorldFacade(api)
        self.events = EventsFacade(api, None if entity is None else entity.id)
        self.fs = FsFacade(api)
        self.random = RandomFacade(api)
        self.storage = StorageFacade(api)
        self.input = InputFacade(api)
        self.timers = TimersFacade(api, None if entity is None else entity.id)
        self.ui = UiFacade(api)

    @property
    def tick(self) -> int:
        return self._api.tick

    def log(self, message: Any) -> None:
        _host(self._api.log, message)

    def _entity_view(self) -> EntityView | None:
        """Host side only: the entity's current view, read without a capability check.

        The process tier ships it to the worker as the call's snapshot (the worker checks
        ``world.read`` before the script may read it, as the facade would here).
        """
        handle = self.entity
        if handle is None:
            return None
        return self._api._world.get(handle._id)

    def _source_entity(self) -> int | None:
        """Host side only: the entity events from this context are attributed to."""
        return self.events._source
