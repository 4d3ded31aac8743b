"""Root failures: the facts that disable a mod on their own, each with its explanation.

Every check here looks at what is *installed* (present in the mods folder with a valid
manifest), never at what else ends up disabled, so the checks are monotone: a failure never
goes away because some other mod failed too. The planner then spreads each failure to the
mods that transitively require the failing one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from packaging.version import Version

from host_api import DiagnosticCode, Severity

from ._mods import OPTIONAL, REQUIRES, Installed, Mod
from ._ranges import in_range, show_range


@dataclass(frozen=True)
class Failure:
    """One root cause, before it is spread to dependents and turned into a diagnostic."""

    code: DiagnosticCode
    #: The mod the diagnostic is about.
    mod: str
    message: str
    hint: str
    #: The root cause, one line each, ending at the failing relation.
    facts: tuple[str, ...]
    #: The mods this failure disables directly (the failing mod; every member of a cycle).
    roots: tuple[str, ...]
    details: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "error"

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """Diagnostics are listed by mod id, then code, then message."""
        return (self.mod, str(self.code), self.message)


def _install_hint(target: str, text: str, instead: str = "") -> str:
    wanted = show_range(text)
    matching = "" if wanted.startswith("(") else f" in a version matching {wanted}"
    return f"install {target}{matching}{instead} (put its folder in the mods folder)"


def duplicate_failures(installed: Installed) -> Iterator[Failure]:
    """``RESOLVE_DUPLICATE_ID``: two or more folders give the same id; none of them loads."""
    for mod_id, copies in installed.duplicates.items():
        folders = [str(folder) for folder, _ in copies]
        listed = ", ".join(f"{folder} ({mod.version_text})" for folder, mod in copies)
        yield Failure(
            code=DiagnosticCode.RESOLVE_DUPLICATE_ID,
            mod=mod_id,
            message=f"mod id '{mod_id}' is provided by {len(copies)} folders: {listed}",
            hint=f"keep one of {', '.join(folders)} and remove the other"
            + ("s" if len(copies) > 2 else ""),
            facts=tuple(f"{folder} provides {mod.label}" for folder, mod in copies),
            roots=(mod_id,),
            details={"folders": folders, "versions": [m.version_text for _, m in copies]},
        )


def host_failure(mod: Mod, host_version: Version) -> Failure | None:
    """``HOST_VERSION_MISMATCH``: the manifest's ``host`` range excludes this host."""
    if in_range(host_version, mod.host):
        return None
    wanted = show_range(mod.host)
    return Failure(
        code=DiagnosticCode.HOST_VERSION_MISMATCH,
        mod=mod.id,
        message=f"{mod.label} needs host API {wanted}; this host implements {host_version}",
        hint=f"install a {mod.id} release made for host API {host_version}, "
        f"or run a host whose API version is in {wanted}",
        facts=(f"this host implements API {host_version}", f"{mod.label} needs host API {wanted}"),
        roots=(mod.id,),
        details={"host": str(host_version), "range": mod.host},
    )


def required_failures(mod: Mod, installed: Installed) -> Iterator[Failure]:
    """``RESOLVE_MISSING_REQUIRED`` / ``RESOLVE_VERSION_MISMATCH`` for ``required`` entries.

    A self-reference is a cycle and a duplicated target already fails on its own; both are
    left to those checks.
    """
    for target, text in mod.required:
        if target == mod.id or target in installed.duplicates:
            continue
        line = mod.relation(REQUIRES, target, text)
        details = {"requires": target, "range": text}
        dep = installed.mods.get(target)
        if dep is None:
            yield _missing(mod, target, text, line, details, installed.unusable.get(target))
        elif not in_range(dep.version, text):
            yield _mismatch(mod, dep, text, line, details, optional=False)


def _missing(
    mod: Mod, target: str, text: str, line: str, details: dict[str, Any], why: str | None
) -> Failure:
    """``RESOLVE_MISSING_REQUIRED``: ``target`` is not installed, or is on disk but cannot load
    for reason ``why``."""
    if why is None:
        state, fact = "is not installed", f"{target} is not installed"
        hint = f"{_install_hint(target, text)}, or remove {mod.id}"
    else:
        state, fact = f"is installed but cannot load: {why}", f"{target} cannot load: {why}"
        hint = f"fix {target} first (its own diagnostics say how), or remove {mod.id}"
        details = {**details, "unusable": why}
    return Failure(
        code=DiagnosticCode.RESOLVE_MISSING_REQUIRED,
        mod=mod.id,
        message=f"{line}; {target} {state}",
        hint=hint,
        facts=(fact, line),
        roots=(mod.id,),
        details=details,
    )


def optional_failures(mod: Mod, installed: Installed) -> Iterator[Failure]:
    """``RESOLVE_VERSION_MISMATCH`` for an ``optional`` entry that is present but out of range."""
    for target, text in mod.optional:
        dep = installed.mods.get(target)
        if target == mod.id or dep is None or in_range(dep.version, text):
            continue
        line = mod.relation(OPTIONAL, target, text)
        details = {"optional": target, "range": text}
        yield _mismatch(mod, dep, text, line, details, optional=True)


def _mismatch(
    mod: Mod, dep: Mod, text: str, line: str, details: dict[str, Any], *, optional: bool
) -> Failure:
    tail = ", and an optional dependency that is present must match" if optional else ""
    also = f", remove {dep.id}" if optional else ""
    return Failure(
        code=DiagnosticCode.RESOLVE_VERSION_MISMATCH,
        mod=mod.id,
        message=f"{line}; {dep.label} is installed{tail}",
        hint=_install_hint(dep.id, text, f" instead of {dep.version_text}")
        + f"{also}, or update {mod.id} to a release that accepts {dep.label}",
        facts=(f"{dep.label} is installed", line),
        roots=(mod.id,),
        details={**details, "installed": dep.version_text},
    )


def conflict_failures(mod: Mod, installed: Installed) -> Iterator[Failure]:
    """``RESOLVE_CONFLICT``: a mod listed under ``conflicts`` is installed in a matching version.

    The declaring mod is the one disabled: it is the side that knows about the clash.
    """
    for target, text in mod.conflicts:
        hits = [c.version_text for c in installed.versions(target) if in_range(c.version, text)]
        if not hits:
            continue
        wanted = show_range(text)
        found = f"{target} {' and '.join(hits)} {'is' if len(hits) == 1 else 'are'} installed"
        line = f"{mod.label} conflicts with {target} {wanted}"
        if wanted.startswith("("):
            hint = f"remove {target} or {mod.id}; they cannot be loaded together"
        else:
            hint = (
                f"remove {target}, replace it with a version outside {wanted}, or remove {mod.id}"
            )
        yield Failure(
            code=DiagnosticCode.RESOLVE_CONFLICT,
            mod=mod.id,
            message=f"{line}; {found}",
            hint=hint,
            facts=(found, line),
            roots=(mod.id,),
            details={"conflicts": target, "range": text, "installed": hits},
        )


def static_failures(installed: Installed, host_version: Version) -> list[Failure]:
    """Every root failure that does not need the graph, in diagnostic order."""
    found = list(duplicate_failures(installed))
    for mod in installed.mods.values():
        host = host_failure(mod, host_version)
        if host is not None:
            found.append(host)
        found += required_failures(mod, installed)
        found += optional_failures(mod, installed)
        found += conflict_failures(mod, installed)
    return found


def edge_line(mods: dict[str, Mod], x: str, y: str) -> str:
    """The hard relation behind the edge ``x -> y`` as one line."""
    mod = mods[x]
    for target, text in mod.required:
        if target == y:
            return mod.relation(REQUIRES, y, text)
    text = dict(mod.optional)[y]
    return mod.relation(OPTIONAL, y, text)


def cycle_failure(members: list[str], cycles: list[list[str]], mods: dict[str, Mod]) -> Failure:
    """``RESOLVE_CYCLE`` for one strongly connected component of hard relations."""
    lines = list(
        dict.fromkeys(edge_line(mods, c[i], c[i + 1]) for c in cycles for i in range(len(c) - 1))
    )
    paths = [" -> ".join(c) for c in cycles]
    more = f" (and {len(paths) - 1} more through {', '.join(paths[1:])})" if len(paths) > 1 else ""
    return Failure(
        code=DiagnosticCode.RESOLVE_CYCLE,
        mod=cycles[0][0],
        message=f"dependency cycle: {paths[0]}{more}",
        hint=f"remove one of these relations: {'; '.join(lines)}; "
        "if only the load order matters, list the mod under softAfter instead",
        facts=tuple(lines),
        roots=tuple(members),
        details={"cycles": [list(c) for c in cycles]},
    )


def soft_cycle_warning(edge: tuple[str, str], cycle: list[str], mods: dict[str, Mod]) -> Failure:
    """A softAfter edge that would close a cycle: it is ignored, with this warning."""
    soft_lines, hard_lines = [], []
    for x, y in itertools.pairwise(cycle):
        if y in mods[x].soft_after and not _hard(mods[x], y):
            soft_lines.append(f"{x} softAfter {y}")
        else:
            hard_lines.append(edge_line(mods, x, y))
    x, y = edge
    return Failure(
        code=DiagnosticCode.RESOLVE_CYCLE,
        mod=x,
        message=f"softAfter closes a cycle: {' -> '.join(cycle)}; "
        f"ignoring {x} softAfter {y} (soft edges: {', '.join(soft_lines)})",
        hint=f"remove '{y}' from softAfter in {x}'s mod.toml; "
        "the load order already ignores it, so nothing else changes",
        facts=tuple(hard_lines + [f"{s} (soft)" for s in soft_lines]),
        roots=(),
        details={"cycle": cycle, "soft_edges": soft_lines, "ignored": [x, y]},
        severity="warning",
    )


def _hard(mod: Mod, target: str) -> bool:
    return any(t == target for t, _ in mod.required) or any(t == target for t, _ in mod.optional)
