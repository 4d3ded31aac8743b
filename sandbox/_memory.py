"""How much memory a mod keeps: an incremental walk over its module data and ``ctx.state``.

Walking everything a mod keeps after each call costs in proportion to what it keeps: a mod
holding a 400,000-entry table paid a 0.2-0.4 s walk every tick without changing a byte of it.
Here the walk is spread over calls instead, and each call pays for as much of it as the work
it did could have changed (:meth:`RetainedWalk.earn`): a base per call, one object per
:data:`FUEL_PER_VISIT` units of fuel it used, and a share of the big allocations it made. A
mod that keeps data and does little pays little, however much it keeps.

One *pass* starts from the roots (module globals, the ``ctx.state`` dicts seen since the
last pass started) and visits what is reachable through script data, each object once,
counting ``sys.getsizeof``: containers, strings, numbers, and the defaults and closures of
the script's own functions; builtins and host objects are not the mod's and are not counted.
A pass that counts past the limit stops the mod (``SANDBOX_MEMORY_LIMIT``) at once, without
finishing; a finished pass starts the next one on a later call. Data a mod adds to a
container the current pass has already looked at is counted by the next pass, so growth is
caught within about one pass, and a bomb that grows in big steps much sooner (big
allocations earn the walk credit, and every single value is bounded by the allocation guards
as it is made). The process tier adds the OS's own address-space limit as a backstop.

Cost per visit is one ``getsizeof`` and, only for objects referenced from more than one
place, one set lookup: a value held once cannot be met twice in a pass, so the walk remembers
only shared objects (and so never holds a set as large as the data).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from types import FunctionType
from typing import Any, Final

#: Objects one chunk of walking visits at least; calls earn credit until a chunk is due.
CHUNK: Final = 256
#: Credit a mod-script call or module body earns (a chunk per call: they run once per tick).
MOD_CALL_CREDIT: Final = CHUNK
#: Credit an entity call earns (a chunk every 64 calls of a kind with many entities).
ENTITY_CALL_CREDIT: Final = CHUNK // 64
#: Units of fuel that earn one visit.
FUEL_PER_VISIT: Final = 4
#: Bytes of big allocations (see ``_guards.BIG_ALLOCATION``) that earn one visit: as many
#: visits as the smallest objects (about 32 bytes) those bytes could have held.
BYTES_PER_VISIT: Final = 32
#: A container's elements cost one visit per this many when they are queued (done in C).
QUEUED_PER_VISIT: Final = 64
#: Credit kept at most between calls (a burst of cheap calls cannot save up a long stall).
MAX_CREDIT: Final = 256 * CHUNK

_CONTAINERS: Final = (dict, list, tuple, set, frozenset)
_LEAVES: Final = (str, bytes, int, float, bool, complex, type(None))
#: ``sys.getrefcount`` of an object held once (its holder, the walk's local, the call's arg).
_HELD_ONCE: Final = 3


class RetainedWalk:
    """The incremental walk of one sandbox's retained data (see the module docs).

    :param limit: bytes the mod may keep (its ``memory_mb``).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        #: Visits earned and not yet spent.
        self.credit = 0
        #: Bytes the last finished pass counted (0 before the first one finishes).
        self.last_total = 0
        #: Passes finished so far.
        self.passes = 0
        #: Objects visited so far, over every pass (what the walk has cost).
        self.visits = 0
        self._stack: list[Any] = []
        self._seen: set[int] = set()
        self._total = 0
        self._states: dict[int, dict[str, Any]] = {}

    def earn(self, visits: int) -> bool:
        """Add credit; True when a chunk is due (call :meth:`step`)."""
        self.credit = min(MAX_CREDIT, self.credit + visits)
        return self.credit >= CHUNK

    def note_state(self, ctx: Any) -> None:
        """Count ``ctx.state`` from the next pass on (the latest state of each ``ctx``: a
        process-tier worker gets a fresh copy of each state every tick)."""
        state = getattr(ctx, "state", None)
        if type(state) is dict:
            self._states[id(ctx)] = state

    def reset(self) -> None:
        """Forget the pass in progress (after a fault, or when the module data is dropped)."""
        self._stack.clear()
        self._seen.clear()
        self._total = 0
        self._states.clear()
        self.credit = 0

    def step(self, roots: Callable[[], Iterable[Any]]) -> int | None:
        """Spend the credit walking; the bytes counted if the pass went past the limit.

        :param roots: called when a pass starts: the module data to walk from.
        :returns: None while within the limit; otherwise the bytes counted so far (the pass
            is then forgotten: the next one starts afresh).
        """
        if not self._stack:
            self._start(roots)
        budget = max(self.credit, CHUNK)
        self.credit = 0
        used = self._walk(budget)
        if self._total > self.limit:
            total = self._total
            self.reset()
            return total
        if not self._stack:
            self.last_total = self._total
            self.passes += 1
            self._total = 0
            self._seen.clear()
        else:
            self.credit = max(0, budget - used)
        return None

    def _start(self, roots: Callable[[], Iterable[Any]]) -> None:
        self._stack.extend(roots())
        self._stack.extend(self._states.values())
        self._states.clear()
        self._seen.clear()
        self._total = 0

    def _walk(self, budget: int) -> int:
        """Visit up to ``budget`` objects (queuing a container's elements costs a share)."""
        stack, seen, limit = self._stack, self._seen, self.limit
        getsize, refcount = sys.getsizeof, sys.getrefcount
        total = self._total
        used = 0
        while stack and used < budget and total <= limit:
            obj = stack.pop()
            used += 1
            if refcount(obj) > _HELD_ONCE:
                key = id(obj)
                if key in seen:
                    continue
                seen.add(key)
            t = type(obj)
            if t in _LEAVES:
                total += getsize(obj)
            elif t is dict:
                total += getsize(obj)
                stack.extend(obj.keys())
                stack.extend(obj.values())
                used += 2 * len(obj) // QUEUED_PER_VISIT
            elif t in _CONTAINERS:
                total += getsize(obj)
                stack.extend(obj)
                used += len(obj) // QUEUED_PER_VISIT
            elif t is FunctionType:
                total += getsize(obj)
                stack.extend(obj.__defaults__ or ())
                stack.extend((obj.__kwdefaults__ or {}).values())
                stack.extend(c.cell_contents for c in obj.__closure__ or () if _filled(c))
        self._total = total
        self.visits += used
        return used


def retained_bytes(roots: Iterable[Any], limit: int) -> int:
    """Bytes reachable from ``roots`` through script data, in one go; stops past ``limit``.

    The whole walk at once (tests and tools); sandboxes use :class:`RetainedWalk`.
    """
    walk = RetainedWalk(limit)
    walk.credit = sys.maxsize
    listed = list(roots)
    walk._start(lambda: listed)
    walk._walk(sys.maxsize)
    return walk._total


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True
