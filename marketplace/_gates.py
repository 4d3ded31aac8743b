"""Validation gates, run when a submission enters ``review``.

Each gate is a small object with a ``name`` and ``run(subject) -> list[Finding]``; it never
raises for a problem the author caused, so the author sees every problem of every gate in
one run. :func:`run_gates` prepares what the gates share (the manifest, a safely extracted
copy of the package) and collects their findings in order.

Gates: ``package`` (safety, before anything is extracted), ``manifest`` (schema and
consistency), ``version`` (new and higher, host range, required dependencies published),
``signature`` (made by a key the author registered) and ``smoke`` (a headless run; see
:mod:`._smoke`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from packaging.version import InvalidVersion, Version

from host_api import (
    HOST_API_VERSION,
    MANIFEST_FILE,
    DiagnosticCode,
    Manifest,
    ManifestInvalid,
    parse_manifest,
    parse_specifier,
)

from ._package import DEFAULT_LIMITS, PackageLimits
from ._package_check import inspect_package
from ._package_extract import read_member, safe_extract
from ._staging import default_staging_dir, fault_point, work_folder
from .store import TAKEN_STATES, Finding, MarketStore, PackageUnsafe, State, Submission

#: Host API versions this marketplace accepts mods for (the ``host`` range must admit one).
SUPPORTED_HOST_VERSIONS: Final[tuple[Version, ...]] = (HOST_API_VERSION,)


@dataclass(frozen=True)
class GateSubject:
    """What the gates look at: one submission and the store around it."""

    submission: Submission
    package: bytes
    store: MarketStore
    #: The validated manifest, or None when ``mod.toml`` is missing or invalid.
    manifest: Manifest | None
    #: The package extracted into a private staging folder, or None when it is unsafe.
    folder: Path | None
    #: The staging root gates unpack under (swept after a crash; see ``_staging``).
    staging: Path | None = None


class Gate(Protocol):
    """One validation step."""

    #: Short name shown with each finding.
    name: str

    def run(self, subject: GateSubject) -> list[Finding]:
        """Every problem found; an empty list means the gate passed."""
        ...


def skipped(gate: str, subject: GateSubject, why: str) -> Finding:
    """A gate that could not run because an earlier gate failed (the earlier error blocks
    approval already, so this is only information)."""
    return Finding(
        gate=gate,
        code=DiagnosticCode.MARKET_VALIDATION_FAILED,
        severity="info",
        message=f"not run: {why}",
        mod=subject.submission.mod_id,
        hint="fix the errors of the earlier gates first",
    )


class PackageGate:
    """No absolute paths, ``..``, links, device files; size, count and ratio limits."""

    name = "package"

    def __init__(self, limits: PackageLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits

    def run(self, subject: GateSubject) -> list[Finding]:
        return inspect_package(
            subject.package, mod_id=subject.submission.mod_id, limits=self.limits
        )


class ManifestGate:
    """``mod.toml`` validates against the schema and matches the submission and its files."""

    name = "manifest"

    def run(self, subject: GateSubject) -> list[Finding]:
        sub = subject.submission
        raw = read_member(subject.package, MANIFEST_FILE)
        if raw is None:
            return [
                Finding(
                    self.name,
                    DiagnosticCode.MANIFEST_NOT_FOUND,
                    f"no readable {MANIFEST_FILE} in the package",
                    mod=sub.mod_id,
                    hint="pack the mod folder itself",
                )
            ]
        try:
            manifest = parse_manifest(raw.decode("utf-8", "replace"), folder_name=sub.mod_id)
        except ManifestInvalid as exc:
            return [Finding.from_diagnostic(self.name, d) for d in exc.diagnostics]
        out: list[Finding] = []
        if (manifest.id, manifest.version) != (sub.mod_id, sub.version):
            out.append(
                Finding(
                    self.name,
                    DiagnosticCode.MANIFEST_INVALID,
                    f"manifest says {manifest.id} {manifest.version}, the submission "
                    f"is {sub.mod_id} {sub.version}",
                    mod=sub.mod_id,
                    hint="submit the package again",
                )
            )
        if subject.folder is not None:
            paths = [e.path for e in manifest.scripts] + [e.path for e in manifest.components]
            for path in paths:
                if not (subject.folder / path).is_file():
                    out.append(
                        Finding(
                            self.name,
                            DiagnosticCode.MOD_FILE_MISSING,
                            f"{path} is named in mod.toml but not packaged",
                            mod=sub.mod_id,
                            file=MANIFEST_FILE,
                            hint="add the file or remove the entry",
                        )
                    )
        return out


class VersionGate:
    """The version is new and higher than the taken ones, the ``host`` range admits a
    supported host version, and every required dependency has a published version in range."""

    name = "version"

    def __init__(self, supported_hosts: Sequence[Version] = SUPPORTED_HOST_VERSIONS) -> None:
        self.supported_hosts = tuple(supported_hosts)

    def run(self, subject: GateSubject) -> list[Finding]:
        manifest = subject.manifest
        if manifest is None:
            return [skipped(self.name, subject, "mod.toml is invalid")]
        return [
            *self._newer(subject, manifest),
            *self._host(subject, manifest),
            *self._dependencies(subject, manifest),
        ]

    def _newer(self, subject: GateSubject, manifest: Manifest) -> list[Finding]:
        found = version_not_newer(subject.store, subject.submission, manifest.parsed_version)
        return [] if found is None else [found]

    def _host(self, subject: GateSubject, manifest: Manifest) -> list[Finding]:
        spec = manifest.host_range
        if any(spec.contains(v, prereleases=True) for v in self.supported_hosts):
            return []
        hosts = ", ".join(str(v) for v in self.supported_hosts)
        return [
            Finding(
                self.name,
                DiagnosticCode.HOST_VERSION_MISMATCH,
                f"host range '{manifest.host}' admits none of the supported host versions "
                f"({hosts})",
                mod=manifest.id,
                file=MANIFEST_FILE,
                hint=f"widen host in mod.toml to include {hosts}",
            )
        ]

    def _dependencies(self, subject: GateSubject, manifest: Manifest) -> list[Finding]:
        out: list[Finding] = []
        for dep, text in sorted(manifest.dependencies.required.items()):
            spec = parse_specifier(text)
            published = [
                s.version for s in subject.store.submissions(state=State.PUBLISHED, mod_id=dep)
            ]
            if not any(spec.contains(_version(v), prereleases=True) for v in published):
                have = ", ".join(published) or "none"
                out.append(
                    Finding(
                        self.name,
                        DiagnosticCode.RESOLVE_MISSING_REQUIRED,
                        f"required dependency {dep} {text or '*'} has no published version in "
                        f"range (published: {have})",
                        mod=manifest.id,
                        file=MANIFEST_FILE,
                        hint=f"publish {dep} first, or change the range",
                        details={"dependency": dep, "range": text, "published": published},
                    )
                )
        return out


def version_not_newer(
    store: MarketStore, sub: Submission, mine: Version, *, gate: str = "version"
) -> Finding | None:
    """A finding when ``mine`` is not higher than every approved, published or yanked
    version of the same mod (other than ``sub`` itself); None when it is."""
    return newest_taken(store.submissions(mod_id=sub.mod_id), sub, mine, gate=gate)


def newest_taken(
    others: Sequence[Submission], sub: Submission, mine: Version, *, gate: str = "version"
) -> Finding | None:
    """:func:`version_not_newer` over an explicit list of the mod's submissions (what a
    store transition's guard receives inside its transaction)."""
    taken = [s for s in others if s.state in TAKEN_STATES and s.id != sub.id]
    top = max(taken, key=lambda s: _version(s.version), default=None)
    if top is None or mine > _version(top.version):
        return None
    return Finding(
        gate,
        DiagnosticCode.MARKET_VERSION_NOT_NEWER,
        f"version {mine} is not higher than {top.version} ({top.state}, submission {top.id})",
        mod=sub.mod_id,
        file=MANIFEST_FILE,
        hint=f"bump version in mod.toml above {top.version}",
        details={"version": str(mine), "highest": top.version},
    )


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


def run_gates(
    submission: Submission,
    package: bytes,
    store: MarketStore,
    gates: Sequence[Gate],
    *,
    limits: PackageLimits = DEFAULT_LIMITS,
    staging: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Finding]:
    """Run every gate on one package and return all findings, in gate order.

    The package is extracted (with :func:`safe_extract`) into a private working folder under
    ``staging`` (:func:`default_staging_dir` when None) that is removed afterwards, or by the
    next command if this one is killed; when extraction is refused, gates that need files
    report themselves as not run, and the ``package`` gate's errors say why.

    :param progress: called as ``progress(gate, done, total)`` before each gate runs.
    """
    root = staging or default_staging_dir()
    with work_folder(root, "gates") as tmp:
        folder = _extracted_or_none(package, tmp / submission.mod_id, limits)
        fault_point("gates-extracted")
        manifest = _manifest_or_none(package, submission.mod_id)
        subject = GateSubject(submission, package, store, manifest, folder, root)
        findings: list[Finding] = []
        for done, gate in enumerate(gates):
            if progress is not None:
                progress(gate.name, done, len(gates))
            findings += gate.run(subject)
        return findings


def _extracted_or_none(package: bytes, folder: Path, limits: PackageLimits) -> Path | None:
    try:
        safe_extract(package, folder, mod_id=folder.name, limits=limits)
    except PackageUnsafe:
        return None
    return folder


def _manifest_or_none(package: bytes, mod_id: str) -> Manifest | None:
    raw = read_member(package, MANIFEST_FILE)
    if raw is None:
        return None
    try:
        return parse_manifest(raw.decode("utf-8", "replace"), folder_name=mod_id)
    except ManifestInvalid:
        return None
