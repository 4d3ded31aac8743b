"""The always-on profiler: where every tick went, per stage, per mod and per hook.

The host drives a :class:`Profiler` through a narrow interface (:class:`TickRecorder` for the
scheduler, :meth:`Profiler.mod_done` after each mod's share of a stage). What it keeps:

- per tick, in rolling windows (numpy rings sized to the longest trend window, so memory is
  fixed however long the run): the tick's wall time, each stage's, each mod's wall and CPU
  time;
- per ``(mod, script, hook)`` for the whole run: calls, wall time, CPU time, fuel (one entry
  per hook a mod defines, so bounded by the mods loaded);
- events emitted per name (at most :data:`MAX_EVENT_NAMES` names, the rest counted as one),
  host calls per capability (read from each mod's host API), garbage-collector pauses;
- the cold start, step by step.

CPU time: the thread CPU clock is read once every :data:`CPU_EVERY` ticks (a read can cost
tens of microseconds on a virtual machine), and each hook's CPU time is its wall time times
the CPU/wall ratio of the ticks in that interval; a process-tier worker measures its own
ratio now and then (``sandbox.HookFigures``), used for that mod's hooks instead.

Figures are informational: nothing here feeds the simulation, so ``world_hash`` never
depends on them (budgets, :mod:`runtime.profile._budgets`, may, and are off by default).
"""

from __future__ import annotations

import gc
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import numpy as np

from ..core import STAGE_ORDER, Stage

#: Distinct event names counted; later names share one ``(other)`` bucket.
MAX_EVENT_NAMES: Final = 256
#: The pseudo-hook standing for a mod's time outside its hooks (building ctx objects,
#: crossing to a worker and back, applying results).
HOST_SIDE: Final = "(host)"
#: The cold-start steps, in order.
STARTUP_STEPS: Final = (
    "discovery",
    "planning",
    "signature checks",
    "compile",
    "worker start",
    "on_load",
    "first tick",
)
_HOST_KEY: Final = ("", HOST_SIDE)
#: Ticks between two reads of the thread CPU clock.
CPU_EVERY: Final = 60


class TraceSink(Protocol):
    """Where a trace goes (``_trace``): the profiler calls these as things happen."""

    def stage(self, stage: str, start_ns: int, end_ns: int, tick: int) -> None: ...

    def mod_slice(
        self, mod: str, stage: str, start_ns: int, end_ns: int, hooks: list[HookSample]
    ) -> None: ...

    def instant(self, name: str, at_ns: int, args: dict[str, Any]) -> None: ...

    def tick(self, tick: int, tick_ns: int, stages: list[int], mods: dict[str, int]) -> None: ...


@dataclass(slots=True)
class HookSample:
    """One hook's figures within one mod slice."""

    mod: str
    stage: str
    path: str
    hook: str
    calls: int
    wall_ns: int
    fuel: int
    cpu_ns: int | None


@dataclass(slots=True)
class HookTotal:
    """One hook's figures over the run."""

    mod: str
    path: str
    hook: str
    stage: str
    calls: int = 0
    wall_ns: int = 0
    cpu_ns: int = 0
    fuel: int = 0


@dataclass(slots=True, eq=False)  # identity: gc.callbacks membership and removal
class GcPauses:
    """Garbage-collector pauses seen by this process (``gc.callbacks``)."""

    count: int = 0
    total_ns: int = 0
    max_ns: int = 0
    _start: int = 0
    on_pause: Callable[[int, int], None] | None = field(default=None, repr=False)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter_ns()
        if phase == "start":
            self._start = now
            return
        pause = now - self._start
        self.count += 1
        self.total_ns += pause
        self.max_ns = max(self.max_ns, pause)
        if self.on_pause is not None:
            self.on_pause(self._start, now)


class Profiler:
    """Per-tick accounting in bounded rolling windows (see the module docstring).

    :param hz: ticks per simulated second (sizes the windows).
    :param windows_s: trend windows in simulated seconds; twice the longest sizes the rings
        (36,000 ticks at 60 Hz for the default 5 minutes: about 2.3 MB, plus 0.6 MB a mod).
    :param trace: where slices and instants go as they happen (``run --trace``), if anywhere;
        closed with the profiler.
    """

    def __init__(
        self, *, hz: int, windows_s: tuple[float, ...] = (5.0, 60.0, 300.0), trace: Any = None
    ) -> None:
        self.hz: Final = hz
        self.windows_s: Final = tuple(sorted(windows_s)) or (5.0,)
        # Two of the longest window: its latest and the one before it, for the trend delta.
        self.capacity: Final = max(2, round(2 * max(self.windows_s) * hz))
        self.trace: TraceSink | None = trace
        # Rings are written through array.array (an item store is a few times cheaper than
        # numpy's) and read through numpy views of the same memory.
        self._tick_ring, self.tick_ns = _ring(self.capacity)
        self._stage_ring, flat = _ring(self.capacity * len(STAGE_ORDER))
        self.stage_ns = flat.reshape(self.capacity, len(STAGE_ORDER))
        self._mod_rings: dict[str, tuple[array[int], array[int]]] = {}
        self._mod_wall: dict[str, np.ndarray[Any, Any]] = {}
        self._mod_cpu: dict[str, np.ndarray[Any, Any]] = {}
        #: Ticks recorded so far (the ring's write position is ``ticks % capacity``).
        self.ticks = 0
        self.total_tick_ns = 0
        #: Per ``(mod, stage)``: per ``(script, hook)`` (see :attr:`hooks`).
        self._buckets: dict[tuple[str, str], dict[tuple[str, str], HookTotal]] = {}
        #: Events drained from the queue, and the time delivering them took, per name.
        self.events: dict[str, int] = {}
        self.events_ns: dict[str, int] = {}
        self.startup_ms: dict[str, float] = dict.fromkeys(STARTUP_STEPS, 0.0)
        self.gc = GcPauses()
        self.reloads_ms: list[float] = []
        #: Called with the number of ticks recorded after every tick (budgets, trends).
        self.listeners: list[Callable[[int], None]] = []
        #: The stage running now (the scheduler sets it), None outside ticks.
        self.stage: Stage | None = None
        self._cpu_mark = 0
        self._since_cpu_ns = 0
        self._cpu_ratio = 1.0
        self._tick_wall: dict[str, int] = {}
        self._tick_cpu: dict[str, int] = {}
        self._capability: Callable[[], dict[str, dict[str, int]]] = dict
        self._tick_of: Callable[[], int] = lambda: self.ticks

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, *, tick: Callable[[], int], capability_calls: Callable[[], Any]) -> None:
        """Begin counting GC pauses; ``tick`` and ``capability_calls`` read the host."""
        self._tick_of = tick
        self._capability = capability_calls
        if self.trace is not None:
            self.gc.on_pause = self._gc_slice
        if self.gc not in gc.callbacks:
            gc.callbacks.append(self.gc)

    def close(self) -> None:
        """Stop counting GC pauses and close the trace (the profiler owns it). Idempotent."""
        if self.gc in gc.callbacks:
            gc.callbacks.remove(self.gc)
        close = getattr(self.trace, "close", None)
        if close is not None:
            close()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one cold-start step (added to what the step already took)."""
        start = time.perf_counter_ns()
        try:
            yield
        finally:
            self.add_startup(name, time.perf_counter_ns() - start)

    def add_startup(self, name: str, ns: int) -> None:
        self.startup_ms[name] = self.startup_ms.get(name, 0.0) + ns / 1e6

    # -- the scheduler's recorder ----------------------------------------------------------------
    def tick_ended(self, starts: list[int], ends: list[int]) -> None:
        """Store the tick's row in the rings and tell the listeners."""
        row = self.ticks % self.capacity
        stages_ns = [e - s for s, e in zip(starts, ends, strict=True)]
        tick_ns = sum(stages_ns)
        self._since_cpu_ns += tick_ns
        if not self.ticks % CPU_EVERY:
            cpu = time.thread_time_ns()
            if self._since_cpu_ns > 0 and self._cpu_mark:
                self._cpu_ratio = min(1.0, (cpu - self._cpu_mark) / self._since_cpu_ns)
            self._cpu_mark, self._since_cpu_ns = cpu, 0
        self._tick_ring[row] = tick_ns
        stage_ring, base = self._stage_ring, row * len(stages_ns)
        for k, ns in enumerate(stages_ns):
            stage_ring[base + k] = ns
        self.total_tick_ns += tick_ns
        wall, cpu_of = self._tick_wall, self._tick_cpu
        for mod, (wall_ring, cpu_ring) in self._mod_rings.items():
            wall_ring[row] = wall.get(mod, 0)
            cpu_ring[row] = cpu_of.get(mod, 0)
        if self.trace is not None:
            tick = self._tick_of()
            for stage, start, end in zip(STAGE_ORDER, starts, ends, strict=True):
                self.trace.stage(stage.value, start, end, tick)
            self.trace.tick(tick, tick_ns, stages_ns, dict(wall))
        wall.clear()
        cpu_of.clear()
        self.ticks += 1
        for listener in self.listeners:
            listener(self.ticks)

    # -- the host's hooks --------------------------------------------------------------------------
    def mod_done(self, mod: str, start_ns: int, end_ns: int, figures: Any) -> None:
        """A mod's share of the current stage ran from ``start_ns`` to ``end_ns``.

        :param figures: the mod's ``sandbox.HookFigures`` (emptied here), or None.
        Cost: a few dict updates per hook the mod ran (this runs for every mod every tick).
        """
        wall = end_ns - start_ns
        stage = self.stage
        name = "load" if stage is None else stage.value
        bucket = self._buckets.get((mod, name))
        if bucket is None:
            bucket = self._new_bucket(mod, name)
        ratio = self._cpu_ratio
        trace = self.trace
        samples: list[HookSample] | None = None if trace is None else []
        inside = cpu_sum = 0
        totals = None if figures is None else figures.totals
        if totals:
            own = figures.cpu_ratio
            hook_ratio = ratio if own is None else own
            for key, (calls, ns, fuel) in totals.items():
                total = bucket.get(key)
                if total is None:
                    total = bucket[key] = HookTotal(mod, key[0], key[1], name)
                cpu = int(ns * hook_ratio)
                total.calls += calls
                total.wall_ns += ns
                total.cpu_ns += cpu
                total.fuel += fuel
                inside += ns
                cpu_sum += cpu
                if samples is not None:
                    samples.append(HookSample(mod, name, key[0], key[1], calls, ns, fuel, cpu))
            totals.clear()
        rest = wall - inside
        if rest > 0:
            cpu = int(rest * ratio)
            total = bucket[_HOST_KEY]
            total.wall_ns += rest
            total.cpu_ns += cpu
            cpu_sum += cpu
            if samples is not None:
                samples.append(HookSample(mod, name, "", HOST_SIDE, 0, rest, 0, cpu))
        if stage is not None:  # on_load and on_reload run outside any tick
            self._tick_wall[mod] = self._tick_wall.get(mod, 0) + wall
            self._tick_cpu[mod] = self._tick_cpu.get(mod, 0) + cpu_sum
        if trace is not None and samples is not None:
            trace.mod_slice(mod, name, start_ns, end_ns, samples)

    def _new_bucket(self, mod: str, stage: str) -> dict[tuple[str, str], HookTotal]:
        if mod not in self._mod_rings:
            (wall, wall_view), (cpu, cpu_view) = _ring(self.capacity), _ring(self.capacity)
            self._mod_rings[mod] = (wall, cpu)
            self._mod_wall[mod], self._mod_cpu[mod] = wall_view, cpu_view
        bucket = self._buckets[(mod, stage)] = {_HOST_KEY: HookTotal(mod, "", HOST_SIDE, stage)}
        return bucket

    @property
    def hooks(self) -> dict[tuple[str, str, str, str], HookTotal]:
        """Every hook's figures over the run, by ``(mod, stage, script, hook)`` (the host-side
        entries only once they have time)."""
        return {
            (mod, stage, path, hook): total
            for (mod, stage), bucket in self._buckets.items()
            for (path, hook), total in bucket.items()
            if total.wall_ns
        }

    def count_events(self, names: Iterator[str] | list[str]) -> None:
        events = self.events
        for name in names:
            if name not in events and len(events) >= MAX_EVENT_NAMES:
                name = "(other)"
            events[name] = events.get(name, 0) + 1

    def event_delivered(self, name: str, ns: int) -> None:
        """Time spent delivering one event (all its receivers), by name (capped as above)."""
        if name not in self.events_ns and len(self.events_ns) >= MAX_EVENT_NAMES:
            name = "(other)"
        self.events_ns[name] = self.events_ns.get(name, 0) + ns

    def instant(self, name: str, args: dict[str, Any]) -> None:
        """A fault, a reload, a budget overrun: an instant event in the trace."""
        if self.trace is not None:
            self.trace.instant(name, time.perf_counter_ns(), {"tick": self._tick_of(), **args})

    def reloaded(self, ms: float) -> None:
        self.reloads_ms.append(ms)
        del self.reloads_ms[:-1000]

    def _gc_slice(self, start_ns: int, end_ns: int) -> None:
        if self.trace is not None:
            self.trace.instant("gc", start_ns, {"pause_us": (end_ns - start_ns) / 1e3})

    # -- reading ---------------------------------------------------------------------------------
    def last(self, n: int, ring: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
        """The last ``n`` ticks' values of ``ring`` (default: tick time), oldest first."""
        data = self.tick_ns if ring is None else ring
        n = min(n, self.ticks, self.capacity)
        if n <= 0:
            return data[:0]
        end = self.ticks % self.capacity
        idx = (np.arange(end - n, end)) % self.capacity
        return data[idx]

    def window(self, n: int, *, offset: int = 0) -> Window | None:
        """Summary of ``n`` ticks ending ``offset`` ticks ago, or None if not recorded."""
        if n <= 0 or self.ticks < n + offset or n + offset > self.capacity:
            return None
        end = (self.ticks - offset) % self.capacity
        idx = np.arange(end - n, end) % self.capacity
        mods = {m: (self._mod_wall[m][idx], self._mod_cpu[m][idx]) for m in sorted(self._mod_wall)}
        return Window(self.tick_ns[idx], self.stage_ns[idx], mods)

    def mods(self) -> list[str]:
        return sorted(self._mod_wall)

    def mod_series(self, mod: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """A mod's wall and CPU ns per tick over every tick still kept, oldest first."""
        return self.last(self.ticks, self._mod_wall[mod]), self.last(self.ticks, self._mod_cpu[mod])

    def capability_calls(self) -> dict[str, dict[str, int]]:
        return self._capability()


def _ring(size: int) -> tuple[array[int], np.ndarray[Any, Any]]:
    """A zeroed ring of ``size`` int64 and a numpy view of it."""
    ring = array("q", bytes(8 * size))
    return ring, np.frombuffer(ring, dtype=np.int64)


@dataclass(frozen=True)
class Window:
    """Some consecutive ticks' figures, in ns."""

    tick_ns: np.ndarray[Any, Any]
    stage_ns: np.ndarray[Any, Any]
    #: Per mod: (wall ns per tick, CPU ns per tick).
    mods: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]

    def mod_p95_ms(self, mod: str) -> float:
        wall = self.mods.get(mod)
        return 0.0 if wall is None else float(np.percentile(wall[0], 95)) / 1e6

    def mod_cpu_p95_ms(self, mod: str) -> float:
        pair = self.mods.get(mod)
        return 0.0 if pair is None else float(np.percentile(pair[1], 95)) / 1e6

    def mod_share(self, mod: str) -> float:
        pair = self.mods.get(mod)
        total = int(self.tick_ns.sum())
        return 0.0 if pair is None or total <= 0 else float(pair[0].sum()) / total

    def tick_p95_ms(self) -> float:
        return float(np.percentile(self.tick_ns, 95)) / 1e6 if len(self.tick_ns) else 0.0
