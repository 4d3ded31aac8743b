"""The process tier's worker pool: warm spares, never reused, limits applied on assignment."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from host_api import Limits, ScriptContext
from host_api.testing import recording_api
from sandbox import ProcessSandbox, ScriptFault, ScriptTimeout
from sandbox.python._pool import WorkerPool

STALL = (
    "def on_tick(ctx, dt):\n    data = [1234567] * 1000000\n"
    "    while True:\n        s = repr(data)\n"
)


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    p = WorkerPool(spares=2, max_spares=2)
    yield p
    p.close()


def _ready(pool: WorkerPool, count: int) -> None:
    """Wait (bounded) until the pool holds ``count`` booted spares."""
    give_up = time.monotonic() + 60
    pool.take().conn.close()  # wakes the pool's thread; the taken worker is discarded
    while len(pool._ready) < count:
        assert time.monotonic() < give_up, "the pool never filled"
        time.sleep(0.01)


def _ctx(mod_id: str) -> ScriptContext:
    api, world, _ = recording_api(mod_id)
    return ScriptContext(api, {}, world.add("probe", (0.0, 0.0, 0.0), owner=mod_id))


def _address_space_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            return line.split()[3]
    raise AssertionError("no address-space line")


def test_a_mod_gets_a_warm_spare_that_learns_its_limits_only_when_assigned(
    pool: WorkerPool,
) -> None:
    _ready(pool, 2)
    spare = pool._ready[0]
    # A spare has no mod yet, so no mod's limits either.
    assert _address_space_limit(spare.proc.pid) == "unlimited"
    box = ProcessSandbox("mod-a", Limits(timeout_ms=2000), pool=pool)
    module = box.load("scripts/a.py", "def on_tick(ctx, dt):\n    return 7\n")
    assert box.pid == spare.proc.pid
    assert pool.warm >= 1
    assert _address_space_limit(spare.proc.pid) != "unlimited"
    assert box.call(module, "on_tick", _ctx("mod-a"), 0.1) == 7
    box.close()


def test_workers_are_never_handed_out_twice(pool: WorkerPool) -> None:
    pids = []
    for n in range(4):
        box = ProcessSandbox(f"mod-{n}", Limits(timeout_ms=2000), pool=pool)
        box.load("scripts/s.py", "def on_tick(ctx, dt):\n    return 1\n")
        pids.append(box.pid)
        box.close()
    assert len(set(pids)) == len(pids)


def test_a_new_worker_carries_nothing_of_the_previous_mod(pool: WorkerPool) -> None:
    first = ProcessSandbox("first", Limits(timeout_ms=2000), pool=pool)
    first.load("scripts/s.py", "secret = 'first-mod-data'\n")
    first.close()
    second = ProcessSandbox("second", Limits(timeout_ms=2000), pool=pool)
    module = second.load("scripts/s.py", "def on_tick(ctx, dt):\n    return secret\n")
    with pytest.raises(ScriptFault) as info:
        second.call(module, "on_tick", _ctx("second"), 0.1)
    assert "NameError" in info.value.message
    second.close()


def test_a_killed_worker_is_replaced_by_a_never_used_one(pool: WorkerPool) -> None:
    box = ProcessSandbox("stall", Limits(timeout_ms=10), pool=pool)
    stall = box.load("scripts/stall.py", STALL)
    killed = box.pid
    with pytest.raises(ScriptTimeout):
        box.call(stall, "on_tick", _ctx("stall"), 0.1)
    ok = box.load("scripts/ok.py", "def on_tick(ctx, dt):\n    return 3\n")
    assert box.call(ok, "on_tick", _ctx("stall"), 0.1) == 3
    assert box.pid != killed
    assert box.starts == 2
    box.close()


def test_a_pool_without_spares_starts_workers_on_demand() -> None:
    pool = WorkerPool(spares=0)
    box = ProcessSandbox("cold", Limits(timeout_ms=2000), pool=pool)
    module = box.load("scripts/s.py", "def on_tick(ctx, dt):\n    return 5\n")
    assert box.call(module, "on_tick", _ctx("cold"), 0.1) == 5
    assert pool.warm == 0 and pool.taken == 1
    box.close()
    pool.close()


def test_a_rejected_script_never_reaches_a_worker(pool: WorkerPool) -> None:
    box = ProcessSandbox("bad", Limits(timeout_ms=2000), pool=pool)
    with pytest.raises(Exception) as info:
        box.load("scripts/bad.py", "x = ().__dict__\n")
    assert getattr(info.value, "code", None) == "SANDBOX_FORBIDDEN"
    assert box.pid is None and pool.taken == 0
    box.close()


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    give_up = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < give_up, what
        time.sleep(0.005)


def test_a_closed_sandbox_worker_exits_once_the_pool_is_quiet(pool: WorkerPool) -> None:
    box = ProcessSandbox("done", Limits(timeout_ms=2000), pool=pool)
    box.load("scripts/s.py", "def on_tick(ctx, dt):\n    return 1\n")
    proc = box._proc
    box.close()
    # Ended in the background, not by close itself, and never handed out again.
    _wait_until(lambda: not proc.is_alive(), "the retired worker never exited")
    assert all(w.proc is not proc for w in pool._ready)


def test_retirement_waits_while_workers_are_being_taken(
    pool: WorkerPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Quiet means no take for QUIET_S; a long one makes "recent" hold on a slow machine.
    monkeypatch.setattr("sandbox.python._pool.QUIET_S", 1.0)
    first = ProcessSandbox("first", Limits(timeout_ms=2000), pool=pool)
    first.load("scripts/s.py", "x = 1\n")
    proc = first._proc
    pool._last_take = time.monotonic()  # as if the next mod of a reload was just taken
    first.close()
    assert proc.is_alive() and pool._closing  # held while a take is recent
    _wait_until(lambda: not pool._closing and not proc.is_alive(), "never closed")


def test_a_pool_without_a_thread_ends_retired_workers_at_once() -> None:
    pool = WorkerPool(spares=0)
    box = ProcessSandbox("cold", Limits(timeout_ms=2000), pool=pool)
    box.load("scripts/s.py", "x = 1\n")
    proc = box._proc
    box.close()
    assert not pool._closing
    _wait_until(lambda: not proc.is_alive(), "the worker never saw the end of its input")
    pool.close()


def test_closing_the_pool_ends_workers_it_had_not_retired_yet(pool: WorkerPool) -> None:
    box = ProcessSandbox("late", Limits(timeout_ms=2000), pool=pool)
    box.load("scripts/s.py", "x = 1\n")
    proc = box._proc
    box.close()
    pool.close()
    assert not proc.is_alive()


def test_takes_that_never_stop_do_not_pile_up_retired_workers(
    pool: WorkerPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Never quiet (a tool reloading in a tight loop): the deferral still ends.
    monkeypatch.setattr("sandbox.python._pool.QUIET_S", 3600.0)
    monkeypatch.setattr("sandbox.python._pool.RETIRE_DEFER_S", 0.2)
    box = ProcessSandbox("looped", Limits(timeout_ms=2000), pool=pool)
    box.load("scripts/s.py", "x = 1\n")
    proc = box._proc
    box.close()
    pool._last_take = time.monotonic()
    _wait_until(lambda: not proc.is_alive(), "a retired worker waited for a quiet that never came")
    assert not pool._closing
