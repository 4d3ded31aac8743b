"""Options shared by ``run`` and ``check``: the mods folder and the host policy."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import typer

from host_api import (
    POLICY_FILE,
    Diagnostic,
    DiagnosticCode,
    HostPolicy,
    PolicyError,
    load_policy,
)

from ..profile import TraceFanout, open_trace
from ._cli_common import usage_error

MODS_OPTION = typer.Option(
    Path("mods"), "--mods", help="The mods folder.", file_okay=False, dir_okay=True
)
POLICY_OPTION = typer.Option(
    None,
    "--policy",
    help=f"Host policy file (default: {POLICY_FILE} in the folder that contains the mods "
    "folder; none there means the default dev policy).",
)
STRICT_OPTION = typer.Option(
    False,
    "--strict",
    help="Fail (exit 1) on any error from validation or planning, before running anything.",
)


#: What ``--strict`` stopping at planning means for each command.
NO_MOD_CODE_RAN = "no mod code ran"


def strict_failed(fatal: Sequence[Diagnostic], outcome: str = NO_MOD_CODE_RAN) -> Diagnostic:
    """The ``STRICT_FAILED`` error that says ``--strict`` made ``fatal`` fatal.

    :param fatal: the diagnostics strict mode made fatal (errors; for ``check``, warnings too).
    :param outcome: how far it got, e.g. :data:`NO_MOD_CODE_RAN`.
    """
    codes = ", ".join(dict.fromkeys(d.code for d in fatal))
    return Diagnostic(
        code=DiagnosticCode.STRICT_FAILED,
        message=f"--strict made {len(fatal)} problem(s) fatal ({codes}): {outcome}",
        hint="fix the problems above, or drop --strict to run what can load",
    )


@dataclass(frozen=True)
class PolicyChoice:
    """The policy in effect and where its relative paths resolve."""

    #: None when the file was invalid (see ``diagnostics``).
    policy: HostPolicy | None
    #: The folder holding the policy file (or where it would be).
    base_dir: Path
    diagnostics: tuple[Diagnostic, ...] = ()


def require_mods_dir(mods_dir: Path) -> Path:
    """The mods folder, or a usage error (exit 2) if it does not exist."""
    if not mods_dir.is_dir():
        usage_error(f"mods folder '{mods_dir}' does not exist (pass --mods DIR)")
    return mods_dir


def require_writable(path: Path, option: str) -> Path:
    """``path`` for an output option, or a usage error (exit 2) when it cannot be written:
    checked before the run starts, so a long session is not lost at the end to a typo.

    The file may not exist yet and missing parent folders are created later; the nearest
    folder that exists must be a folder a file can be created in (tried, not inferred from
    permission bits: root passes every ``os.access`` check, and ``/proc`` or a read-only
    mount refuse anyway), and ``path`` itself must not be a folder.
    """
    if path.is_dir():
        usage_error(f"{option} '{path}' is a folder: give a file name")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        usage_error(f"{option} '{path}' cannot be written: '{ancestor}' is not a folder")
    problem = _write_problem(path) if path.exists() else _create_problem(ancestor)
    if problem is not None:
        usage_error(f"{option} '{path}' cannot be written: {problem}")
    return path


def _write_problem(path: Path) -> str | None:
    """Why the existing file ``path`` cannot be written, or None; it is left unchanged."""
    try:
        with path.open("ab"):
            return None
    except OSError as exc:
        return (exc.strerror or type(exc).__name__).lower()


def _create_problem(folder: Path) -> str | None:
    """Why no file can be created in ``folder``, or None (a probe file is made and removed)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".modhost-probe-"):
            return None
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        return f"no file can be created in '{folder}' ({reason})"


def choose_policy(mods_dir: Path, policy_file: Path | None) -> PolicyChoice:
    """Load the policy: ``--policy FILE`` or ``modhost.toml`` beside the mods folder.

    An explicit file that does not exist is a usage error; the default one may be absent
    (the default dev policy then applies). An invalid file is a ``POLICY_INVALID`` diagnostic.
    """
    if policy_file is not None and policy_file.is_dir():
        usage_error(f"policy file '{policy_file}' is a folder (pass the {POLICY_FILE} inside it)")
    if policy_file is not None and not policy_file.is_file():
        usage_error(f"policy file '{policy_file}' does not exist")
    path = policy_file if policy_file is not None else mods_dir.resolve().parent / POLICY_FILE
    base_dir = path.resolve().parent
    try:
        return PolicyChoice(load_policy(path), base_dir)
    except PolicyError as exc:
        return PolicyChoice(None, base_dir, (exc.to_diagnostic(),))


def open_trace_or_exit(json_path: Path | None, csv_path: Path | None) -> TraceFanout | None:
    """:func:`open_trace` for the CLI: a file that cannot be created is a usage error (exit 2),
    before the world runs."""
    try:
        return open_trace(json_path, csv_path)
    except OSError as exc:
        usage_error(f"trace file cannot be written: {exc.strerror or exc} ({exc.filename})")
