"""The ``events`` stage: the events queued this tick, to every mod listening.

The queue is drained in the order documented in :mod:`runtime.core._events` (senders ranked
by load order); events over :data:`~runtime.core._events.MAX_EVENTS_PER_TICK` are dropped with
one ``MOD_THROTTLED`` warning per sender. Each event goes first to the gameplay observers (the
recorder, ``runtime.testing``), then to each running mod holding ``events.listen``, in load
order, through :meth:`HookCalls.deliver <runtime.core._calls.HookCalls.deliver>`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from host_api import Diagnostic, DiagnosticCode

from ._book import ModBook
from ._calls import HookCalls
from ._events import MAX_EVENTS_PER_TICK, Event

if TYPE_CHECKING:
    from ..profile import Profiler


class EventsStage:
    """The ``events`` stage of one host.

    :param calls: the host's call path (the world, who runs, delivery).
    :param book: the load order (the senders' rank) and where dropped events are reported.
    :param observe: called with each event before any mod gets it.
    :param profiler: counts events and their delivery time, if profiling is on.
    """

    def __init__(
        self,
        calls: HookCalls,
        book: ModBook,
        observe: Callable[[Event], None],
        profiler: Profiler | None,
    ) -> None:
        self._calls = calls
        self._book = book
        self._observe = observe
        self._profiler = profiler

    def __call__(self, dt: float) -> None:
        calls, world, profiler = self._calls, self._calls.world, self._profiler
        if not len(world.events):
            return
        rank = {m: i for i, m in enumerate(self._book.order)}
        events, dropped = world.events.drain(lambda m: rank.get(m, len(rank)))
        if profiler is not None:
            profiler.count_events([e.name for e in events])
        if dropped:
            self._book.diagnostics.extend(dropped_events(dropped, world.tick))
        receivers = [i for i in calls.active() if i.listens]
        ids_by_kind: dict[str, list[int]] = {}
        for event in events:
            start = time.perf_counter_ns()
            self._observe(event)
            for instance in receivers:
                if instance.id in calls.instances and not calls.quarantined(instance.id):
                    calls.timed(instance, partial(calls.deliver, event=event, ids=ids_by_kind))
            if profiler is not None:
                profiler.event_delivered(event.name, time.perf_counter_ns() - start)


def dropped_events(dropped: dict[str, int], tick: int) -> list[Diagnostic]:
    """One ``MOD_THROTTLED`` warning per mod whose events were dropped this tick."""
    return [
        Diagnostic(
            code=DiagnosticCode.MOD_THROTTLED,
            severity="warning",
            message=f"{count} events dropped: the host queues at most "
            f"{MAX_EVENTS_PER_TICK} events per tick",
            mod=mod_id,
            hint="emit fewer events per tick (batch them into one payload)",
            details={"tick": tick, "dropped": count},
        )
        for mod_id, count in sorted(dropped.items())
    ]
