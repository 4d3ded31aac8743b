"""Load-order cases, one TOML file each in ``cases/``; one parametrised test runs them all.

A case lists ``[[mod]]`` tables, optionally ``host`` (the host API version) and ``unusable``
(ids that failed before planning -> reason), and an ``[expect]`` table: ``order``, ``disabled``,
``diagnostics`` (each: ``code``, ``mod``, ``severity``, and ``message`` exact or
``message_contains``, optional ``hint_contains``, exact ``cause``, ``disabled``), and
``reasons`` (disabled mod -> path from its root failure). Every case is also planned with its
mods in reverse order, which must not change a single byte of the result.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from resolver import LoadPlan, ModCandidate, plan_load_order

MakeCandidate = Callable[[dict[str, Any]], ModCandidate]

CASES = sorted((Path(__file__).parent / "cases").glob("*.toml"))


def _check_diagnostic(got: Any, want: dict[str, Any]) -> None:
    assert got.code == want["code"]
    assert got.mod == want["mod"]
    assert got.severity == want.get("severity", "error")
    if "message" in want:
        assert got.message == want["message"]
    for part in want.get("message_contains", []):
        assert part in got.message, got.message
    for part in want.get("hint_contains", []):
        assert part in got.hint, got.hint
    if "cause" in want:
        assert list(got.cause) == want["cause"]
    if "disabled" in want:
        assert got.details["disabled"] == want["disabled"]
    assert got.hint, "every diagnostic needs a hint"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path: Path, make_candidate: MakeCandidate) -> None:
    case = tomllib.loads(path.read_text(encoding="utf-8"))
    host = Version(case.get("host", "0.1.0"))
    mods = [make_candidate(m) for m in case["mod"]]
    unusable = case.get("unusable", {})
    plan = plan_load_order(mods, host_version=host, unusable=unusable)
    want = case["expect"]

    assert list(plan.order) == want["order"]
    assert list(plan.disabled) == want.get("disabled", [])
    wanted = want.get("diagnostics", [])
    assert len(plan.diagnostics) == len(wanted), [d.render() for d in plan.diagnostics]
    for got, expected in zip(plan.diagnostics, wanted, strict=True):
        _check_diagnostic(got, expected)
    for mod_id, path_ids in want.get("reasons", {}).items():
        reason = plan.reason(mod_id)
        assert reason is not None and list(reason.path) == path_ids
    assert {r.mod for r in plan.reasons} == set(plan.disabled)

    again: LoadPlan = plan_load_order(mods[::-1], host_version=host, unusable=unusable)
    assert again.to_dict() == plan.to_dict()
