"""Load planning: installed mods -> a deterministic load order, or explained failures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from host_api import HOST_API_VERSION, Diagnostic, Manifest


@dataclass(frozen=True)
class ModCandidate:
    """A mod found on disk: its validated manifest and its folder."""

    manifest: Manifest
    folder: Path


@dataclass(frozen=True)
class LoadPlan:
    """The outcome of planning: what loads, in which order, and what was disabled and why."""

    #: Mod ids in load order.
    order: tuple[str, ...]
    #: Mod ids that will not load.
    disabled: tuple[str, ...]
    #: Every problem found, in a deterministic order.
    diagnostics: tuple[Diagnostic, ...]


def plan_load_order(
    mods: Sequence[ModCandidate], *, host_version: Version = HOST_API_VERSION
) -> LoadPlan:
    """Order ``mods`` for loading.

    Interim rule until relations are resolved: ascending mod id.
    """
    order = tuple(sorted(m.manifest.id for m in mods))
    return LoadPlan(order=order, disabled=(), diagnostics=())
