"""The engine settings that shape generated code.

Shared by the engine and the compiler child (``_wasm_compiler``): an artifact only
deserializes into an engine configured alike.
"""

from __future__ import annotations

from typing import Final

import wasmtime

#: Bytes of native stack wasm code may use (a bounded stack turns runaway recursion into a
#: clean "call stack exhausted" trap). Language-runtime guests need the headroom.
MAX_WASM_STACK: Final = 1024 * 1024


def engine_config(*, host_memory: bool) -> wasmtime.Config:
    """The engine settings that shape generated code, shared with the compiler child
    (``_wasm_compiler``): an artifact only deserializes into an engine configured alike."""
    config = wasmtime.Config()
    config.consume_fuel = True
    config.epoch_interruption = True
    config.max_wasm_stack = MAX_WASM_STACK
    config.wasm_component_model = True
    if host_memory:
        # Copy-on-write memory images need wasmtime's own mmap memories (see HostMemory).
        config.memory_init_cow = False
    return config
