"""resolvelib under version selection: our releases as its candidates. Internal.

How the relations map onto resolvelib, which knows only "this id must be pinned to a
candidate that satisfies these requirements":

* every id that any relation names gets a criterion, and its candidates are its releases
  (host range checked, newest first) **plus one "absent" candidate**;
* ``required`` (and a request) is satisfied only by a real release inside the range, so it
  also rules out "absent";
* ``optional`` is satisfied by "absent" or by a release inside the range;
* ``conflicts`` is satisfied by "absent" or by a release *outside* the range.

"Absent" comes first whenever it is allowed, so an id that is only named as optional or
conflicting stays out of the selection; when a ``required`` arrives later its pin no longer
satisfies and resolvelib re-pins it, backtracking as it needs. Conflicts are therefore
ordinary requirements: no post-check, and resolvelib's backjumping covers them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from packaging.version import Version
from resolvelib import AbstractProvider, BaseReporter
from resolvelib.structs import RequirementInformation

from ._ranges import in_range, show_range
from ._release import Release, ReleaseProvider, Reporter

Kind = Literal["requests", "requires", "optionally uses", "conflicts with"]


@dataclass(frozen=True)
class Need:
    """One requirement on a mod id, and who states it (``source``: a release label or None
    for the install request)."""

    id: str
    kind: Kind
    text: str
    source: str | None

    def line(self) -> str:
        """``hud 1.0.0 requires core-items >=1.0`` / ``the request asks for core-items ...``."""
        who = self.source or "the install request"
        verb = "asks for" if self.kind == "requests" else self.kind
        return f"{who} {verb} {self.id} {show_range(self.text)}"

    @property
    def needs_release(self) -> bool:
        """True when only a real release satisfies it (``requires``, the request)."""
        return self.kind in ("requests", "requires")


@dataclass(frozen=True)
class Pick:
    """A resolvelib candidate: a release of ``id``, or ``release=None`` for "not selected"."""

    id: str
    release: Release | None

    def satisfies(self, need: Need) -> bool:
        """Whether choosing this candidate meets ``need`` (see the module docstring)."""
        if self.release is None:
            return not need.needs_release
        inside = in_range(self.release.version, need.text)
        return not inside if need.kind == "conflicts with" else inside


Info = RequirementInformation[Need, Pick]


def _self_consistent(release: Release) -> bool:
    """A release that names its own id under required/optional must be inside that range.

    Such self-references are settled here rather than handed to resolvelib as a requirement
    whose parent is its own candidate; a self-conflict is ignored, as in load planning.
    """
    own = [text for t, text in (*release.required, *release.optional) if t == release.id]
    return all(in_range(release.version, text) for text in own)


class Adapter(AbstractProvider[Need, Pick, str]):
    """Answers resolvelib's questions from a :class:`ReleaseProvider`.

    :param provider: the release source; asked once per id, answers cached.
    :param host_version: releases whose ``host`` range excludes it are never candidates.
    """

    def __init__(self, provider: ReleaseProvider, host_version: Version) -> None:
        self._provider = provider
        self._host = host_version
        self._cache: dict[str, tuple[list[Release], list[Release]]] = {}

    def known(self, mod_id: str) -> tuple[list[Release], list[Release]]:
        """``(usable, wrong host)`` releases of ``mod_id``, each newest first."""
        if mod_id not in self._cache:
            every = sorted(self._provider.releases(mod_id), key=lambda r: r.version, reverse=True)
            usable = [r for r in every if in_range(self._host, r.host) and _self_consistent(r)]
            self._cache[mod_id] = (usable, [r for r in every if r not in usable])
        return self._cache[mod_id]

    def identify(self, requirement_or_candidate: Need | Pick) -> str:
        return requirement_or_candidate.id

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Pick],
        candidates: Mapping[str, Iterator[Pick]],
        information: Mapping[str, Iterator[Info]],
        backtrack_causes: Sequence[Info],
    ) -> Any:
        # Requests first, then ids something requires, then ids only named as optional or
        # conflicting (those usually resolve to "absent"); a recent backtrack cause is
        # worked on early; the id breaks ties, so the walk is deterministic.
        needs = [i.requirement for i in information[identifier]]
        causes = {c.requirement.id for c in backtrack_causes}
        causes |= {c.parent.id for c in backtrack_causes if c.parent is not None}
        return (
            not any(n.kind == "requests" for n in needs),
            not any(n.needs_release for n in needs),
            identifier not in causes,
            identifier,
        )

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Need]],
        incompatibilities: Mapping[str, Iterator[Pick]],
    ) -> Iterable[Pick]:
        needs = list(requirements[identifier])
        bad = set(incompatibilities[identifier])
        picks = [Pick(identifier, None)] if not any(n.needs_release for n in needs) else []
        picks += [Pick(identifier, r) for r in self.known(identifier)[0]]
        return [p for p in picks if p not in bad and all(p.satisfies(n) for n in needs)]

    def is_satisfied_by(self, requirement: Need, candidate: Pick) -> bool:
        return candidate.satisfies(requirement)

    def get_dependencies(self, candidate: Pick) -> Iterable[Need]:
        release = candidate.release
        if release is None:
            return []
        label, own = release.label, release.id
        return [
            *(Need(t, "requires", text, label) for t, text in release.required if t != own),
            *(Need(t, "optionally uses", text, label) for t, text in release.optional if t != own),
            *(Need(t, "conflicts with", text, label) for t, text in release.conflicts if t != own),
        ]


class Bridge(BaseReporter[Need, Pick, str]):
    """Forwards resolvelib's events to a public :class:`Reporter`, in our own terms."""

    def __init__(self, reporter: Reporter) -> None:
        self._reporter = reporter
        #: Rounds started so far (read after resolution for :attr:`Selection.rounds`).
        self.rounds = 0

    def starting_round(self, index: int) -> None:
        self.rounds = index + 1

    def pinning(self, candidate: Pick) -> None:
        if candidate.release is not None:
            self._reporter.pinning(candidate.release)

    def rejecting_candidate(self, criterion: Any, candidate: Pick) -> None:
        if candidate.release is not None:
            lines = "; ".join(i.requirement.line() for i in criterion.information)
            self._reporter.rejecting_release(candidate.release, lines)

    def resolving_conflicts(self, causes: Any) -> None:
        self._reporter.backtracking(tuple(i.requirement.line() for i in causes))
