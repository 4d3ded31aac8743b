"""Deterministic fuel, counted without entering a Python frame per step.

A sandbox owns one *fuel stream*: an endless C-level iterator built from ``itertools``
(``chain.from_iterable`` over ``repeat(True, k)`` chunks). Instrumented code pulls one item
per loop iteration, comprehension step and function entry (``compress(iterable, _fuel_)``
for loops, ``next(_fuel_)`` for ``while`` and calls), so an ordinary step costs one C call and
no Python frame. Only when a chunk runs dry does :meth:`Meter._refill` run, in Python: it checks
the call's budget and its deadline (CPU time, with a wall-clock backstop) and hands out the
next chunk, or an iterator that raises the tripped signal on every pull from then on.

Where the C extension ``_fuel_stream`` is built (a C compiler at install time), the stream is
its ``Stream``: one counter in C, asking :meth:`Meter._refill` for each chunk's size; loops
draw through its ``fueled(iterable, stream)``, which counts the unit in place of
``compress``'s pull through a second iterator (a loop's step and start cost about a quarter
of ``compress``'s). Counts, order and stops are the same in both.

Determinism: chunks never exceed what is left of the call's budget, so a call trips exactly
when it asks for unit ``fuel + 1``, whatever the chunking and whatever earlier calls left in
the current chunk. Only the *deadline* check depends on time, as it must.
"""

from __future__ import annotations

import functools
import gc
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from itertools import chain, compress, islice, repeat
from typing import Any, Final

from ._native import Stream, fueled
from ._rss import CHECK_EVERY, open_rss
from ._signals import DeadlineSignal, FuelSignal, LimitSignal, MemorySignal

#: New meters use the C stream (when it is built); tests turn it off to run the other.
NATIVE: bool = Stream is not None

#: Largest chunk: the most steps between two deadline checks of a fast loop.
MAX_CHUNK: Final = 1024
#: The longest a chunk should take (seconds), whatever the timeout: memory growth and the
#: deadline are checked between chunks, so a long timeout must not make them rare.
MAX_SLICE: Final = 0.002
#: First chunk of a sandbox and smallest chunk after slow steps.
MIN_CHUNK: Final = 1


#: The wall-clock backstop, as a multiple of ``timeout_ms`` plus :func:`kill_margin`.
WALL_FACTOR: Final = 4


def kill_margin(timeout_ms: int) -> float:
    """Seconds of CPU time past ``timeout_ms`` before the process tier kills a worker.

    The worker's meter stops ordinary runaway code itself at ``timeout_ms``; the margin only
    covers what the meter cannot interrupt (one long C-level operation).
    """
    return max(0.010, timeout_ms / 1000.0)


def wall_limit(timeout_ms: int) -> float:
    """Seconds of wall-clock time one call may take, whatever its CPU time: the backstop.

    ``WALL_FACTOR * (timeout_ms + kill_margin)``, e.g. 60 ms for ``timeout_ms = 5`` and 400 ms
    for 50. A call is charged CPU time (see :class:`Meter`), so on a loaded machine a call
    that waits for a core is not faulted; this limit still bounds how long any call can stall
    a tick, however starved the machine or whatever the script waits on.
    """
    return WALL_FACTOR * (timeout_ms / 1000.0 + kill_margin(timeout_ms))


class _GcPauses:
    """Time not charged to a script: garbage collection (and, in a process-tier worker,
    waiting for the host to answer), in CPU time (``cpu``) and wall-clock time (``total``).

    A full collection can pause the interpreter for longer than a 5 ms limit; charging that to
    whichever script happened to be running would fault well-behaved mods at random.
    """

    def __init__(self) -> None:
        self.total = 0.0
        self.cpu = 0.0
        self._start = 0.0
        self._cpu_start = 0.0
        #: A process-tier worker's shared progress record (index, wall start, CPU start):
        #: collection time moves the CPU start on, so the host's kill check leaves it out
        #: as the worker's meter does. ``None`` in the host.
        self.progress: Any = None

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            self._cpu_start = time.thread_time()
        else:
            self.total += time.perf_counter() - self._start
            cpu = time.thread_time() - self._cpu_start
            self.cpu += cpu
            if self.progress is not None:
                self.progress[2] += cpu


GC_PAUSES: Final = _GcPauses()
gc.callbacks.append(GC_PAUSES)


class Meter:
    """Fuel and deadline of the calls into one sandbox.

    The deadline is charged in CPU time: the time the calling thread actually ran
    (``time.thread_time``), less garbage collection. Time the thread waits (for a core on a
    loaded machine, for a host answer that blocks) is not the script's. A call trips
    ``SANDBOX_TIMEOUT`` when its CPU time passes ``timeout_ms``, or when its wall-clock time
    passes :func:`wall_limit` (the backstop), whichever comes first.

    :param fuel: units one call may use.
    :param timeout_ms: CPU milliseconds one call may use.
    :param cpu_clock: the CPU clock charged (seconds); a parameter for tests.
    :param wall_clock: the wall clock of the backstop (seconds); a parameter for tests.
    :param growth: bytes the process's resident memory may grow by within one call (the
        backstop for many small allocations, see ``_rss``); None: not checked.
    :param rss: reads the resident memory (bytes); a parameter for tests.
    :param native: use the C stream (default: :data:`NATIVE`); False for the ``itertools``
        stream.
    """

    def __init__(
        self,
        fuel: int,
        timeout_ms: int,
        *,
        cpu_clock: Callable[[], float] = time.thread_time,
        wall_clock: Callable[[], float] = time.perf_counter,
        growth: int | None = None,
        rss: Callable[[], int] | None = None,
        native: bool | None = None,
    ) -> None:
        self.fuel = fuel
        self.timeout = timeout_ms / 1000.0
        self.wall_limit = wall_limit(timeout_ms)
        self._cpu_clock = cpu_clock
        self._wall_clock = wall_clock
        #: How long a chunk should take at most; slower chunks shrink the next one.
        self._slice = min(self.timeout / 8.0, MAX_SLICE)
        self._k = min(8, fuel)
        self._tripped: LimitSignal | None = None
        self._raiser = map(self._raise, repeat(None))
        self._chunk: Iterator[bool] = iter(())
        #: The current chunk's ``__length_hint__`` (units left), bound once per chunk.
        self._left: Callable[[], int] = _NOTHING_LEFT
        self._native = NATIVE if native is None else native
        self._clock_call = -1
        self._issued = 0
        #: Fuel used before the last rebuild (so :meth:`spent` keeps counting up).
        self._retired = 0
        self._start = 0
        self._deadline = 0.0
        self._wall_deadline = 0.0
        self._gc_at_start = 0.0
        self._gc_cpu_at_start = 0.0
        self._last = 0.0
        self._growth = growth
        self._rss = (rss or _shared_rss()) if growth is not None else None
        self._rss_next = 0.0
        self._rss_base = -1
        #: The stream instrumented code pulls from; replaced after a call trips (the C
        #: stream is never replaced: a failed refill leaves it whole).
        self.stream: Iterator[bool]
        #: What a loop wraps its iterable in: ``fueled`` over the C stream, else ``compress``.
        self.loop: Callable[[Any, Iterator[bool]], Iterator[Any]]
        #: What a function's entry calls (one unit): the C stream's ``step``, else ``next``
        #: of the stream; replaced with the stream.
        self.step: Callable[[], object]
        if self._native:
            self.stream = Stream(self._next_size)
            self._left = self.stream.remaining
            self.loop = fueled
            self.step = self.stream.step  # type: ignore[attr-defined]
        else:
            self._refills = map(self._refill, repeat(None))
            self.stream = chain.from_iterable(self._refills)
            self.loop = compress
            self.step = functools.partial(next, self.stream)
        #: Incremented whenever :attr:`stream` is replaced (namespaces must be updated).
        self.generation = 0
        #: Calls begun so far (per-call accounting elsewhere resets when it changes).
        self.calls = 0

    # -- per call ----------------------------------------------------------------------------
    def begin(self) -> None:
        """Start a call: a fresh budget; the deadline starts at the call's first refill.

        Called once per hook call, so it does the least it can: the units left in the current
        chunk (counted towards this call) and the call count. The clock starts when the call
        first needs a chunk, at most one chunk into the call.
        """
        if self._tripped is not None:
            self._rebuild()
        left = self._left()
        if not left:
            self.revive()
        self._start = self._issued - left
        self.calls += 1

    def revive(self) -> None:
        """Restart the stream if an exception ended it (``_revive_``, run first in every
        ``except`` block of a script).

        The stream asks :meth:`_refill` for each chunk from C; if that call itself fails (a
        ``RecursionError`` raised by calling it at the deepest frame a script reached, which
        the script may catch), the chain drops its source and every later draw ends: loops
        would stop early without an error. The chain object is put back in place, so loops
        that hold it already go on drawing from it.
        """
        if self._native or self._left():
            return  # the C stream outlives a failed refill; a chunk is being drawn
        stream = self.stream
        with warnings.catch_warnings():
            # Python 3.12 deprecates pickling itertools; 3.14 has no __reduce__ on them.
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                if len(stream.__reduce__()) == 2:  # (chain, ()): its source is gone
                    stream.__setstate__((self._refills,))
            except (TypeError, AttributeError):  # pragma: no cover - Python 3.14
                return

    def used(self) -> int:
        """Fuel the current (or last) call has used so far."""
        return self._issued - self._left() - self._start

    def spent(self) -> int:
        """Fuel used by every call so far (the profiler subtracts two readings)."""
        return self._retired + self._issued - self._left()

    @property
    def tripped(self) -> LimitSignal | None:
        """The first limit signal of the current call, if one tripped (sticky)."""
        return self._tripped

    def trip(self, signal: LimitSignal) -> LimitSignal:
        """Record ``signal`` as the call's fault (the first one wins) and return it."""
        if self._tripped is None:
            self._tripped = signal
        return self._tripped

    def burn(self, units: int) -> None:
        """Use ``units`` of fuel at once (bulk work done in C on the script's behalf)."""
        if units > 0:
            if self._native:
                self.stream.take(units)  # type: ignore[attr-defined]
            else:
                deque(islice(self.stream, units), maxlen=0)

    # -- internals ---------------------------------------------------------------------------
    def _rebuild(self) -> None:
        self._retired += max(0, self._issued - self._left())
        self._tripped = None
        self._issued = 0
        if self._native:
            self.stream.drop()  # type: ignore[attr-defined]
            return
        self._chunk = iter(())
        self._left = _NOTHING_LEFT
        self.stream = chain.from_iterable(self._refills)
        self.step = functools.partial(next, self.stream)
        self.generation += 1

    def _refill(self, _: object) -> Iterator[bool]:
        """The ``itertools`` stream's next chunk (or the raiser once the call tripped)."""
        size = self._chunk_size()
        if not size:
            return self._raiser
        self._chunk = repeat(True, size)
        self._left = self._chunk.__length_hint__
        return self._chunk

    def _next_size(self) -> int:
        """The C stream's next chunk size; raises the call's limit signal once it tripped."""
        size = self._chunk_size()
        if not size:
            tripped = self._tripped
            assert tripped is not None
            raise type(tripped)(tripped.message, **tripped.details)
        return size

    def _chunk_size(self) -> int:
        """Called in Python once per chunk: check budget and deadline, count out the next
        chunk's units (0: the call tripped)."""
        if self._tripped is not None:
            return 0
        now = self._wall_clock()
        cpu = self._cpu_clock()
        if self._clock_call != self.calls:
            self._clock_call = self.calls
            self._deadline = cpu + self.timeout
            self._wall_deadline = now + self.wall_limit
            self._gc_at_start = GC_PAUSES.total
            self._gc_cpu_at_start = GC_PAUSES.cpu
            self._rss_next = cpu + CHECK_EVERY
            self._rss_base = -1
        elif self._late(now, cpu) or (cpu >= self._rss_next and self._grew(cpu)):
            return 0
        remain = self.fuel - (self._issued - self._start)
        if remain <= 0:
            self.trip(FuelSignal(f"the call used all its fuel ({self.fuel} units)", fuel=self.fuel))
            return 0
        self._adapt(now)
        size = min(self._k, remain)
        self._issued += size
        return size

    def _late(self, now: float, cpu: float) -> bool:
        """Trip the deadline if the call used its CPU time or ran past the wall backstop."""
        if cpu - (GC_PAUSES.cpu - self._gc_cpu_at_start) > self._deadline:
            self.trip(DeadlineSignal(_timeout_message(self.timeout), clock="cpu"))
            return True
        if now - (GC_PAUSES.total - self._gc_at_start) > self._wall_deadline:
            message = (
                f"the call took longer than its wall-clock backstop ({self.wall_limit * 1000:g} "
                f"ms, {WALL_FACTOR}x its time limit plus margin)"
            )
            self.trip(DeadlineSignal(message, clock="wall"))
            return True
        return False

    def _grew(self, cpu: float) -> bool:
        """Trip the memory limit if the call grew the process past its allowance (the first
        read of a call is its baseline)."""
        if self._rss is None or self._growth is None:
            self._rss_next = float("inf")
            return False
        self._rss_next = cpu + CHECK_EVERY
        rss = self._rss()
        if self._rss_base < 0:
            self._rss_base = rss
            return False
        grown = rss - self._rss_base
        if grown <= self._growth:
            return False
        message = (
            f"the call grew the process by about {grown >> 20} MB while it ran (many values "
            f"built at once; at most {self._growth >> 20} MB): build less per call, or keep "
            "what it needs and drop the rest as it goes"
        )
        self.trip(MemorySignal(message, grown=grown))
        return True

    def _adapt(self, now: float) -> None:
        # Chunks that took long (slow loop bodies) shrink the next one, so the deadline is
        # checked often enough; fast ones grow it, so checks stay rare. Fuel counts are
        # unaffected: only how often the Python check runs changes.
        elapsed = now - self._last if self._last else 0.0
        self._last = now
        if elapsed > self._slice:
            self._k = max(MIN_CHUNK, self._k // 8)
        elif elapsed < self._slice / 4:
            self._k = min(MAX_CHUNK, self._k * 2, self.fuel)

    def _raise(self, _: object) -> bool:
        tripped = self._tripped
        if tripped is None:
            # A loop still holding the stream of an earlier call that tripped (a generator
            # suspended then, resumed now): it draws from this call's stream instead.
            return next(self.stream)
        raise type(tripped)(tripped.message, **tripped.details)


#: One reader for the process (one kept descriptor, opened on first use).
_shared_rss: Final = functools.cache(open_rss)


def _NOTHING_LEFT() -> int:
    return 0


def _timeout_message(timeout: float) -> str:
    return f"the call used more than its CPU time limit ({timeout * 1000:g} ms)"
