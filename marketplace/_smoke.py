"""The smoke-run gate: the mod and its dependencies run headless in a separate host process.

The host is started as ``python -m runtime run --headless --json --ticks N --mods DIR
--policy modhost.toml`` (never imported: the marketplace sits below the runtime), from a
staging folder that holds::

    modhost.toml      the strict policy, trusting only the authors' registered keys
    keys/*.pem        those keys
    mods/<id>/...     the submission and the highest published version of each required
                      dependency (recursively)

The gate passes when the process exits 0 with a JSON report in which every mod is
``running`` and no diagnostic is an error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from packaging.version import Version

from host_api import POLICY_FILE, DiagnosticCode, Manifest, parse_specifier

from ._gates import GateSubject, skipped
from ._package_extract import safe_extract
from ._staging import default_staging_dir, work_folder
from .store import Finding, MarketStore, PackageUnsafe, State, Submission

#: Ticks the smoke run simulates ("a few hundred").
SMOKE_TICKS: Final = 300
#: Wall-clock cap on the whole host process.
SMOKE_TIMEOUT_S: Final = 120.0


class SmokeGate:
    """Run the mod with its dependencies for :data:`SMOKE_TICKS` ticks; it must not fault."""

    name = "smoke"

    def __init__(self, *, ticks: int = SMOKE_TICKS, timeout_s: float = SMOKE_TIMEOUT_S) -> None:
        self.ticks = ticks
        self.timeout_s = timeout_s

    def run(self, subject: GateSubject) -> list[Finding]:
        if subject.folder is None or subject.manifest is None:
            return [skipped(self.name, subject, "the package is unsafe or mod.toml is invalid")]
        with work_folder(subject.staging or default_staging_dir(), "smoke") as root:
            mods = root / "mods"
            shutil.copytree(subject.folder, mods / subject.manifest.id)
            authors = {subject.submission.author}
            problems = _stage_dependencies(subject.store, subject.manifest, mods, authors)
            if problems:
                return [
                    self._finding(subject, p, DiagnosticCode.RESOLVE_MISSING_REQUIRED)
                    for p in problems
                ]
            _write_policy(subject.store, root, authors)
            return self._run_host(subject, root, mods)

    def _run_host(self, subject: GateSubject, root: Path, mods: Path) -> list[Finding]:
        argv = [
            sys.executable,
            "-m",
            "runtime",
            "run",
            "--headless",
            "--json",
            "--ticks",
            str(self.ticks),
            "--mods",
            str(mods),
            "--policy",
            str(root / POLICY_FILE),
        ]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            proc = subprocess.run(
                argv,
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=self.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [
                self._finding(
                    subject,
                    f"the host did not finish {self.ticks} ticks within {self.timeout_s:.0f} s",
                    DiagnosticCode.MARKET_SMOKE_FAILED,
                )
            ]
        report = _parse_report(proc.stdout)
        if report is None:
            return [self._no_report(subject, proc)]
        found = self._judge(subject, report)
        if proc.returncode != 0 and not found:
            found.append(
                self._finding(
                    subject,
                    f"the host exited {proc.returncode}",
                    DiagnosticCode.MARKET_SMOKE_FAILED,
                )
            )
        return found

    def _no_report(self, subject: GateSubject, proc: subprocess.CompletedProcess[str]) -> Finding:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        if proc.returncode == 2 and "No such command" in (proc.stderr or ""):
            return Finding(
                self.name,
                DiagnosticCode.MARKET_GATE_UNAVAILABLE,
                "this modhost has no 'run' command yet, so the smoke run cannot happen",
                mod=subject.submission.mod_id,
                hint="install a modhost build with 'modhost run'; until then "
                "nothing can be approved",
            )
        return self._finding(
            subject,
            f"the host exited {proc.returncode} without a JSON report: {' | '.join(tail)}",
            DiagnosticCode.MARKET_SMOKE_FAILED,
        )

    def _judge(self, subject: GateSubject, report: dict[str, Any]) -> list[Finding]:
        mods: dict[str, Any] = report.get("mods") or {}
        # The report lists each fault per mod and again at the top level; count repeats
        # instead of showing them again.
        counts: dict[_Key, tuple[int, str]] = {}
        for mod_id, entry in sorted(mods.items()):
            for diag in entry.get("diagnostics") or ():
                _count(counts, diag, mod_id)
        for diag in report.get("diagnostics") or ():
            if diag.get("mod") not in mods:
                _count(counts, diag, diag.get("mod"))
        out = [
            Finding(
                self.name,
                code,
                message,
                mod=mod_id,
                file=file,
                hint=hint,
                details={"occurrences": n} if n > 1 else {},
            )
            for (mod_id, code, message, file), (n, hint) in counts.items()
        ]
        for mod_id, entry in sorted(mods.items()):
            if entry.get("state") != "running":
                out.append(
                    self._finding(
                        subject,
                        f"{mod_id} ended the smoke run in state '{entry.get('state')}' "
                        "(not 'running')",
                        DiagnosticCode.MARKET_SMOKE_FAILED,
                    )
                )
        if subject.submission.mod_id not in mods:
            out.append(
                self._finding(
                    subject,
                    "the mod did not load in the smoke run",
                    DiagnosticCode.MARKET_SMOKE_FAILED,
                )
            )
        return out

    def _finding(self, subject: GateSubject, message: str, code: str) -> Finding:
        return Finding(
            self.name,
            code,
            message,
            mod=subject.submission.mod_id,
            hint=f"run it yourself: modhost run --headless --json --ticks {self.ticks} --mods DIR",
        )


_Key = tuple[str | None, str, str, str | None]


def _count(counts: dict[_Key, tuple[int, str]], diag: dict[str, Any], mod_id: str | None) -> None:
    if diag.get("severity") != "error":
        return
    key = (
        mod_id,
        str(diag.get("code", DiagnosticCode.MARKET_SMOKE_FAILED)),
        str(diag.get("message", "")),
        diag.get("file"),
    )
    seen, hint = counts.get(key, (0, str(diag.get("hint", ""))))
    counts[key] = (seen + 1, hint)


def _parse_report(stdout: str) -> dict[str, Any] | None:
    try:
        data = json.loads(stdout)
    except (json.JSONDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def highest_published(store: MarketStore, mod_id: str, spec_text: str) -> Submission | None:
    """The highest published version of ``mod_id`` inside a dependency range."""
    spec = parse_specifier(spec_text)
    fits = [
        s
        for s in store.submissions(state=State.PUBLISHED, mod_id=mod_id)
        if spec.contains(s.version, prereleases=True)
    ]
    return max(fits, key=lambda s: Version(s.version), default=None)


def _stage_dependencies(
    store: MarketStore, manifest: Manifest, mods: Path, authors: set[str]
) -> list[str]:
    problems: list[str] = []
    queue = list(manifest.dependencies.required.items())
    while queue:
        dep, spec = queue.pop(0)
        if (mods / dep).exists():
            continue
        chosen = highest_published(store, dep, spec)
        if chosen is None:
            problems.append(f"required dependency {dep} {spec} has no published version")
            continue
        data = store.get_artifact(chosen.artifact)
        try:
            safe_extract(data, mods / dep, mod_id=dep)
        except PackageUnsafe as exc:
            problems.append(f"dependency {dep} {chosen.version}: {exc.message}")
            continue
        authors.add(chosen.author)
        deps = (chosen.manifest.get("dependencies") or {}).get("required") or {}
        queue.extend(sorted(deps.items()))
    return problems


def _write_policy(store: MarketStore, root: Path, authors: set[str]) -> None:
    keys = root / "keys"
    keys.mkdir()
    names: list[str] = []
    for author in sorted(authors):
        for key in store.keys_for(author):
            name = f"keys/{key.key_id}.pem"
            (root / name).write_text(key.public_key, encoding="utf-8")
            names.append(name)
    listed = ", ".join(json.dumps(n) for n in names)
    (root / POLICY_FILE).write_text(
        f'[signing]\nmode = "strict"\ntrusted_keys = [{listed}]\n', encoding="utf-8"
    )
