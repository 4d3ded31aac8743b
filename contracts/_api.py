"""The public Python API, read statically with griffe: ``__all__`` of each package.

Only what a caller can rely on is kept (names, kinds, parameters, annotations, public
members); docstrings and line numbers are left out so the snapshot changes only when the
contract does. Objects are recorded under their public path, so moving a private module
changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import griffe

from ._model import Change

PACKAGES = ("host_api", "host_api.testing", "sandbox", "resolver", "marketplace", "runtime")
#: Dunder members that are part of a class's contract.
_PUBLIC_DUNDERS = frozenset({"__init__", "__call__", "__enter__", "__exit__", "__iter__"})


def _text(expr: object) -> str | None:
    return None if expr is None else str(expr)


def _function(obj: griffe.Function) -> dict[str, Any]:
    params = [
        [
            p.name,
            p.kind.value if p.kind else "positional or keyword",
            _text(p.annotation),
            p.default is not None,
        ]
        for p in obj.parameters
        if p.name not in ("self", "cls")
    ]
    return {"kind": "function", "params": params, "returns": _text(obj.returns)}


def _is_public_member(name: str) -> bool:
    return not name.startswith("_") or name in _PUBLIC_DUNDERS


def _describe(path: str, obj: griffe.Object | griffe.Alias, out: dict[str, Any]) -> None:
    """Record ``obj`` under ``path`` in ``out``, and a class's public members below it."""
    try:
        target = obj.final_target if obj.is_alias else obj
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        out[path] = {"kind": "external"}
        return
    if isinstance(target, griffe.Function):
        out[path] = _function(target)
    elif isinstance(target, griffe.Class):
        out[path] = {"kind": "class", "bases": [str(b) for b in target.bases]}
        for name, member in sorted(target.members.items()):
            if _is_public_member(name) and not member.is_alias:
                _describe(f"{path}.{name}", member, out)
    elif isinstance(target, griffe.Attribute):
        out[path] = {"kind": "attribute", "annotation": _text(target.annotation)}
    else:
        out[path] = {"kind": target.kind.value}


def extract(root: Path) -> dict[str, Any]:
    """``{dotted.path: description}`` for every name of every package's ``__all__``."""
    loader = griffe.GriffeLoader(search_paths=[str(root)], allow_inspection=False)
    snapshot: dict[str, Any] = {}
    for package in PACKAGES:
        top = package.split(".")[0]
        if top not in loader.modules_collection:
            loader.load(top)
    loader.resolve_aliases(implicit=False, external=False)
    for package in PACKAGES:
        module = loader.modules_collection.get_member(package)
        for name in sorted(module.exports or []):
            _describe(f"{package}.{name}", module[name], snapshot)
    return snapshot


def _compare_function(path: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    old_params = {p[0]: (i, p) for i, p in enumerate(old["params"])}
    new_params = {p[0]: (i, p) for i, p in enumerate(new["params"])}
    for name, (index, (_, kind, annotation, default)) in old_params.items():
        if name not in new_params:
            changes.append(Change("breaking", path, f"parameter {name!r} removed"))
            continue
        new_index, (_, new_kind, new_annotation, new_default) = new_params[name]
        if kind != new_kind:
            changes.append(
                Change("breaking", path, f"parameter {name!r} changed kind: {kind} -> {new_kind}")
            )
        if "positional" in kind and "variadic" not in kind and index != new_index:
            changes.append(Change("breaking", path, f"parameter {name!r} moved"))
        if default and not new_default:
            changes.append(Change("breaking", path, f"parameter {name!r} became required"))
        if annotation != new_annotation:
            changes.append(
                Change(
                    "breaking", path, f"parameter {name!r} type {annotation} -> {new_annotation}"
                )
            )
    for name, (_, (_, kind, _, default)) in new_params.items():
        if name in old_params:
            continue
        required = not default and not kind.startswith("variadic")
        severity = "breaking" if required else "additive"
        changes.append(Change(severity, path, f"parameter {name!r} added"))
    if old["returns"] != new["returns"]:
        changes.append(
            Change("breaking", path, f"return type {old['returns']} -> {new['returns']}")
        )
    return changes


def _compare_object(path: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    if old["kind"] != new["kind"]:
        return [Change("breaking", path, f"changed from {old['kind']} to {new['kind']}")]
    if old["kind"] == "function":
        return _compare_function(path, old, new)
    if old["kind"] == "attribute" and old["annotation"] != new["annotation"]:
        return [Change("breaking", path, f"type {old['annotation']} -> {new['annotation']}")]
    if old["kind"] != "class":
        return []
    return [
        Change("breaking", path, f"base {base} removed")
        for base in old["bases"]
        if base not in new["bases"]
    ]


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from the ``old`` API snapshot to the ``new`` one."""
    changes: list[Change] = []
    for path, description in old.items():
        if path not in new:
            changes.append(Change("breaking", path, "removed"))
        else:
            changes += _compare_object(path, description, new[path])
    return changes + [Change("additive", path, "added") for path in new if path not in old]
