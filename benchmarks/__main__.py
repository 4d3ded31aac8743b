"""Run every benchmark module in this folder (``bench_*.py``), in name order.

Each module has ``main() -> None`` that prints its own table. Pass names to run a subset:
``python -m benchmarks world resolver`` (``-`` and ``_`` are the same: ``market-server``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def _matching(names: list[str], arg: str) -> list[str]:
    """The module an argument names exactly ('market' is not 'market-server'), else every
    module containing it."""
    key = arg.replace("-", "_")
    exact = [n for n in names if n == f"bench_{key}"]
    return exact or [n for n in names if key in n]


def main(argv: list[str]) -> None:
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    wanted = names if not argv else sorted({n for a in argv for n in _matching(names, a)})
    if not wanted:
        print("no benchmarks match", argv)
        return
    for name in wanted:
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
