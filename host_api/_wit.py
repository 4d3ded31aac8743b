"""The names of the WIT contract (``wit/mod.wit``), defined once.

wasmtime-py has no bindgen, so ``sandbox`` registers host functions by hand under these names
and looks exports up by them; ``tests/wasm/test_wit_contract.py`` parses ``wit/`` with a real
WIT parser and checks it against these tuples.
"""

from __future__ import annotations

import re
from typing import Final

#: The WIT package components are built against.
WIT_PACKAGE: Final = "modhost:mod@0.1.0"
#: The world every mod component targets.
WIT_WORLD: Final = "mod"
#: The one interface the host links (the fully qualified import name).
WIT_HOST_INTERFACE: Final = "modhost:mod/host@0.1.0"
#: Functions of the host interface, in WIT order.
WIT_HOST_FUNCTIONS: Final[tuple[str, ...]] = (
    "log",
    "get-entity",
    "query",
    "set-position",
    "set-velocity",
    "spawn",
    "despawn",
    "ids-of",
    "positions-of",
    "set-positions-of",
    "emit",
    "storage-get",
    "storage-set",
    "storage-delete",
    "read-file",
    "tick",
    "random",
    "input-is-down",
    "input-mouse",
    "timer-after",
    "timer-every",
    "timer-cancel",
    "ui-set-text",
    "ui-clear-text",
    "ui-camera-target",
    "set-collider",
    "raycast",
    "within-radius",
)
#: Named types of the host interface (a component's import of the interface lists them too).
WIT_HOST_TYPES: Final[tuple[str, ...]] = ("vec3", "entity", "host-error", "ray-hit")
#: Exports of world ``mod`` every component has.
WIT_EXPORTS: Final[tuple[str, ...]] = ("init", "on-tick", "on-event")
#: Extra exports of world ``reloadable-mod`` (looked up when present).
WIT_RELOAD_EXPORTS: Final[tuple[str, ...]] = ("snapshot", "restore")

# -- types -------------------------------------------------------------------------------------
# The host checks a component's imports and exports against these at load, structurally (a
# component may name its types as it likes; what crosses the boundary is their shape). The
# notation is WIT's, without parameter names, with the named types below written out where
# they are used. ``tests/wasm/test_wit_contract.py`` renders ``wit/mod.wit`` the same way and
# compares.

#: Named types of the host interface, as their structure (they may refer to each other).
WIT_TYPE_SHAPES: Final[dict[str, str]] = {
    "vec3": "record{x: f64, y: f64, z: f64}",
    "entity": "record{id: u64, kind: string, position: vec3, velocity: vec3, "
    "tags: list<string>, owner: string}",
    "host-error": "record{code: string, message: string}",
    "ray-hit": "record{entity: u64, distance: f64}",
}
#: The type of each host function (parameter names left out: they do not cross the ABI).
WIT_HOST_SIGNATURES: Final[dict[str, str]] = {
    "log": "func(string) -> result<_, host-error>",
    "get-entity": "func(u64) -> result<option<entity>, host-error>",
    "query": "func(option<string>, option<string>) -> result<list<entity>, host-error>",
    "set-position": "func(u64, vec3) -> result<_, host-error>",
    "set-velocity": "func(u64, vec3) -> result<_, host-error>",
    "spawn": "func(string, vec3, vec3, list<string>) -> result<u64, host-error>",
    "despawn": "func(u64) -> result<_, host-error>",
    "ids-of": "func(string) -> result<list<u64>, host-error>",
    "positions-of": "func(string) -> result<list<f32>, host-error>",
    "set-positions-of": "func(string, list<f32>) -> result<u32, host-error>",
    "emit": "func(string, string) -> result<_, host-error>",
    "storage-get": "func(string) -> result<string, host-error>",
    "storage-set": "func(string, string) -> result<_, host-error>",
    "storage-delete": "func(string) -> result<bool, host-error>",
    "read-file": "func(string) -> result<list<u8>, host-error>",
    "tick": "func() -> u64",
    "random": "func() -> f64",
    "input-is-down": "func(string) -> result<bool, host-error>",
    "input-mouse": "func() -> result<tuple<f64, f64>, host-error>",
    "timer-after": "func(u32, string, string) -> result<option<u64>, host-error>",
    "timer-every": "func(u32, string, string) -> result<option<u64>, host-error>",
    "timer-cancel": "func(u64) -> result<bool, host-error>",
    "ui-set-text": "func(string, string) -> result<_, host-error>",
    "ui-clear-text": "func(string) -> result<_, host-error>",
    "ui-camera-target": "func(option<u64>) -> result<_, host-error>",
    "set-collider": "func(u64, string, vec3, bool) -> result<_, host-error>",
    "raycast": "func(vec3, vec3, f64) -> result<list<ray-hit>, host-error>",
    "within-radius": "func(vec3, f64, option<string>) -> result<list<u64>, host-error>",
}
#: The type of each export of world ``mod`` (and of ``reloadable-mod``'s extra exports).
WIT_EXPORT_SIGNATURES: Final[dict[str, str]] = {
    "init": "func()",
    "on-tick": "func(f64)",
    "on-event": "func(string, string)",
    "snapshot": "func() -> list<u8>",
    "restore": "func(list<u8>)",
}

#: A type name where a type is used: not a record field's name (those are followed by ':').
_TYPE_NAME: Final = re.compile(r"(?<![\w-])(" + "|".join(WIT_TYPE_SHAPES) + r")(?![\w-]|:)")


def wit_structure(text: str) -> str:
    """``text`` (the notation above) with every named type written out as its structure."""
    while True:
        expanded = _TYPE_NAME.sub(lambda m: WIT_TYPE_SHAPES[m.group(1)], text)
        if expanded == text:
            return text
        text = expanded
