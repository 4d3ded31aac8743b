"""sandbox: execution engines for untrusted mod code, behind one interface.

:class:`ScriptSandbox` is the interface, :func:`create_sandbox` the factory: :class:`ProcessSandbox`
(the default tier) runs a mod's restricted, metered scripts in a worker process the host kills
at the deadline; :class:`RestrictedSandbox` runs them in this interpreter.
``modhost sandbox audit`` runs :data:`ATTACKS` through :func:`run_audit`. WebAssembly
components live here too.

May import: host_api, the standard library, RestrictedPython, wasmtime, numpy.
"""

__all__ = [
    "ATTACKS",
    "COMPONENT_ATTACKS",
    "HOOKS",
    "MAX_SOURCE_BYTES",
    "ArtifactCache",
    "Attack",
    "AuditResult",
    "CompileLimitExceeded",
    "ComponentAttack",
    "ComponentLoadFailed",
    "ComponentRuntime",
    "ForbiddenAccess",
    "FuelExhausted",
    "GuestTrap",
    "HookFigures",
    "HostMemoryLimit",
    "ImportTypeMismatch",
    "MemoryLimitExceeded",
    "ProcessSandbox",
    "RecursionLimitExceeded",
    "RestrictedSandbox",
    "SandboxClosed",
    "SandboxError",
    "ScriptCheck",
    "ScriptFault",
    "ScriptModule",
    "ScriptProblem",
    "ScriptRaised",
    "ScriptRejected",
    "ScriptSandbox",
    "ScriptTimeout",
    "UnknownImport",
    "WasmComponent",
    "WasmEngine",
    "check_script",
    "create_sandbox",
    "load_component",
    "run_audit",
]

from ._audit import AuditResult as AuditResult
from ._audit import run_audit as run_audit
from ._compiler import ScriptCheck as ScriptCheck
from ._compiler import ScriptProblem as ScriptProblem
from ._compiler import check_script as check_script
from ._corpus import ATTACKS as ATTACKS
from ._corpus import Attack as Attack
from ._engine import HOOKS as HOOKS
from ._engine import ScriptModule as ScriptModule
from ._engine import ScriptSandbox as ScriptSandbox
from ._errors import ForbiddenAccess as ForbiddenAccess
from ._errors import FuelExhausted as FuelExhausted
from ._errors import GuestTrap as GuestTrap
from ._errors import MemoryLimitExceeded as MemoryLimitExceeded
from ._errors import RecursionLimitExceeded as RecursionLimitExceeded
from ._errors import SandboxClosed as SandboxClosed
from ._errors import SandboxError as SandboxError
from ._errors import ScriptFault as ScriptFault
from ._errors import ScriptRaised as ScriptRaised
from ._errors import ScriptRejected as ScriptRejected
from ._errors import ScriptTimeout as ScriptTimeout
from ._factory import create_sandbox as create_sandbox
from ._figures import HookFigures as HookFigures
from ._process import ProcessSandbox as ProcessSandbox
from ._restricted import RestrictedSandbox as RestrictedSandbox
from ._source_limits import MAX_SOURCE_BYTES as MAX_SOURCE_BYTES
from ._wasm_cache import ArtifactCache as ArtifactCache
from ._wasm_component import WasmComponent as WasmComponent
from ._wasm_component import load_component as load_component
from ._wasm_corpus import COMPONENT_ATTACKS as COMPONENT_ATTACKS
from ._wasm_corpus import ComponentAttack as ComponentAttack
from ._wasm_engine import WasmEngine as WasmEngine
from ._wasm_errors import CompileLimitExceeded as CompileLimitExceeded
from ._wasm_errors import ComponentLoadFailed as ComponentLoadFailed
from ._wasm_errors import HostMemoryLimit as HostMemoryLimit
from ._wasm_errors import ImportTypeMismatch as ImportTypeMismatch
from ._wasm_errors import UnknownImport as UnknownImport
from ._wasm_runtime import ComponentRuntime as ComponentRuntime
