"""Discovery plus planning: the shared front half of ``modhost check`` and ``modhost run``.

Both commands call :func:`prepare`, so they report the same load order and the same
diagnostics word for word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from host_api import Diagnostic, HostPolicy
from resolver import LoadPlan, ModCandidate, plan_load_order

from ._discovery import Discovery, discover

PlannedState = Literal["planned", "failed", "disabled"]


@dataclass(frozen=True)
class Preparation:
    """The outcome of discovery and planning."""

    #: Mod ids to load, in load order.
    order: tuple[str, ...]
    #: Every mod found, by id: its candidate (None when its manifest was unusable).
    candidates: dict[str, ModCandidate | None]
    #: Mods that will not load: ``failed`` (a per-mod check failed) or ``disabled`` (the plan
    #: disabled it).
    states: dict[str, PlannedState]
    #: Every diagnostic, discovery's first, then the plan's, in a deterministic order.
    diagnostics: tuple[Diagnostic, ...]
    #: The resolver's plan: it knows which failure took each disabled mod down.
    plan: LoadPlan

    def for_mod(
        self, mod_id: str, diagnostics: Iterable[Diagnostic] | None = None
    ) -> tuple[Diagnostic, ...]:
        """The diagnostics that concern ``mod_id``, in the order of ``diagnostics`` (default:
        this preparation's): those about it, and the plan's that take it down
        (:meth:`resolver.LoadPlan.diagnostics_for`), so a mod disabled because a mod it
        requires failed says why in its own report entry.

        ``check`` and ``run`` both build their per-mod entries with this, so they match word
        for word. O(len(diagnostics) * d), d the plan's diagnostics about ``mod_id``.
        """
        down = self.plan.diagnostics_for(mod_id)
        source = self.diagnostics if diagnostics is None else diagnostics
        return tuple(d for d in source if d.mod == mod_id or d in down)


def prepare(mods_dir: Path, policy: HostPolicy, *, base_dir: Path | None = None) -> Preparation:
    """Discover the mods in ``mods_dir`` and plan their load order.

    :param base_dir: where the policy's relative paths resolve (see :func:`discover`).
    """
    return plan_discovery(discover(mods_dir, policy, base_dir=base_dir))


def plan_discovery(found: Discovery) -> Preparation:
    """Plan the load order of what discovery found (hot reload plans assembled discoveries).

    Pure: reads no files, so the same discovery always gives the same preparation.
    """
    # Mods that failed discovery are on disk: their dependents say so, not "not installed".
    unusable = {m: f"{d[0].code} (see its diagnostics)" for m, d in found.failed.items() if d}
    plan = plan_load_order(found.candidates, unusable=unusable)
    candidates: dict[str, ModCandidate | None] = dict.fromkeys(found.failed)
    for c in found.candidates:
        candidates.setdefault(c.manifest.id, c)
    # The plan puts every id it was given in ``order`` or ``disabled`` (a duplicated id is
    # disabled with RESOLVE_DUPLICATE_ID), so anything not ordered is disabled.
    ordered = set(plan.order)
    states: dict[str, PlannedState] = {}
    for mod_id in candidates:
        if mod_id in found.failed:
            states[mod_id] = "failed"
        elif mod_id not in ordered:
            states[mod_id] = "disabled"
        else:
            states[mod_id] = "planned"
    return Preparation(
        order=tuple(m for m in plan.order if states.get(m) == "planned"),
        candidates=dict(sorted(candidates.items())),
        states=dict(sorted(states.items())),
        diagnostics=(*found.diagnostics, *plan.diagnostics),
        plan=plan,
    )
