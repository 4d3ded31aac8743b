"""The fixed-timestep scheduler: explicit stages, a boundary between each two.

One tick runs the stages in :data:`STAGE_ORDER`. After every stage the scheduler calls the
boundary hook (the host applies the command buffer there), so what a stage spawns or despawns
is visible to the next stage and never half-way through one. The timestep is fixed
(``1 / hz``); the scheduler never reads a clock for simulation purposes, it only measures
how long each stage took, for the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import Final, Protocol


class Stage(StrEnum):
    """The stages of a tick, in order."""

    #: Input events and due timers are delivered (runtime.gameplay._gameplay).
    INPUT = "input"
    SCRIPTS = "scripts"
    COMPONENTS = "components"
    INTEGRATION = "integration"
    #: Collider overlaps: ``on_collision`` and trigger enter/exit (runtime.gameplay._gameplay).
    COLLISIONS = "collisions"
    EVENTS = "events"
    PRESENTATION = "presentation"


STAGE_ORDER: Final[tuple[Stage, ...]] = tuple(Stage)
DEFAULT_HZ: Final = 60

#: A stage's work: called with the fixed timestep ``dt`` in seconds.
StageFn = Callable[[float], None]


class TickRecorder(Protocol):
    """The profiler, as the scheduler sees it: ``stage`` is set while a stage runs (None
    between ticks), and :meth:`tick_ended` gets each stage's start and end clock readings."""

    stage: Stage | None

    def tick_ended(self, starts: list[int], ends: list[int]) -> None: ...


class Scheduler:
    """Runs registered stage functions in a fixed order, ``hz`` ticks per simulated second.

    :param hz: ticks per simulated second (the fixed timestep is ``1 / hz``).
    :param on_tick_start: called with nothing before the first stage (advances the clock).
    :param on_boundary: called after each stage (applies spawns and despawns).
    :param recorder: told about every stage and tick (the profiler), if anything.
    """

    def __init__(
        self,
        *,
        hz: int = DEFAULT_HZ,
        on_tick_start: Callable[[], object] | None = None,
        on_boundary: Callable[[Stage], object] | None = None,
        recorder: TickRecorder | None = None,
    ) -> None:
        if hz <= 0:
            raise ValueError("hz must be positive")
        self.hz: Final = hz
        self.dt: Final = 1.0 / hz
        self._on_tick_start = on_tick_start
        self._on_boundary = on_boundary
        self.recorder = recorder
        self._stages: dict[Stage, list[StageFn]] = {s: [] for s in STAGE_ORDER}
        #: Wall time spent per stage, in nanoseconds (for the report only).
        self.stage_ns: dict[Stage, int] = dict.fromkeys(STAGE_ORDER, 0)
        self.ticks = 0

    def add(self, stage: Stage, fn: StageFn) -> None:
        """Run ``fn(dt)`` in ``stage``, after the functions already registered there."""
        self._stages[stage].append(fn)

    def step(self, n: int = 1) -> None:
        """Run ``n`` whole ticks."""
        if self.recorder is not None:
            self._step_recorded(n, self.recorder)
            return
        dt = self.dt
        perf = time.perf_counter_ns
        for _ in range(n):
            if self._on_tick_start is not None:
                self._on_tick_start()
            for stage in STAGE_ORDER:
                start = perf()
                for fn in self._stages[stage]:
                    fn(dt)
                if self._on_boundary is not None:
                    self._on_boundary(stage)
                self.stage_ns[stage] += perf() - start
            self.ticks += 1

    def _step_recorded(self, n: int, recorder: TickRecorder) -> None:
        """:meth:`step`, telling ``recorder`` (a separate loop keeps the plain one lean)."""
        dt = self.dt
        perf = time.perf_counter_ns
        for _ in range(n):
            if self._on_tick_start is not None:
                self._on_tick_start()
            starts: list[int] = []
            ends: list[int] = []
            for stage in STAGE_ORDER:
                recorder.stage = stage
                start = perf()
                for fn in self._stages[stage]:
                    fn(dt)
                if self._on_boundary is not None:
                    self._on_boundary(stage)
                end = perf()
                self.stage_ns[stage] += end - start
                starts.append(start)
                ends.append(end)
            recorder.stage = None
            self.ticks += 1
            recorder.tick_ended(starts, ends)
