"""Load planning: installed mods -> a deterministic load order, or explained failures.

The rule (README, "Load order"):

1. Root failures are found against what is installed: duplicate ids, the ``host`` range,
   missing or out-of-range ``required`` mods, present-but-out-of-range ``optional`` mods,
   and installed mods in a ``conflicts`` range (the declaring mod is disabled).
2. Every mod that transitively requires a disabled mod is disabled too.
3. Among the rest, required+optional relations that form a cycle disable every mod on it,
   and again everything that requires them.
4. softAfter edges are added in sorted ``(mod, target)`` order; one that would close a cycle
   is ignored with a warning.
5. The order is the topological order that, at each step, loads the smallest id (plain
   string order) among the mods whose relations are all loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.version import Version

from host_api import HOST_API_VERSION, Diagnostic, any_error

from ._errors import LoadPlanFailed
from ._explain import DisabledMod, closure, explain, required_by
from ._failures import Failure, cycle_failure, soft_cycle_warning, static_failures
from ._graph import hard_cycles, load_order, settle_soft_edges
from ._mods import Installed, Mod, ModCandidate, collect


@dataclass(frozen=True)
class LoadPlan:
    """The outcome of planning: what loads, in which order, and what was disabled and why."""

    #: Mod ids in load order.
    order: tuple[str, ...]
    #: Mod ids that will not load, sorted.
    disabled: tuple[str, ...]
    #: Every problem found, sorted by mod id, then code, then message. One per root cause;
    #: its ``details["disabled"]`` lists every mod that cause takes down.
    diagnostics: tuple[Diagnostic, ...]
    #: For each disabled mod (sorted by id): the shortest chain back to a root failure.
    reasons: tuple[DisabledMod, ...] = field(default=())

    def reason(self, mod_id: str) -> DisabledMod | None:
        """Why ``mod_id`` is disabled, or None when it loads (or is unknown)."""
        return next((r for r in self.reasons if r.mod == mod_id), None)

    def diagnostics_for(self, mod_id: str) -> tuple[Diagnostic, ...]:
        """The diagnostics about ``mod_id`` or that take it down, in plan order."""
        return tuple(
            d
            for d in self.diagnostics
            if d.mod == mod_id or mod_id in d.details.get("disabled", ())
        )

    def raise_for_errors(self) -> None:
        """For ``--strict``: raise when any diagnostic is an error.

        :raises LoadPlanFailed: carrying every diagnostic of the plan, first error first.
        """
        errors = [d for d in self.diagnostics if d.severity == "error"]
        if not errors:
            return
        raise LoadPlanFailed.from_diagnostics(
            f"{len(errors)} load-order error(s); first: {errors[0].message}",
            [*errors, *(d for d in self.diagnostics if d.severity != "error")],
        )

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (warnings allowed)."""
        return not any_error(self.diagnostics)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data, identical for ``check --json`` and the run report."""
        return {
            "load_order": list(self.order),
            "disabled": {
                r.mod: {
                    "code": r.code,
                    "root": r.root,
                    "path": list(r.path),
                    "cause": list(r.cause),
                }
                for r in self.reasons
            },
            "diagnostics": [d.model_dump(mode="json") for d in self.diagnostics],
        }


def _hard_after(mods: dict[str, Mod], alive: set[str]) -> dict[str, list[str]]:
    """``x -> [y, ...]`` for each required/optional relation between mods in ``alive``."""
    after: dict[str, list[str]] = {}
    for x in sorted(alive):
        mod = mods[x]
        targets = {t for t, _ in mod.required} | {t for t, _ in mod.optional}
        after[x] = sorted(t for t in targets if t in alive)
    return after


def _soft_edges(mods: dict[str, Mod], alive: set[str]) -> list[tuple[str, str]]:
    return [(x, t) for x in sorted(alive) for t in mods[x].soft_after if t in alive]


def plan_load_order(
    mods: Sequence[ModCandidate],
    *,
    host_version: Version = HOST_API_VERSION,
    unusable: Mapping[str, str] | None = None,
) -> LoadPlan:
    """Order ``mods`` for loading, disabling only what must be disabled, and say why.

    The result depends only on the set of manifests (and folders, for duplicates): never on
    the order of ``mods``, on dictionary order or on hash seeds. Cost: O((V + E) log V)
    plus, per failure, a walk over what it takes down.

    :param mods: every mod found in the mods folder, with a valid manifest.
    :param host_version: the host API version the manifests' ``host`` ranges are tested
        against.
    :param unusable: ids found on disk that failed a check before planning (invalid
        manifest, bad signature) -> a short reason. A mod that requires one is disabled with
        "X is installed but cannot load: reason" instead of "X is not installed"; the
        unusable mod's own diagnostics stay with whoever found the problem.
    :returns: the plan; problems are diagnostics in it, never exceptions.
    """
    installed: Installed = collect(mods, unusable)
    table = installed.mods
    failures = static_failures(installed, host_version)
    dependents = required_by(table)
    disabled = closure({r for f in failures for r in f.roots}, dependents)

    alive = set(table) - disabled
    for members, cycles in hard_cycles(sorted(alive), _hard_after(table, alive)):
        failures.append(cycle_failure(members, cycles, table))
    disabled = closure({r for f in failures for r in f.roots}, dependents)

    alive = set(table) - disabled
    hard = _hard_after(table, alive)
    accepted, dropped = settle_soft_edges(sorted(alive), hard, _soft_edges(table, alive))
    warnings = [soft_cycle_warning(edge, cycle, table) for edge, cycle in dropped]
    for x, y in accepted:
        hard[x].append(y)
    order = load_order(sorted(alive), hard)

    ordered: list[Failure] = sorted(failures + warnings, key=lambda f: f.sort_key)
    diagnostics, reasons = explain(ordered, table, dependents)
    return LoadPlan(
        order=tuple(order),
        disabled=tuple(sorted(disabled)),
        diagnostics=tuple(diagnostics),
        reasons=tuple(reasons[m] for m in sorted(reasons)),
    )
