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
    "KindWork",
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
    "TickWork",
    "UnknownImport",
    "WasmComponent",
    "WasmEngine",
    "check_script",
    "create_sandbox",
    "load_component",
    "run_audit",
]

from .audit import ATTACKS as ATTACKS
from .audit import COMPONENT_ATTACKS as COMPONENT_ATTACKS
from .audit import Attack as Attack
from .audit import AuditResult as AuditResult
from .audit import ComponentAttack as ComponentAttack
from .audit import run_audit as run_audit
from .base import HOOKS as HOOKS
from .base import ForbiddenAccess as ForbiddenAccess
from .base import FuelExhausted as FuelExhausted
from .base import GuestTrap as GuestTrap
from .base import HookFigures as HookFigures
from .base import KindWork as KindWork
from .base import MemoryLimitExceeded as MemoryLimitExceeded
from .base import RecursionLimitExceeded as RecursionLimitExceeded
from .base import SandboxClosed as SandboxClosed
from .base import SandboxError as SandboxError
from .base import ScriptFault as ScriptFault
from .base import ScriptModule as ScriptModule
from .base import ScriptRaised as ScriptRaised
from .base import ScriptRejected as ScriptRejected
from .base import ScriptSandbox as ScriptSandbox
from .base import ScriptTimeout as ScriptTimeout
from .base import TickWork as TickWork
from .python import MAX_SOURCE_BYTES as MAX_SOURCE_BYTES
from .python import ProcessSandbox as ProcessSandbox
from .python import RestrictedSandbox as RestrictedSandbox
from .python import ScriptCheck as ScriptCheck
from .python import ScriptProblem as ScriptProblem
from .python import check_script as check_script
from .python import create_sandbox as create_sandbox
from .wasm import ArtifactCache as ArtifactCache
from .wasm import CompileLimitExceeded as CompileLimitExceeded
from .wasm import ComponentLoadFailed as ComponentLoadFailed
from .wasm import ComponentRuntime as ComponentRuntime
from .wasm import HostMemoryLimit as HostMemoryLimit
from .wasm import ImportTypeMismatch as ImportTypeMismatch
from .wasm import UnknownImport as UnknownImport
from .wasm import WasmComponent as WasmComponent
from .wasm import WasmEngine as WasmEngine
from .wasm import load_component as load_component
