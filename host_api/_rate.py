"""Per-tick size and rate limits for the chatty host operations (log, events, storage).

A mod that floods is throttled, not crashed: the first call over budget in a tick produces one
``MOD_THROTTLED`` warning and one ``throttled`` audit record, and every further call of that
kind in the same tick is dropped without another word. Budgets reset when the world's tick
changes, so nothing has to be called at tick boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True, slots=True)
class Budget:
    """What one kind of operation may do in one tick."""

    #: Calls per tick.
    calls: int
    #: Bytes of payload per tick (message text, encoded event payload, stored value).
    bytes: int


#: Defaults per operation kind; generous for games, tight enough to stop a flood.
DEFAULT_BUDGETS: Final[dict[str, Budget]] = {
    "log": Budget(calls=64, bytes=64 * 1024),
    "events.emit": Budget(calls=256, bytes=256 * 1024),
    "storage": Budget(calls=64, bytes=256 * 1024),
}


@dataclass(slots=True)
class _Counter:
    tick: int = -1
    calls: int = 0
    bytes: int = 0
    #: True once the kind went over budget in ``tick`` (the one warning was given).
    tripped: bool = False


@dataclass(slots=True)
class TickLimiter:
    """Counts calls and bytes per operation kind within the current tick.

    Cost: O(1) per :meth:`charge`.
    """

    budgets: dict[str, Budget] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    _counters: dict[str, _Counter] = field(default_factory=dict)

    def charge(self, kind: str, nbytes: int, tick: int) -> bool | None:
        """Account for one call of ``kind`` carrying ``nbytes`` in ``tick``.

        :returns: ``True`` when the call is within budget; ``False`` when it is the first call
            over budget in this tick (the caller reports it once); ``None`` when the kind was
            already throttled this tick (the caller drops the call silently).
        """
        budget = self.budgets.get(kind)
        if budget is None:
            return True
        counter = self._counters.get(kind)
        if counter is None:  # not setdefault: that would build a _Counter on every call
            counter = self._counters[kind] = _Counter()
        if counter.tick != tick:
            counter.tick, counter.calls, counter.bytes, counter.tripped = tick, 0, 0, False
        if counter.tripped:
            return None
        if counter.calls + 1 > budget.calls or counter.bytes + nbytes > budget.bytes:
            counter.tripped = True
            return False
        counter.calls += 1
        counter.bytes += nbytes
        return True
