"""WASM bombs written in WAT: each is contained with the right code, and others keep ticking."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, TypeVar

import pytest

from host_api import DiagnosticCode, Limits
from host_api.testing import FakeWorld
from sandbox import (
    ComponentLoadFailed,
    SandboxError,
    ScriptFault,
    UnknownImport,
    WasmComponent,
    WasmEngine,
    load_component,
)
from sandbox.wasm._wasm_memory import SUPPORTED as HOST_MEMORY_SUPPORTED

from .conftest import MakeApi

# Generous wall clock, so a loaded CI machine never turns a fuel or trap case into a timeout.
MEMORY_BOMB_CODE = (
    DiagnosticCode.SANDBOX_MEMORY_LIMIT if HOST_MEMORY_SUPPORTED else DiagnosticCode.WASM_TRAP
)
SMALL = Limits(fuel=2_000_000, memory_mb=16, timeout_ms=5_000)


def _load(
    engine: WasmEngine, path: Path, api: object, limits: Limits = SMALL, fast: bool = True
) -> WasmComponent:
    return load_component(
        engine, path, api, limits=limits, file=f"components/{path.name}", fast=fast
    )  # type: ignore[arg-type]


_E = TypeVar("_E", bound=SandboxError)


class LoadError(Protocol):
    def __call__(self, component: str | Path, error: type[_E]) -> _E: ...


@pytest.fixture
def load_error(engine: WasmEngine, components: dict[str, Path], make_api: MakeApi) -> LoadError:
    """Load a component for a fresh mod under ``SMALL`` limits and return the ``error`` that
    the load must raise (the test fails if it raises nothing or something else).

    ``component`` names a WAT fixture, or is the path of a ``.wasm`` file.
    """

    def load(component: str | Path, error: type[_E]) -> _E:
        api, _ = make_api()
        path = components[component] if isinstance(component, str) else component
        with pytest.raises(error) as info:
            _load(engine, path, api)
        return info.value

    return load


@pytest.mark.parametrize(
    ("bomb", "limits", "code"),
    [
        ("bomb_loop", SMALL, DiagnosticCode.SANDBOX_FUEL_EXHAUSTED),
        # Fuel too large to run out in time: the epoch deadline stops it.
        (
            "bomb_loop",
            Limits(fuel=10**10, memory_mb=16, timeout_ms=20),
            DiagnosticCode.SANDBOX_TIMEOUT,
        ),
        ("bomb_recursion", SMALL, DiagnosticCode.SANDBOX_RECURSION_LIMIT),
        # memory.grow is refused at the cap (-1) and the guest then aborts: the host saw the
        # refusal (host-allocated memories). table.grow is refused by the store's limiter,
        # which the host cannot observe: a plain trap.
        ("bomb_grow", SMALL, MEMORY_BOMB_CODE),
        ("bomb_table", SMALL, DiagnosticCode.WASM_TRAP),
        ("trap_tick", SMALL, DiagnosticCode.WASM_TRAP),
    ],
)
def test_bomb_in_on_tick_is_contained_while_others_tick(
    engine: WasmEngine,
    components: dict[str, Path],
    make_api: MakeApi,
    bomb: str,
    limits: Limits,
    code: DiagnosticCode,
    fast: bool,
) -> None:
    world = FakeWorld()
    world.add("coin", (0.0, 0.0, 0.0))
    bad_api, _ = make_api(mod_id="bomber", world=world)
    good_api, _ = make_api(mod_id="good", world=world)
    with (
        _load(engine, components[bomb], bad_api, limits, fast) as bad,
        _load(engine, components["probe"], good_api) as good,
    ):
        for tick in range(3):
            world.tick = tick
            with pytest.raises(ScriptFault) as info:
                bad.on_tick(1 / 60)
            diag = info.value.to_diagnostic()
            assert diag.code == code, diag.message
            assert diag.mod == "bomber" and diag.file == f"components/{bomb}.wasm" and diag.hint
            good.on_tick(1 / 60)
            good.on_event("bulk", None)  # the other mod keeps working
        # after every trap the host made a fresh store and instance and re-ran init
        assert bad.starts == 3
        if bomb == "bomb_grow" and HOST_MEMORY_SUPPORTED:
            assert 1024 * 1024 < bad.memory_peak <= limits.memory_mb * 1024 * 1024
    assert world.entities[1].position == (3.0, 0.0, 0.0)


def test_memory_growth_stops_at_the_store_limit(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi
) -> None:
    """A component asking for more memory than its limit up front cannot start."""
    api, _ = make_api()
    with pytest.raises(ScriptFault) as info:
        _load(engine, components["big_memory"], api)
    assert info.value.to_diagnostic().code == DiagnosticCode.SANDBOX_MEMORY_LIMIT
    # The same component starts under a larger limit: the limit, not the guest, decided.
    _load(engine, components["big_memory"], api, Limits(memory_mb=80, timeout_ms=5_000)).close()


def test_trap_in_init_fails_the_load(load_error: LoadError) -> None:
    diag = load_error("trap_init", ScriptFault).to_diagnostic()
    assert diag.code == DiagnosticCode.WASM_TRAP
    assert "init" in diag.message and "unreachable" in diag.message


def test_unknown_import_is_named(load_error: LoadError) -> None:
    diag = load_error("unknown_import", UnknownImport).to_diagnostic()
    assert diag.code == DiagnosticCode.WASM_UNKNOWN_IMPORT
    assert "evil:net/socket@0.1.0" in diag.message
    assert diag.details["import"] == "evil:net/socket@0.1.0"


def test_unknown_host_function_is_named(load_error: LoadError) -> None:
    error = load_error("extra_host_function", UnknownImport)
    assert error.name == "modhost:mod/host@0.1.0#open-socket"


def test_not_a_component(load_error: LoadError, tmp_path: Path) -> None:
    junk = tmp_path / "junk.wasm"
    junk.write_bytes(b"\0asm\x01\0\0\0garbage")
    diag = load_error(junk, ComponentLoadFailed).to_diagnostic()
    assert diag.code == DiagnosticCode.WASM_LOAD_FAILED


def test_a_closed_component_refuses_calls(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi
) -> None:
    from sandbox import SandboxClosed

    api, _ = make_api()
    comp = _load(engine, components["probe"], api)
    comp.close()
    comp.close()
    with pytest.raises(SandboxClosed):
        comp.on_tick(0.1)


def test_wasi_is_not_linked_unless_granted(load_error: LoadError) -> None:
    error = load_error("wasi_env", UnknownImport)
    assert "wasi:cli/environment@0.2.0" in error.message
    assert "[sandbox] wasi" in error.hint


def test_granted_wasi_has_no_environment(
    engine: WasmEngine,
    components: dict[str, Path],
    make_api: MakeApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODHOST_SECRET", "must-not-leak")
    api, _ = make_api()
    path = components["wasi_env"]
    # init traps unless get-environment returned an empty list
    with load_component(
        engine, path, api, limits=SMALL, file="components/wasi_env.wasm", wasi=True
    ) as comp:
        comp.on_tick(0.1)


@pytest.mark.skipif(not HOST_MEMORY_SUPPORTED, reason="host-allocated memories are Linux-only")
def test_linear_memories_are_released(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi
) -> None:
    import gc

    from sandbox.wasm._wasm_memory import host_memory

    gc.collect()
    before = host_memory().live
    api, _ = make_api()
    comp = _load(engine, components["bomb_grow"], api)
    assert host_memory().live == before + 1
    with pytest.raises(ScriptFault):
        comp.on_tick(0.1)  # the trapped instance's store (and memory) is dropped
    comp.close()
    gc.collect()
    assert host_memory().live == before
