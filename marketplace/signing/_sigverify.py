"""Signing a mod folder, and verifying one against an explicit set of public keys.

This is the policy-free layer: :func:`verify_mod` answers *valid*, *invalid*, *untrusted* or
*missing* for a given set of trusted keys (the marketplace passes an author's registered key;
the host passes the keys of its policy through :mod:`marketplace.signing._trust`). It collects the
problem as data and never raises for anything a mod can cause.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from host_api import Manifest, load_manifest, write_atomically

from ._digest import (
    SIGFILE_NAME,
    FileDiff,
    diff_files,
    hash_listed,
    hash_mod_folder,
    list_mod_files,
)
from ._sigerrors import (
    RESIGN_HINT,
    SignatureInvalid,
    SignatureMissing,
    SignatureUntrusted,
    SigningError,
    UnsafeModFolder,
)
from ._sigfile import SigFile, make_sigfile, read_sigfile, signed_message
from ._signing import PublicKey, SigningKey, verify_raw

SignatureStatus = Literal["valid", "invalid", "untrusted", "missing"]
_RESIGN: Final = f"{RESIGN_HINT} after editing it"


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_mod` found. ``problem`` is None exactly when ``status`` is valid."""

    mod_id: str
    version: str
    status: SignatureStatus
    #: The signer's key id, when mod.sig could be parsed.
    key_id: str | None = None
    #: The folder's current mod digest, when every file could be hashed.
    digest: str | None = None
    #: Files added, removed or changed since signing, when mod.sig lists them.
    diff: FileDiff | None = None
    #: The reason the status is not valid (its ``code`` is the diagnostic code).
    problem: SigningError | None = None


def sign_mod(folder: Path, key: SigningKey, *, manifest: Manifest | None = None) -> SigFile:
    """Write ``folder/mod.sig`` (atomically) over the folder's digest, bound to the manifest's
    id and version. Deterministic: the same files and key give the same bytes.

    :raises ManifestError: ``mod.toml`` is missing or invalid (when ``manifest`` is None).
    :raises UnsafeModFolder: the folder holds a link or a special file.
    """
    manifest = manifest or load_manifest(folder)
    digest = hash_mod_folder(folder, mod_id=manifest.id)
    signature = key.sign(signed_message(manifest.id, manifest.version, digest.digest))
    sigfile = make_sigfile(
        mod_id=manifest.id,
        version=manifest.version,
        files=dict(digest.files),
        digest=digest.digest,
        public_key=key.public_key,
        signature=signature,
    )
    data = sigfile.dumps()
    write_atomically(folder / SIGFILE_NAME, data, prefix=".mod.sig.", durable=True, mode=0o644)
    return sigfile


def verify_mod(
    folder: Path,
    *,
    trusted: Iterable[PublicKey | str],
    manifest: Manifest | None = None,
) -> Verification:
    """Verify ``folder/mod.sig`` against the folder's files and a set of trusted keys.

    :param trusted: public keys, or key ids (32 hex), whose signatures are trusted.
    :param manifest: the folder's parsed manifest; read from ``mod.toml`` when None.
    :raises ManifestError: only when ``manifest`` is None and ``mod.toml`` is bad.

    Cost: hashes every byte of the mod once (streaming) when mod.sig parses and verifies.
    """
    manifest = manifest or load_manifest(folder)
    mod_id, version = manifest.id, manifest.version
    trusted_ids = {k.key_id if isinstance(k, PublicKey) else k for k in trusted}
    try:
        paths = list_mod_files(folder, mod_id=mod_id)  # refuse links before anything else
        sig = read_sigfile(folder / SIGFILE_NAME, mod_id=mod_id)
    except FileNotFoundError:
        return Verification(mod_id, version, "missing", problem=_missing(mod_id))
    except SigningError as exc:
        return Verification(mod_id, version, "invalid", problem=exc)
    try:
        verify_raw(sig.public_key_obj, sig.message(), sig.signature_bytes, mod_id=mod_id)
        _check_binding(sig, manifest)
        current = hash_listed(folder, paths, mod_id=mod_id)
    except (SignatureInvalid, UnsafeModFolder) as exc:
        return Verification(mod_id, version, "invalid", key_id=sig.key_id, problem=exc)
    diff = diff_files(sig.files, current.files)
    if diff:
        problem = SignatureInvalid(
            f"the mod's files differ from the signed ones ({diff.describe()})",
            mod_id=mod_id,
            file=(diff.changed or diff.added or diff.removed)[0],
            hint=_RESIGN,
            details={"reason": "files-differ", **diff.as_dict()},
        )
        return Verification(
            mod_id, version, "invalid", sig.key_id, current.digest, diff, problem=problem
        )
    if sig.key_id not in trusted_ids:
        return Verification(
            mod_id, version, "untrusted", sig.key_id, current.digest, problem=_untrusted(sig)
        )
    return Verification(mod_id, version, "valid", sig.key_id, current.digest)


def _check_binding(sig: SigFile, manifest: Manifest) -> None:
    if (sig.mod.id, sig.mod.version) == (manifest.id, manifest.version):
        return
    raise SignatureInvalid(
        f"mod.sig was made for {sig.mod.id} {sig.mod.version}, but mod.toml says "
        f"{manifest.id} {manifest.version}",
        mod_id=manifest.id,
        file=SIGFILE_NAME,
        hint=_RESIGN,
        details={
            "reason": "other-mod",
            "signed_id": sig.mod.id,
            "signed_version": sig.mod.version,
        },
    )


def _missing(mod_id: str) -> SignatureMissing:
    return SignatureMissing(
        "the mod is not signed (no mod.sig)",
        mod_id=mod_id,
        hint="sign it with 'modhost sign DIR --key KEY' (create a key with 'modhost keygen')",
    )


def _untrusted(sig: SigFile) -> SignatureUntrusted:
    return SignatureUntrusted(
        f"the signature is valid, but key {sig.key_id} is not trusted",
        mod_id=sig.mod.id,
        file=SIGFILE_NAME,
        hint="if you trust the signer, add their .pub file or key id to [signing] "
        "trusted_keys in modhost.toml",
        details={"key_id": sig.key_id},
    )
