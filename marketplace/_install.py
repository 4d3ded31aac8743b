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
4. Only when every package passed is the plan written to a journal, the verified author
   keys recorded in the host's trust store (:mod:`._vouched`, scoped to their mods, named
   after the marketplace), and the staged folders moved into ``mods/``. An installed newer
   version is never replaced by an older one.

Crash safety. Everything is staged in one known folder beside ``mods/``
(``.modhost-install/``), and one install at a time writes into a ``mods/`` folder (a lock
file; a second one fails with ``MARKET_BUSY``). Each mod is replaced with two renames:
``mods/<id>`` into ``.modhost-install/old/``, then the staged folder into ``mods/<id>``. The
next install first recovers what a killed one left: with a journal, it finishes the plan
(moving in every staged folder still waiting, restoring an old folder whose replacement is
gone); without one, nothing in ``mods/`` was touched and the staging folder is removed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
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
    write_atomically,
)
from resolver import Release, ReleaseProvider, select_versions

from ._package import PACKAGE_SUFFIX
from ._package_extract import safe_extract
from ._staging import exclusive, fault_point
from .signing import (
    PublicKey,
    SignatureChecker,
    VouchedKeys,
    market_name,
    parse_public_key,
    verify_mod,
    vouched_path,
)
from .store import (
    InstallFailed,
    MarketBusy,
    MarketStore,
    PackageUnsafe,
    State,
    Submission,
    sha256_hex,
)

#: ``progress(step, done, total)``; step is ``"download"``, ``"verify"`` or ``"install"``.
InstallProgress = Callable[[str, int, int], None]
_ANY: Final = "*"
_ID: Final = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
#: The staging folder beside ``mods/`` (same file system, so moving in is a rename).
STAGING_NAME: Final = ".modhost-install"
_JOURNAL: Final = "journal.json"
_MAX_JOURNAL_BYTES: Final = 16 * 1024 * 1024


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


def parse_request(text: str) -> tuple[str, str]:
    """``coin`` or ``coin@>=1.0,<2`` -> ``("coin", range)``.

    :raises InstallFailed: a package file instead of a mod id, an invalid mod id, or a range
        that is not a PEP 440 specifier set.
    """
    if text.endswith(PACKAGE_SUFFIX) or "/" in text.partition("@")[0]:
        raise InstallFailed(
            f"'{text}' looks like a package file; 'market install' takes ID or ID@RANGE of a "
            "published mod",
            hint="install what the market published (e.g. coin-pickup@>=1.0); a package file "
            "goes through 'modhost market submit FILE' and review first",
        )
    mod_id, _, spec = text.partition("@")
    mod_id, spec = mod_id.strip(), spec.strip() or _ANY
    if not _ID.match(mod_id):
        raise InstallFailed(
            f"'{text}' is not ID or ID@RANGE: '{mod_id}' is not a mod id",
            hint="mod ids are lowercase letters, digits and '-', e.g. coin-pickup@>=1.0,<2.0",
        )
    try:
        parse_specifier(spec)
    except ValueError as exc:
        raise InstallFailed(
            f"'{text}' is not ID or ID@RANGE",
            mod_id=mod_id,
            hint="e.g. coin-pickup@>=1.0,<2.0",
        ) from exc
    return mod_id, spec


def install(
    store: MarketStore,
    requests: Mapping[str, str],
    mods_dir: Path,
    *,
    progress: InstallProgress | None = None,
    market: str | None = None,
) -> list[InstalledMod]:
    """Install ``requests`` (mod id -> range) and their required dependencies.

    :param market: the marketplace's name recorded with the keys it vouched for (default:
        the store URL without credentials).
    :raises SelectionImpossible: no combination of published versions fits.
    :raises InstallFailed: a digest or signature check failed, or an installed newer version
        would be replaced by an older one. Nothing was written into ``mods_dir`` then.
    :raises MarketBusy: another install is writing into ``mods_dir``.
    """
    provider = PublishedReleases(store)
    selection = select_versions(dict(requests), provider)
    chosen = [provider.submission_for(r) for r in selection.releases]
    mods_dir.mkdir(parents=True, exist_ok=True)
    host_dir = mods_dir.resolve().parent
    policy = load_policy(host_dir / POLICY_FILE)
    checker = SignatureChecker(policy, host_dir)
    vouched = VouchedKeys(vouched_path(host_dir / policy.data_dir))
    staging = host_dir / STAGING_NAME
    with exclusive(host_dir / f"{STAGING_NAME}.lock") as taken:
        if not taken:
            raise MarketBusy(
                f"another 'market install' is writing into {mods_dir}",
                hint="retry when it has finished",
            )
        recover_install(mods_dir, vouched)
        staging.mkdir()
        try:
            plan = _stage_all(store, chosen, mods_dir, staging / "new", progress, checker)
            fault_point("install-staged")
            name = market or market_name(store.url)
            vouches = [_vouch_entry(store, mod, name) for mod, _ in plan]
            _write_journal(staging, plan, vouches)
            for entry in vouches:
                _record_vouch(vouched, entry)
            _commit(plan, mods_dir, staging, progress)
        finally:
            recover_install(mods_dir, vouched)
    return [mod for mod, _ in plan]


def recover_install(mods_dir: Path, vouched: VouchedKeys | None = None) -> list[str]:
    """Finish or clean up what a killed install left beside ``mods_dir``; return the ids of
    the mods it moved into place. Call it with the install lock held (:func:`install` does).

    With a journal the plan is finished: every staged folder still waiting is moved in (the
    old one moved aside first), an old folder whose replacement is gone is restored, and the
    journal's keys are recorded (again). Without one, nothing in ``mods_dir`` was touched
    and the staging folder is removed.
    """
    staging = mods_dir.resolve().parent / STAGING_NAME
    entries = _read_journal(staging)
    finished: list[str] = []
    for entry in entries or ():
        mod_id = str(entry["mod"])
        target, new, old = mods_dir / mod_id, staging / "new" / mod_id, staging / "old" / mod_id
        if new.exists():
            if target.exists() and not old.exists():
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, old)
            if not target.exists():
                os.replace(new, target)
                finished.append(mod_id)
        elif not target.exists() and old.exists():
            os.replace(old, target)
        if vouched is not None and entry.get("vouch"):
            _record_vouch(vouched, entry["vouch"])
    (staging / _JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    return finished


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


def _vouch_entry(store: MarketStore, mod: InstalledMod, market: str) -> dict[str, str] | None:
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


def _record_vouch(vouched: VouchedKeys, entry: Mapping[str, str]) -> None:
    vouched.vouch(
        key_id=entry["key_id"],
        public_key=entry["public_key"],
        author=entry["author"],
        market=entry["market"],
        mod_id=entry["mod_id"],
    )


def _write_journal(staging: Path, plan: _Plan, vouches: list[dict[str, str] | None]) -> None:
    """The plan, durable before ``mods/`` is touched: from here on a killed install is
    finished by the next one instead of being undone."""
    entries = [
        {"mod": mod.mod_id, "move": folder is not None, "vouch": vouch}
        for (mod, folder), vouch in zip(plan, vouches, strict=True)
    ]
    text = json.dumps({"format": "modhost-install-journal", "mods": entries}, sort_keys=True)
    write_atomically(staging / _JOURNAL, text.encode(), prefix=".journal.", durable=True)


def _read_journal(staging: Path) -> list[dict[str, Any]] | None:
    path = staging / _JOURNAL
    try:
        if path.lstat().st_size > _MAX_JOURNAL_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None  # no journal (or not ours): mods/ was not touched
    mods = data.get("mods") if isinstance(data, dict) else None
    if not isinstance(mods, list):
        return None
    return [m for m in mods if isinstance(m, dict) and _ID.match(str(m.get("mod", "")))]


def _commit(plan: _Plan, mods_dir: Path, staging: Path, progress: InstallProgress | None) -> None:
    old = staging / "old"
    old.mkdir(exist_ok=True)
    for done, (mod, folder) in enumerate(plan, start=1):
        if folder is None:
            continue
        target = mods_dir / mod.mod_id
        if target.exists() or target.is_symlink():
            os.replace(target, old / mod.mod_id)
        fault_point("install-between-renames")
        os.replace(folder, target)
        if progress is not None:
            progress("install", done, len(plan))
    fault_point("install-moved")
