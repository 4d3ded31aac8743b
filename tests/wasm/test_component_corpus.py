"""The component attack corpus (``sandbox.audit._wasm_corpus``): every case is stopped by the code
it names, the host keeps running, and a well-behaved component beside it is unaffected."""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import DiagnosticCode, Limits
from host_api.testing import recording_api
from sandbox import COMPONENT_ATTACKS, ComponentAttack, WasmEngine
from sandbox.audit._audit import run_component_attack
from sandbox.wasm._wasm_text import component

#: Generous time, so each case is stopped by the cap it is about, not by a loaded machine.
LIMITS = Limits(fuel=5_000_000, memory_mb=16, timeout_ms=2_000)


@pytest.mark.parametrize("attack", COMPONENT_ATTACKS, ids=lambda a: a.name)
def test_every_component_attack_is_stopped_as_expected(
    attack: ComponentAttack, engine: WasmEngine, tmp_path: Path
) -> None:
    result = run_component_attack(attack, LIMITS, engine=engine, mod_root=tmp_path)
    assert result.stopped, result
    assert result.code in attack.expect, result.message
    if attack.expect[0] != "SANDBOX_TIMEOUT":  # with time to spare, the named cap stops it
        assert result.code == attack.expect[0], result.message
    assert not any((tmp_path / "components").iterdir())  # the hostile file is gone


def test_the_corpus_covers_every_class() -> None:
    assert {a.kind for a in COMPONENT_ATTACKS} == {"abi", "api-abuse", "resource", "load"}
    assert len({a.name for a in COMPONENT_ATTACKS}) == len(COMPONENT_ATTACKS)


_GOOD = """
  (core module $m
    (import "env" "memory" (memory 1))
    (import "host" "set-position" (func $set (param i64 f64 f64 f64 i32)))
    (global $x (mut f64) (f64.const 0))
    (func (export "init"))
    (func (export "on-tick") (param f64)
      (global.set $x (f64.add (global.get $x) (f64.const 1)))
      (call $set (i64.const 1) (global.get $x) (f64.const 2) (f64.const 3) (i32.const 512)))
    (func (export "on-event") (param i32 i32 i32 i32)))
"""


def _good_run(engine: WasmEngine, hostile: list[ComponentAttack], tmp_path: Path) -> tuple:
    """Tick a well-behaved component 5 times, with each hostile case run between ticks."""
    from host_api import WIT_HOST_SIGNATURES
    from sandbox import WasmComponent

    api, world, _ = recording_api("good")
    world.add("probe", (0.0, 0.0, 0.0), owner="good")
    text = component(_GOOD, imports=WIT_HOST_SIGNATURES, lowered=("set-position",))
    with WasmComponent(
        engine, engine.compile(text, name="good"), api, limits=LIMITS, file="good.wat"
    ) as good:
        for tick in range(5):
            world.tick = tick
            for i, attack in enumerate(hostile):
                run_component_attack(attack, LIMITS, engine=engine, mod_root=tmp_path, index=i)
            good.on_tick(1 / 60)
    assert api.drain_diagnostics() == []
    return tuple(sorted((e.id, e.position) for e in world.entities.values()))


def test_a_hostile_component_beside_a_good_one_changes_nothing_for_it(
    engine: WasmEngine, tmp_path: Path
) -> None:
    hostile = [a for a in COMPONENT_ATTACKS if a.kind != "load"]
    alone = _good_run(engine, [], tmp_path)
    beside = _good_run(engine, hostile, tmp_path)
    assert alone == beside == ((1, (5.0, 2.0, 3.0)),)
    assert DiagnosticCode.MOD_PAYLOAD_LIMIT in {a.expect[0] for a in hostile}
