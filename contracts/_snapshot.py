"""Read the code's contracts, read and write the committed snapshot, and compare them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import _api, _codes, _schemas, _wit
from ._model import Change

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_DIR = ROOT / "contracts" / "snapshot"
CHANGELOG = ROOT / "CHANGELOG.md"
#: One file per contract, and the function that compares two of its snapshots.
_PARTS = {
    "api": _api.compare,
    "schemas": _schemas.compare,
    "codes": _codes.compare,
    "wit": _wit.compare,
}


def current() -> dict[str, Any]:
    """The contracts as the code states them now."""
    return {
        "api": _api.extract(ROOT),
        "schemas": _schemas.extract(),
        "codes": _codes.extract(),
        "wit": _wit.extract(ROOT),
    }


def committed() -> dict[str, Any]:
    """The snapshot on disk (an empty contract where a file is missing)."""
    parts: dict[str, Any] = {}
    for name in _PARTS:
        path = SNAPSHOT_DIR / f"{name}.json"
        parts[name] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return parts


def write(parts: dict[str, Any]) -> None:
    """Replace the snapshot with ``parts`` (stable key order, one trailing newline)."""
    SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in parts.items():
        (SNAPSHOT_DIR / f"{name}.json").write_text(_dumps(data), encoding="utf-8")


def _dumps(data: Any) -> str:
    """JSON with one entry per line, so a diff of the snapshot reads as a list of changes."""
    if isinstance(data, dict):
        rows = [
            f"{json.dumps(key)}: {json.dumps(value, sort_keys=True)}"
            for key, value in sorted(data.items())
        ]
    else:
        rows = [json.dumps(item, sort_keys=True) for item in data]
    return (
        "{\n" + ",\n".join(rows) + "\n}\n"
        if isinstance(data, dict)
        else ("[\n" + ",\n".join(rows) + "\n]\n")
    )


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new``; a missing part counts as all-new."""
    found: list[Change] = []
    for name, compare in _PARTS.items():
        if old.get(name) is None:
            found.append(Change("additive", name, "no snapshot yet"))
            continue
        found += compare(old[name], new[name])
    return sorted(found)


def unaccepted_breaks(found: list[Change]) -> list[Change]:
    """Breaking changes that no ``CHANGELOG.md`` line marked as a break names."""
    lines = CHANGELOG.read_text(encoding="utf-8").splitlines() if CHANGELOG.exists() else []
    accepted = [line for line in lines if "break" in line.lower()]
    return [
        c
        for c in found
        if c.severity == "breaking" and not any(c.subject in line for line in accepted)
    ]
