"""The JSON reports of ``modhost run`` and ``modhost check`` (pydantic models at the edge).

Field names are a contract (DESIGN.md, "The CLI"): tools read ``load_order``, ``ticks``,
``world_hash``, ``mods.<id>.state``/``diagnostics``/``log`` and ``timings``. Extend, never
rename.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from host_api import Diagnostic

ModState = Literal["running", "quarantined", "failed", "disabled"]


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModSummary(_Report):
    """One mod as ``modhost check --json`` reports it."""

    id: str
    #: None when the manifest could not be read.
    version: str | None
    #: What would happen on ``run``: ``running`` (it loads), ``failed`` or ``disabled``.
    state: ModState
    diagnostics: list[Diagnostic] = Field(default_factory=list)


class CheckReport(_Report):
    """``modhost check --json``."""

    load_order: list[str]
    mods: dict[str, ModSummary]
    #: Every diagnostic (the per-mod ones too), in a deterministic order.
    diagnostics: list[Diagnostic]


class ModReport(_Report):
    """One mod in ``modhost run --json``."""

    id: str
    version: str | None
    state: ModState
    #: The sandbox tier that ran the mod's scripts (``inprocess``, ``process``), ``wasm`` for
    #: a mod with only WebAssembly components; None when the mod never loaded.
    tier: str | None
    #: Faults counted against the mod (see the fault ladder).
    faults: int
    #: Live entities the mod owns at the end of the run.
    entities: int
    diagnostics: list[Diagnostic]
    #: The last lines the mod wrote with ``ctx.log``.
    log: list[str]
    #: Host wall time spent running the mod's hooks, in milliseconds.
    time_ms: float


class Timings(_Report):
    """Where the wall time went (informational: never part of determinism)."""

    total_ms: float
    per_tick_ms: float
    #: By stage name (scripts, components, integration, events, presentation).
    stages_ms: dict[str, float]
    #: By mod id, time in the mod's hooks.
    mods_ms: dict[str, float]


class RunReport(_Report):
    """``modhost run --json``."""

    load_order: list[str]
    ticks: int
    seed: int
    world_hash: str
    #: Live entities at the end of the run.
    entities: int
    #: Live entities per kind.
    kinds: dict[str, int]
    #: The PNG written with ``--screenshot``, if any.
    screenshot: str | None = None
    mods: dict[str, ModReport]
    #: Every diagnostic (planning, loading, faults), in the order they happened.
    diagnostics: list[Diagnostic]
    timings: Timings
