"""Run every benchmark module in this folder (``bench_*.py``), in name order.

Each module has ``main()`` that prints its own table; a module that returns
``{name: ratio}`` has those ratios compared with ``benchmarks/baseline.json`` (see
:mod:`benchmarks._check`). Pass names to run a subset: ``python -m benchmarks world resolver``
(``-`` and ``_`` are the same: ``market-server``; an exact name selects only that module).

``--check``: run only the benchmarks that report ratios (or the named ones) and exit 1 when a
ratio regressed by more than its threshold. ``--record``: write the measured ratios as the new
baseline.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from benchmarks._check import judge, load_baseline, record

#: Modules that return ratios (what ``--check`` runs when no names are given).
RATIO_MODULES = ("bench_compat", "bench_profile", "bench_world")


def _matching(names: list[str], arg: str) -> list[str]:
    """The module an argument names exactly ('market' is not 'market-server'), else every
    module containing it."""
    key = arg.replace("-", "_")
    exact = [n for n in names if n == f"bench_{key}"]
    return exact or [n for n in names if key in n]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    write = "--record" in argv
    names_asked = [a for a in argv if not a.startswith("--")]
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if (check or write) and not names_asked:
        names = [n for n in names if n in RATIO_MODULES]
    wanted = (
        names if not names_asked else sorted({n for a in names_asked for n in _matching(names, a)})
    )
    if not wanted:
        print("no benchmarks match", names_asked)
        return 2
    measured: dict[str, float] = {}
    for name in wanted:
        print(f"\n== {name} ==", flush=True)
        ratios = importlib.import_module(f"benchmarks.{name}").main()
        if isinstance(ratios, dict):
            measured.update(ratios)
    if not measured:
        return 0
    verdicts = judge(measured, load_baseline())
    print("\n== ratios against benchmarks/baseline.json ==")
    for verdict in verdicts:
        print(verdict.line())
    if write:
        record(measured)
        print("recorded as the new baseline")
    regressed = [v.name for v in verdicts if v.regressed]
    if check and regressed:
        print(f"regressed: {', '.join(regressed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
