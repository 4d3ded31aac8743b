"""Fixtures for the resolver tests: manifests built from plain data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from host_api import Manifest
from resolver import ModCandidate

MakeCandidate = Callable[[dict[str, Any]], ModCandidate]


def _candidate(spec: dict[str, Any]) -> ModCandidate:
    deps = {k: spec[k] for k in ("required", "optional", "softAfter", "conflicts") if k in spec}
    manifest = Manifest.model_validate(
        {
            "id": spec["id"],
            "name": spec["id"],
            "version": spec.get("version", "1.0.0"),
            "host": spec.get("host", "*"),
            "dependencies": deps,
        }
    )
    return ModCandidate(manifest=manifest, folder=Path(spec.get("folder", f"mods/{spec['id']}")))


@pytest.fixture(scope="session")
def make_candidate() -> MakeCandidate:
    """A :class:`ModCandidate` from a dict like a case's ``[[mod]]`` table (relations at top
    level: ``required``, ``optional``, ``softAfter``, ``conflicts``)."""
    return _candidate
