"""The process tier: same scripts, same codes; the host kills a worker stuck in C work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from host_api import Limits, ModFault
from host_api.testing import FakeWorld
from sandbox import (
    MemoryLimitExceeded,
    ScriptFault,
    ScriptModule,
    ScriptRejected,
    ScriptTimeout,
)
from sandbox.audit import ATTACKS
from sandbox.audit._audit import run_attack

from .conftest import Rig, make_rig

MOVER = """
def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    ctx.entity.position = (x + dt, y, z)
    ctx.state["ticks"] = ctx.state.get("ticks", 0) + 1
    ctx.events.emit("moved", {"x": ctx.entity.position[0]})
    ctx.log("at " + str(ctx.entity.position[0]))
    return ctx.state["ticks"]
"""


@pytest.fixture
def prig() -> Iterator[Rig]:
    r = make_rig(limits=Limits(timeout_ms=200), tier="process")
    yield r
    r.sandbox.close()


def test_hooks_run_in_the_worker_and_their_effects_reach_the_host(prig: Rig) -> None:
    module = prig.load(MOVER)
    assert prig.sandbox.tier == "process"
    assert prig.tick(module) == 1
    assert prig.tick(module) == 2
    entity = prig.world.entities[prig.ctx.entity.id]  # type: ignore[union-attr]
    assert entity.position == (2.0, 2.0, 3.0)
    assert prig.ctx.state == {"ticks": 2}
    assert [e.payload for e in prig.world.events] == [{"x": 1.5}, {"x": 2.0}]
    assert prig.world.logs[-1] == ("test-mod", "at 2.0")


def test_a_batch_crosses_once_and_applies_in_order(prig: Rig) -> None:
    module = prig.load(MOVER)
    faults: list[ModFault] = []
    prig.sandbox.call_batch([(module, "on_tick", (prig.ctx, 1.0)) for _ in range(3)], faults.append)
    assert faults == []
    # Each call saw the snapshot sent with the batch; writes apply in order afterwards.
    assert prig.ctx.state == {"ticks": 3}
    assert len(prig.world.events) == 3


def test_a_stall_in_c_is_killed_and_the_worker_restarts() -> None:
    r = make_rig(limits=Limits(timeout_ms=10), tier="process")
    # One repr() of a million-int list (built in a few ms) is a single C call (about 50 ms):
    # the meter inside the worker cannot interrupt it, so the host kills the worker at
    # timeout + margin.
    stall = r.load(
        """
        def on_tick(ctx, dt):
            data = [1234567] * 1000000
            while True:
                s = repr(data)
        """,
        path="scripts/stall.py",
    )
    with pytest.raises(ScriptTimeout) as info:
        r.tick(stall)
    assert info.value.details["killed"] is True
    ok = r.load("def on_tick(ctx, dt):\n    return 42\n", path="scripts/ok.py")
    assert r.tick(ok) == 42
    assert r.sandbox.starts == 2  # type: ignore[attr-defined]
    r.sandbox.close()


def test_many_big_values_cannot_add_up_past_the_limit(prig: Rig) -> None:
    module = prig.load(
        "def on_tick(ctx, dt):\n    return [('a' * 15000000) for i in range(40)]\n",
        path="scripts/hog.py",
    )
    with pytest.raises(MemoryLimitExceeded):
        prig.tick(module)


def test_unpicklable_state_is_a_fault_not_a_crash(prig: Rig) -> None:
    module = prig.load("def on_tick(ctx, dt):\n    ctx.state['f'] = lambda: 1\n")
    with pytest.raises(ScriptFault) as info:
        prig.tick(module)
    assert info.value.code == "SANDBOX_ERROR"
    assert "plain data" in info.value.message


SAMPLE = [
    a
    for a in ATTACKS
    if a.name
    in {
        "escape.generator-frame",
        "escape.getattr-dunder",
        "escape.format-attr",
        "resource.while-true",
        "resource.recursion",
        "resource.pow",
        "resource.state-growth",
        "api.undeclared-spawn",
        "api.fs-escape",
        "api.event-flood",
    }
]


@pytest.mark.parametrize("attack", SAMPLE, ids=lambda a: a.name)
def test_corpus_sample_in_the_process_tier(attack: object, tmp_path: Path) -> None:
    (tmp_path / "mod.toml").write_text('id = "x"\n', encoding="utf-8")
    result = run_attack(attack, Limits(timeout_ms=2000), tier="process", mod_root=tmp_path)  # type: ignore[arg-type]
    assert result.tier == "process"
    assert result.stopped and result.as_expected, (result.code, result.message)


def test_a_module_body_stuck_in_c_is_killed_at_load() -> None:
    r = make_rig(limits=Limits(timeout_ms=10), tier="process")
    with pytest.raises(ScriptTimeout):
        r.load("data = [1234567] * 1000000\nwhile True:\n    s = repr(data)\n")
    ok = r.load("def on_tick(ctx, dt):\n    return 1\n", path="scripts/ok.py")
    assert r.tick(ok) == 1
    r.sandbox.close()


def test_load_many_sends_a_mods_scripts_together_with_one_outcome_each() -> None:
    r = make_rig(limits=Limits(timeout_ms=10), tier="process")
    results = r.sandbox.load_many(
        [
            ("scripts/a.py", "def on_tick(ctx, dt):\n    return 'a'\n"),
            ("scripts/rejected.py", "import os\n"),
            ("scripts/raises.py", "raise ValueError('at load')\n"),
            ("scripts/stuck.py", "data = [1234567] * 1000000\nwhile True:\n    s = repr(data)\n"),
            ("scripts/b.py", "def on_tick(ctx, dt):\n    return 'b'\n"),
        ]
    )
    a, rejected, raises, stuck, b = results
    assert isinstance(a, ScriptModule) and a.hooks == {"on_tick"}
    assert isinstance(rejected, ScriptRejected)
    assert isinstance(raises, ScriptFault) and raises.file == "scripts/raises.py"
    # Killed in its module body: the scripts after it still load, into a fresh worker that
    # also gets the scripts loaded before it.
    assert isinstance(stuck, ScriptTimeout)
    assert isinstance(b, ScriptModule)
    assert r.sandbox.starts == 2
    assert r.tick(a) == "a"
    assert r.tick(b) == "b"
    r.sandbox.close()


class _BrokenWorld(FakeWorld):
    def query(self, *, kind: str | None = None, tag: str | None = None) -> list:  # type: ignore[override]
        raise RuntimeError("host bug")


def test_a_host_bug_during_a_worker_call_surfaces_as_itself() -> None:
    r = make_rig(limits=Limits(timeout_ms=2000), tier="process", world=_BrokenWorld())
    module = r.load("def on_tick(ctx, dt):\n    return ctx.world.query()\n")
    with pytest.raises(RuntimeError, match="host bug"):
        r.tick(module)
    r.sandbox.close()


def test_call_batch_stops_when_told(prig: Rig) -> None:
    module = prig.load("def on_tick(ctx, dt):\n    ctx.state['n'] = 1\n    return 1 / 0\n")
    seen: list[ModFault] = []
    prig.sandbox.call_batch(
        [(module, "on_tick", (prig.ctx, 0.1))] * 3, lambda f: seen.append(f) is not None
    )
    assert [f.code for f in seen] == ["SANDBOX_ERROR"]


def test_a_script_that_keeps_the_host_busy_is_still_stopped() -> None:
    r = make_rig(limits=Limits(timeout_ms=20, fuel=10**8), tier="process")
    module = r.load("def on_tick(ctx, dt):\n    while True:\n        ctx.world.query()\n")
    with pytest.raises(ScriptTimeout):
        r.tick(module)
    r.sandbox.close()


PARALLEL = [
    ("scripts/a.py", "def on_tick(ctx, dt):\n    return 'a'\n"),
    ("scripts/rejected.py", "import os\n"),
    ("scripts/b.py", "def on_tick(ctx, dt):\n    return 'b'\n"),
]


def test_start_loading_sends_now_and_load_many_collects_the_same_outcomes() -> None:
    r = make_rig(limits=Limits(timeout_ms=2000), tier="process")
    r.sandbox.start_loading(PARALLEL)
    # The worker has the scripts before load_many is asked for them.
    assert r.sandbox.pid is not None and r.sandbox.starts == 1
    a, rejected, b = r.sandbox.load_many(PARALLEL)
    assert isinstance(a, ScriptModule) and isinstance(b, ScriptModule)
    assert isinstance(rejected, ScriptRejected) and rejected.code == "SANDBOX_FORBIDDEN"
    assert r.sandbox.starts == 1
    assert r.tick(a) == "a"
    assert r.tick(b) == "b"
    r.sandbox.close()


def test_load_many_of_other_scripts_than_started_loads_those_in_a_fresh_worker() -> None:
    r = make_rig(limits=Limits(timeout_ms=2000), tier="process")
    r.sandbox.start_loading(PARALLEL)
    (c,) = r.sandbox.load_many([("scripts/c.py", "def on_tick(ctx, dt):\n    return 'c'\n")])
    assert isinstance(c, ScriptModule)
    # The started scripts' answers must not be read as c's: their worker was replaced.
    assert r.sandbox.starts == 2
    assert r.tick(c) == "c"
    with pytest.raises(ScriptFault):
        r.tick(ScriptModule(path="scripts/a.py", hooks=frozenset({"on_tick"})))
    r.sandbox.close()


def test_a_call_after_an_uncollected_start_is_not_confused_by_its_answers() -> None:
    r = make_rig(limits=Limits(timeout_ms=2000), tier="process")
    ok = r.load("def on_tick(ctx, dt):\n    return 'ok'\n", path="scripts/ok.py")
    r.sandbox.start_loading(PARALLEL)
    # The worker that has the started scripts is replaced; ok loads again into the new one.
    assert r.tick(ok) == "ok"
    assert r.sandbox.starts == 2
    r.sandbox.close()


def test_start_loading_a_stuck_module_body_still_kills_it_at_collection() -> None:
    r = make_rig(limits=Limits(timeout_ms=10), tier="process")
    scripts = [
        ("scripts/stuck.py", "data = [1234567] * 1000000\nwhile True:\n    s = repr(data)\n"),
        ("scripts/b.py", "def on_tick(ctx, dt):\n    return 'b'\n"),
    ]
    r.sandbox.start_loading(scripts)
    stuck, b = r.sandbox.load_many(scripts)
    assert isinstance(stuck, ScriptTimeout)
    assert isinstance(b, ScriptModule)
    assert r.tick(b) == "b"
    r.sandbox.close()


def test_start_loading_is_a_no_op_hint_in_process() -> None:
    r = make_rig(limits=Limits(timeout_ms=2000))
    r.sandbox.start_loading(PARALLEL)
    a, rejected, b = r.sandbox.load_many(PARALLEL)
    assert isinstance(a, ScriptModule) and isinstance(rejected, ScriptRejected)
    assert r.tick(b) == "b"
    r.sandbox.close()
