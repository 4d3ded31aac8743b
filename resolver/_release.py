"""Version selection's data side: releases, where they come from, and what was chosen.

The marketplace implements :class:`ReleaseProvider` over its index; tests and tools use
:class:`InMemoryReleases`. :class:`Reporter` receives the resolver's progress events.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from packaging.version import Version

from host_api import Manifest

from ._ranges import spec
from ._ranges import version as parse_version


def _frozen(relations: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(relations.items()))


@dataclass(frozen=True, eq=False)
class Release:
    """One published version of a mod: the unit version selection chooses between.

    Two releases are equal when their ``id`` and ``version`` are: a provider gives each
    version of a mod once. Relations are ``(mod id, range)`` pairs, sorted; ranges are
    manifest strings (PEP 440 specifiers, ``"*"`` = any).
    """

    #: The mod id.
    id: str
    #: This release's version.
    version: Version
    #: Mods that must be selected, in a version inside the range.
    required: tuple[tuple[str, str], ...] = ()
    #: Mods that, if selected for another reason, must be inside the range.
    optional: tuple[tuple[str, str], ...] = ()
    #: Mods that must not be selected in a version inside the range.
    conflicts: tuple[tuple[str, str], ...] = ()
    #: Host API versions this release works with.
    host: str = "*"

    @classmethod
    def of(
        cls,
        mod_id: str,
        version: str,
        *,
        required: Mapping[str, str] | None = None,
        optional: Mapping[str, str] | None = None,
        conflicts: Mapping[str, str] | None = None,
        host: str = "*",
    ) -> Release:
        """Build a release from plain strings and dicts (the order of dict keys is ignored).

        :raises ValueError: a version or range does not parse (packaging's ``InvalidVersion``
            and ``InvalidSpecifier`` are ValueErrors), so bad index data fails here, at the
            edge, and never in the middle of a resolution.
        """
        for text in (
            host,
            *(v for r in (required, optional, conflicts) for v in (r or {}).values()),
        ):
            spec(text)
        return cls(
            id=mod_id,
            version=parse_version(version),
            required=_frozen(required or {}),
            optional=_frozen(optional or {}),
            conflicts=_frozen({k: v for k, v in (conflicts or {}).items() if k != mod_id}),
            host=host,
        )

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> Release:
        """The release a validated ``mod.toml`` describes (softAfter does not constrain it)."""
        deps = manifest.dependencies
        return cls.of(
            manifest.id,
            manifest.version,
            required=deps.required,
            optional=deps.optional,
            conflicts=deps.conflicts,
            host=manifest.host,
        )

    @property
    def label(self) -> str:
        """``id version``, how messages name a release."""
        return f"{self.id} {self.version}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Release):
            return NotImplemented
        return (self.id, self.version) == (other.id, other.version)

    def __hash__(self) -> int:
        return hash((self.id, self.version))

    def __repr__(self) -> str:
        return f"Release({self.label})"


class ReleaseProvider(ABC):
    """Where releases come from. The marketplace implements this over its published index.

    The resolver asks once per mod id per :meth:`Resolver.resolve` call and caches the
    answer, so an implementation may do I/O here.
    """

    @abstractmethod
    def releases(self, mod_id: str) -> Iterable[Release]:
        """Every release of ``mod_id`` that may be installed, in any order.

        :param mod_id: a mod id named by a request or by a release's relations.
        :returns: the releases (each version once); empty when the id is unknown.
        """


class InMemoryReleases(ReleaseProvider):
    """A :class:`ReleaseProvider` over a fixed list of releases (tests, local folders)."""

    def __init__(self, releases: Iterable[Release]) -> None:
        self._by_id: dict[str, list[Release]] = {}
        for release in releases:
            self._by_id.setdefault(release.id, []).append(release)

    def releases(self, mod_id: str) -> Iterable[Release]:
        """The releases given for ``mod_id`` at construction."""
        return tuple(self._by_id.get(mod_id, ()))


@dataclass(frozen=True)
class Selection:
    """The outcome of version selection: one release per selected mod id."""

    #: The chosen releases, sorted by id. Mods only named as optional or conflicting and
    #: not needed are not selected.
    releases: tuple[Release, ...]
    #: How many resolution rounds it took (pins plus backtracks), for reports and benchmarks.
    rounds: int = field(default=0, compare=False)

    def version_of(self, mod_id: str) -> Version | None:
        """The chosen version of ``mod_id``, or None when it is not selected."""
        return next((r.version for r in self.releases if r.id == mod_id), None)

    def as_dict(self) -> dict[str, str]:
        """``{mod id: version}``, sorted by id."""
        return {r.id: str(r.version) for r in self.releases}


class Reporter:
    """Progress events from :class:`Resolver` (gerund names); every method does nothing.

    Subclass and override what you need, e.g. to log a marketplace install step by step.
    """

    def starting(self, requests: Mapping[str, str]) -> None:
        """Resolution starts for ``requests`` (mod id -> range)."""

    def pinning(self, release: Release) -> None:
        """``release`` is tentatively chosen."""

    def rejecting_release(self, release: Release, because: str) -> None:
        """``release`` cannot be chosen; ``because`` says which requirement it breaks."""

    def backtracking(self, causes: tuple[str, ...]) -> None:
        """Earlier choices are being undone because of ``causes`` (one line each)."""

    def ending(self, selection: Selection) -> None:
        """Resolution succeeded with ``selection``."""
