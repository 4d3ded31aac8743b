"""The one timer the benchmarks share."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(
    runs: int, work: Callable[[], object], clock: Callable[[], float] = time.perf_counter
) -> float:
    """Best time of ``runs`` runs of ``work`` by ``clock``, in seconds.

    The best, not the mean: on a shared machine the least disturbed run is the honest one.
    """
    best = float("inf")
    for _ in range(runs):
        start = clock()
        work()
        best = min(best, clock() - start)
    return best
