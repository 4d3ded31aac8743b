"""The HUD and camera that mods holding ``ui.write`` control.

Each mod has its own text items by key; the frame shows every item keyed ``"<mod>/<key>"``,
so items sort by mod id, then key (the overlay draws them in key order, top right). The
camera target is the last one set by any mod: an entity id (followed while it lives) or a
point; None frames every entity. A mod's items and target go when the mod goes away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from host_api import EntityView, Vec3

#: HUD items one mod may show at a time; setting more replaces nothing and is ignored.
MAX_HUD_ITEMS: Final = 32


class Hud:
    """HUD text items and the camera target."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, str]] = {}
        self._target: tuple[str, int | Vec3] | None = None

    def set(self, mod: str, key: str, text: str | None) -> None:
        """Set (None: remove) a checked text item of ``mod``."""
        items = self._items.setdefault(mod, {})
        if text is None:
            items.pop(key, None)
        elif key in items or len(items) < MAX_HUD_ITEMS:
            items[key] = text

    def set_camera_target(self, mod: str, target: int | Vec3 | None) -> None:
        """Follow an entity, look at a point, or (None) frame everything."""
        self._target = None if target is None else (mod, target)

    def forget_mod(self, mod: str) -> None:
        """Drop a mod's items, and its camera target if it set the current one."""
        self._items.pop(mod, None)
        if self._target is not None and self._target[0] == mod:
            self._target = None

    def mods(self) -> frozenset[str]:
        """Mods with HUD items or the camera target."""
        found = {m for m, items in self._items.items() if items}
        return frozenset(found if self._target is None else found | {self._target[0]})

    def items(self) -> dict[str, str]:
        """Every item as ``{"<mod>/<key>": text}``, sorted by key."""
        return {
            f"{mod}/{key}": text
            for mod in sorted(self._items)
            for key, text in sorted(self._items[mod].items())
        }

    def camera_target(self, lookup: Callable[[int], EntityView | None]) -> Vec3 | None:
        """The point to look at now: a followed entity's position (None once it is gone)."""
        if self._target is None:
            return None
        target = self._target[1]
        if isinstance(target, int):
            view = lookup(target)
            return None if view is None else view.position
        return target
