"""Timeouts charge CPU time, with a wall-clock backstop: a loaded machine does not fault a
small hook, and a runaway script is still stopped in both tiers."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe

import pytest

from host_api import EntityView, Limits
from host_api.testing import FakeWorld
from sandbox import ScriptFault, ScriptTimeout
from sandbox.python._fuel import GC_PAUSES, Meter, wall_limit
from sandbox.python._remote_api import RemoteAPI
from sandbox.python._signals import DeadlineSignal

from .conftest import make_rig, stepping_clock

TIERS = ["inprocess", "process"]


_clock = stepping_clock


def _per_unit_meter(cpu_clock: Callable[[], float], wall_clock: Callable[[], float]) -> Meter:
    """A meter (5 ms timeout) that reads its clocks on every fuel unit, never adapting."""
    meter = Meter(10**6, 5, cpu_clock=cpu_clock, wall_clock=wall_clock)
    meter._k = 1  # one refill (one clock reading) per unit
    meter._adapt = lambda now: None  # type: ignore[method-assign]
    return meter


def _pull(meter: Meter, units: int) -> None:
    meter.begin()
    for _ in range(units):
        next(meter.stream)


def test_time_the_thread_did_not_run_is_not_charged() -> None:
    # 5 ms of CPU allowed; the wall clock runs 100x faster than the CPU clock (a starved
    # thread). 40 refills take 40 ms of wall time but only 0.4 ms of CPU: no timeout, where
    # a wall-clock limit would have tripped at 5 ms.
    meter = _per_unit_meter(_clock(0.00001), _clock(0.001))
    _pull(meter, 40)
    assert meter.tripped is None


def test_cpu_time_past_the_limit_trips_sandbox_timeout() -> None:
    meter = _per_unit_meter(_clock(0.001), _clock(0.001))
    with pytest.raises(DeadlineSignal) as info:
        _pull(meter, 100)
    assert info.value.details["clock"] == "cpu"
    assert "CPU time limit (5 ms)" in info.value.message


def test_the_wall_clock_backstop_still_bounds_a_call() -> None:
    # No CPU time at all (a call that only waits), yet the call ends at the backstop.
    meter = _per_unit_meter(lambda: 0.0, _clock(0.01))
    with pytest.raises(DeadlineSignal) as info:
        _pull(meter, 100)
    assert info.value.details["clock"] == "wall"
    assert wall_limit(5) == pytest.approx(0.060)


@pytest.mark.parametrize("tier", TIERS)
def test_a_runaway_loop_still_ends_with_sandbox_timeout(tier: str) -> None:
    r = make_rig(limits=Limits(timeout_ms=20, fuel=10**9), tier=tier)
    module = r.load("def on_tick(ctx, dt):\n    n = 0\n    while True:\n        n += 1\n")
    with pytest.raises(ScriptTimeout) as info:
        r.tick(module)
    assert info.value.code == "SANDBOX_TIMEOUT"
    r.sandbox.close()


class _SlowWorld(FakeWorld):
    """A host whose queries wait (say, on a disk or a lock) without using CPU."""

    def query(self, *, kind: str | None = None, tag: str | None = None) -> list[EntityView]:
        time.sleep(0.025)
        return super().query(kind=kind, tag=tag)


@pytest.mark.parametrize("tier", TIERS)
def test_waiting_on_a_slow_host_answer_is_not_charged(tier: str) -> None:
    # Two answers of 25 ms each: 50 ms of waiting against a 20 ms limit. None of it is the
    # script's CPU time, and it stays far inside the backstop (160 ms).
    r = make_rig(limits=Limits(timeout_ms=20), tier=tier, world=_SlowWorld())
    module = r.load(
        "def on_tick(ctx, dt):\n    a = ctx.world.query()\n    b = ctx.world.query()\n"
        "    return len(a) + len(b)\n"
    )
    assert r.tick(module) == 2
    r.sandbox.close()


class _PausingWorld(FakeWorld):
    """Answers a query, then has the OS stop the calling worker for a while (as a machine
    with no free core would), and resume it."""

    pid = 0
    paused = threading.Event()

    def query(self, *, kind: str | None = None, tag: str | None = None) -> list[EntityView]:
        os.kill(self.pid, signal.SIGSTOP)
        threading.Timer(0.1, self._resume).start()
        return super().query(kind=kind, tag=tag)

    def _resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)
        self.paused.set()


def test_a_worker_without_a_core_is_not_killed_for_it() -> None:
    # The worker gets no CPU for 100 ms in the middle of a call with a 20 ms limit: a
    # wall-clock kill (40 ms) would have fired; the CPU clock did not move, and 100 ms is
    # inside the backstop (160 ms).
    world = _PausingWorld()
    r = make_rig(limits=Limits(timeout_ms=20), tier="process", world=world)
    module = r.load("def on_tick(ctx, dt):\n    return len(ctx.world.query()) + 1\n")
    world.pid = r.sandbox.pid  # type: ignore[attr-defined]
    assert r.tick(module) == 2
    assert world.paused.wait(10)
    assert r.sandbox.starts == 1  # type: ignore[attr-defined]
    r.sandbox.close()


def test_a_c_level_stall_is_killed_for_its_cpu_time() -> None:
    r = make_rig(limits=Limits(timeout_ms=10), tier="process")
    stall = r.load(
        "def on_tick(ctx, dt):\n    data = [1234567] * 1000000\n    while True:\n"
        "        s = repr(data)\n"
    )
    with pytest.raises(ScriptFault) as info:
        r.tick(stall)
    assert info.value.code == "SANDBOX_TIMEOUT"
    assert info.value.details["killed"] is True
    assert info.value.details["clock"] in {"cpu", "wall"}
    r.sandbox.close()


def _answering_pipe() -> tuple[Connection, threading.Thread]:
    """A worker's end of a pipe whose host end answers every rpc with ``("ret", None)``."""
    worker, host = Pipe()

    def serve() -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                host.recv()
                host.send(("ret", None, 0.0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return worker, thread


def test_an_rpc_round_trip_is_excused_from_the_cpu_clock_within_the_excused_wait() -> None:
    # Pickling 4 MB and pushing it through the pipe is the process tier's cost, not the
    # script's: it is taken off both the worker's meter and the host's kill check.
    conn, _ = _answering_pipe()
    progress = [0.0, 0.0, 0.0]
    api = RemoteAPI(conn, "m", progress, timeout_ms=1000)
    # A collection during the round trip would add its own pause to the counter.
    gc.disable()
    try:
        before = GC_PAUSES.cpu
        api._rpc("storage_get", b"x" * (4 << 20))
        excused_cpu = GC_PAUSES.cpu - before
    finally:
        gc.enable()
    assert excused_cpu > 0.0
    assert progress[2] == pytest.approx(excused_cpu)
    assert excused_cpu <= progress[1]  # never more CPU than the wall-clock time excused
    conn.close()


def test_an_rpc_past_the_excusable_budget_is_charged_in_full() -> None:
    conn, _ = _answering_pipe()
    progress = [0.0, 0.0, 0.0]
    api = RemoteAPI(conn, "m", progress, timeout_ms=1000)
    api._rpc("storage_get", 1)  # the call's first rpc sets its budget
    api._excusable = 0.0  # the call already had its host time excused
    before, cpu_start = GC_PAUSES.cpu, progress[2]
    api._rpc("storage_get", b"x" * (4 << 20))
    assert GC_PAUSES.cpu == before
    assert progress[2] == cpu_start
    conn.close()


def test_a_workers_collection_time_moves_the_cpu_start_the_host_kills_by() -> None:
    # The worker's meter leaves garbage collection out; so must the host's kill check, or a
    # long full collection in a call under its limit gets the worker killed.
    progress = [0.0, 0.0, 0.0]
    GC_PAUSES.progress = progress
    try:
        before = GC_PAUSES.cpu
        garbage = [[i] for i in range(200_000)]
        for item in garbage:
            item.append(item)  # cycles: only the collector frees them
        del garbage, item
        gc.collect()
        assert progress[2] > 0.0
        assert progress[2] == pytest.approx(GC_PAUSES.cpu - before)
    finally:
        GC_PAUSES.progress = None
