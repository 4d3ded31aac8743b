"""Keeping data is free: the per-tick cost of a mod holding a 400,000-entry table.

The same mod script in each tier, once holding a 400,000-entry lookup table (built in its
module body, about 43 MB by the sandbox's count, under a 64 MB limit) and once holding an
empty one; the ratio of their per-tick costs is the price of keeping data (goal: under 1 ms
more per tick). For reference, the last column times one whole walk over the table: what
every tick of a mod script paid before the walk became incremental.
"""

from __future__ import annotations

import time

from host_api import Limits, ScriptContext
from host_api.testing import recording_api
from sandbox import create_sandbox
from sandbox.python._memory import retained_bytes

from ._timing import best_of

TABLE_MOD = """
TABLE = {{i: i * 3 for i in range({n})}}
def on_tick(ctx, dt):
    ctx.state["v"] = TABLE.get(ctx.state.get("v", 0) % 1000, 0)
"""
ENTRIES = 400_000
LIMITS = Limits(fuel=3_000_000, timeout_ms=10_000, memory_mb=64)
TICKS = 300
RUNS = 5


def _per_tick(tier: str, n: int) -> float:
    """Best-of seconds per tick of the mod script holding an ``n``-entry table."""
    api, _, _ = recording_api("bench-retained")
    with create_sandbox("bench-retained", LIMITS, tier=tier) as sandbox:
        module = sandbox.load("scripts/table.py", TABLE_MOD.format(n=n))
        ctx = ScriptContext(api, {}, None)

        def ticks() -> None:
            for _ in range(TICKS):
                sandbox.call(module, "on_tick", ctx, 1 / 60)

        ticks()  # warm up (and, in the process tier, start the worker)
        return best_of(RUNS, ticks) / TICKS


def _full_walk() -> float:
    table = {i: i * 3 for i in range(ENTRIES)}
    return best_of(3, lambda: retained_bytes([table], 1 << 40), time.perf_counter)


def main() -> None:
    print(
        f"{'tier':<10} {'empty ms':>9} {'400k ms':>9} {'added ms':>9} {'ratio':>6} "
        f"{'old walk ms':>12}"
    )
    walk = _full_walk()
    for tier in ("inprocess", "process"):
        empty = _per_tick(tier, 0)
        full = _per_tick(tier, ENTRIES)
        print(
            f"{tier:<10} {empty * 1e3:9.3f} {full * 1e3:9.3f} {(full - empty) * 1e3:9.3f} "
            f"{full / empty:6.2f} {walk * 1e3:12.1f}"
        )


if __name__ == "__main__":
    main()
