"""A store's wall-clock limit: epoch ticks for guest code, the real clock for host calls.

The engine's ticker thread counts epoch ticks; :class:`WallClock` judges each call by the tick
it started at from an epoch-deadline callback (no deadline re-armed before every call), and
host functions compare the real clock with the call's real deadline on their way back to the
guest (``_wasm_callbacks``).
"""

from __future__ import annotations

import ctypes
import struct
import time
from typing import Any, Final, Protocol, final

from ._wasm_capi import ADDRESS_SPACE, FINALIZER, SET_DEADLINE, TAGS, VP, address, prototype
from ._wasm_engine import EPOCH_INTERVAL_MS
from ._wasm_memory import new_error

#: ``wasmtime_update_deadline_kind_t``: keep running, with a new deadline.
_DEADLINE_CONTINUE: Final = 0
_EPOCH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p
)
_PACK_DEADLINE_INTO = struct.Struct("<Q").pack_into
#: Clocks alive in some store, by the ``env`` value wasmtime passes back (removed by the
#: store's finalizer).
CLOCKS: dict[int, WallClock] = {}
#: The same clocks by their store context's address, where a ``FastExport`` finds its own.
BY_CONTEXT: dict[int, WallClock] = {}
#: The text of a wall-clock trap: ``_wasm_errors`` maps "wasm trap: interrupt" to
#: ``SANDBOX_TIMEOUT``, the same as wasmtime's own epoch trap on the stock path.
TIMEOUT_MESSAGE: Final = "wasm trap: interrupt (the call ran past its wall-clock limit)"
#: The real clock calls are timed with (``perf_counter_ns``: about 50 ns, no system call).
now_ns: Final = time.perf_counter_ns
#: Nanoseconds of real time per epoch tick: a call's real budget is its tick budget in ns.
NS_PER_TICK: Final = round(EPOCH_INTERVAL_MS * 1_000_000)


class TickSource(Protocol):
    """Where the epoch ticks are counted (``WasmEngine.ticks``)."""

    ticks: int


class CallDeadline:
    """The real time the current call's budget ends at (``perf_counter_ns``). On its own:
    where a ``FastExport`` without a clock sets it (nothing reads it)."""

    __slots__ = ("wall_deadline",)

    def __init__(self) -> None:
        self.wall_deadline = 0


@final
class WallClock(CallDeadline):
    """A store's wall-clock limit without re-arming the epoch deadline before every call.

    The stock path calls ``set_epoch_deadline`` before every call (a C call each time).
    Instead, the store gets an epoch-deadline callback once; a call only notes the tick it
    started at (:meth:`stamp`, a Python attribute write). When the epoch reaches the store's
    deadline, wasmtime asks the callback, which traps if the current call has used its budget
    and otherwise moves the deadline to where this call's budget ends. The deadline therefore
    never fires later than ``budget`` ticks after the current call started; it may fire
    earlier (a deadline left over from an earlier call), which only costs one callback.

    The ticks fall behind while the guest keeps calling into Python: the ticker thread then
    waits for the GIL, about 5 ms per tick, so a loop of host calls ran for 3-5 times its
    limit. Host functions therefore compare the real clock with the call's real deadline
    when they return to the guest: ``budget`` ticks of real time after the call started
    (:meth:`expired`).

    :param source: the engine whose ticker counts the ticks.
    :param budget: ticks a call may use (``WasmEngine.deadline_ticks``).
    """

    __slots__ = ("_context", "budget", "deadline", "source", "started")

    def __init__(self, source: TickSource, budget: int) -> None:
        super().__init__()
        self.source = source
        self.budget = budget
        self.started = source.ticks
        #: The real time (``perf_counter_ns``) the current call's budget ends at.
        self.wall_deadline = now_ns() + budget * NS_PER_TICK
        #: The tick the store's epoch deadline was last set to (as this clock counts ticks);
        #: never later than ``started + budget``.
        self.deadline = self.started + budget
        self._context = 0

    def stamp(self) -> None:
        """The current call starts now."""
        self.started = self.source.ticks
        self.wall_deadline = now_ns() + self.budget * NS_PER_TICK

    def left(self) -> int:
        """Ticks the current call has left (0 or less: out of time)."""
        return self.budget - (self.source.ticks - self.started)

    def expired(self) -> bool:
        """Whether the current call has used its budget, by the real clock or by the ticks."""
        return now_ns() >= self.wall_deadline or self.source.ticks - self.started >= self.budget

    def install(self, store: Any) -> None:
        """Put this clock in charge of ``store``'s epoch deadline (once per store)."""
        tag = next(TAGS)
        CLOCKS[tag] = self
        self._context = address(store._context())
        BY_CONTEXT[self._context] = self
        _SET_EPOCH_CALLBACK(address(store.ptr()), _ON_DEADLINE, tag, _FORGET_CLOCK)
        self.restart(self.budget)

    def forget(self) -> None:
        """The store is gone: a later store at the same address finds its own clock."""
        if BY_CONTEXT.get(self._context) is self:
            del BY_CONTEXT[self._context]

    def restart(self, budget: int) -> None:
        """Give calls from now on ``budget`` ticks, and set the store's deadline to match:
        after instantiation's longer budget, a deadline left where it was would let the next
        call run far past its own limit."""
        self.budget = budget
        self.stamp()
        SET_DEADLINE(self._context, budget)
        self.deadline = self.started + budget

    def extend(self) -> int:
        """At the store's deadline: ticks until this call's budget ends (0 or less: trap)."""
        left = self.left()
        if left > 0:
            self.deadline = self.source.ticks + left
        return left


@_EPOCH_CALLBACK
def _on_deadline(_context, env, delta, kind):  # type: ignore[no-untyped-def]
    try:
        left = CLOCKS[env].extend()
        if left <= 0:
            return new_error(TIMEOUT_MESSAGE)
        _PACK_DEADLINE_INTO(ADDRESS_SPACE, delta, left)
        ADDRESS_SPACE[kind] = _DEADLINE_CONTINUE
        return 0
    except BaseException:  # ctypes would swallow it; an unknown store must not run on
        return new_error(TIMEOUT_MESSAGE)


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _forget_clock(env):  # type: ignore[no-untyped-def]
    clock = CLOCKS.pop(env, None)
    if clock is not None:
        clock.forget()


_ON_DEADLINE = _on_deadline
_FORGET_CLOCK = _forget_clock
_SET_EPOCH_CALLBACK = prototype(
    "wasmtime_store_epoch_deadline_callback", None, VP, _EPOCH_CALLBACK, VP, FINALIZER
)
