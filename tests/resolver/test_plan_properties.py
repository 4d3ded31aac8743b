"""Properties of plan_load_order over random mod folders (hypothesis).

Every edge of the order is respected; the result does not depend on input order; every
reported cycle exists in the input; no mod is disabled without a chain of ``required``
relations back to a real failure, checked here independently of the planner; and the order
is the documented one (smallest id among the mods that are ready).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from resolver import LoadPlan, ModCandidate, plan_load_order

MakeCandidate = Callable[[dict[str, Any]], ModCandidate]

IDS = ["ma", "mb", "mc", "md", "me", "mf", "mg", "mh"]
VERSIONS = ["1.0.0", "1.5.0", "2.0.0"]
RANGES = ["*", ">=1.5", "<2.0", ">=2.0", "==1.0.0"]
HOST = Version("0.1.0")
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

relations = st.dictionaries(st.sampled_from(IDS), st.sampled_from(RANGES), max_size=3)


@st.composite
def folders(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A mods folder: up to 7 ids (a few duplicated), random relations, some to absent ids."""
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=7, unique=True))
    dupes = draw(st.lists(st.sampled_from(ids), max_size=1))
    specs = []
    for n, mod_id in enumerate(ids + dupes):
        specs.append(
            {
                "id": mod_id,
                "folder": f"mods/{mod_id}-{n}",
                "version": draw(st.sampled_from(VERSIONS)),
                "host": draw(st.sampled_from(["*", "*", "*", ">=0.2"])),
                "required": draw(relations),
                "optional": draw(relations),
                "conflicts": draw(
                    st.dictionaries(st.sampled_from(IDS), st.sampled_from(RANGES), max_size=1)
                ),
                "softAfter": draw(st.lists(st.sampled_from(IDS), max_size=2, unique=True)),
            }
        )
    return specs


def _inside(version: str, text: str) -> bool:
    spec = SpecifierSet("" if text == "*" else text)
    return spec.contains(Version(version), prereleases=True)


class Oracle:
    """The rules, restated naively over the raw specs (independent of the planner's code)."""

    def __init__(self, specs: list[dict[str, Any]]) -> None:
        self.copies: dict[str, list[dict[str, Any]]] = {}
        for spec in specs:
            self.copies.setdefault(spec["id"], []).append(spec)
        self.single = {k: v[0] for k, v in self.copies.items() if len(v) == 1}

    def hard(self, x: str) -> set[str]:
        spec = self.single[x]
        return {t for t in [*spec["required"], *spec["optional"]] if t in self.single}

    def own_failure(self, mod_id: str) -> set[str]:
        """Codes of the failures ``mod_id`` has on its own (not counting cycles)."""
        if mod_id not in self.single:
            return {"RESOLVE_DUPLICATE_ID"}
        spec, codes = self.single[mod_id], set()
        if not _inside(str(HOST), spec["host"]):
            codes.add("HOST_VERSION_MISMATCH")
        for target, text in spec["required"].items():
            if target == mod_id or (target in self.copies and target not in self.single):
                continue
            if target not in self.copies:
                codes.add("RESOLVE_MISSING_REQUIRED")
            elif not _inside(self.single[target]["version"], text):
                codes.add("RESOLVE_VERSION_MISMATCH")
        for target, text in spec["optional"].items():
            dep = self.single.get(target)
            if target != mod_id and dep and not _inside(dep["version"], text):
                codes.add("RESOLVE_VERSION_MISMATCH")
        for target, text in spec["conflicts"].items():
            if target != mod_id and any(
                _inside(c["version"], text) for c in self.copies.get(target, [])
            ):
                codes.add("RESOLVE_CONFLICT")
        return codes

    def on_hard_cycle(self, mod_id: str) -> bool:
        """True when ``mod_id`` reaches itself over required/optional relations."""
        stack, seen = list(self.hard(mod_id)), set()
        while stack:
            node = stack.pop()
            if node == mod_id:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(self.hard(node))
        return False


def _plan(make: MakeCandidate, specs: list[dict[str, Any]]) -> LoadPlan:
    return plan_load_order([make(s) for s in specs], host_version=HOST)


@SETTINGS
@given(specs=folders(), data=st.data())
def test_order_is_independent_of_input_order(
    make_candidate: MakeCandidate, specs: list[dict[str, Any]], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(specs))
    assert _plan(make_candidate, shuffled).to_dict() == _plan(make_candidate, specs).to_dict()


@SETTINGS
@given(specs=folders())
def test_every_edge_is_respected(
    make_candidate: MakeCandidate, specs: list[dict[str, Any]]
) -> None:
    plan = _plan(make_candidate, specs)
    oracle = Oracle(specs)
    assert sorted([*plan.order, *plan.disabled]) == sorted(oracle.copies)
    position = {m: i for i, m in enumerate(plan.order)}
    ignored = {tuple(d.details["ignored"]) for d in plan.diagnostics if d.severity == "warning"}
    for x in plan.order:
        spec = oracle.single[x]
        assert not oracle.own_failure(x)
        for target in spec["required"]:
            assert position[target] < position[x], (x, "requires", target)
        for target in spec["optional"]:
            if target in position:
                assert position[target] < position[x], (x, "optionally uses", target)
        for target in spec["softAfter"]:
            if target in position and target != x and (x, target) not in ignored:
                assert position[target] < position[x], (x, "softAfter", target)


@SETTINGS
@given(specs=folders())
def test_order_takes_the_smallest_ready_id(
    make_candidate: MakeCandidate, specs: list[dict[str, Any]]
) -> None:
    plan = _plan(make_candidate, specs)
    oracle = Oracle(specs)
    ignored = {tuple(d.details["ignored"]) for d in plan.diagnostics if "ignored" in d.details}
    loaded = set(plan.order)

    def after(x: str) -> set[str]:
        spec = oracle.single[x]
        soft = {t for t in spec["softAfter"] if (x, t) not in ignored and t != x}
        return {t for t in [*spec["required"], *spec["optional"], *soft] if t in loaded}

    done: set[str] = set()
    for x in plan.order:
        ready = [m for m in loaded - done if after(m) <= done]
        assert x == min(ready)
        done.add(x)


@SETTINGS
@given(specs=folders())
def test_reported_cycles_exist(make_candidate: MakeCandidate, specs: list[dict[str, Any]]) -> None:
    plan = _plan(make_candidate, specs)
    oracle = Oracle(specs)
    for diag in plan.diagnostics:
        if diag.code != "RESOLVE_CYCLE":
            continue
        cycles = diag.details["cycles"] if diag.severity == "error" else [diag.details["cycle"]]
        for cycle in cycles:
            assert cycle[0] == cycle[-1]
            for x, y in itertools.pairwise(cycle):
                spec = oracle.single[x]
                allowed = [*spec["required"], *spec["optional"]]
                if diag.severity == "warning":
                    allowed += spec["softAfter"]
                assert y in allowed, (cycle, x, y)


@SETTINGS
@given(specs=folders())
def test_every_disabled_mod_has_a_real_cause(
    make_candidate: MakeCandidate, specs: list[dict[str, Any]]
) -> None:
    plan = _plan(make_candidate, specs)
    oracle = Oracle(specs)
    assert [r.mod for r in plan.reasons] == list(plan.disabled)
    for reason in plan.reasons:
        root = reason.path[0]
        if reason.code == "RESOLVE_CYCLE":
            assert oracle.on_hard_cycle(root), reason
        else:
            assert reason.code in oracle.own_failure(root), reason
        for parent, child in zip(reason.path, reason.path[1:], strict=False):
            assert parent in oracle.single[child]["required"], reason
        assert reason.path[-1] == reason.mod
        assert reason.cause, reason
        root_diags = [d for d in plan.diagnostics_for(reason.mod) if d.code == reason.code]
        assert root_diags, f"{reason.mod} is disabled but no {reason.code} diagnostic lists it"
