"""The signature gate: ``mod.sig`` is valid and made by a key the submitting author registered.

Verification itself belongs to the signing modules (:func:`verify_mod`); this gate only
decides *which* keys count (the author's registered keys, never a key the package carries)
and turns the outcome into findings.
"""

from __future__ import annotations

from host_api import DiagnosticCode

from ._gates import GateSubject, skipped
from .signing import parse_public_key, verify_mod
from .store import Finding


class SignatureGate:
    """Verify the extracted package against the author's registered public keys only."""

    name = "signature"

    def run(self, subject: GateSubject) -> list[Finding]:
        sub = subject.submission
        if subject.folder is None or subject.manifest is None:
            return [skipped(self.name, subject, "the package is unsafe or mod.toml is invalid")]
        keys = [parse_public_key(k.public_key) for k in subject.store.keys_for(sub.author)]
        if not keys:
            return [
                Finding(
                    self.name,
                    DiagnosticCode.SIGNATURE_UNTRUSTED,
                    f"author '{sub.author}' has no registered public key",
                    mod=sub.mod_id,
                    hint=f"modhost market register-key {sub.author} KEY.pub",
                )
            ]
        found = verify_mod(subject.folder, trusted=keys, manifest=subject.manifest)
        if found.status == "valid" or found.problem is None:
            return []
        finding = Finding.from_diagnostic(self.name, found.problem.to_diagnostic())
        if found.status == "untrusted":
            finding = Finding(
                self.name,
                finding.code,
                f"signed by key {found.key_id}, which is not a key '{sub.author}' registered",
                mod=sub.mod_id,
                file=finding.file,
                hint=f"sign with your registered key, or register this one: "
                f"modhost market register-key {sub.author} KEY.pub",
                details={"key_id": found.key_id},
            )
        return [finding]
