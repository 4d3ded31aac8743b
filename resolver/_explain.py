"""Turn root failures into diagnostics: the root cause once, then what it took down.

A failure disables its ``roots``; every mod that transitively *requires* a disabled mod is
disabled too (an optional dependency that does not load is simply absent). For each failure
this module walks those "required by" edges breadth-first, in sorted order, to list what it
took down; and for each disabled mod it keeps the shortest chain back to a root failure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from host_api import Diagnostic

from ._failures import Failure
from ._mods import REQUIRES, Mod


@dataclass(frozen=True, slots=True)
class DisabledMod:
    """Why one mod does not load: the chain from a root failure to it."""

    #: The disabled mod's id.
    mod: str
    #: The root failure's diagnostic code (``RESOLVE_MISSING_REQUIRED`` ...).
    code: str
    #: The mod the root failure is about (for a cycle: its smallest member).
    root: str
    #: Mod ids from a mod the root failure disables to this one; each requires the previous.
    path: tuple[str, ...]
    #: The same chain in words, root cause first, one line per step.
    cause: tuple[str, ...]


#: ``mod id -> the mods that require it`` (sorted), over installed mods.
Dependents = Mapping[str, Sequence[str]]


def required_by(mods: Mapping[str, Mod]) -> dict[str, list[str]]:
    """Invert ``required``: who requires each id (self-references are cycles, not listed)."""
    out: dict[str, list[str]] = {}
    for mod in mods.values():
        for target, _ in mod.required:
            if target != mod.id:
                out.setdefault(target, []).append(mod.id)
    return {k: sorted(v) for k, v in out.items()}


def closure(roots: set[str], dependents: Dependents) -> set[str]:
    """``roots`` plus every mod that transitively requires one of them."""
    seen = set(roots)
    queue = deque(sorted(roots))
    while queue:
        for dep in dependents.get(queue.popleft(), ()):
            if dep not in seen:
                seen.add(dep)
                queue.append(dep)
    return seen


def _walk(failure: Failure, dependents: Dependents) -> dict[str, tuple[str, ...]]:
    """BFS from a failure's roots: each reached mod -> its path from a root, shortest first."""
    paths: dict[str, tuple[str, ...]] = {root: (root,) for root in failure.roots}
    queue = deque(failure.roots)
    while queue:
        node = queue.popleft()
        for dep in dependents.get(node, ()):
            if dep not in paths:
                paths[dep] = (*paths[node], dep)
                queue.append(dep)
    return paths


def _step(mods: Mapping[str, Mod], parent: str, child: str) -> str:
    mod = mods[child]
    text = dict(mod.required)[parent]
    return f"{mod.relation(REQUIRES, parent, text)}, so {child} is disabled too"


def explain(
    failures: Sequence[Failure], mods: Mapping[str, Mod], dependents: Dependents
) -> tuple[list[Diagnostic], dict[str, DisabledMod]]:
    """One diagnostic per failure, and the shortest reason for each disabled mod.

    :param failures: in diagnostic order; for a mod reached by several failures at the same
        distance, the first one wins.
    :returns: ``(diagnostics, reasons by mod id)``.
    """
    diagnostics: list[Diagnostic] = []
    reasons: dict[str, DisabledMod] = {}
    for failure in failures:
        paths = _walk(failure, dependents)
        # Each reached mod's path extends its parent's, so one line per reached mod spells
        # every path; formatting them per path instead is quadratic in a long chain.
        step = {m: _step(mods, path[-2], m) for m, path in paths.items() if len(path) > 1}
        chain = tuple(step.values())
        details = dict(failure.details)
        if failure.roots:
            details["disabled"] = sorted(paths)
        diagnostics.append(
            Diagnostic(
                code=str(failure.code),
                severity=failure.severity,
                message=failure.message,
                mod=failure.mod,
                hint=failure.hint,
                cause=failure.facts + chain,
                details=details,
            )
        )
        for mod_id, path in paths.items():
            known = reasons.get(mod_id)
            if known is not None and len(known.path) <= len(path):
                continue
            reasons[mod_id] = DisabledMod(
                mod=mod_id,
                code=str(failure.code),
                root=failure.mod,
                path=path,
                cause=failure.facts + tuple(step[m] for m in path[1:]),
            )
    return diagnostics, reasons
