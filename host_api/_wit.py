"""The names of the WIT contract (``wit/mod.wit``), defined once.

wasmtime-py has no bindgen, so ``sandbox`` registers host functions by hand under these names
and looks exports up by them; ``tests/wasm/test_wit_contract.py`` parses ``wit/`` with a real
WIT parser and checks it against these tuples.
"""

from __future__ import annotations

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
