"""Loading a component file: compile it (through the engine's cache) under its limits, and
start it; every way the file can be refused becomes one diagnostic."""

from __future__ import annotations

from pathlib import Path

import wasmtime

from host_api import HostAPI, Limits

from ._wasm_compiler import CompileOverLimit
from ._wasm_component import WasmComponent
from ._wasm_engine import MAX_COMPONENT_BYTES, ComponentFileRefused, WasmEngine
from ._wasm_errors import CompileLimitExceeded, ComponentLoadFailed
from ._wasm_memory import MemoryBudget


def load_component(
    engine: WasmEngine,
    path: Path,
    api: HostAPI,
    *,
    limits: Limits,
    file: str,
    wasi: bool = False,
    fast: bool = True,
    budget: MemoryBudget | None = None,
) -> WasmComponent:
    """Compile (through the cache) and start the component at ``path`` for ``api``'s mod.

    :raises ComponentLoadFailed: unreadable, not a regular file, or invalid component;
        missing exports.
    :raises CompileLimitExceeded: the file is too large, or compiling it hit its limits.
    :raises UnknownImport: imports outside world ``mod``.
    :raises ScriptFault: ``init`` trapped or hit a limit.
    """
    try:
        component = engine.compile_file(path)
    except ComponentFileRefused as exc:
        cls = CompileLimitExceeded if exc.too_large else ComponentLoadFailed
        raise cls(
            f"{file} is refused before reading: {exc}",
            mod_id=api.mod_id,
            file=file,
            hint="a component is a regular file inside the mod folder, at most "
            f"{MAX_COMPONENT_BYTES} bytes",
        ) from None
    except CompileOverLimit as exc:
        raise CompileLimitExceeded(
            f"{file}: {exc}",
            mod_id=api.mod_id,
            file=file,
            hint="the component is too expensive to compile (deeply nested code?); build it "
            "with a standard toolchain",
            details={
                "memory_bytes": exc.limits.memory_bytes,
                "cpu_seconds": exc.limits.cpu_seconds,
                "wall_seconds": exc.limits.wall_seconds,
            },
        ) from None
    except OSError as exc:
        raise ComponentLoadFailed(
            f"cannot read {file}: {exc.strerror}",
            mod_id=api.mod_id,
            file=file,
            hint="check the [[components]] path in mod.toml",
        ) from exc
    except wasmtime.WasmtimeError as exc:
        raise ComponentLoadFailed(
            f"{file} is not a valid WebAssembly component: {str(exc).strip().splitlines()[0]}",
            mod_id=api.mod_id,
            file=file,
            hint="build it against wit/ with a component toolchain (componentize-py, "
            "wasm-tools component new ...)",
        ) from exc
    return WasmComponent(
        engine, component, api, limits=limits, file=file, wasi=wasi, fast=fast, budget=budget
    )
