"""sandbox.wasm: the WebAssembly component tier (wasmtime).

The engine and its settings, the out-of-process compiler and the artifact cache, host
memories, the host bindings and their fast raw-callback path, the linker, type checks at
load, and the component runtime of a host.

May import: sandbox.base, host_api, wasmtime.
"""

__all__ = [
    "WORLD_EXPORTS",
    "ArtifactCache",
    "CompileLimitExceeded",
    "ComponentLoadFailed",
    "ComponentRuntime",
    "HostMemoryLimit",
    "ImportTypeMismatch",
    "UnknownImport",
    "WasmComponent",
    "WasmEngine",
    "component",
    "load_component",
]

from ._wasm_cache import ArtifactCache as ArtifactCache
from ._wasm_component import WasmComponent as WasmComponent
from ._wasm_engine import WasmEngine as WasmEngine
from ._wasm_errors import CompileLimitExceeded as CompileLimitExceeded
from ._wasm_errors import ComponentLoadFailed as ComponentLoadFailed
from ._wasm_errors import HostMemoryLimit as HostMemoryLimit
from ._wasm_errors import ImportTypeMismatch as ImportTypeMismatch
from ._wasm_errors import UnknownImport as UnknownImport
from ._wasm_load import load_component as load_component
from ._wasm_runtime import ComponentRuntime as ComponentRuntime
from ._wasm_text import WORLD_EXPORTS as WORLD_EXPORTS
from ._wasm_text import component as component
