"""Errors of the WebAssembly tier, and the one place wasmtime's errors are translated.

::

    SandboxError
    ├── ComponentLoadFailed (+ModFault)   WASM_LOAD_FAILED: not a component, bad exports
    │   ├── HostMemoryLimit               HOST_MEMORY_LIMIT: past [limits] host_memory_mb
    │   ├── CompileLimitExceeded          WASM_COMPILE_LIMIT: compile time, memory, file size
    │   └── UnknownImport                 WASM_UNKNOWN_IMPORT: imports outside world `mod`
    │       └── ImportTypeMismatch        ... or a host function under another type
    └── ScriptFault (sandbox.base._errors)     a call trapped or hit a limit:
        FuelExhausted, ScriptTimeout, MemoryLimitExceeded, RecursionLimitExceeded, GuestTrap

:func:`translate_trap` is the boundary: every ``wasmtime.WasmtimeError`` raised by a guest call
becomes one of the faults above (``raise ... from exc``), with the mod id, the component path
and the call in it.
"""

from __future__ import annotations

from typing import Any

from host_api import DiagnosticCode, ModFault

from ..base import (
    FuelExhausted,
    GuestTrap,
    MemoryLimitExceeded,
    RecursionLimitExceeded,
    SandboxError,
    ScriptFault,
    ScriptTimeout,
)


class ComponentLoadFailed(SandboxError, ModFault):
    """A component could not be compiled, linked or started."""

    code = DiagnosticCode.WASM_LOAD_FAILED


class HostMemoryLimit(ComponentLoadFailed):
    """Starting a component would pass the host-wide ``[limits] host_memory_mb``."""

    code = DiagnosticCode.HOST_MEMORY_LIMIT


class CompileLimitExceeded(ComponentLoadFailed):
    """Compiling a component took more time or memory than the host allows, or the file
    is too large (``WASM_COMPILE_LIMIT``)."""

    code = DiagnosticCode.WASM_COMPILE_LIMIT


class UnknownImport(ComponentLoadFailed):
    """A component imports something outside world ``mod`` (or WASI the policy did not grant).

    :param name: the import, e.g. ``wasi:sockets/tcp@0.2.0`` or ``modhost:mod/host@0.1.0#open``.
    """

    code = DiagnosticCode.WASM_UNKNOWN_IMPORT

    def __init__(self, name: str, *, mod_id: str, file: str, wasi_hint: bool) -> None:
        hint = (
            "WASI is not linked unless the host policy sets [sandbox] wasi = true"
            if wasi_hint
            else "build the component against wit/ (world modhost:mod/mod) and import only "
            "the host interface"
        )
        super().__init__(
            f"component imports '{name}', which is not part of world modhost:mod/mod",
            mod_id=mod_id,
            file=file,
            hint=hint,
            details={"import": name},
        )
        self.name = name


class ImportTypeMismatch(UnknownImport):
    """A component imports a host function (or type) of world ``mod`` under another type.

    The host's functions are only ever called with the WIT's types: anything else would hand
    the host values it would read as something they are not.

    :param name: the import, e.g. ``modhost:mod/host@0.1.0#log``.
    :param expected: the WIT's type; :param found: the component's.
    """

    def __init__(self, name: str, *, expected: str, found: str, mod_id: str, file: str) -> None:
        ComponentLoadFailed.__init__(
            self,
            f"component imports '{name}' as {found}; world modhost:mod/mod has {expected}",
            mod_id=mod_id,
            file=file,
            hint="build the component against wit/ (world modhost:mod/mod) as it is: the host "
            "calls its functions with the WIT's types only",
            details={"import": name, "expected": expected, "found": found},
        )
        self.name = name


#: (text in wasmtime's error, fault class, what to tell the author)
_RULES: tuple[tuple[str, type[ScriptFault], str], ...] = (
    ("all fuel consumed", FuelExhausted, "the call ran out of fuel; do less work per call"),
    ("wasm trap: interrupt", ScriptTimeout, "the call ran past its wall-clock limit"),
    ("call stack exhausted", RecursionLimitExceeded, "recursion too deep for the wasm stack"),
    ("exceeds memory limits", MemoryLimitExceeded, "the component needs more memory than allowed"),
    (
        "exceeds table limits",
        MemoryLimitExceeded,
        "the component needs a larger table than allowed",
    ),
)


def trap_reason(message: str) -> str:
    """The one-line reason in a wasmtime error (the text after ``wasm trap:`` if any)."""
    for line in reversed(message.strip().splitlines()):
        line = line.strip()
        if line.startswith("wasm trap:"):
            return line.removeprefix("wasm trap:").strip()
    return message.strip().splitlines()[-1].strip() if message.strip() else "unknown error"


def translate_trap(
    exc: BaseException,
    *,
    mod_id: str,
    file: str,
    call: str,
    limits: dict[str, Any],
    memory_refused: bool = False,
) -> ScriptFault:
    """Map a wasmtime error from a guest call to the fault the runtime counts.

    :param limits: the effective limits, copied into the diagnostic's details.
    :param memory_refused: the host refused a memory growth at the limit during the call, so
        a trap that is not fuel, time or stack is the guest giving up for lack of memory.
    """
    message = str(exc)
    reason = trap_reason(message)
    if memory_refused and not any(n in message for n, _, _ in _RULES[:3]):
        message += "\n(exceeds memory limits)"
        reason = f"{reason} after memory.grow was refused at the limit"
    for needle, cls, hint in _RULES:
        if needle in message:
            fault: ScriptFault = cls(
                f"{call} stopped: {reason}",
                mod_id=mod_id,
                file=file,
                hint=f"{hint} (limits: {limits}); the host restarts the component on a fresh "
                "instance or quarantines the mod after repeated faults",
                details={"call": call, "trap": reason, "limits": dict(limits)},
            )
            return fault
    return GuestTrap(
        f"{call} trapped: {reason}",
        mod_id=mod_id,
        file=file,
        hint="the component trapped (a guest panic, unreachable, a bad memory access, or an "
        "allocation refused at the memory limit); fix the guest. The host restarts it on a "
        "fresh instance, or quarantines the mod after repeated faults",
        details={"call": call, "trap": reason, "limits": dict(limits)},
    )
