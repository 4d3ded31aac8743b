"""Per-hook figures a sandbox hands to the host's profiler: calls, wall time, fuel, CPU time.

A tier records into a :class:`HookFigures` only when the host attached one
(``sandbox.figures``); the host takes what was recorded after each batch with
:meth:`HookFigures.take`. The in-process tier times runs of calls in the host's own loop; the
process tier's worker times them in its loop and sends the sums back with the batch's results
(one small dict per batch, not one entry per call), with now and then the ratio of its CPU
time to its wall time (CPU clocks cost tens of microseconds a read on some virtual machines,
so they are read rarely).
"""

from __future__ import annotations

#: ``(script path, hook)`` -> ``[calls, wall_ns, fuel]``.
HookTotals = dict[tuple[str, str], list[int]]


class HookFigures:
    """Sums per ``(script path, hook)`` since the last :meth:`take`.

    Fixed size between takes: one entry per script and hook the mod defines.
    """

    __slots__ = ("cpu_ratio", "totals")

    def __init__(self) -> None:
        self.totals: HookTotals = {}
        #: CPU time per wall time the tier last measured itself (the process tier's worker),
        #: or None: the host then uses its own thread's ratio.
        self.cpu_ratio: float | None = None

    def add(self, path: str, hook: str, wall_ns: int, fuel: int, calls: int = 1) -> None:
        """Count ``calls`` calls of ``hook`` of script ``path``."""
        entry = self.totals.get((path, hook))
        if entry is None:
            self.totals[(path, hook)] = [calls, wall_ns, fuel]
        else:
            entry[0] += calls
            entry[1] += wall_ns
            entry[2] += fuel

    def merge(self, totals: HookTotals, cpu_ratio: float | None) -> None:
        """Add sums measured elsewhere (a worker's reply)."""
        for (path, hook), (calls, wall, fuel) in totals.items():
            self.add(path, hook, wall, fuel, calls)
        if cpu_ratio is not None:
            self.cpu_ratio = min(1.0, cpu_ratio)

    def take(self) -> HookTotals:
        """What was recorded since the last take, and reset (the CPU ratio stays)."""
        out = self.totals
        self.totals = {}
        return out
