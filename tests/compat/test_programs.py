"""Real-style pure-Python programs run unchanged in the sandbox and print what Python prints.

Each file in ``programs/`` is ordinary Python (classes, dataclasses, enums, generators, type
hints, f-strings, the allowed standard library). It runs as a mod script's module body; its
``print()`` lines reach the mod's log. Every file runs in the in-process tier, and every
fourth one in the process tier too (a worker process costs a second or so). The files in
``benchmarks/`` (timed by ``benchmarks/bench_compat.py``) are checked the same way at the
small size their module body prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.python import _fuel, _native
from tests.compat.harness import BENCHMARKS, PROGRAMS, run_plain, run_sandboxed


def test_the_corpus_is_big_enough() -> None:
    assert len(PROGRAMS) >= 40


@pytest.mark.timeout(120)
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_program_prints_the_same_in_the_sandbox(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    expected = run_plain(source)
    assert expected, "a corpus program must print something to compare"
    assert run_sandboxed(source) == expected


@pytest.mark.timeout(120)
@pytest.mark.parametrize("path", PROGRAMS[::4], ids=lambda p: p.stem)
def test_program_prints_the_same_in_the_process_tier(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert run_sandboxed(source, tier="process") == run_plain(source)


def test_there_are_enough_benchmarks() -> None:
    assert len(BENCHMARKS) >= 25


@pytest.mark.timeout(120)
@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmark_compiles_and_runs_with_the_same_result(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert run_sandboxed(source) == run_plain(source)


@pytest.mark.parametrize("path", [*PROGRAMS, *BENCHMARKS], ids=lambda p: p.stem)
def test_without_the_c_parts_the_same_prints(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An install without a C compiler: the itertools fuel stream and the inline checks.
    monkeypatch.setattr(_fuel, "NATIVE", False)
    monkeypatch.setattr(_native, "FAST_OPS", False)
    source = path.read_text(encoding="utf-8")
    assert run_sandboxed(source) == run_plain(source)
