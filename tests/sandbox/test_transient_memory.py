"""Many small values built within one call: the process's resident memory is the backstop.

No guard sizes an allocation of a few KiB, and the retained-memory walk only sees what a mod
keeps; a call that builds a hundred thousand small lists and drops them is bounded by its
CPU time alone. The meter reads the resident set size every half millisecond of a call's CPU
time and trips ``SANDBOX_MEMORY_LIMIT`` once the call grew it past the limit plus slack.
"""

from __future__ import annotations

import pytest

from host_api import DiagnosticCode, Limits
from sandbox import ScriptFault
from sandbox.python._fuel import Meter
from sandbox.python._rss import CHECK_EVERY, open_rss, release_free_memory, transient_slack
from sandbox.python._signals import MemorySignal

from .conftest import make_rig, stepping_clock

TIERS = ["inprocess", "process"]
#: A generous clock and fuel: only the memory backstop can stop these calls.
LIMITS = Limits(fuel=5_000_000, timeout_ms=20_000, memory_mb=16)
MB = 1 << 20

needs_rss = pytest.mark.skipif(open_rss() is None, reason="no /proc/self/statm here")


def _meter(rss: list[int], growth: int = 32 * MB) -> tuple[Meter, list[int]]:
    """A meter refilling on every unit, its CPU clock a quarter check apart per read; the
    resident size is ``rss[0]``, and each read is counted in the returned list."""
    reads = [0]

    def measure() -> int:
        reads[0] += 1
        return rss[0]

    meter = Meter(
        10**6, 10_000, cpu_clock=stepping_clock(CHECK_EVERY / 4), growth=growth, rss=measure
    )
    meter._k = 1
    meter._adapt = lambda now: None  # type: ignore[method-assign]
    return meter, reads


def test_a_call_that_grows_the_process_past_its_allowance_trips_the_memory_limit() -> None:
    rss = [500 * MB]
    meter, reads = _meter(rss)
    meter.begin()
    for _ in range(40):
        next(meter.stream)
    assert meter.tripped is None and reads[0] > 0  # the baseline and checks were read
    rss[0] += 32 * MB  # exactly the allowance: still fine
    for _ in range(40):
        next(meter.stream)
    assert meter.tripped is None
    rss[0] += 1 * MB
    with pytest.raises(MemorySignal) as info:
        for _ in range(40):
            next(meter.stream)
    assert info.value.details["grown"] == 33 * MB
    assert "33 MB" in info.value.message and "at most 32 MB" in info.value.message


def test_growth_counts_from_each_calls_own_baseline() -> None:
    # A host that grew between calls (or a call that kept what it built) is not charged to
    # the next call: each call's first read is its baseline.
    rss = [500 * MB]
    meter, _ = _meter(rss)
    for _ in range(3):
        meter.begin()
        for _ in range(40):
            next(meter.stream)
        rss[0] += 30 * MB
        for _ in range(40):
            next(meter.stream)
        assert meter.tripped is None
        rss[0] += 30 * MB  # between calls


def test_a_short_call_never_reads_the_resident_size() -> None:
    rss = [500 * MB]
    meter, reads = _meter(rss)
    meter.begin()
    for _ in range(3):  # under two checks' worth of CPU time
        next(meter.stream)
    assert reads[0] == 0


def test_without_an_allowance_nothing_is_read() -> None:
    reads = [0]

    def measure() -> int:
        reads[0] += 1
        return 0

    meter = Meter(10**6, 10_000, cpu_clock=stepping_clock(CHECK_EVERY), rss=measure)
    meter._k = 1
    meter.begin()
    for _ in range(50):
        next(meter.stream)
    assert reads[0] == 0 and meter.tripped is None


def test_the_slack_grows_with_the_limit() -> None:
    assert transient_slack(16) == 16 * MB
    assert transient_slack(256) == 128 * MB


SMALL_VALUES = [
    "l = [list(range(400)) for _ in range(100000)]",
    "l = [[0] * 500 for _ in range(100000)]",
    "l = [b' ' * 4000 for _ in range(100000)]",
    "l = []\nfor i in range(10**6):\n    l.append((i, i, i, i))",
    "l = [set(range(300)) for _ in range(100000)]",
    "s = {1}\nfor i in range(40):\n    s = {*s, *(j + len(s) for j in s)}",
]


@needs_rss
@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("body", SMALL_VALUES)
def test_many_small_values_in_one_call_are_stopped(tier: str, body: str) -> None:
    source = "def on_tick(ctx, dt):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    source += "    return 0\n"
    # The backstop counts the process's growth: memory earlier tests freed but the allocator
    # kept would be reused first, unseen (the host hands it back after large compiles).
    release_free_memory()
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        module = rig.load(source)
        with pytest.raises(ScriptFault) as info:
            rig.tick(module)
        assert info.value.code is DiagnosticCode.SANDBOX_MEMORY_LIMIT
        # The host goes on: the next call of the same mod runs.
        ok = rig.load("def on_tick(ctx, dt):\n    return sum(range(10))\n", "scripts/ok.py")
        assert rig.tick(ok) == 45
    finally:
        rig.sandbox.close()


@needs_rss
@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", TIERS)
def test_building_and_dropping_under_the_limit_runs(tier: str) -> None:
    # Eight megabytes of small lists at a time, built and dropped fifty times in one call.
    source = (
        "def on_tick(ctx, dt):\n"
        "    total = 0\n"
        "    for _ in range(50):\n"
        "        block = [list(range(100)) for _ in range(2000)]\n"
        "        total += len(block)\n"
        "    return total\n"
    )
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        module = rig.load(source)
        assert rig.tick(module) == 100_000
    finally:
        rig.sandbox.close()


@needs_rss
def test_free_memory_the_allocator_kept_is_handed_back() -> None:
    rss = open_rss()
    assert rss is not None
    # A fragmented heap: many small blocks, one in 64 kept, the rest freed in place.
    blocks = [[i] * 100 for i in range(300_000)]
    kept = blocks[::64]
    del blocks
    before = rss()
    release_free_memory()
    assert rss() < before - 100 * MB
    assert len(kept) == 4688


def test_compiling_a_large_script_hands_its_peak_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # A large script's syntax trees peak at tens of MB or more, freed when it is compiled;
    # the allocator keeps much of them resident unless told.
    from sandbox.python import _compiler

    calls: list[int] = []
    monkeypatch.setattr(_compiler, "release_free_memory", lambda: calls.append(1))
    line = "x{} = f(a, b.c, d[e]) + g(a)\n"
    large = "".join(line.format(i) for i in range(700))  # 21 KB
    assert len(large) > _compiler.TRIM_AFTER_BYTES
    assert _compiler.check_script(large, "scripts/large.py").ok
    assert calls == [1]
    assert _compiler.check_script("x = 1\n" * 100, "scripts/small.py").ok
    assert calls == [1]
