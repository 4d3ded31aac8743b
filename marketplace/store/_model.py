"""The records the store keeps: submissions, their history, gate findings.

Plain frozen dataclasses inside the package; ``to_dict`` gives the JSON shape the CLI prints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from host_api import Diagnostic, Severity

from ._states import State


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string (the store's only time format)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Finding:
    """One problem (or note) a validation gate reported."""

    #: The gate that produced it (``manifest``, ``version``, ``package``, ``signature``,
    #: ``smoke``).
    gate: str
    #: A stable :class:`host_api.DiagnosticCode` value.
    code: str
    message: str
    severity: Severity = "error"
    hint: str = ""
    mod: str | None = None
    file: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_diagnostic(cls, gate: str, diagnostic: Diagnostic) -> Finding:
        """Wrap a diagnostic produced elsewhere (manifest parser, signing, smoke run)."""
        return cls(
            gate=gate,
            code=diagnostic.code,
            message=diagnostic.message,
            severity=diagnostic.severity,
            hint=diagnostic.hint,
            mod=diagnostic.mod,
            file=diagnostic.file,
            details=dict(diagnostic.details),
        )

    def to_diagnostic(self) -> Diagnostic:
        """The user-facing form."""
        return Diagnostic(
            code=self.code,
            severity=self.severity,
            message=f"[{self.gate}] {self.message}",
            mod=self.mod,
            hint=self.hint,
            file=self.file,
            details=dict(self.details),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (also the storage form)."""
        return {
            "gate": self.gate,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "mod": self.mod,
            "file": self.file,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Inverse of :meth:`to_dict`."""
        return cls(
            gate=data["gate"],
            code=data["code"],
            message=data["message"],
            severity=data.get("severity", "error"),
            hint=data.get("hint", ""),
            mod=data.get("mod"),
            file=data.get("file"),
            details=dict(data.get("details") or {}),
        )


def findings_to_json(findings: Iterable[Finding]) -> str:
    """Serialise findings for a TEXT column."""
    return json.dumps([f.to_dict() for f in findings], sort_keys=True)


def findings_from_json(text: str | None) -> tuple[Finding, ...]:
    """Inverse of :func:`findings_to_json`."""
    return tuple(Finding.from_dict(d) for d in json.loads(text or "[]"))


def gates_passed(findings: Iterable[Finding]) -> bool:
    """True when no finding is an error."""
    return not any(f.severity == "error" for f in findings)


@dataclass(frozen=True)
class Submission:
    """One version of one mod on its way through the pipeline."""

    id: int
    mod_id: str
    version: str
    author: str
    state: State
    #: SHA-256 (hex) of the ``.modpkg``; the artifact's content address.
    artifact: str
    #: The validated manifest, as a JSON-ready dict.
    manifest: Mapping[str, Any]
    #: Findings of the last gate run (empty before ``review``).
    findings: tuple[Finding, ...]
    #: ``None`` until the gates ran; then whether every gate passed.
    gates_passed: bool | None
    #: Bumped by every transition; the compare-and-set token.
    revision: int
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "mod": self.mod_id,
            "version": self.version,
            "author": self.author,
            "state": str(self.state),
            "artifact_sha256": self.artifact,
            "gates_passed": self.gates_passed,
            "findings": [f.to_dict() for f in self.findings],
            "revision": self.revision,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "manifest": dict(self.manifest),
        }


@dataclass(frozen=True)
class HistoryEntry:
    """One row of the audit trail: a transition (or the creation, ``from_state`` None)."""

    submission_id: int
    #: 1 for the creation, then one per transition, without gaps.
    seq: int
    from_state: State | None
    to_state: State
    actor: str
    at: str
    reason: str
    findings: tuple[Finding, ...]
    #: The artifact the submission pointed at after this step.
    artifact: str
    #: The mod version the submission had after this step (None in rows written before the
    #: store recorded it and whose submission no longer exists).
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "submission": self.submission_id,
            "version": self.version,
            "seq": self.seq,
            "from": None if self.from_state is None else str(self.from_state),
            "to": str(self.to_state),
            "actor": self.actor,
            "at": self.at,
            "reason": self.reason,
            "findings": [f.to_dict() for f in self.findings],
            "artifact_sha256": self.artifact,
        }


@dataclass(frozen=True)
class AuthorKey:
    """A public key an author registered; the signature gate accepts only these."""

    author: str
    key_id: str
    #: The public key as text (the signing package's export format).
    public_key: str
    added_at: str


@dataclass(frozen=True)
class AuditRecord:
    """One change to who may do what: a key registered or revoked, a role granted."""

    at: str
    actor: str
    #: ``register-key``, ``revoke-key`` or ``grant-role``.
    action: str
    #: The author or person concerned.
    subject: str
    #: The key id or role.
    detail: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
        }
