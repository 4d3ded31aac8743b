"""Benchmark-suite-style pure-Python programs: sandboxed time over plain time.

Each file in ``tests/compat/benchmarks/`` defines ``run(n)``. Plain Python runs it from an
ordinary module; the sandbox runs the same, unchanged file as a mod script (in-process tier,
generous limits) through a hook ``on_tick(ctx, n)`` that calls ``run(n)``. Both take the best
of several interleaved runs in the same process, in CPU time (a loaded machine's waits are
not counted), so the ratio is measured against a baseline of the same run. Prints one line
per benchmark, then the geometric mean of the ratios.
"""

from __future__ import annotations

import math
import sys
import time
import types
from pathlib import Path

from benchmarks._timing import best_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.compat.harness import BENCH_HOOK, BENCHMARKS, Sandboxed, run_plain

#: Size passed to ``run(n)``: about 10-40 ms of plain Python each on a 2020s laptop core.
SIZES: dict[str, int] = {
    "nbody": 4000, "spectral_norm": 60, "fannkuch": 8, "nqueens": 7, "richards": 3,
    "float_bench": 20000, "pidigits": 400, "chaos": 20000, "raytrace": 40,
    "unpack_sequence": 20000, "generators_bench": 8000, "deepcopy_bench": 30,
    "hanoi_bench": 14, "pystone": 5000, "scimark_sor": 60, "scimark_monte_carlo": 100000,
    "scimark_lu": 60, "scimark_sparse": 600, "xtea": 1000, "sha256_pure": 40,
    "mandelbrot": 50, "kmeans": 150, "life_bench": 60, "coroutines_bench": 50000,
    "go_playouts": 6, "hexiom_like": 3, "deltablue_like": 3000, "dict_set_ops": 60000,
}  # fmt: skip
#: Interleaved runs of each side (the best of each is compared): the spread between whole
#: runs of this benchmark is about half of what it is at five.
RUNS = 9


def measure(path: Path) -> tuple[float, float]:
    """(plain seconds, sandboxed seconds) for one benchmark file."""
    source = path.read_text(encoding="utf-8")
    n = SIZES.get(path.stem, 100)
    module = types.ModuleType(f"bench_{path.stem}")
    sys.modules[module.__name__] = module  # dataclasses looks its module up
    exec(compile(source.replace("\nprint(", "\n0 and print("), path.name, "exec"), module.__dict__)
    run = module.run
    box = Sandboxed(source + BENCH_HOOK, path=f"scripts/{path.name}")
    plain = sandboxed = float("inf")
    try:
        box.lines()
        # Interleaved, in CPU time of this thread: a shared machine's load changes between
        # runs, and time spent waiting for a core is neither side's.
        for _ in range(RUNS):
            plain = min(plain, best_of(1, lambda: run(n), time.thread_time))  # type: ignore[operator]
            sandboxed = min(sandboxed, best_of(1, lambda: box.call(float(n)), time.thread_time))
    finally:
        box.close()
        del sys.modules[module.__name__]
    return plain, sandboxed


def main() -> dict[str, float]:
    """Print each benchmark's ratio; return their geometric mean (``compat.geomean``)."""
    print(f"{'benchmark':<22}{'plain ms':>10}{'sandbox ms':>12}{'ratio':>8}")
    ratios = []
    for path in BENCHMARKS:
        assert run_plain(path.read_text(encoding="utf-8"))  # it runs and prints as plain Python
        plain, sandboxed = measure(path)
        ratios.append(sandboxed / plain)
        print(f"{path.stem:<22}{plain * 1000:>10.2f}{sandboxed * 1000:>12.2f}{ratios[-1]:>7.2f}x")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"{len(ratios)} benchmarks, geometric mean {geo:.2f}x (max {max(ratios):.2f}x)")
    return {"compat.geomean": geo}


if __name__ == "__main__":
    main()
