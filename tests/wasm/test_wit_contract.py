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
from sandbox.wasm._wasm_host import HostBindings

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
    from sandbox.wasm._wasm_host import RAW_ONLY_RESULTS, TAGGED_RESULTS

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


def _render(ty: Any, types: list[dict[str, Any]], *, top: bool = False) -> str:
    """A type of wasm-tools' resolved JSON in the notation of ``WIT_HOST_SIGNATURES``."""
    if isinstance(ty, str):
        return ty
    entry = types[ty]
    if entry.get("name") and not top:
        return str(entry["name"])
    kind = entry["kind"]
    if "record" in kind:
        fields = ", ".join(
            f"{f['name']}: {_render(f['type'], types)}" for f in kind["record"]["fields"]
        )
        return f"record{{{fields}}}"
    if "list" in kind:
        return f"list<{_render(kind['list'], types)}>"
    if "option" in kind:
        return f"option<{_render(kind['option'], types)}>"
    if "tuple" in kind:
        return f"tuple<{', '.join(_render(e, types) for e in kind['tuple']['types'])}>"
    if "result" in kind:
        ok, err = kind["result"].get("ok"), kind["result"].get("err")
        return f"result<{'_' if ok is None else _render(ok, types)}, {_render(err, types)}>"
    if "type" in kind:
        return _render(kind["type"], types)
    raise AssertionError(f"a type the notation does not cover: {entry}")


def _signature(func: dict[str, Any], types: list[dict[str, Any]]) -> str:
    params = ", ".join(_render(p["type"], types) for p in func["params"])
    result = func.get("result")
    return f"func({params})" + ("" if result is None else f" -> {_render(result, types)}")


def test_the_types_the_host_checks_are_the_wit_types(resolved: dict[str, Any]) -> None:
    """The load-time type check (``sandbox.wasm._wasm_types``) compares against these tables."""
    from host_api import WIT_EXPORT_SIGNATURES, WIT_HOST_SIGNATURES, WIT_TYPE_SHAPES

    types = resolved["types"]
    (host,) = [i for i in resolved["interfaces"] if i["name"] == "host"]
    assert {n: _signature(f, types) for n, f in host["functions"].items()} == WIT_HOST_SIGNATURES
    shapes = {n: _render(i, types, top=True) for n, i in host["types"].items()}
    assert shapes == WIT_TYPE_SHAPES
    worlds = {w["name"]: w for w in resolved["worlds"]}
    exports = {
        n: _signature(e["function"], types)
        for w in ("mod", "reloadable-mod")
        for n, e in worlds[w]["exports"].items()
    }
    assert exports == WIT_EXPORT_SIGNATURES
