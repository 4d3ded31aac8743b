"""Each package has one public face: ``__all__`` lists exactly its public names."""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = [
    "host_api",
    "host_api.testing",
    "sandbox",
    "resolver",
    "marketplace",
    "marketplace.server",
    "marketplace.client",
    "runtime",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_matches_public_names(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and not isinstance(v, types.ModuleType)
        and n not in {"annotations"}
    }
    assert sorted(module.__all__) == sorted(public)
