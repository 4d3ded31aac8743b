"""The planner's view of the installed mods: one record per id, relations pre-sorted.

Everything downstream iterates these sorted tuples, never a manifest's dicts, so the result
cannot depend on dictionary order or on the order the folders were listed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from packaging.version import Version

from host_api import Manifest

from ._ranges import show_range, version

#: How a hard relation reads in a message: "a 1.0.0 requires b >=1".
REQUIRES: Final = "requires"
OPTIONAL: Final = "optionally uses"


@dataclass(frozen=True, slots=True)
class ModCandidate:
    """A mod found on disk: its validated manifest and its folder."""

    #: The parsed, validated ``mod.toml``.
    manifest: Manifest
    #: The mod's folder (shown in ``RESOLVE_DUPLICATE_ID`` diagnostics).
    folder: Path


@dataclass(frozen=True, slots=True)
class Mod:
    """One installed mod id with its relations as sorted ``(id, range)`` tuples."""

    id: str
    version_text: str
    version: Version
    host: str
    required: tuple[tuple[str, str], ...]
    optional: tuple[tuple[str, str], ...]
    conflicts: tuple[tuple[str, str], ...]
    soft_after: tuple[str, ...]

    @property
    def label(self) -> str:
        """``id version``, how messages name a mod."""
        return f"{self.id} {self.version_text}"

    def relation(self, kind: str, target: str, text: str) -> str:
        """A relation as one readable line: ``hud 1.0.0 requires scoreboard >=1.0``."""
        return f"{self.label} {kind} {target} {show_range(text)}"


def mod_from(manifest: Manifest) -> Mod:
    """Flatten a manifest into a :class:`Mod` with sorted relations."""
    deps = manifest.dependencies
    return Mod(
        id=manifest.id,
        version_text=manifest.version,
        version=version(manifest.version),
        host=manifest.host,
        required=tuple(sorted(deps.required.items())),
        optional=tuple(sorted(deps.optional.items())),
        conflicts=tuple(sorted((k, v) for k, v in deps.conflicts.items() if k != manifest.id)),
        soft_after=tuple(sorted({t for t in deps.soft_after if t != manifest.id})),
    )


@dataclass(frozen=True, slots=True)
class Installed:
    """The mods folder as the planner sees it.

    ``mods`` has one record per id that appears exactly once; ``duplicates`` maps each id that
    appears in several folders to those copies, sorted by folder path.
    """

    mods: dict[str, Mod]
    duplicates: dict[str, tuple[tuple[Path, Mod], ...]]
    #: Ids found on disk that cannot load for a reason found before planning (an invalid
    #: manifest, a bad signature), with that reason; never an id in ``mods``.
    unusable: dict[str, str] = field(default_factory=dict)

    def versions(self, mod_id: str) -> tuple[Mod, ...]:
        """Every installed copy of ``mod_id`` (one, several for a duplicate, or none)."""
        if mod_id in self.mods:
            return (self.mods[mod_id],)
        return tuple(m for _, m in self.duplicates.get(mod_id, ()))


def collect(
    candidates: Sequence[ModCandidate], unusable: Mapping[str, str] | None = None
) -> Installed:
    """Group candidates by id, in an order that ignores how they were listed."""
    by_id: dict[str, list[tuple[Path, Mod]]] = {}
    for cand in candidates:
        by_id.setdefault(cand.manifest.id, []).append((cand.folder, mod_from(cand.manifest)))
    mods: dict[str, Mod] = {}
    duplicates: dict[str, tuple[tuple[Path, Mod], ...]] = {}
    for mod_id in sorted(by_id):
        copies = by_id[mod_id]
        if len(copies) == 1:
            mods[mod_id] = copies[0][1]
        else:
            duplicates[mod_id] = tuple(sorted(copies, key=lambda c: (str(c[0]), c[1].version)))
    broken = {k: v for k, v in sorted((unusable or {}).items()) if k not in by_id}
    return Installed(mods=mods, duplicates=duplicates, unusable=broken)
