"""The exception tree shared by every package.

Exceptions are modelled by who is at fault. Each package roots its own tree below
:class:`ModhostError` (``SandboxError``, ``ResolutionError``, ``SubmissionRejected`` ...)::

    ModhostError                      carries code, hint, mod_id; .to_diagnostic()
    ├── ModFault                      the mod did something wrong; mod_id is required
    │   ├── ManifestError
    │   │   ├── ManifestNotFound      MANIFEST_NOT_FOUND
    │   │   └── ManifestInvalid       MANIFEST_INVALID (carries every problem found)
    │   └── CapabilityDenied          CAPABILITY_DENIED (names the capability)
    ├── PolicyError                   POLICY_INVALID: the operator's policy file is wrong
    └── ModHostInternalError          a bug in the host, never the mod's fault
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._diagnostics import Diagnostic, DiagnosticCode, Severity
from ._text import printable


class ModhostError(Exception):
    """Root of every error modhost raises on purpose.

    :param message: one line saying what went wrong.
    :param code: the stable diagnostic code; defaults to the class's ``code``.
    :param hint: how the user fixes it.
    :param mod_id: the mod concerned, if any.
    :param file: file (relative to the mod folder where possible).
    :param line: 1-based line in ``file``.
    :param cause: a chain of human-readable causes, root first.
    :param details: extra structured facts copied into the diagnostic.
    """

    code: DiagnosticCode = DiagnosticCode.HOST_INTERNAL_ERROR
    severity: Severity = "error"

    def __init__(
        self,
        message: str,
        *,
        code: DiagnosticCode | None = None,
        hint: str = "",
        mod_id: str | None = None,
        file: str | None = None,
        line: int | None = None,
        cause: Iterable[str] = (),
        details: dict[str, Any] | None = None,
    ) -> None:
        # A message may quote what a script passed: a lone surrogate in it is shown escaped,
        # so every report and log that carries the error can be written.
        message = printable(message)
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hint = hint
        self.mod_id = mod_id
        self.file = file
        self.line = line
        self.cause = tuple(cause)
        self.details = dict(details or {})

    def to_diagnostic(self, severity: Severity | None = None) -> Diagnostic:
        """The user-facing form of this error."""
        return Diagnostic(
            code=str(self.code),
            severity=severity or self.severity,
            message=self.message,
            mod=self.mod_id,
            hint=self.hint,
            file=self.file,
            line=self.line,
            cause=self.cause,
            details=self.details,
        )

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ModFault(ModhostError):
    """The mod is at fault. Always names the mod (``mod_id`` is required)."""

    def __init__(self, message: str, *, mod_id: str, **kwargs: Any) -> None:
        super().__init__(message, mod_id=mod_id, **kwargs)
        self.mod_id: str = mod_id


class ManifestError(ModFault):
    """A problem with ``mod.toml``."""

    code = DiagnosticCode.MANIFEST_INVALID


class ManifestNotFound(ManifestError):
    """The mod folder has no ``mod.toml``."""

    code = DiagnosticCode.MANIFEST_NOT_FOUND


class ManifestInvalid(ManifestError):
    """``mod.toml`` does not parse or validate; ``diagnostics`` lists every problem found."""

    def __init__(
        self, message: str, *, mod_id: str, diagnostics: Iterable[Diagnostic] = (), **kwargs: Any
    ) -> None:
        super().__init__(message, mod_id=mod_id, **kwargs)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics) or (self.to_diagnostic(),)


class CapabilityDenied(ModFault):
    """A mod called a host operation it was not granted."""

    code = DiagnosticCode.CAPABILITY_DENIED

    def __init__(self, capability: str, call: str, *, mod_id: str) -> None:
        super().__init__(
            f"{call} needs capability '{capability}', which this mod was not granted",
            mod_id=mod_id,
            hint=f'add "{capability}" to capabilities in mod.toml; if it is there, '
            "the host policy (modhost.toml) does not grant it to this mod",
            details={"capability": capability, "call": call},
        )
        self.capability = capability
        self.call = call


class PolicyError(ModhostError):
    """The host's policy file is malformed."""

    code = DiagnosticCode.POLICY_INVALID


class ModHostInternalError(ModhostError):
    """A bug in modhost itself; reported, never blamed on a mod."""

    code = DiagnosticCode.HOST_INTERNAL_ERROR
