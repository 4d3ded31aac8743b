"""The ``ctx`` object a Python entity script receives.

Scripts get narrow facades over their mod's :class:`HostAPI`, never the API, the world or the
manifest themselves. Internals are underscored: the restricted compiler rejects any access to
underscored names, so a script cannot reach past the facade.
"""

from __future__ import annotations

from typing import Any, final

from ._api import HostAPI
from ._world_port import EntityView, Vec3


@final
class EntityHandle:
    """``ctx.entity``: the entity an entity script is running for."""

    __slots__ = ("_api", "_id", "_kind")

    def __init__(self, api: HostAPI, view: EntityView) -> None:
        self._api = api
        self._id = view.id
        self._kind = view.kind

    @property
    def id(self) -> int:
        return self._id

    @property
    def kind(self) -> str:
        return self._kind

    def _view(self) -> EntityView:
        view = self._api.get_entity(self._id)
        if view is None:
            raise LookupError(f"entity {self._id} no longer exists")
        return view

    @property
    def position(self) -> Vec3:
        return self._view().position

    @position.setter
    def position(self, value: Any) -> None:
        self._api.set_position(self._id, value)

    @property
    def velocity(self) -> Vec3:
        return self._view().velocity

    @velocity.setter
    def velocity(self, value: Any) -> None:
        self._api.set_velocity(self._id, value)

    @property
    def tags(self) -> tuple[str, ...]:
        return self._view().tags


@final
class WorldFacade:
    """``ctx.world``: query, spawn, despawn."""

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def query(self, kind: Any = None, tag: Any = None) -> list[EntityView]:
        return self._api.query(kind, tag)

    def get(self, entity_id: Any) -> EntityView | None:
        return self._api.get_entity(entity_id)

    def spawn(
        self,
        kind: Any,
        position: Any = (0.0, 0.0, 0.0),
        velocity: Any = (0.0, 0.0, 0.0),
        tags: Any = (),
    ) -> int:
        return self._api.spawn(kind, position, velocity, tags)

    def despawn(self, entity_id: Any) -> None:
        self._api.despawn(entity_id)

    def set_position(self, entity_id: Any, position: Any) -> None:
        self._api.set_position(entity_id, position)

    def set_velocity(self, entity_id: Any, velocity: Any) -> None:
        self._api.set_velocity(entity_id, velocity)


@final
class EventsFacade:
    """``ctx.events``: emit."""

    __slots__ = ("_api", "_source")

    def __init__(self, api: HostAPI, source_entity: int | None) -> None:
        self._api = api
        self._source = source_entity

    def emit(self, name: Any, payload: Any = None) -> None:
        self._api.emit(name, payload, source_entity=self._source)


@final
class FsFacade:
    """``ctx.fs``: read files inside the mod's folder."""

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def read(self, path: Any) -> bytes:
        return self._api.read_file(path)

    def read_text(self, path: Any) -> str:
        return self._api.read_file(path).decode("utf-8", errors="replace")


@final
class StorageFacade:
    """``ctx.storage``: the mod's persistent key-value store (JSON-like values, a quota)."""

    __slots__ = ("_api",)

    def __init__(self, api: HostAPI) -> None:
        self._api = api

    def get(self, key: Any) -> Any:
        return self._api.storage_get(key)

    def set(self, key: Any, value: Any) -> bool:
        return self._api.storage_set(key, value)

    def delete(self, key: Any) -> bool:
        return self._api.storage_delete(key)

    def keys(self) -> list[str]:
        return self._api.storage_keys()


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
        return self._api.randint(low, high)

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

    __slots__ = ("_api", "entity", "events", "fs", "random", "state", "storage", "world")

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

    @property
    def tick(self) -> int:
        return self._api.tick

    def log(self, message: Any) -> None:
        self._api.log(message)
