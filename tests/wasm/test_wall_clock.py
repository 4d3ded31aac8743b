"""The wall-clock limit per call: on the fast path an epoch callback judges each call by the tick
it started at (``_wasm_fast.WallClock``) instead of a deadline re-armed before every call."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from host_api import DiagnosticCode, Limits
from sandbox import ScriptFault, WasmComponent, WasmEngine, load_component
from sandbox.wasm._wasm_fast import WallClock

from .conftest import MakeApi

#: A short wall clock (20 ms) and fuel too large to run out first.
SHORT = Limits(fuel=10**10, memory_mb=16, timeout_ms=20)


@dataclass
class Ticks:
    """A tick source the test advances by hand."""

    ticks: int = 0


def test_wall_clock_counts_from_the_current_call() -> None:
    source = Ticks(ticks=100)
    clock = WallClock(source, budget=5)
    assert clock.left() == 5
    source.ticks = 103
    assert clock.left() == 2
    source.ticks = 105
    assert clock.left() == 0  # out of time: the callback traps
    clock.stamp()  # a new call: its own full budget, whatever earlier calls used
    assert clock.left() == 5
    source.ticks = 1_000
    assert clock.left() == -890
    clock.budget = 2_000  # the budget of the next phase (instantiation -> the mod's limit)
    assert clock.left() == 1_105


def test_idle_time_between_calls_is_not_charged(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, fast: bool
) -> None:
    # The deadline set for an earlier call has long passed when the next call starts: the
    # callback must judge the new call by its own start, not the stale deadline.
    api, _ = make_api()
    path = components["reloadable"]
    with load_component(engine, path, api, limits=SHORT, file="c.wasm", fast=fast) as comp:
        for _ in range(3):
            time.sleep(0.08)  # four timeouts of idle time
            comp.on_tick(1 / 60)
            comp.on_event("idle", None)
            comp.restore(bytes(4))  # the exports called the stock way stamp the clock too
            assert comp.snapshot() == bytes(4)
        calls = 0
        started = time.monotonic()
        while time.monotonic() - started < 0.1:  # many quick calls spanning five timeouts
            comp.on_tick(1 / 60)
            calls += 1
        assert comp.starts == 1 and calls > 0


def test_a_runaway_call_after_idle_time_still_times_out(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, fast: bool
) -> None:
    api, _ = make_api(mod_id="looper")
    path = components["bomb_loop"]
    with load_component(engine, path, api, limits=SHORT, file="loop.wasm", fast=fast) as comp:
        for _ in range(2):
            comp.on_event("start", None)  # returns at once; after a trap: a fresh instance
            _check_deadline(engine, comp)
            time.sleep(0.05)
            with pytest.raises(ScriptFault) as info:
                comp.on_tick(1 / 60)
            assert info.value.to_diagnostic().code == DiagnosticCode.SANDBOX_TIMEOUT
            if fast:
                assert comp._clock is None  # the store went with the trap
        assert comp.starts == 2


def _check_deadline(engine: WasmEngine, comp: WasmComponent) -> None:
    """After (re)start, the store's deadline is the mod's limit from now, not instantiation's
    longer one (which would let the first call after a start run for seconds)."""
    clock = comp._clock
    if comp.fast:
        assert clock is not None
        assert clock.budget == engine.deadline_ticks(comp.limits.timeout_ms)
        assert clock.deadline <= clock.started + clock.budget


def test_dropped_stores_release_their_clocks(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi
) -> None:
    from sandbox.wasm._wasm_fast import _CLOCKS

    before = len(_CLOCKS)
    api, _ = make_api(mod_id="looper")
    limits = Limits(fuel=10**10, memory_mb=16, timeout_ms=5)
    with load_component(
        engine, components["bomb_loop"], api, limits=limits, file="loop.wasm"
    ) as comp:
        assert len(_CLOCKS) == before + 1
        for _ in range(3):  # every timeout drops the store; the next call makes a new one
            with pytest.raises(ScriptFault):
                comp.on_tick(1 / 60)
            assert len(_CLOCKS) == before
        assert comp.starts == 3
    assert len(_CLOCKS) == before
