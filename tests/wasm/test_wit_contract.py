"""``wit/`` is the contract: parse it with a real WIT parser and compare with the Python side."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from host_api import (
    WIT_EXPORTS,
    WIT_HOST_FUNCTIONS,
    WIT_HOST_INTERFACE,
    WIT_HOST_TYPES,
    WIT_PACKAGE,
    WIT_RELOAD_EXPORTS,
    WIT_WORLD,
    HostAPI,
)
from host_api.testing import recording_api
from sandbox._wasm_host import HostBindings

from .conftest import ROOT


@pytest.fixture(scope="module")
def resolved(wasm_tools: str) -> dict[str, Any]:
    out = subprocess.run(
        [wasm_tools, "component", "wit", str(ROOT / "wit"), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_package_and_interface_names(resolved: dict[str, Any]) -> None:
    (package,) = resolved["packages"]
    assert package["name"] == WIT_PACKAGE
    namespace, rest = WIT_PACKAGE.split(":")
    name, version = rest.split("@")
    assert f"{namespace}:{name}/host@{version}" == WIT_HOST_INTERFACE
    assert "host" in package["interfaces"]


def test_host_functions_match_registration(resolved: dict[str, Any]) -> None:
    (host,) = [i for i in resolved["interfaces"] if i["name"] == "host"]
    assert tuple(host["functions"]) == WIT_HOST_FUNCTIONS
    assert set(host["types"]) == set(WIT_HOST_TYPES)
    api, _, _ = recording_api()
    assert sorted(HostBindings(api).functions()) == sorted(WIT_HOST_FUNCTIONS)


def test_world_exports(resolved: dict[str, Any]) -> None:
    worlds = {w["name"]: w for w in resolved["worlds"]}
    assert tuple(worlds[WIT_WORLD]["exports"]) == WIT_EXPORTS
    reloadable = worlds["reloadable-mod"]["exports"]
    assert sorted(reloadable) == sorted((*WIT_EXPORTS, *WIT_RELOAD_EXPORTS))
    (imported,) = worlds[WIT_WORLD]["imports"].values()
    assert resolved["interfaces"][imported["interface"]["id"]]["name"] == "host"


def test_every_host_function_maps_to_the_api() -> None:
    """Each WIT function name, in snake case, is (or wraps) a HostAPI operation."""
    names = {n.replace("-", "_") for n in WIT_HOST_FUNCTIONS}
    renamed = {"get_entity", "emit", "read_file", "ids_of"}  # wrap differently named methods
    for name in names - renamed:
        assert hasattr(HostAPI, name), name


def test_wit_file_is_where_the_readme_says(resolved: dict[str, Any]) -> None:
    assert (ROOT / "wit" / "mod.wit").is_file()
    assert Path(ROOT / "wit").is_dir()


def test_results_the_stock_converters_cannot_express_are_routed(resolved: dict[str, Any]) -> None:
    """``result<option<T>, host-error>`` needs Variant tagging (T a record) or the raw path."""
    from sandbox._wasm_host import RAW_ONLY_RESULTS, TAGGED_RESULTS

    types = resolved["types"]
    (host,) = [i for i in resolved["interfaces"] if i["name"] == "host"]
    needing = set()
    for name, func in host["functions"].items():
        result = func.get("result")
        kind = types[result]["kind"] if isinstance(result, int) else None
        if isinstance(kind, dict) and "result" in kind:
            ok = kind["result"].get("ok")
            if isinstance(ok, int) and "option" in types[ok]["kind"]:
                needing.add(name)
    assert needing, "the WIT has no result<option<T>, E>: drop this routing"
    assert needing <= TAGGED_RESULTS | RAW_ONLY_RESULTS
    assert needing >= RAW_ONLY_RESULTS
