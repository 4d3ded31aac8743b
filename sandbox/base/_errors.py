"""Sandbox errors.

::

    ModhostError
    └── SandboxError                       root of this package
        ├── SandboxClosed                  using a closed sandbox (a host bug)
        ├── ScriptRejected (+ModFault)     SANDBOX_FORBIDDEN: refused before running
        │                                  (SANDBOX_COMPILE_LIMIT: over a compile cap)
        └── ScriptFault (+ModFault)        the mod faulted while running
            ├── ScriptRaised               SANDBOX_ERROR
            ├── FuelExhausted              SANDBOX_FUEL_EXHAUSTED
            ├── ScriptTimeout              SANDBOX_TIMEOUT
            ├── MemoryLimitExceeded        SANDBOX_MEMORY_LIMIT
            ├── RecursionLimitExceeded     SANDBOX_RECURSION_LIMIT
            ├── ForbiddenAccess            SANDBOX_FORBIDDEN: reached at run time (getattr ...)
            └── GuestTrap                  WASM_TRAP
"""

from __future__ import annotations

from host_api import DiagnosticCode, ModFault, ModhostError


class SandboxError(ModhostError):
    """Root of the sandbox package's errors."""


class SandboxClosed(SandboxError):
    """A closed sandbox was used (a host bug, not the mod's)."""

    code = DiagnosticCode.HOST_INTERNAL_ERROR


class ScriptRejected(SandboxError, ModFault):
    """The script was refused before it ran (syntax, forbidden construct)."""

    code = DiagnosticCode.SANDBOX_FORBIDDEN


class ScriptFault(SandboxError, ModFault):
    """The mod faulted while running; counts against its fault budget."""

    code = DiagnosticCode.SANDBOX_ERROR


class ScriptRaised(ScriptFault):
    """A hook raised an exception."""

    code = DiagnosticCode.SANDBOX_ERROR


class FuelExhausted(ScriptFault):
    """The call ran out of fuel."""

    code = DiagnosticCode.SANDBOX_FUEL_EXHAUSTED


class ScriptTimeout(ScriptFault):
    """The call ran past its wall-clock limit."""

    code = DiagnosticCode.SANDBOX_TIMEOUT


class MemoryLimitExceeded(ScriptFault):
    """An allocation would exceed the mod's memory limit."""

    code = DiagnosticCode.SANDBOX_MEMORY_LIMIT


class RecursionLimitExceeded(ScriptFault):
    """Calls nested deeper than the limit."""

    code = DiagnosticCode.SANDBOX_RECURSION_LIMIT


class ForbiddenAccess(ScriptFault):
    """The script reached a forbidden name at run time (``getattr`` with a computed name)."""

    code = DiagnosticCode.SANDBOX_FORBIDDEN


class GuestTrap(ScriptFault):
    """A WebAssembly guest trapped."""

    code = DiagnosticCode.WASM_TRAP
