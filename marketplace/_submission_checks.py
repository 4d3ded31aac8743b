"""What the marketplace service checks of a submission besides the state machine: the id and
version a package declares (read before anything is stored), whether its gates have run and
passed, and the version check approve and publish repeat inside their transaction."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from typing import Any, Final

from packaging.version import Version

from host_api import MANIFEST_FILE, ManifestInvalid

from ._gates import newest_taken
from ._package import PackageLimits
from ._package_check import require_safe
from ._package_extract import read_member
from .store import Finding, Guard, PackageUnsafe, State, Submission, ValidationFailed

_ID: Final = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


def identify_package(package: bytes, limits: PackageLimits) -> tuple[str, str, dict[str, Any]]:
    """The id, version and manifest a package declares, read after its safety check (the full
    schema is a gate).

    :raises PackageUnsafe: the package is not safe, or has no readable ``mod.toml``.
    :raises ManifestInvalid: ``mod.toml`` does not parse or lacks a valid id and version.
    """
    require_safe(package, mod_id="(unknown)", limits=limits)
    raw = read_member(package, MANIFEST_FILE)
    if raw is None:
        raise PackageUnsafe(
            f"the package has no readable {MANIFEST_FILE} at its root",
            mod_id="(unknown)",
        )
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # decoding and TOML errors are ValueErrors
        raise ManifestInvalid(
            f"mod.toml does not parse: {exc}",
            mod_id="(unknown)",
            file=MANIFEST_FILE,
            hint="fix mod.toml and pack again",
        ) from exc
    mod_id, version = data.get("id"), data.get("version")
    if not isinstance(mod_id, str) or not _ID.match(mod_id) or not isinstance(version, str):
        raise ManifestInvalid(
            "mod.toml needs a valid id and a version string to be submitted",
            mod_id=str(mod_id),
            file=MANIFEST_FILE,
            hint='set id = "my-mod" and version = "1.0.0"',
        )
    return mod_id, version, data


def raise_late(sub: Submission, late: Finding | None) -> None:
    if late is not None:
        raise ValidationFailed(
            f"submission {sub.id}: {late.message}",
            mod_id=sub.mod_id,
            hint=late.hint,
            details={"findings": [late.to_dict()]},
        )


def version_guard(sub: Submission) -> Guard:
    """The in-transaction version check for approve and publish."""

    def guard(others: Sequence[Submission]) -> None:
        raise_late(sub, newest_taken(others, sub, Version(sub.version), gate="publish"))

    return guard


def is_validating(sub: Submission, revision: int) -> bool:
    return sub.state is State.REVIEW and sub.revision == revision and sub.gates_passed is None


def validation_failed(sub: Submission) -> ValidationFailed:
    errors = [f for f in sub.findings if f.severity == "error"]
    first = errors[0].to_diagnostic().message if errors else "the gates have not run"
    return ValidationFailed(
        f"submission {sub.id} ({sub.mod_id} {sub.version}) failed {len(errors)} gate "
        f"check(s): {first}",
        mod_id=sub.mod_id,
        hint=f"request changes, or reject it; 'modhost market show {sub.id}' lists every finding",
        details={"findings": [f.to_dict() for f in errors]},
    )


def findings_summary(findings: Sequence[Finding]) -> str:
    """``"2 errors, 1 warning"`` style summary for people."""
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    return f"{errors} error(s), {warnings} warning(s)"
