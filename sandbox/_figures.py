"""Per-hook figures a sandbox hands to the host's profiler: calls, wall time, fuel, CPU time.

A tier records into a :class:`HookFigures` only when the host attached one
(``sandbox.figures``); the host takes what was recorded after each batch with
:meth:`HookFigures.take`. The in-process tier times each call in the host's own loop; the
process tier's worker times each call and its own CPU clock, and sends the sums back with the
batch's results, so what crosses the pipe is one small dict per batch, not one entry per call.
"""

from __future__ import annotations

#: ``(script path, hook)`` -> ``[calls, wall_ns, fuel]``.
HookTotals = dict[tuple[str, str], list[int]]


class HookFigures:
    """Sums per ``(script path, hook)`` since the last :meth:`take`.

    Fixed size between takes: one entry per script and hook the mod defines.
    """

    __slots__ = ("cpu_ns", "totals")

    def __init__(self) -> None:
        self.totals: HookTotals = {}
        #: CPU time the tier measured itself (the process tier's worker), or None: the host
        #: then shares its own CPU time among the hooks by their wall time.
        self.cpu_ns: int | None = None

    def add(self, path: str, hook: str, wall_ns: int, fuel: int, calls: int = 1) -> None:
        """Count ``calls`` calls of ``hook`` of script ``path``."""
        entry = self.totals.get((path, hook))
        if entry is None:
            self.totals[(path, hook)] = [calls, wall_ns, fuel]
        else:
            entry[0] += calls
            entry[1] += wall_ns
            entry[2] += fuel

    def merge(self, totals: HookTotals, cpu_ns: int | None) -> None:
        """Add sums measured elsewhere (a worker's reply)."""
        for (path, hook), (calls, wall, fuel) in totals.items():
            self.add(path, hook, wall, fuel, calls)
        if cpu_ns is not None:
            self.cpu_ns = (self.cpu_ns or 0) + cpu_ns

    def take(self) -> tuple[HookTotals, int | None]:
        """What was recorded since the last take, and reset."""
        out = self.totals, self.cpu_ns
        self.totals = {}
        self.cpu_ns = None
        return out
