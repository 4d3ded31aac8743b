"""The public contracts match their committed snapshot, and the comparison calls breaks breaks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def contracts() -> Iterator[ModuleType]:
    sys.path.insert(0, str(ROOT))
    try:
        import contracts._api
        import contracts._codes
        import contracts._schemas
        import contracts._snapshot
        import contracts._wit

        yield contracts
    finally:
        sys.path.remove(str(ROOT))


def test_code_matches_committed_snapshot() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "contracts", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def _fn(*params: tuple[str, str, str | None, bool], returns: str | None = "None") -> dict[str, Any]:
    return {"kind": "function", "params": [list(p) for p in params], "returns": returns}


POS = "positional or keyword"
KW = "keyword-only"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"p.f": _fn()}, {}, [("breaking", "p.f", "removed")]),
        ({}, {"p.f": _fn()}, [("additive", "p.f", "added")]),
        (
            {"p.f": _fn(("a", POS, "int", False))},
            {"p.f": _fn(("b", POS, "int", False))},
            [
                ("breaking", "p.f", "parameter 'a' removed"),
                ("breaking", "p.f", "parameter 'b' added"),
            ],
        ),
        (
            {"p.f": _fn(("a", POS, "int", False))},
            {"p.f": _fn(("a", POS, "int", False), ("b", KW, "int", True))},
            [("additive", "p.f", "parameter 'b' added")],
        ),
        (
            {"p.f": _fn(("a", POS, "int", True))},
            {"p.f": _fn(("a", KW, "int", False))},
            [
                ("breaking", "p.f", "parameter 'a' became required"),
                (
                    "breaking",
                    "p.f",
                    "parameter 'a' changed kind: positional or keyword -> keyword-only",
                ),
            ],
        ),
        (
            {"p.f": _fn(("a", POS, "int | str", False))},
            {"p.f": _fn(("a", POS, "int", False))},
            [("breaking", "p.f", "parameter 'a' type int | str -> int")],
        ),
        (
            {"p.C": {"kind": "class", "bases": ["Base"]}},
            {"p.C": {"kind": "function", "params": [], "returns": None}},
            [("breaking", "p.C", "changed from class to function")],
        ),
    ],
)
def test_api_changes_are_classified(
    contracts: ModuleType, old: dict[str, Any], new: dict[str, Any], expected: list[tuple[str, ...]]
) -> None:
    found = contracts._api.compare(old, new)
    assert sorted((c.severity, c.subject, c.what) for c in found) == sorted(expected)


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


def test_input_schema_breaks_on_removed_field_and_new_requirement(contracts: ModuleType) -> None:
    flatten = contracts._schemas.flatten
    old = {
        "m": {
            "direction": "input",
            "paths": flatten(_schema({"a": {"type": "string"}, "b": {"type": "integer"}}, ["a"])),
        }
    }
    new = {
        "m": {
            "direction": "input",
            "paths": flatten(
                _schema({"a": {"type": "string"}, "c": {"type": "integer"}}, ["a", "c"])
            ),
        }
    }
    found = {(c.severity, c.subject, c.what) for c in contracts._schemas.compare(old, new)}
    assert ("breaking", "schema:m/b", "removed") in found
    assert ("breaking", "schema:m/c", "added") in found


def test_output_schema_breaks_when_a_field_may_be_null(contracts: ModuleType) -> None:
    flatten = contracts._schemas.flatten
    before = _schema({"hash": {"type": "string"}}, ["hash"])
    after = _schema({"hash": {"anyOf": [{"type": "string"}, {"type": "null"}]}}, ["hash"])
    old = {"r": {"direction": "output", "paths": flatten(before)}}
    new = {"r": {"direction": "output", "paths": flatten(after)}}
    found = contracts._schemas.compare(old, new)
    assert [(c.severity, c.subject) for c in found] == [("breaking", "schema:r/hash")]


def test_wit_item_change_is_breaking_and_new_item_additive(contracts: ModuleType) -> None:
    old = contracts._wit.parse(
        "package a:b@0.1.0;\ninterface host {\n  log: func(message: string);\n}\n"
    )
    new = contracts._wit.parse(
        "package a:b@0.1.0;\ninterface host {\n  log: func(message: u64);\n"
        "  record vec3 { x: f64, }\n}\n"
    )
    found = {(c.severity, c.subject) for c in contracts._wit.compare(old, new)}
    assert found == {
        ("breaking", "wit:interface host/log"),
        ("additive", "wit:interface host/vec3"),
    }


def test_removed_code_is_breaking(contracts: ModuleType) -> None:
    found = contracts._codes.compare(["A", "B"], ["B", "C"])
    assert [(c.severity, c.subject) for c in found] == [
        ("breaking", "code:A"),
        ("additive", "code:C"),
    ]


def test_update_refuses_a_break_without_a_changelog_entry(
    contracts: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = contracts._snapshot
    Change = contracts._model.Change
    breaking = [Change("breaking", "runtime.Host.step", "parameter 'n' removed")]
    changelog = tmp_path / "CHANGELOG.md"
    monkeypatch.setattr(snapshot, "CHANGELOG", changelog)
    changelog.write_text("## Unreleased\n- `runtime.Host.step` is faster\n")
    assert snapshot.unaccepted_breaks(breaking) == breaking
    changelog.write_text("## Unreleased\n- Breaking: `runtime.Host.step`: ticks are keyword-only\n")
    assert snapshot.unaccepted_breaks(breaking) == []
