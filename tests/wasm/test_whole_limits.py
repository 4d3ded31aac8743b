"""Limits that bound what they name: ``memory_mb`` over all of a component's memories,
``host_memory_mb`` over every mod's components, ``timeout_ms`` over time in host functions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from host_api import (
    WIT_HOST_SIGNATURES,
    DiagnosticCode,
    HostPolicy,
    Limits,
    ModFault,
    load_policy,
    parse_manifest,
)
from host_api.testing import FakeWorld
from sandbox import (
    COMPONENT_ATTACKS,
    ComponentRuntime,
    HostMemoryLimit,
    ScriptFault,
    WasmComponent,
    WasmEngine,
)
from sandbox.wasm._wasm_memory import SUPPORTED
from sandbox.wasm._wasm_text import component

from .conftest import MakeApi


@pytest.mark.skipif(not SUPPORTED, reason="host-allocated memories are Linux only")
def test_memory_mb_bounds_the_sum_of_all_memories(engine: WasmEngine, make_api: MakeApi) -> None:
    (attack,) = [a for a in COMPONENT_ATTACKS if a.name == "wasm.resource.several-memories"]
    api, _ = make_api()
    limits = Limits(memory_mb=8, timeout_ms=2_000)
    comp = WasmComponent(
        engine, engine.compile(attack.source, name="m"), api, limits=limits, file="m.wat"
    )
    with comp, pytest.raises(ScriptFault) as info:
        comp.on_tick(1 / 60)
    assert info.value.to_diagnostic().code == DiagnosticCode.SANDBOX_MEMORY_LIMIT
    # Five memories (four grown in turn, the allocator's) held at most the cap together.
    assert 4 * 1024 * 1024 < comp.memory_peak <= 8 * 1024 * 1024


def test_the_host_memory_cap_is_read_from_the_policy(tmp_path: Path) -> None:
    assert HostPolicy().limits.host_memory_mb == 2048
    policy = tmp_path / "modhost.toml"
    policy.write_text("[limits]\nhost_memory_mb = 64\n")
    assert load_policy(policy).limits.host_memory_mb == 64


_MANIFEST = """\
id = "{mod_id}"
name = "M"
version = "1.0.0"
host = ">=0.1,<0.2"
capabilities = ["log"]

[[components]]
path = "components/c.wasm"

[limits]
memory_mb = 16
"""


def test_mods_past_the_host_memory_cap_do_not_load(
    tmp_path: Path, components: dict[str, Path], make_api: MakeApi
) -> None:
    runtime = ComponentRuntime(tmp_path / "data", progress=False, host_memory_mb=40)
    started = []
    try:
        for i in range(3):
            folder = tmp_path / f"m{i}"
            (folder / "components").mkdir(parents=True)
            (folder / "components" / "c.wasm").write_bytes(components["probe"].read_bytes())
            manifest = parse_manifest(_MANIFEST.format(mod_id=f"m-{i}"), folder_name=f"m-{i}")
            api, _ = make_api(mod_id=f"m-{i}")
            limits = Limits(memory_mb=16)
            if i < 2:
                started += runtime.load(folder, manifest, api, limits=limits)
                continue
            with pytest.raises(HostMemoryLimit) as info:
                runtime.load(folder, manifest, api, limits=limits)
            diag = info.value.to_diagnostic()
            assert diag.code == DiagnosticCode.HOST_MEMORY_LIMIT and diag.mod == "m-2"
            assert diag.details == {"need_mb": 16, "reserved_mb": 32, "host_memory_mb": 40}
        assert runtime.reserved_mb == 32
        started.pop().close()  # closing a mod gives its reservation back
        assert runtime.reserved_mb == 16
    finally:
        for comp in started:
            comp.close()
        runtime.close()


class _SlowWorld(FakeWorld):
    """A world whose log takes longer than the call's whole limit (a stalled host call)."""

    def log(self, mod_id: str, message: str) -> None:
        time.sleep(0.05)
        super().log(mod_id, message)


def test_time_in_a_host_function_counts_against_timeout_ms(
    engine: WasmEngine, make_api: MakeApi, fast: bool
) -> None:
    """Straight-line guest code, one host call that stalls: the call ends as
    SANDBOX_TIMEOUT when the host function returns (no guest instruction runs after it)."""
    core = """
  (core module $m
    (import "env" "memory" (memory 1))
    (import "host" "log" (func $log (param i32 i32 i32)))
    (data (i32.const 16) "slow")
    (func (export "init"))
    (func (export "on-tick") (param f64) (call $log (i32.const 16) (i32.const 4) (i32.const 256)))
    (func (export "on-event") (param i32 i32 i32 i32)))
"""
    text = component(core, imports=WIT_HOST_SIGNATURES, lowered=("log",))
    api, world = make_api(world=_SlowWorld())
    limits = Limits(timeout_ms=5)
    with WasmComponent(
        engine, engine.compile(text, name="slow"), api, limits=limits, file="s", fast=fast
    ) as comp:
        with pytest.raises(ModFault) as info:
            comp.on_tick(1 / 60)
        assert info.value.to_diagnostic().code == DiagnosticCode.SANDBOX_TIMEOUT
        assert world.logs == [("wasm-mod", "slow")]  # the call did happen, then was stopped


_TWO = """\
id = "two"
name = "Two"
version = "1.0.0"
host = ">=0.1,<0.2"
capabilities = ["log"]

[[components]]
path = "components/a.wasm"

[[components]]
path = "components/b.wasm"
"""


@pytest.mark.skipif(not SUPPORTED, reason="host-allocated memories are Linux only")
def test_memory_mb_bounds_the_sum_over_all_components_of_a_mod(
    tmp_path: Path, make_api: MakeApi
) -> None:
    import wasmtime

    (attack,) = [a for a in COMPONENT_ATTACKS if a.name == "wasm.resource.several-memories"]
    folder = tmp_path / "two"
    (folder / "components").mkdir(parents=True)
    for name in ("a", "b"):
        (folder / "components" / f"{name}.wasm").write_bytes(wasmtime.wat2wasm(attack.source))
    runtime = ComponentRuntime(None, progress=False)
    api, _ = make_api(mod_id="two")
    cap = 8 * 1024 * 1024
    first, second = runtime.load(
        folder,
        parse_manifest(_TWO, folder_name="two"),
        api,
        limits=Limits(memory_mb=8, timeout_ms=2_000),
    )
    try:
        assert first.budget is second.budget
        held_by_second = second.budget.used - first.memory_peak
        assert held_by_second > 0
        with pytest.raises(ScriptFault):
            first.on_tick(1 / 60)  # grows until the mod's budget, not its own, is spent
        assert first.memory_peak <= cap - held_by_second
    finally:
        first.close()
        second.close()
        runtime.close()


def test_oversized_host_call_arguments_are_cut_or_refused_before_work(
    engine: WasmEngine, make_api: MakeApi, fast: bool
) -> None:
    """A 1 MiB log line keeps its first 1,000 characters; a 1 MiB storage value is refused
    (MOD_PAYLOAD_LIMIT) and the guest goes on."""
    from host_api import MAX_LOG_LINE

    core = """
  (core module $m
    (import "env" "memory" (memory 1))
    (import "host" "log" (func $log (param i32 i32 i32)))
    (import "host" "storage-set" (func $set (param i32 i32 i32 i32 i32)))
    (data (i32.const 16) "k")
    (func (export "init"))
    (func (export "on-tick") (param f64)
      (memory.fill (i32.const 1024) (i32.const 97) (i32.const 1048576))
      (call $log (i32.const 1024) (i32.const 1048576) (i32.const 256))
      (call $set (i32.const 16) (i32.const 1) (i32.const 1024) (i32.const 1048576)
        (i32.const 256)))
    (func (export "on-event") (param i32 i32 i32 i32)))
"""
    text = component(core, imports=WIT_HOST_SIGNATURES, lowered=("log", "storage-set"), pages=20)
    api, world = make_api()
    limits = Limits(fuel=50_000_000, timeout_ms=5_000)
    with WasmComponent(
        engine, engine.compile(text, name="big"), api, limits=limits, file="b", fast=fast
    ) as comp:
        comp.on_tick(1 / 60)
    assert world.logs == [("wasm-mod", "a" * MAX_LOG_LINE)]
    codes = [d.code for d in api.drain_diagnostics()]
    assert codes == [DiagnosticCode.MOD_PAYLOAD_LIMIT]


def test_tables_count_against_memory_mb(engine: WasmEngine, make_api: MakeApi) -> None:
    """Tables take at most an eighth of memory_mb, reserved off the memories' budget: a table
    one element larger than that share allows does not start; with more memory_mb it does."""
    from sandbox.wasm._wasm_store_limits import MAX_TABLES, table_elements, table_reserve

    mb16 = 16 * 1024 * 1024
    assert table_reserve(mb16) == MAX_TABLES * table_elements(mb16) * 8 <= mb16 // 8
    core = """
  (core module $m
    (import "env" "memory" (memory 1))
    (table {n} funcref)
    (func (export "init"))
    (func (export "on-tick") (param f64))
    (func (export "on-event") (param i32 i32 i32 i32)))
"""
    text = component(core.format(n=table_elements(mb16) + 1))
    api, _ = make_api()
    compiled = engine.compile(text, name="table")
    with pytest.raises(ScriptFault) as info:
        WasmComponent(engine, compiled, api, limits=Limits(memory_mb=16), file="t")
    assert info.value.to_diagnostic().code == DiagnosticCode.SANDBOX_MEMORY_LIMIT
    with WasmComponent(engine, compiled, api, limits=Limits(memory_mb=64), file="t") as comp:
        assert comp.budget.cap + table_reserve(64 * 1024 * 1024) == 64 * 1024 * 1024


def test_a_mod_listing_too_many_components_is_refused_before_any_compiles(
    tmp_path: Path, make_api: MakeApi
) -> None:
    from sandbox.wasm._wasm_runtime import MAX_COMPONENTS_PER_MOD

    folder = tmp_path / "many"
    (folder / "components").mkdir(parents=True)
    # Not even valid WebAssembly: the count is refused before any file is read.
    (folder / "components" / "c.wasm").write_bytes(b"junk")
    entries = '[[components]]\npath = "components/c.wasm"\n\n' * (MAX_COMPONENTS_PER_MOD + 1)
    manifest = parse_manifest(
        f'id = "many"\nname = "Many"\nversion = "1.0.0"\n\n{entries}', folder_name="many"
    )
    runtime = ComponentRuntime(None, progress=False)
    api, _ = make_api(mod_id="many")
    try:
        with pytest.raises(ModFault) as info:
            runtime.load(folder, manifest, api, limits=Limits())
        assert info.value.code is DiagnosticCode.WASM_COMPILE_LIMIT
        assert f"at most {MAX_COMPONENTS_PER_MOD}" in str(info.value)
    finally:
        runtime.close()
