"""Diagnostics: the one shape every user-caused problem takes on its way out.

A diagnostic is data (a pydantic model at the edge of the system), produced from an
exception with :meth:`ModhostError.to_diagnostic` or built directly by code that collects
many problems before deciding anything.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._text import printable

Severity = Literal["error", "warning", "info"]


class DiagnosticCode(StrEnum):
    """Stable codes. Tools outside the code base match on these strings: never rename one."""

    MANIFEST_INVALID = "MANIFEST_INVALID"
    MANIFEST_NOT_FOUND = "MANIFEST_NOT_FOUND"
    RESOLVE_MISSING_REQUIRED = "RESOLVE_MISSING_REQUIRED"
    RESOLVE_VERSION_MISMATCH = "RESOLVE_VERSION_MISMATCH"
    RESOLVE_CONFLICT = "RESOLVE_CONFLICT"
    RESOLVE_CYCLE = "RESOLVE_CYCLE"
    RESOLVE_DUPLICATE_ID = "RESOLVE_DUPLICATE_ID"
    #: Version selection ran out of rounds before finding an answer (resolver extension).
    RESOLVE_TOO_COMPLEX = "RESOLVE_TOO_COMPLEX"
    HOST_VERSION_MISMATCH = "HOST_VERSION_MISMATCH"
    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    SIGNATURE_UNTRUSTED = "SIGNATURE_UNTRUSTED"
    SIGNATURE_ROLLBACK = "SIGNATURE_ROLLBACK"
    SANDBOX_FORBIDDEN = "SANDBOX_FORBIDDEN"
    SANDBOX_FUEL_EXHAUSTED = "SANDBOX_FUEL_EXHAUSTED"
    SANDBOX_TIMEOUT = "SANDBOX_TIMEOUT"
    SANDBOX_MEMORY_LIMIT = "SANDBOX_MEMORY_LIMIT"
    SANDBOX_RECURSION_LIMIT = "SANDBOX_RECURSION_LIMIT"
    SANDBOX_ERROR = "SANDBOX_ERROR"
    #: A script's source is over a compile cap (size, line length, nesting), or too complex
    #: for the compiler: refused before it runs, like SANDBOX_FORBIDDEN.
    SANDBOX_COMPILE_LIMIT = "SANDBOX_COMPILE_LIMIT"
    SANDBOX_SKIPPED = "SANDBOX_SKIPPED"
    """A part of a script that compiles but never runs in a mod (an `if __name__ ==
    "__main__":` block); a note, not an error."""
    WASM_TRAP = "WASM_TRAP"
    CAPABILITY_DENIED = "CAPABILITY_DENIED"
    MOD_QUARANTINED = "MOD_QUARANTINED"
    RELOAD_ROLLED_BACK = "RELOAD_ROLLED_BACK"
    MARKET_INVALID_TRANSITION = "MARKET_INVALID_TRANSITION"
    MARKET_VALIDATION_FAILED = "MARKET_VALIDATION_FAILED"
    PACKAGE_UNSAFE = "PACKAGE_UNSAFE"
    # Extensions in the same style.
    POLICY_INVALID = "POLICY_INVALID"
    MOD_FILE_MISSING = "MOD_FILE_MISSING"
    MOD_THROTTLED = "MOD_THROTTLED"
    HOST_INTERNAL_ERROR = "HOST_INTERNAL_ERROR"
    #: ``--strict`` made errors found before the world runs fatal: no mod code ran.
    STRICT_FAILED = "STRICT_FAILED"
    # WebAssembly components and the host API (issue #3).
    STORAGE_QUOTA_EXCEEDED = "STORAGE_QUOTA_EXCEEDED"
    WASM_LOAD_FAILED = "WASM_LOAD_FAILED"
    WASM_UNKNOWN_IMPORT = "WASM_UNKNOWN_IMPORT"
    # The sandbox security suite (modhost sandbox audit): an attack was not stopped.
    SANDBOX_AUDIT_FAILED = "SANDBOX_AUDIT_FAILED"
    # Presentation (runtime/present/_presentation.py).
    PRESENTATION_FALLBACK = "PRESENTATION_FALLBACK"
    PRESENTATION_UNAVAILABLE = "PRESENTATION_UNAVAILABLE"
    SCREENSHOT_FAILED = "SCREENSHOT_FAILED"
    # Marketplace extensions.
    MARKET_NOT_FOUND = "MARKET_NOT_FOUND"
    MARKET_CONFLICT = "MARKET_CONFLICT"
    MARKET_FORBIDDEN = "MARKET_FORBIDDEN"
    MARKET_STORE_INVALID = "MARKET_STORE_INVALID"
    MARKET_GATE_UNAVAILABLE = "MARKET_GATE_UNAVAILABLE"
    MARKET_VERSION_NOT_NEWER = "MARKET_VERSION_NOT_NEWER"
    MARKET_SMOKE_FAILED = "MARKET_SMOKE_FAILED"
    MARKET_INSTALL_FAILED = "MARKET_INSTALL_FAILED"
    #: A lock or statement timeout expired behind another writer (retry later).
    MARKET_BUSY = "MARKET_BUSY"
    #: An author has too many submissions open (draft, review, changes requested).
    MARKET_QUOTA_EXCEEDED = "MARKET_QUOTA_EXCEEDED"
    #: A file or the store could not be read or written (disk, permissions, network).
    MARKET_IO_FAILED = "MARKET_IO_FAILED"
    # Signing extensions.
    SIGNING_KEY_INVALID = "SIGNING_KEY_INVALID"
    SIGNING_KEY_INSECURE = "SIGNING_KEY_INSECURE"
    #: ``keygen`` would overwrite a key that exists (``--force`` replaces it).
    SIGNING_KEY_EXISTS = "SIGNING_KEY_EXISTS"
    ROLLBACK_STATE_INVALID = "ROLLBACK_STATE_INVALID"
    # Gameplay toolkit (issue #9): input, colliders, timers, record/replay.
    INPUT_UNKNOWN_KEY = "INPUT_UNKNOWN_KEY"
    INPUT_FILE_INVALID = "INPUT_FILE_INVALID"
    COLLIDER_INVALID = "COLLIDER_INVALID"
    TIMER_LIMIT = "TIMER_LIMIT"
    REPLAY_FILE_INVALID = "REPLAY_FILE_INVALID"
    REPLAY_MODS_DIFFER = "REPLAY_MODS_DIFFER"
    REPLAY_DIVERGED = "REPLAY_DIVERGED"
    # Profiler and performance budgets (issue #18).
    BUDGET_EXCEEDED = "BUDGET_EXCEEDED"
    # Hostile mods (issue #13): caps on what one host call or one mod may ask of the host.
    MOD_PAYLOAD_LIMIT = "MOD_PAYLOAD_LIMIT"
    MOD_ENTITY_LIMIT = "MOD_ENTITY_LIMIT"
    HOST_MEMORY_LIMIT = "HOST_MEMORY_LIMIT"
    WASM_COMPILE_LIMIT = "WASM_COMPILE_LIMIT"
    # The marketplace server (issue #19): identities, uploads, the signed index.
    MARKET_UNAUTHENTICATED = "MARKET_UNAUTHENTICATED"
    MARKET_RATE_LIMITED = "MARKET_RATE_LIMITED"
    MARKET_REQUEST_INVALID = "MARKET_REQUEST_INVALID"
    MARKET_SERVER_UNREACHABLE = "MARKET_SERVER_UNREACHABLE"
    MARKET_INDEX_INVALID = "MARKET_INDEX_INVALID"
    MARKET_INDEX_ROLLBACK = "MARKET_INDEX_ROLLBACK"
    MARKET_INDEX_EXPIRED = "MARKET_INDEX_EXPIRED"
    MARKET_INDEX_MISMATCH = "MARKET_INDEX_MISMATCH"


class Diagnostic(BaseModel):
    """One problem, as users and tools see it (the JSON report's ``diagnostics`` items)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: A stable :class:`DiagnosticCode` value (a plain string in JSON).
    code: str
    severity: Severity = "error"
    #: One line saying what is wrong.
    message: str
    #: The mod id it concerns, when it concerns one.
    mod: str | None = None
    #: How to fix it.
    hint: str = ""
    #: The file (relative to the mod folder where possible) and 1-based line, when known.
    file: str | None = None
    line: int | None = None
    #: For chained failures (resolver): from the root cause to this problem, one line each.
    cause: tuple[str, ...] = ()
    #: Extra structured facts for tools (e.g. the capability name, the differing file).
    details: dict[str, Any] = Field(default_factory=dict)

    # Messages quote what scripts passed (a path, a key): a lone surrogate in one would make
    # the report impossible to write, so it is shown escaped.
    @field_validator("message", "hint", "file")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return None if value is None else printable(value)

    @field_validator("cause")
    @classmethod
    def _printable_causes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(printable(line) for line in value)

    @field_validator("details")
    @classmethod
    def _printable_details(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {
            printable(k) if type(k) is str else k: printable(v) if type(v) is str else v
            for k, v in value.items()
        }

    def render(self) -> str:
        """Render as one human line plus an indented hint (used by the terminal reporter)."""
        where = (
            f" ({self.file}:{self.line})"
            if self.file and self.line
            else (f" ({self.file})" if self.file else "")
        )
        mod = f"[{self.mod}] " if self.mod else ""
        text = f"{self.severity}: {self.code}: {mod}{self.message}{where}"
        for step in self.cause:
            text += f"\n    caused by: {step}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


def worst_severity(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> Severity | None:
    """Return ``"error"`` if any diagnostic is an error, else the worst present, else None."""
    order: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
    if not diagnostics:
        return None
    worst = max(diagnostics, key=lambda d: order[d.severity])
    return worst.severity


def any_error(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    """True when at least one diagnostic has severity ``error`` (the CLI then exits 1)."""
    return any(d.severity == "error" for d in diagnostics)
