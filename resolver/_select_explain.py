"""Why version selection failed, in the words the load-order diagnostics use.

resolvelib reports a failure as the requirements (with who stated them) that could not be
met together. They are grouped by mod id here; each group becomes one diagnostic naming
every requirement, the releases that exist, and what to change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from host_api import Diagnostic, DiagnosticCode

from ._ranges import show_range
from ._release import Release
from ._select_adapter import Info, Need, Pick

#: ``(usable, wrong host)`` releases of one id, newest first.
Split = tuple[list[Release], list[Release]]
Known = Callable[[str], Split]


def _versions(releases: list[Release]) -> str:
    return ", ".join(str(r.version) for r in releases) or "none"


def _fits(release: Release, needs: list[Need]) -> bool:
    return all(Pick(release.id, release).satisfies(n) for n in needs)


def _code(needs: list[Need], usable: list[Release], wrong_host: list[Release]) -> DiagnosticCode:
    if not usable and not wrong_host:
        return DiagnosticCode.RESOLVE_MISSING_REQUIRED
    if any(_fits(r, needs) for r in wrong_host):
        return DiagnosticCode.HOST_VERSION_MISMATCH
    if any(n.kind == "conflicts with" for n in needs):
        return DiagnosticCode.RESOLVE_CONFLICT
    return DiagnosticCode.RESOLVE_VERSION_MISMATCH


def _said(needs: list[Need]) -> tuple[str, int]:
    """The requirements as one clause per source mod, and how many clauses.

    Requirements from several releases of one mod are alternatives (resolvelib tried each),
    not demands made together, and are said so.
    """
    groups: dict[str, list[Need]] = {}
    for need in needs:
        groups.setdefault(need.source.split(" ")[0] if need.source else "", []).append(need)
    clauses = []
    for parent, group in groups.items():
        text = ", ".join(n.line() for n in group)
        clauses.append(f"{text} (one per {parent} release tried)" if len(group) > 1 else text)
    return "; ".join(clauses), len(clauses)


def _message(mod_id: str, needs: list[Need], code: DiagnosticCode) -> str:
    said, count = _said(needs)
    if code == DiagnosticCode.RESOLVE_MISSING_REQUIRED:
        return f"{said}; {mod_id} has no published release"
    if code == DiagnosticCode.HOST_VERSION_MISMATCH:
        return f"{said}; no release of {mod_id} that fits works with this host"
    return f"{said}; no release of {mod_id} satisfies {'it' if count == 1 else 'all of them'}"


def _hint(
    mod_id: str, needs: list[Need], known: tuple[list[Release], list[Release]], host: str
) -> str:
    usable, wrong_host = known
    parents = sorted({n.source.split(" ")[0] for n in needs if n.source})
    others = f"another version of {', '.join(parents)}" if parents else ""
    request = "the install request" if any(n.source is None for n in needs) else ""
    change = " or ".join(x for x in (others, request) if x)
    if not usable and not wrong_host:
        return f"publish {mod_id}, or change {change} so it is not needed"
    fitting = [r for r in wrong_host if _fits(r, needs)]
    if fitting:
        return (
            f"{fitting[0].label} would fit but needs host API {show_range(fitting[0].host)} "
            f"(this host implements {host}); publish a release of {mod_id} for this host, "
            f"or choose {change}"
        )
    if len(needs) == 1 and needs[0].source is None:
        return f"ask for a version of {mod_id} that exists: {_versions(usable)}"
    return (
        f"no release of {mod_id} ({_versions(usable)}) meets these together: choose {change}, "
        f"or publish a {mod_id} release inside every range"
    )


def explain_failure(causes: Iterable[Info], known: Known, host: str) -> list[Diagnostic]:
    """One diagnostic per mod id whose requirements cannot be met together, sorted by id."""
    groups: dict[str, list[Need]] = {}
    for info in causes:
        need = info.requirement
        if need not in groups.setdefault(need.id, []):
            groups[need.id].append(need)
    out = []
    for mod_id in sorted(groups):
        needs = sorted(groups[mod_id], key=lambda n: (n.source or "", n.kind, n.text))
        usable, wrong_host = known(mod_id)
        lines = [n.line() for n in needs]
        facts = [f"{mod_id} releases: {_versions(usable)}"]
        facts += [f"{r.label} needs host API {show_range(r.host)}" for r in wrong_host]
        code = _code(needs, usable, wrong_host)
        out.append(
            Diagnostic(
                code=str(code),
                message=_message(mod_id, needs, code),
                mod=mod_id,
                hint=_hint(mod_id, needs, (usable, wrong_host), host),
                cause=(*facts, *lines),
                details={
                    "requirements": [
                        {"from": n.source, "kind": n.kind, "range": n.text} for n in needs
                    ],
                    "available": [str(r.version) for r in usable],
                },
            )
        )
    return out
