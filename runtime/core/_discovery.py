"""Discovery: ``mods/*/mod.toml`` -> load candidates, with every per-mod pre-load check.

:func:`discover` is the one place where a single mod folder is judged before planning: the
manifest parses and validates, the files it names exist. Checks that need the whole set
(relations, duplicate ids) belong to the resolver. Signature verification plugs in here, in
:func:`_check_folder`, so ``check`` and ``run`` report the same problems.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from host_api import (
    MANIFEST_FILE,
    Diagnostic,
    DiagnosticCode,
    HostPolicy,
    Manifest,
    ManifestInvalid,
    ManifestNotFound,
    load_manifest,
)
from marketplace import SignatureChecker
from resolver import ModCandidate


@dataclass(frozen=True)
class Discovery:
    """What :func:`discover` found."""

    #: Mods that passed every per-mod check, in folder-name order.
    candidates: tuple[ModCandidate, ...]
    #: Mods that failed a check, by id (the manifest's id when it is readable, else the
    #: folder name), each with its diagnostics. These never reach the resolver.
    failed: dict[str, tuple[Diagnostic, ...]] = field(default_factory=dict)
    #: Non-fatal findings about candidates (warnings, infos).
    notes: tuple[Diagnostic, ...] = ()
    #: Wall time spent verifying signatures, in ns (the profiler's cold-start breakdown).
    signature_ns: int = 0

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic, failed mods first (in id order), then notes."""
        out: list[Diagnostic] = []
        for mod_id in sorted(self.failed):
            out.extend(self.failed[mod_id])
        return (*out, *self.notes)


def mod_folders(mods_dir: Path, names: Collection[str] | None = None) -> list[Path]:
    """The folders of ``mods_dir`` that may hold a mod, sorted by name.

    Hidden folders (``.name``) and ``__pycache__`` are skipped; plain files are ignored.

    :param names: look only at these folder names, without listing ``mods_dir`` (a hot
        reload judges one folder of a folder that may hold thousands).
    """
    if not mods_dir.is_dir():
        return []
    if names is None:
        paths: Iterable[Path] = mods_dir.iterdir()
    else:  # only bare entry names, as iterdir() would give them ("", "a/b" are none)
        paths = (mods_dir / n for n in set(names) if n and Path(n).name == n)
    return sorted(
        (p for p in paths if p.is_dir() and not p.name.startswith((".", "__"))),
        key=lambda p: p.name,
    )


def discover(
    mods_dir: Path,
    policy: HostPolicy,
    *,
    base_dir: Path | None = None,
    only: Collection[str] | None = None,
) -> Discovery:
    """Find the mods in ``mods_dir`` and run every per-mod pre-load check.

    :param mods_dir: the drop-in folder (``mods/``).
    :param policy: the host policy (signature checks will consult ``policy.signing``).
    :param base_dir: the folder the policy's relative paths resolve against (the folder of
        the policy file); defaults to ``mods_dir``'s parent.
    :param only: check just these folder names (hot reload re-judges single folders).
    :returns: candidates for the resolver, failed mods with their diagnostics, and notes.
    """
    base = base_dir if base_dir is not None else mods_dir.resolve().parent
    candidates: list[ModCandidate] = []
    failed: dict[str, list[Diagnostic]] = {}
    signatures = SignatureChecker(policy, base)
    notes: list[Diagnostic] = list(signatures.diagnostics)
    spent = [0]
    for folder in mod_folders(mods_dir, only):
        manifest, problems, found_notes = _check_folder(folder, signatures, spent)
        notes.extend(found_notes)
        if manifest is not None and not problems:
            candidates.append(ModCandidate(manifest=manifest, folder=folder))
            continue
        key = manifest.id if manifest is not None else folder.name
        if key in failed:
            key = f"{key}@{folder.name}"
        failed[key] = problems
    return Discovery(
        candidates=tuple(candidates),
        failed={k: tuple(v) for k, v in failed.items()},
        notes=tuple(notes),
        signature_ns=spent[0],
    )


def _check_folder(
    folder: Path, signatures: SignatureChecker, spent: list[int]
) -> tuple[Manifest | None, list[Diagnostic], list[Diagnostic]]:
    """All per-mod checks of one folder: (manifest if valid, errors, notes)."""
    try:
        manifest = load_manifest(folder)
    except ManifestNotFound as exc:
        return None, [_with_file(exc.to_diagnostic(), folder)], []
    except ManifestInvalid as exc:
        return None, [_with_file(d, folder) for d in exc.diagnostics], []
    problems = _missing_files(manifest, folder)
    # Signature verification (policy.signing) adds its errors to problems, warnings to notes.
    started = time.perf_counter_ns()
    signature = signatures.check(folder, manifest)
    spent[0] += time.perf_counter_ns() - started
    notes: list[Diagnostic] = []
    (notes if signature.loadable else problems).extend(signature.diagnostics)
    return manifest, problems, notes


def _missing_files(manifest: Manifest, folder: Path) -> list[Diagnostic]:
    named = [("script", s.path) for s in manifest.scripts]
    named += [("component", c.path) for c in manifest.components]
    return [
        Diagnostic(
            code=DiagnosticCode.MOD_FILE_MISSING,
            message=f"{what} '{path}' named in {MANIFEST_FILE} does not exist",
            mod=manifest.id,
            hint=f"create {path} in the mod folder, or remove its entry from {MANIFEST_FILE}",
            file=MANIFEST_FILE,
            details={"path": path},
        )
        for what, path in named
        if not (folder / path).is_file()
    ]


def _with_file(diag: Diagnostic, folder: Path) -> Diagnostic:
    """Point a manifest diagnostic at the folder it came from, for people with many mods."""
    details = {**diag.details, "folder": folder.name}
    return diag.model_copy(update={"details": details})
