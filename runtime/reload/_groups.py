"""The reload's units of work: which mods reload together, and why a group cannot apply.

Each changed folder seeds a :class:`Group` with the mods it held and holds, closed over every
mod that depends on them (:func:`closure` over :func:`dependents`); groups that share a mod are
merged (:func:`merge`), so each mod is reloaded by exactly one transaction. A group that fails
is reported with one :func:`rolled_back` diagnostic.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from host_api import Diagnostic, DiagnosticCode, Manifest

from ..core import Preparation


@dataclass
class Group:
    """One transaction: the mods it reloads and the plan it loads them with."""

    mods: set[str]
    folders: set[str]
    prep: Preparation | None = None
    #: Mod ids some folder holds now (a running mod not among them was deleted).
    on_disk: set[str] = field(default_factory=set)


def dependents(manifests: dict[str, Manifest]) -> dict[str, set[str]]:
    """Mod id -> the mods that require or optionally use it."""
    out: dict[str, set[str]] = {}
    for mod_id, manifest in manifests.items():
        deps = manifest.dependencies
        for target in (*deps.required, *deps.optional):
            out.setdefault(target, set()).add(mod_id)
    return out


def closure(seeds: Iterable[str], dependents: dict[str, set[str]]) -> set[str]:
    """``seeds`` and everything that depends on them, transitively."""
    out: set[str] = set()
    todo = list(seeds)
    while todo:
        mod_id = todo.pop()
        if mod_id not in out:
            out.add(mod_id)
            todo.extend(dependents.get(mod_id, ()))
    return out


def merge(groups: list[Group]) -> list[Group]:
    """Merge groups that share a mod (each mod is reloaded by exactly one transaction)."""
    merged: list[Group] = []
    for group in groups:
        for other in [g for g in merged if g.mods & group.mods]:
            merged.remove(other)
            group.mods |= other.mods
            group.folders |= other.folders
        merged.append(group)
    return sorted(merged, key=lambda g: sorted(g.folders))


def why_not_planned(prep: Preparation, mod_id: str) -> Iterator[Diagnostic]:
    """The error diagnostics that keep ``mod_id`` out of the plan."""
    found = False
    for diag in prep.diagnostics:
        if diag.severity != "error":
            continue
        if diag.mod == mod_id or mod_id in diag.details.get("disabled", ()):
            found = True
            yield diag
    if not found:
        yield Diagnostic(
            code=DiagnosticCode.RESOLVE_MISSING_REQUIRED,
            message=f"mod '{mod_id}' is no longer in the load plan",
            mod=mod_id,
            hint="run 'modhost check' to see why it cannot load",
        )


def rolled_back(
    group: Group, causes: Iterable[Diagnostic], running: set[str], tick: int
) -> Diagnostic:
    """The ``RELOAD_ROLLED_BACK`` diagnostic of a failed group: the first cause, the cause
    chain, what was restored (the group's mods that were ``running``) and what was tried."""
    causes = tuple(causes) or (_internal_cause(group),)
    first = causes[0]
    restored = sorted(m for m in group.mods if m in running)
    attempted = sorted(group.mods)
    what = ", ".join(restored) if restored else "nothing (none of them was running)"
    return Diagnostic(
        code=DiagnosticCode.RELOAD_ROLLED_BACK,
        message=f"reload of {', '.join(attempted)} rolled back: {first.code}"
        + (f" in {first.mod}" if first.mod else "")
        + f": {first.message}; restored: {what}",
        mod=first.mod or attempted[0],
        hint=first.hint or "fix the problem and save again; the previous version keeps running",
        file=first.file,
        line=first.line,
        cause=tuple(_cause_line(c) for c in causes),
        details={
            "cause": first.code,
            "causes": [c.model_dump(mode="json") for c in causes],
            "restored": restored,
            "attempted": attempted,
            "tick": tick,
        },
    )


def _internal_cause(group: Group) -> Diagnostic:
    return Diagnostic(
        code=DiagnosticCode.HOST_INTERNAL_ERROR,
        message=f"reload of {', '.join(sorted(group.mods))} failed without a reason",
        hint="report this as a modhost bug",
    )


def _cause_line(diag: Diagnostic) -> str:
    where = f" ({diag.file}:{diag.line})" if diag.file and diag.line else ""
    where = where or (f" ({diag.file})" if diag.file else "")
    mod = f"[{diag.mod}] " if diag.mod else ""
    return f"{diag.code}: {mod}{diag.message}{where}"
