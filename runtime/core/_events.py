"""The event bus: events queued during a tick, delivered in the events stage in a fixed order.

Order (the determinism contract): events are sorted by the load-order rank of the mod that
emitted them, then by the emitting entity id (mod scripts, which have no entity, first), then
by emission order. Each event is then delivered to the receiving mods in load order, and inside
a mod to its mod scripts first and then to its entity scripts in ascending entity id.

Events emitted while the events stage delivers are queued for the next tick's events stage,
so an event can never trigger an unbounded cascade within one tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from host_api import JSONValue

#: Events kept per tick; anything above is dropped and reported once per tick.
MAX_EVENTS_PER_TICK: Final = 100_000


@dataclass(frozen=True, slots=True)
class Event:
    """What ``on_event(ctx, event)`` receives. Each receiver gets its own payload copy."""

    #: The event name, e.g. ``"coin.collected"``.
    name: str
    #: A JSON-like value.
    payload: JSONValue
    #: The id of the mod that emitted it.
    source: str
    #: The emitting entity's id, or None when a mod script emitted it.
    source_entity: int | None
    #: The tick it was emitted on.
    tick: int


@dataclass(frozen=True, slots=True)
class _Queued:
    event: Event
    seq: int


class EventQueue:
    """Events waiting for the next events stage."""

    __slots__ = ("_dropped", "_queue", "_seq")

    def __init__(self) -> None:
        self._queue: list[_Queued] = []
        self._seq = 0
        #: Events refused this tick by source mod (over :data:`MAX_EVENTS_PER_TICK`).
        self._dropped: dict[str, int] = {}

    def emit(
        self, source_mod: str, source_entity: int | None, name: str, payload: JSONValue, tick: int
    ) -> None:
        """Queue an event (the payload is already a private copy, see ``HostAPI.emit``)."""
        if len(self._queue) >= MAX_EVENTS_PER_TICK:
            self._dropped[source_mod] = self._dropped.get(source_mod, 0) + 1
            return
        self._seq += 1
        self._queue.append(
            _Queued(Event(name, payload, source_mod, source_entity, tick), self._seq)
        )

    def __len__(self) -> int:
        return len(self._queue)

    def drain(self, rank: Callable[[str], int]) -> tuple[list[Event], dict[str, int]]:
        """Take every queued event in delivery order, and how many were dropped per mod.

        :param rank: the load-order rank of a mod id (mods no longer loaded sort last).
        """
        queued, self._queue = self._queue, []
        dropped, self._dropped = self._dropped, {}
        queued.sort(
            key=lambda q: (
                rank(q.event.source),
                -1 if q.event.source_entity is None else q.event.source_entity,
                q.seq,
            )
        )
        return [q.event for q in queued], dropped


def copy_payload(value: Any) -> Any:
    """A private copy of a JSON-like payload for one receiver (already validated on emit)."""
    t = type(value)
    if t is dict:
        return {k: copy_payload(v) for k, v in value.items()}
    if t is list:
        return [copy_payload(v) for v in value]
    return value


def for_receiver(event: Event) -> Event:
    """The event as one receiver sees it: same fields, its own payload copy."""
    if type(event.payload) in (dict, list):
        return Event(
            event.name, copy_payload(event.payload), event.source, event.source_entity, event.tick
        )
    return event
