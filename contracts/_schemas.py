"""JSON Schemas of the files users write and the reports tools read, flattened to paths.

Inputs (``mod.toml``, ``modhost.toml``) break when they stop accepting something they
accepted: a property removed, a property newly required, a type or enum value dropped.
Outputs (the JSON reports) break when they stop promising something: a property removed or
no longer always present, a new type a reader does not expect (``null`` included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from ._model import Change

Direction = Literal["input", "output"]
#: How deep a ``$ref`` chain is followed (recursive models stop here).
_MAX_DEPTH = 12


def _sources() -> dict[str, tuple[Direction, Callable[[], dict[str, Any]]]]:
    from host_api import HostPolicy, manifest_json_schema
    from runtime.core._report import CheckReport, RunReport

    return {
        "mod-toml": ("input", manifest_json_schema),
        "modhost-toml": ("input", lambda: HostPolicy.model_json_schema(by_alias=True)),
        "run-report": ("output", lambda: RunReport.model_json_schema(mode="serialization")),
        "check-report": ("output", lambda: CheckReport.model_json_schema(mode="serialization")),
    }


def _types(node: dict[str, Any], defs: dict[str, Any], depth: int) -> tuple[set[str], list[Any]]:
    node = _deref(node, defs)
    types: set[str] = set()
    enum: list[Any] = list(node.get("enum", []))
    if "const" in node:
        enum.append(node["const"])
    if "type" in node:
        kinds = node["type"]
        types.update(kinds if isinstance(kinds, list) else [kinds])
    for key in ("anyOf", "oneOf"):
        for option in node.get(key, []):
            sub_types, sub_enum = _types(option, defs, depth)
            types |= sub_types
            enum += sub_enum
    if not types and "properties" in node:
        types.add("object")
    return types, enum


def _deref(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in node and seen < _MAX_DEPTH:
        node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        seen += 1
    return node


def _walk(
    node: dict[str, Any], defs: dict[str, Any], path: str, required: bool, depth: int
) -> dict[str, Any]:
    types, enum = _types(node, defs, depth)
    flat = {path: {"types": sorted(types), "enum": sorted(map(str, enum)), "required": required}}
    if depth >= _MAX_DEPTH:
        return flat
    node = _deref(node, defs)
    options = [_deref(o, defs) for o in node.get("anyOf", []) + node.get("oneOf", [])] or [node]
    for option in options:
        needed = set(option.get("required", []))
        for name, child in option.get("properties", {}).items():
            flat.update(_walk(child, defs, f"{path}/{name}", name in needed, depth + 1))
        for key in ("additionalProperties", "items"):
            child = option.get(key)
            if isinstance(child, dict) and child:
                flat.update(_walk(child, defs, f"{path}/*", True, depth + 1))
    return flat


def flatten(schema: dict[str, Any]) -> dict[str, Any]:
    """``{path: {types, enum, required}}`` for every property reachable from the root."""
    return _walk(schema, schema.get("$defs", {}), "", True, 0)


def extract() -> dict[str, Any]:
    """``{name: {"direction": ..., "paths": {...}}}`` for every frozen schema."""
    return {
        name: {"direction": direction, "paths": flatten(build())}
        for name, (direction, build) in _sources().items()
    }


def _compare_path(
    subject: str, direction: Direction, old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    changes: list[Change] = []
    lost_types = set(old["types"]) - set(new["types"])
    gained_types = set(new["types"]) - set(old["types"])
    lost_enum = set(old["enum"]) - set(new["enum"]) if old["enum"] else set()
    if direction == "input":
        if lost_types:
            changes.append(Change("breaking", subject, f"no longer accepts {sorted(lost_types)}"))
        if lost_enum:
            changes.append(Change("breaking", subject, f"no longer accepts {sorted(lost_enum)}"))
        if new["required"] and not old["required"]:
            changes.append(Change("breaking", subject, "became required"))
        if gained_types or (set(new["enum"]) - set(old["enum"])):
            changes.append(Change("additive", subject, "accepts more values"))
    else:
        if gained_types:
            changes.append(Change("breaking", subject, f"may now be {sorted(gained_types)}"))
        if old["required"] and not new["required"]:
            changes.append(Change("breaking", subject, "no longer always present"))
        if lost_types or lost_enum:
            changes.append(Change("additive", subject, "narrowed"))
        if set(new["enum"]) - set(old["enum"]) and old["enum"]:
            changes.append(Change("additive", subject, "new values"))
    return changes


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change between two ``extract`` results."""
    changes: list[Change] = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            changes.append(Change("breaking", f"schema:{name}", "schema removed"))
            continue
        if name not in old:
            changes.append(Change("additive", f"schema:{name}", "schema added"))
            continue
        direction = new[name]["direction"]
        old_paths, new_paths = old[name]["paths"], new[name]["paths"]
        for path, before in old_paths.items():
            subject = f"schema:{name}{path or '/'}"
            if path not in new_paths:
                changes.append(Change("breaking", subject, "removed"))
            else:
                changes += _compare_path(subject, direction, before, new_paths[path])
        for path, after in new_paths.items():
            if path in old_paths:
                continue
            breaks = direction == "input" and after["required"] and path.count("/") >= 1
            parent_known = path.rsplit("/", 1)[0] in old_paths
            severity = "breaking" if breaks and parent_known else "additive"
            changes.append(Change(severity, f"schema:{name}{path}", "added"))
    return changes
