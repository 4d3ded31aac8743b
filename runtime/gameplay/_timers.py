"""Timers: events a mod sends itself later, counted in ticks.

``ctx.timers.after(ticks, name, payload)`` fires once, ``every(ticks, ...)`` repeatedly; each
firing is delivered as ``on_event(ctx, event)`` to whoever set it only (the entity's scripts,
or the mod scripts), with ``event.source`` the mod and ``event.payload`` a private copy.

Order (the determinism contract): timers due in a tick fire in ascending due tick, then timer
id (ids grow in the order timers were set). A timer set for ``n`` ticks during tick ``t``
fires at the start of tick ``t + n``.

Lifetime: an entity's timers are cancelled when it despawns (:meth:`Timers.forget_entity`);
a mod's timers are cancelled when the mod goes away for good (:meth:`Timers.forget_mod`). A
hot reload keeps them: the mod is back before the next tick. Each mod may have at most
:data:`MAX_TIMERS_PER_MOD` pending; more are refused with one ``TIMER_LIMIT`` warning per
tick, not a fault.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from host_api import Diagnostic, DiagnosticCode, JSONValue

#: Pending timers one mod may have.
MAX_TIMERS_PER_MOD: Final = 256


@dataclass(order=True, slots=True)
class Timer:
    """One pending timer (ordered by when it fires, then id)."""

    due: int
    id: int
    mod: str = field(compare=False)
    entity: int | None = field(compare=False)
    #: Ticks between firings, or None for a one-shot timer.
    period: int | None = field(compare=False)
    name: str = field(compare=False)
    payload: JSONValue = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class Timers:
    """Every pending timer of a host, in a heap.

    :param clock: the current tick.
    :param report: where ``TIMER_LIMIT`` warnings go.
    """

    def __init__(self, clock: Callable[[], int], report: Callable[[Diagnostic], None]) -> None:
        self._clock = clock
        self._report = report
        self._heap: list[Timer] = []
        self._by_id: dict[int, Timer] = {}
        self._per_mod: dict[str, int] = {}
        self._next_id = 1
        self._warned: dict[str, int] = {}

    def add(
        self,
        mod: str,
        entity: int | None,
        delay: int,
        period: int | None,
        name: str,
        payload: JSONValue,
    ) -> int | None:
        """Schedule a timer (arguments already checked); None when the mod is at its limit."""
        if self._per_mod.get(mod, 0) >= MAX_TIMERS_PER_MOD:
            self._refuse(mod)
            return None
        timer = Timer(self._clock() + delay, self._next_id, mod, entity, period, name, payload)
        self._next_id += 1
        heapq.heappush(self._heap, timer)
        self._by_id[timer.id] = timer
        self._per_mod[mod] = self._per_mod.get(mod, 0) + 1
        return timer.id

    def _refuse(self, mod: str) -> None:
        tick = self._clock()
        if self._warned.get(mod) == tick:
            return
        self._warned[mod] = tick
        self._report(
            Diagnostic(
                code=DiagnosticCode.TIMER_LIMIT,
                severity="warning",
                message=f"timer refused: the mod already has {MAX_TIMERS_PER_MOD} timers pending",
                mod=mod,
                hint="cancel timers you no longer need, or use one every() timer instead of "
                "many after() timers",
                details={"tick": tick, "limit": MAX_TIMERS_PER_MOD},
            )
        )

    def cancel(self, mod: str, timer_id: int) -> bool:
        """Cancel a pending timer of ``mod``; True when there was one (other mods' ids: False)."""
        timer = self._by_id.get(timer_id)
        if timer is None or timer.mod != mod:
            return False
        self._drop(timer)
        return True

    def _drop(self, timer: Timer) -> None:
        # Lazy deletion: the heap entry is skipped when it comes up.
        timer.cancelled = True
        del self._by_id[timer.id]
        self._per_mod[timer.mod] -= 1

    def forget_entity(self, entity: int) -> None:
        """Cancel every timer of a despawned entity. Cost: O(pending timers)."""
        for timer in [t for t in self._by_id.values() if t.entity == entity]:
            self._drop(timer)

    def forget_mod(self, mod: str) -> None:
        """Cancel every timer of a mod that went away. Cost: O(pending timers)."""
        for timer in [t for t in self._by_id.values() if t.mod == mod]:
            self._drop(timer)

    def due(self, tick: int) -> list[Timer]:
        """Pop the timers due at or before ``tick``, in firing order; repeating ones are
        scheduled again (a copy is returned, so a handler may cancel the next firing)."""
        fired: list[Timer] = []
        heap = self._heap
        while heap and heap[0].due <= tick:
            timer = heapq.heappop(heap)
            if timer.cancelled:
                continue
            fired.append(timer)
            if timer.period is None:
                del self._by_id[timer.id]
                self._per_mod[timer.mod] -= 1
            else:
                again = Timer(
                    tick + timer.period,
                    timer.id,
                    timer.mod,
                    timer.entity,
                    timer.period,
                    timer.name,
                    timer.payload,
                )
                self._by_id[timer.id] = again
                heapq.heappush(heap, again)
        return fired

    def mods(self) -> set[str]:
        """Mods with pending timers. Cost: O(mods)."""
        return {mod for mod, count in self._per_mod.items() if count}

    def pending(self, mod: str | None = None) -> int:
        """Pending timers (of ``mod``, or all)."""
        if mod is None:
            return len(self._by_id)
        return self._per_mod.get(mod, 0)
