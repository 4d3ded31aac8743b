"""The wall-clock limit per call: on the fast path an epoch callback judges each call by the tick
it started at (``_wasm_clock.WallClock``) instead of a deadline re-armed before every call, and
host functions read the real clock on their way back to the guest."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from host_api import WIT_HOST_SIGNATURES, DiagnosticCode, Limits
from sandbox import ScriptFault, WasmComponent, WasmEngine, load_component
from sandbox.wasm import component
from sandbox.wasm._wasm_clock import WallClock

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


def test_a_call_is_out_of_time_by_its_ticks_or_by_the_real_clock() -> None:
    source = Ticks(ticks=10)
    clock = WallClock(source, budget=60_000)  # a minute: the real clock alone never says so here
    assert not clock.expired()
    source.ticks += 60_000
    assert clock.expired()  # by the ticks
    clock.stamp()
    assert not clock.expired()
    clock.wall_deadline = 0  # the real deadline has passed, however few ticks the ticker counted
    assert clock.expired()


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
    from sandbox.wasm._wasm_clock import CLOCKS as _CLOCKS

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


@pytest.fixture
def stalled_engine() -> Iterator[WasmEngine]:
    """An engine whose epoch ticker has stopped: the extreme of what a guest calling into
    Python in a loop does to it (the ticker thread waits for the GIL, its ticks fall far behind
    the real clock). Only the real clock can stop a call then."""
    with WasmEngine(progress=False) as eng:
        eng._stop.set()
        eng._ticker.join()
        yield eng


#: on-tick calls ``tick`` forever; on-event calls it three times and returns.
_HOST_CALL_LOOP = """
  (core module $m
    (import "env" "memory" (memory 1))
    (import "host" "tick" (func $tick (result i64)))
    (func (export "init"))
    (func (export "on-tick") (param f64) (loop $l (drop (call $tick)) (br $l)))
    (func (export "on-event") (param i32 i32 i32 i32)
      (drop (call $tick)) (drop (call $tick)) (drop (call $tick))))
"""


def test_a_loop_of_host_calls_is_stopped_with_the_timeout_code(
    stalled_engine: WasmEngine, make_api: MakeApi, fast: bool
) -> None:
    text = component(_HOST_CALL_LOOP, imports=WIT_HOST_SIGNATURES, lowered=("tick",))
    api, _ = make_api(mod_id="caller")
    compiled = stalled_engine.compile(text, name="caller")
    with WasmComponent(
        stalled_engine, compiled, api, limits=SHORT, file="caller.wasm", fast=fast
    ) as comp:
        comp.on_event("few", None)  # a few host calls inside the limit: never stopped
        for _ in range(2):
            with pytest.raises(ScriptFault) as info:
                comp.on_tick(1 / 60)
            assert info.value.to_diagnostic().code == DiagnosticCode.SANDBOX_TIMEOUT
            assert info.value.to_diagnostic().mod == "caller"
            comp.on_event("few", None)  # the host goes on: a fresh instance answers
        assert comp.starts == 3
