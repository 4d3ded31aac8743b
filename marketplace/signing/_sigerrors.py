"""Signing errors: the tree every signing module raises from.

Verification collects problems as data (:class:`marketplace.SignatureCheck` carries
diagnostics); these exceptions travel between the signing modules and out of the commands
that must stop (``sign`` with a bad key, a folder that cannot be hashed)::

    ModhostError
    └── SigningError                      root of the signing modules
        ├── SignatureMissing (+ModFault)  SIGNATURE_MISSING: no mod.sig
        ├── SignatureInvalid (+ModFault)  SIGNATURE_INVALID: malformed mod.sig, a bad
        │                                 signature, files that differ, another id/version
        ├── SignatureUntrusted (+ModFault) SIGNATURE_UNTRUSTED: a good signature by a key
        │                                 the policy does not trust
        ├── SignatureRollback (+ModFault) SIGNATURE_ROLLBACK: older than (or the same version
        │                                 as, with other files) what the host accepted
        ├── UnsafeModFolder (+ModFault)   PACKAGE_UNSAFE: links or special files in the folder
        ├── SigningKeyInvalid             SIGNING_KEY_INVALID: a key file in the wrong format
        │   └── SigningKeyExists          SIGNING_KEY_EXISTS: keygen would overwrite a key
        ├── TrustConfigError              POLICY_INVALID: a trusted key the policy names is bad
        └── RollbackStateInvalid          ROLLBACK_STATE_INVALID: the accepted-versions file
                                          is unreadable (a host problem, not the mod's)

``cryptography.exceptions.InvalidSignature`` becomes :class:`SignatureInvalid` in exactly one
place, :func:`marketplace.signing._signing.verify_raw`.
"""

from __future__ import annotations

from typing import Final

from host_api import DiagnosticCode, ModFault, ModhostError

#: The hint of every ``SIGNATURE_INVALID`` that signing the mod again fixes.
RESIGN_HINT: Final = "re-sign the mod with 'modhost sign DIR --key KEY'"


class SigningError(ModhostError):
    """Root of the signing modules' errors."""


class SignatureMissing(SigningError, ModFault):
    """The mod folder has no ``mod.sig``."""

    code = DiagnosticCode.SIGNATURE_MISSING


class SignatureInvalid(SigningError, ModFault):
    """``mod.sig`` is malformed, does not verify, or does not match the folder's files."""

    code = DiagnosticCode.SIGNATURE_INVALID


class SignatureUntrusted(SigningError, ModFault):
    """The signature is good, but the key that made it is not trusted by the policy."""

    code = DiagnosticCode.SIGNATURE_UNTRUSTED


class SignatureRollback(SigningError, ModFault):
    """A signed mod older than the version the host already accepted (or the same version
    with different files)."""

    code = DiagnosticCode.SIGNATURE_ROLLBACK


class UnsafeModFolder(SigningError, ModFault):
    """The mod folder holds a symbolic link or a special file; it is never followed."""

    code = DiagnosticCode.PACKAGE_UNSAFE


class SigningKeyInvalid(SigningError):
    """A key file is missing, unreadable or not an Ed25519 key in the expected format."""

    code = DiagnosticCode.SIGNING_KEY_INVALID


class SigningKeyExists(SigningKeyInvalid):
    """``keygen`` was asked to write a key file that exists, without ``--force``."""

    code = DiagnosticCode.SIGNING_KEY_EXISTS


class TrustConfigError(SigningError):
    """An entry of ``[signing] trusted_keys`` in the host policy cannot be used."""

    code = DiagnosticCode.POLICY_INVALID


class RollbackStateInvalid(SigningError):
    """The accepted-versions state file exists but cannot be read or parsed."""

    code = DiagnosticCode.ROLLBACK_STATE_INVALID
