"""A component's imports and exports must have exactly the types of ``wit/mod.wit``.

The host defines its functions as raw callbacks that take whatever type the component
declares; a component importing ``log`` as ``func(u64)`` once had the host read the number as
the address of a string (host memory came back to the guest). Every host function of the world
is tried here under mismatched types: each is refused at load, before any call, on both call
paths, and the host never reads a value as another kind.
"""

from __future__ import annotations

import pytest

from host_api import (
    WIT_EXPORT_SIGNATURES,
    WIT_HOST_FUNCTIONS,
    WIT_HOST_SIGNATURES,
    DiagnosticCode,
    Limits,
)
from sandbox import ComponentLoadFailed, UnknownImport, WasmComponent, WasmEngine
from sandbox.wasm._wasm_text import WORLD_EXPORTS, component

from .conftest import MakeApi

#: A guest that imports nothing itself (the component's import is what is checked).
_CORE = """
  (core module $m
    (import "env" "memory" (memory 1))
    (func (export "init"))
    (func (export "on-tick") (param f64))
    (func (export "on-event") (param i32 i32 i32 i32)))
"""


def _mismatches(name: str) -> list[str]:
    """Types a hostile component may declare for host function ``name``: a number in place of
    every parameter, and the WIT's parameters with another result."""
    wit = WIT_HOST_SIGNATURES[name]
    params = wit.split(" -> ")[0]
    other_result = "f64" if wit.endswith("-> u64") else "u64"
    return ["func(u64)", f"{params} -> {other_result}"]


def _load(engine: WasmEngine, text: str, make_api: MakeApi, *, fast: bool) -> WasmComponent:
    api, _ = make_api()
    return WasmComponent(
        engine, engine.compile(text, name="hostile"), api, limits=Limits(), file="x.wasm", fast=fast
    )


@pytest.mark.parametrize("name", WIT_HOST_FUNCTIONS)
def test_a_host_function_under_another_type_is_refused_at_load(
    engine: WasmEngine, make_api: MakeApi, name: str, fast: bool
) -> None:
    for hostile in _mismatches(name):
        text = component(_CORE, imports={**WIT_HOST_SIGNATURES, name: hostile})
        with pytest.raises(UnknownImport) as info:
            _load(engine, text, make_api, fast=fast)
        diag = info.value.to_diagnostic()
        assert diag.code == DiagnosticCode.WASM_UNKNOWN_IMPORT
        assert diag.details["import"] == f"modhost:mod/host@0.1.0#{name}"
        assert diag.details["expected"] == WIT_HOST_SIGNATURES[name]
        assert diag.details["found"] == hostile
        assert hostile in diag.message and WIT_HOST_SIGNATURES[name] in diag.message


def test_a_mismatched_import_that_is_called_never_reaches_the_host(
    engine: WasmEngine, make_api: MakeApi, fast: bool
) -> None:
    """The attack as it was seen: ``log`` as ``func(u64)``, called with an address-like
    number in ``init``. It is refused before ``init`` runs, so nothing is read or logged."""
    core = """
  (core module $m
    (import "env" "memory" (memory 1))
    (import "host" "log" (func $log (param i64)))
    (func (export "init") (call $log (i64.const 0x7fffdeadbeef)))
    (func (export "on-tick") (param f64))
    (func (export "on-event") (param i32 i32 i32 i32)))
"""
    text = component(core, imports={"log": "func(u64)"}, lowered=("log",))
    api, world = make_api()
    with pytest.raises(UnknownImport):
        WasmComponent(engine, engine.compile(text, name="h"), api, limits=Limits(), file="x")
    assert world.logs == []


def test_every_host_function_with_the_wit_type_loads(
    engine: WasmEngine, make_api: MakeApi, fast: bool
) -> None:
    """The other side of the check: the WIT's own types, every function, are accepted."""
    core = """
  (core module $m
    (import "env" "memory" (memory 1))
    (import "host" "log" (func $log (param i32 i32 i32)))
    (data (i32.const 16) "typed")
    (func (export "init") (call $log (i32.const 16) (i32.const 5) (i32.const 256)))
    (func (export "on-tick") (param f64))
    (func (export "on-event") (param i32 i32 i32 i32)))
"""
    text = component(core, imports=WIT_HOST_SIGNATURES, lowered=("log",))
    api, world = make_api()
    with WasmComponent(
        engine, engine.compile(text, name="ok"), api, limits=Limits(), file="x", fast=fast
    ):
        assert world.logs == [("wasm-mod", "typed")]


#: Exports of world ``mod`` with the right name and another kind or type.
_BAD_EXPORTS = {
    "init-as-instance": (
        "init",
        """
  (func $f (canon lift (core func $i "init")))
  (instance $inst (export "run" (func $f)))
  (export "init" (instance $inst))
  (func (export "on-tick") (param "dt" f64) (canon lift (core func $i "on-tick")))
  (func (export "on-event") (param "name" string) (param "payload" string)
    (canon lift (core func $i "on-event") (memory (core memory $mi "memory"))
      (realloc (core func $mi "cabi_realloc"))))
""",
    ),
    "on-tick-takes-a-string": (
        "on-tick",
        WORLD_EXPORTS.replace('(param "dt" f64)', '(param "dt" string)').replace(
            '(core func $i "on-tick")',
            '(core func $i "on-event2") (memory (core memory $mi "memory")) '
            '(realloc (core func $mi "cabi_realloc"))',
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(_BAD_EXPORTS))
def test_an_export_of_another_kind_or_type_is_refused(
    engine: WasmEngine, make_api: MakeApi, case: str, fast: bool
) -> None:
    export, exports = _BAD_EXPORTS[case]
    core = _CORE.replace(
        '(func (export "on-tick") (param f64))',
        '(func (export "on-tick") (param f64))\n    (func (export "on-event2") (param i32 i32))',
    )
    text = component(core, exports=exports)
    with pytest.raises(ComponentLoadFailed) as info:
        _load(engine, text, make_api, fast=fast)
    diag = info.value.to_diagnostic()
    assert diag.code == DiagnosticCode.WASM_LOAD_FAILED
    assert diag.details["export"] == export
    assert diag.details["expected"] == WIT_EXPORT_SIGNATURES[export]
    assert WIT_EXPORT_SIGNATURES[export] in diag.message


def test_a_decoder_never_reads_a_number_as_an_address() -> None:
    """Belt and braces below the load check: the fast path's decoders check each value's kind."""
    from wasmtime import _ffi as ffi

    from sandbox.wasm._wasm_values import K_U64, ValueKindMismatch, read_f32_list, read_str

    val = ffi.wasmtime_component_val_t()
    val.kind = K_U64
    val.of.u64 = 0x7FFFDEADBEEF
    with pytest.raises(ValueKindMismatch):
        read_str(val)
    with pytest.raises(ValueKindMismatch):
        read_f32_list(val)
