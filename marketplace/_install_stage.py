"""Verifying and staging each chosen package before ``mods/`` is touched: its digest against
the store's content address, a safe extract into the staging folder, its manifest against the
chosen release, its signature against the author's registered keys, and the rollback check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import Version

from host_api import MANIFEST_FILE, DiagnosticCode, ManifestError, load_manifest

from ._package_extract import safe_extract
from .signing import PublicKey, SignatureChecker, parse_public_key, verify_mod
from .store import InstallFailed, MarketStore, PackageUnsafe, Submission, sha256_hex

#: ``progress(step, done, total)``; step is ``"download"``, ``"verify"`` or ``"install"``.
InstallProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class InstalledMod:
    """One mod the install put (or found already) in ``mods/``."""

    mod_id: str
    version: str
    submission_id: int
    artifact: str
    key_id: str | None
    #: ``installed``, ``upgraded`` or ``unchanged`` (that version was already there).
    action: str
    #: The author whose registered key verified the mod (None when it could not be).
    author: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "mod": self.mod_id,
            "version": self.version,
            "submission": self.submission_id,
            "artifact_sha256": self.artifact,
            "key_id": self.key_id,
            "action": self.action,
        }


#: Each chosen mod, and its staged folder (None: that version is installed already).
Plan = list[tuple[InstalledMod, Path | None]]


def stage_all(
    store: MarketStore,
    chosen: list[Submission],
    mods_dir: Path,
    staging: Path,
    progress: InstallProgress | None,
    rollback: SignatureChecker,
) -> Plan:
    plan: Plan = []
    for done, sub in enumerate(chosen, start=1):
        current = _installed_version(mods_dir / sub.mod_id)
        if current is not None and current > Version(sub.version):
            raise InstallFailed(
                f"{sub.mod_id} {current} is installed; refusing to replace it with the older "
                f"{sub.version}",
                mod_id=sub.mod_id,
                hint=f"remove {mods_dir / sub.mod_id} first if you really want to downgrade",
                code=DiagnosticCode.SIGNATURE_ROLLBACK,
            )
        if current == Version(sub.version):
            key_id = _installed_key(store, sub, mods_dir / sub.mod_id)
            plan.append((_installed(sub, key_id, "unchanged"), None))
            continue
        data = store.get_artifact(sub.artifact)
        if progress is not None:
            progress("download", done, len(chosen))
        folder, key_id, digest = _stage_one(store, sub, data, staging)
        refused = rollback.rollback_diagnostic(sub.mod_id, sub.version, digest)
        if refused is not None and refused.severity == "error":
            raise InstallFailed(
                refused.message,
                mod_id=sub.mod_id,
                hint=refused.hint,
                code=DiagnosticCode.SIGNATURE_ROLLBACK,
            )
        if progress is not None:
            progress("verify", done, len(chosen))
        plan.append(
            (_installed(sub, key_id, "installed" if current is None else "upgraded"), folder)
        )
    return plan


def _installed(sub: Submission, key_id: str | None, action: str) -> InstalledMod:
    author = sub.author if key_id else None
    return InstalledMod(sub.mod_id, sub.version, sub.id, sub.artifact, key_id, action, author)


def _author_keys(store: MarketStore, sub: Submission) -> list[PublicKey]:
    return [parse_public_key(k.public_key) for k in store.keys_for(sub.author)]


def _installed_key(store: MarketStore, sub: Submission, folder: Path) -> str | None:
    """The author's key that verifies the installed copy of an unchanged mod, if one does:
    installing again hands its trust over to the host as a fresh install would."""
    try:
        found = verify_mod(folder, trusted=_author_keys(store, sub))
    except ManifestError:
        return None
    return found.key_id if found.status == "valid" else None


def _stage_one(
    store: MarketStore, sub: Submission, data: bytes, staging: Path
) -> tuple[Path, str | None, str]:
    label = f"{sub.mod_id} {sub.version}"
    if sha256_hex(data) != sub.artifact:
        raise InstallFailed(
            f"{label}: the stored package does not match its digest {sub.artifact[:16]}...",
            mod_id=sub.mod_id,
            hint="the store's artifacts were altered; restore them from backup",
            code=DiagnosticCode.SIGNATURE_INVALID,
        )
    folder = staging / sub.mod_id
    try:
        safe_extract(data, folder, mod_id=sub.mod_id)
        manifest = load_manifest(folder)
    except (PackageUnsafe, ManifestError) as exc:
        raise InstallFailed(
            f"{label}: {exc.message}", mod_id=sub.mod_id, hint=exc.hint, code=exc.code
        ) from exc
    if (manifest.id, manifest.version) != (sub.mod_id, sub.version):
        raise InstallFailed(
            f"{label}: the package holds {manifest.id} {manifest.version}",
            mod_id=sub.mod_id,
            hint="the store is inconsistent; report it",
        )
    found = verify_mod(folder, trusted=_author_keys(store, sub), manifest=manifest)
    if found.status != "valid":
        problem = found.problem
        raise InstallFailed(
            f"{label}: signature {found.status}" + (f": {problem.message}" if problem else ""),
            mod_id=sub.mod_id,
            hint="nothing was installed; the package or the author's keys changed after "
            "publication",
            code=problem.code if problem else DiagnosticCode.SIGNATURE_INVALID,
        )
    return folder, found.key_id, found.digest or ""


def _installed_version(folder: Path) -> Version | None:
    if not (folder / MANIFEST_FILE).is_file():
        return None
    try:
        return load_manifest(folder).parsed_version
    except ManifestError:
        return None


def vouch_entry(store: MarketStore, mod: InstalledMod, market: str) -> dict[str, str] | None:
    if mod.key_id is None or mod.author is None:
        return None
    pem = next((k.public_key for k in store.keys_for(mod.author) if k.key_id == mod.key_id), None)
    if pem is None:
        return None
    return {
        "key_id": mod.key_id,
        "public_key": pem,
        "author": mod.author,
        "market": market,
        "mod_id": mod.mod_id,
    }
