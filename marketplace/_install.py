"""Install published mods into ``mods/``: resolver-chosen versions, verified before unpacking.

Steps, all before ``mods/`` is touched:

1. The resolver's version selection picks one release per mod over **published** versions
   only (:class:`PublishedReleases`), for the requests and everything they require.
2. Each chosen package is read from the store and its SHA-256 compared with the content
   address the submission recorded (a tampered or corrupted artifact stops the install).
3. Each package is extracted with :func:`safe_extract` into a private staging folder beside
   ``mods/`` (never inside it, so the host never sees a half-installed mod), and its
   ``mod.sig`` is verified against the keys its author registered; its manifest must be the
   chosen id and version.
4. Only when every package passed are the staged folders moved into ``mods/`` (a rename on
   the same file system). An installed newer version is never replaced by an older one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from packaging.version import InvalidVersion, Version

from host_api import (
    MANIFEST_FILE,
    POLICY_FILE,
    DiagnosticCode,
    ManifestError,
    load_manifest,
    load_policy,
    parse_specifier,
)
from resolver import Release, ReleaseProvider, select_versions

from ._errors import InstallFailed, PackageUnsafe
from ._model import Submission
from ._package import safe_extract
from ._signing import parse_public_key
from ._sigverify import verify_mod
from ._states import State
from ._store import MarketStore, sha256_hex
from ._trust import SignatureChecker

#: ``progress(step, done, total)``; step is ``"download"``, ``"verify"`` or ``"install"``.
InstallProgress = Callable[[str, int, int], None]
_ANY: Final = "*"


class PublishedReleases(ReleaseProvider):
    """The resolver's view of the store: published submissions only, one release each."""

    def __init__(self, store: MarketStore) -> None:
        self.store = store
        self._chosen: dict[tuple[str, Version], Submission] = {}

    def releases(self, mod_id: str) -> Iterable[Release]:
        """Every published version of ``mod_id`` (yanked and unreviewed ones never appear)."""
        out: list[Release] = []
        for sub in self.store.submissions(state=State.PUBLISHED, mod_id=mod_id):
            release = _release_of(sub)
            if release is not None:
                self._chosen[(release.id, release.version)] = sub
                out.append(release)
        return out

    def submission_for(self, release: Release) -> Submission:
        """The submission a release came from."""
        return self._chosen[(release.id, release.version)]


def _release_of(sub: Submission) -> Release | None:
    deps: Mapping[str, Any] = sub.manifest.get("dependencies") or {}
    try:
        return Release.of(
            sub.mod_id,
            sub.version,
            required=dict(deps.get("required") or {}),
            optional=dict(deps.get("optional") or {}),
            conflicts=dict(deps.get("conflicts") or {}),
            host=str(sub.manifest.get("host", _ANY)),
        )
    except (InvalidVersion, ValueError):
        return None


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


def parse_request(text: str) -> tuple[str, str]:
    """``coin`` or ``coin@>=1.0,<2`` -> ``("coin", range)``.

    :raises InstallFailed: the range is not a PEP 440 specifier set.
    """
    mod_id, _, spec = text.partition("@")
    spec = spec.strip() or _ANY
    try:
        parse_specifier(spec)
    except ValueError as exc:
        raise InstallFailed(
            f"'{text}' is not ID or ID@RANGE",
            mod_id=mod_id or None,
            hint="e.g. coin-pickup@>=1.0,<2.0",
        ) from exc
    return mod_id.strip(), spec


def install(
    store: MarketStore,
    requests: Mapping[str, str],
    mods_dir: Path,
    *,
    progress: InstallProgress | None = None,
) -> list[InstalledMod]:
    """Install ``requests`` (mod id -> range) and their required dependencies.

    :raises SelectionImpossible: no combination of published versions fits.
    :raises InstallFailed: a digest or signature check failed, or an installed newer version
        would be replaced by an older one. Nothing was written into ``mods_dir`` then.
    """
    provider = PublishedReleases(store)
    selection = select_versions(dict(requests), provider)
    chosen = [provider.submission_for(r) for r in selection.releases]
    mods_dir.mkdir(parents=True, exist_ok=True)
    host_dir = mods_dir.resolve().parent
    rollback = SignatureChecker(load_policy(host_dir / POLICY_FILE), host_dir)
    staging = Path(tempfile.mkdtemp(prefix=".modhost-install-", dir=host_dir))
    try:
        plan = _stage_all(store, chosen, mods_dir, staging, progress, rollback)
        return _commit(plan, mods_dir, staging, progress)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


_Plan = list[tuple[InstalledMod, Path | None]]


def _stage_all(
    store: MarketStore,
    chosen: list[Submission],
    mods_dir: Path,
    staging: Path,
    progress: InstallProgress | None,
    rollback: SignatureChecker,
) -> _Plan:
    plan: _Plan = []
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
            plan.append(
                (
                    InstalledMod(sub.mod_id, sub.version, sub.id, sub.artifact, None, "unchanged"),
                    None,
                )
            )
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
        action = "installed" if current is None else "upgraded"
        plan.append(
            (InstalledMod(sub.mod_id, sub.version, sub.id, sub.artifact, key_id, action), folder)
        )
    return plan


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
    keys = [parse_public_key(k.public_key) for k in store.keys_for(sub.author)]
    found = verify_mod(folder, trusted=keys, manifest=manifest)
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


def _commit(
    plan: _Plan, mods_dir: Path, staging: Path, progress: InstallProgress | None
) -> list[InstalledMod]:
    retired = staging / ".replaced"
    retired.mkdir()
    for done, (mod, folder) in enumerate(plan, start=1):
        if folder is None:
            continue
        target = mods_dir / mod.mod_id
        if target.exists():
            os.replace(target, retired / mod.mod_id)
        os.replace(folder, target)
        if progress is not None:
            progress("install", done, len(plan))
    return [mod for mod, _ in plan]
