"""The gameplay port: input, timers, the HUD and camera, colliders and spatial queries.

``host_api`` sits below ``runtime``, so, like :class:`~host_api.WorldPort`, the operations the
gameplay toolkit needs are named here as a protocol and the runtime implements them. The
checks on what a mod passes in (key names, collider shapes, timer delays, HUD text) live here
too, so a Python script and a WebAssembly component are refused with the same codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from ._diagnostics import DiagnosticCode
from ._values import BadArgument, check_entity_id, check_vec3, is_text
from ._world_port import JSONValue, Vec3

#: Keyboard key names mods and input files use (lower case; Panda3D's names where they exist).
KEY_NAMES: Final[frozenset[str]] = frozenset(
    [chr(c) for c in range(ord("a"), ord("z") + 1)]
    + [str(d) for d in range(10)]
    + [f"f{n}" for n in range(1, 13)]
    + [
        "space", "enter", "escape", "tab", "backspace", "delete", "insert", "home", "end",
        "page_up", "page_down", "arrow_up", "arrow_down", "arrow_left", "arrow_right",
        "shift", "control", "alt", "lshift", "rshift", "lcontrol", "rcontrol", "lalt", "ralt",
        "-", "=", "[", "]", ";", "'", ",", ".", "/", "\\", "`",
    ]
)  # fmt: skip
#: Mouse button names (left, middle, right).
MOUSE_BUTTONS: Final[frozenset[str]] = frozenset({"mouse1", "mouse2", "mouse3"})
#: Everything ``input.is_down`` accepts.
BUTTON_NAMES: Final[frozenset[str]] = KEY_NAMES | MOUSE_BUTTONS

#: Largest collider radius or half extent, in world units.
MAX_COLLIDER_SIZE: Final = 1000.0
#: Longest timer delay or period, in ticks (about 4.6 hours at 60 Hz).
MAX_TIMER_TICKS: Final = 1_000_000
#: Characters of one HUD text item.
MAX_HUD_TEXT: Final = 200
#: Longest ray, in world units.
MAX_RAY: Final = 10_000.0

ColliderShape = Literal["sphere", "box"]


class UnknownKey(BadArgument):
    """A key or button name that is not in :data:`BUTTON_NAMES`."""

    code = DiagnosticCode.INPUT_UNKNOWN_KEY


class ColliderInvalid(BadArgument):
    """A collider with an unknown shape or a size out of range."""

    code = DiagnosticCode.COLLIDER_INVALID


@dataclass(frozen=True, slots=True)
class Collider:
    """A checked collider: a sphere (``size[0]`` is the radius) or a box (half extents)."""

    shape: ColliderShape
    #: Radius (sphere: all three equal) or half extents (box), each in (0, MAX_COLLIDER_SIZE].
    size: Vec3
    #: A trigger reports enter/exit events instead of ``on_collision``.
    trigger: bool = False


@dataclass(frozen=True, slots=True)
class RayHit:
    """One entity a ray passes through."""

    #: The entity hit.
    entity: int
    #: Distance from the ray's origin to where it enters the collider (0 inside it).
    distance: float


class GameplayPort(Protocol):
    """What :class:`~host_api.HostAPI` needs for the gameplay capabilities. ``runtime``
    implements it; ``mod_id`` is always the caller's identity from its binding."""

    def is_down(self, button: str) -> bool:
        """Whether a key or mouse button is held this tick."""
        ...

    def mouse(self) -> tuple[float, float]:
        """The pointer in [-1, 1] x [-1, 1] (x right, y up) as of this tick."""
        ...

    def timer_add(
        self,
        mod_id: str,
        entity: int | None,
        delay: int,
        period: int | None,
        name: str,
        payload: JSONValue,
    ) -> int | None:
        """Schedule a timer event; returns its id, or None when the mod has too many."""
        ...

    def timer_cancel(self, mod_id: str, timer_id: int) -> bool:
        """Cancel one of the mod's timers; True when it was pending."""
        ...

    def set_collider(self, mod_id: str, entity_id: int, collider: Collider | None) -> None:
        """Give an entity the mod owns a collider (None removes it)."""
        ...

    def hud_set(self, mod_id: str, key: str, text: str | None) -> None:
        """Set (None: remove) one of the mod's HUD text items."""
        ...

    def camera_target(self, mod_id: str, target: int | Vec3 | None) -> None:
        """Point the camera at an entity (followed), a point, or nothing (frame everything)."""
        ...

    def raycast(self, origin: Vec3, direction: Vec3, max_distance: float) -> list[RayHit]:
        """Entities with colliders the ray passes through, nearest first (then by id)."""
        ...

    def within_radius(self, centre: Vec3, radius: float, kind: str | None) -> list[int]:
        """Ids of entities whose position is within ``radius`` of ``centre``, ascending."""
        ...


def check_button(value: Any, *, mod_id: str) -> str:
    """A key or mouse button name from :data:`BUTTON_NAMES`.

    :raises UnknownKey: anything else (with the closest hint we can give).
    """
    if type(value) is str and value in BUTTON_NAMES:
        return value
    shown = repr(value)[:40]
    raise UnknownKey(
        f"unknown key name {shown}",
        mod_id=mod_id,
        hint="use lower-case names like 'w', 'space', 'arrow_left', 'shift' or 'mouse1'",
        details={"key": shown},
    )


def _positive_size(value: Any, *, mod_id: str, what: str) -> float:
    if type(value) not in (int, float) or not (0.0 < value <= MAX_COLLIDER_SIZE):
        raise ColliderInvalid(
            f"collider {what} must be a number in (0, {MAX_COLLIDER_SIZE:g}], not {value!r:.40}",
            mod_id=mod_id,
            hint="give a positive, finite size in world units",
        )
    return float(value)


def check_collider(value: Any, *, mod_id: str) -> Collider | None:
    """A collider from a script's dict: ``{"shape": "sphere", "radius": r}`` or
    ``{"shape": "box", "half": (x, y, z)}``, each with an optional ``"trigger": bool``.
    None passes through (no collider).

    :raises ColliderInvalid: a shape, key or size out of range.
    """
    if value is None or isinstance(value, Collider):
        return value
    if type(value) is not dict:
        raise ColliderInvalid(
            "collider must be a dict like {'shape': 'sphere', 'radius': 0.5}",
            mod_id=mod_id,
            hint="pass collider={'shape': 'sphere', 'radius': 0.5} or a box with 'half'",
        )
    shape = value.get("shape")
    allowed = {"shape", "trigger", "radius" if shape == "sphere" else "half"}
    extra = sorted(str(k) for k in value if k not in allowed)
    trigger = value.get("trigger", False)
    if shape not in ("sphere", "box") or extra or type(trigger) is not bool:
        raise ColliderInvalid(
            f"collider has shape {shape!r:.20} and keys {sorted(map(str, value))}",
            mod_id=mod_id,
            hint="use shape 'sphere' with 'radius' or 'box' with 'half'; 'trigger' is a bool",
        )
    if shape == "sphere":
        r = _positive_size(value.get("radius"), mod_id=mod_id, what="radius")
        return Collider("sphere", (r, r, r), trigger)
    half: Any = value.get("half")
    if not isinstance(half, list | tuple) or len(half) != 3:
        raise ColliderInvalid(
            "box collider needs 'half': three half extents (x, y, z)",
            mod_id=mod_id,
            hint="pass 'half': (0.5, 0.5, 0.5)",
        )
    hx, hy, hz = (_positive_size(h, mod_id=mod_id, what="half extent") for h in half)
    return Collider("box", (hx, hy, hz), trigger)


def check_ticks(value: Any, *, mod_id: str, what: str) -> int:
    """A timer delay or period: an int in [1, MAX_TIMER_TICKS]."""
    if type(value) is not int or not (1 <= value <= MAX_TIMER_TICKS):
        raise BadArgument(
            f"{what} must be an int number of ticks in [1, {MAX_TIMER_TICKS}]",
            mod_id=mod_id,
            hint="timers count ticks (60 per simulated second by default)",
        )
    return value


def check_timer_id(value: Any, *, mod_id: str) -> int:
    """A timer id, as ``timers.after`` / ``timers.every`` returned it."""
    if type(value) is not int:
        raise BadArgument(
            "timer id must be an int", mod_id=mod_id, hint="pass what after() returned"
        )
    return value


def check_camera_target(value: Any, *, mod_id: str) -> int | Vec3 | None:
    """A camera target: an entity id (followed), an (x, y, z) point, or None (frame every
    entity)."""
    if value is None:
        return None
    if type(value) is int:
        return check_entity_id(value, mod_id=mod_id)
    return check_vec3(value, mod_id=mod_id, what="camera target")


def check_hud_text(value: Any, *, mod_id: str) -> str:
    """HUD text: a str, cut to :data:`MAX_HUD_TEXT` characters."""
    if type(value) is not str:
        raise BadArgument(
            "HUD text must be a str", mod_id=mod_id, hint="format numbers with '%d' % n first"
        )
    text = value[:MAX_HUD_TEXT]
    if not is_text(text):
        raise BadArgument(
            "HUD text is not valid Unicode text (it holds a lone surrogate)",
            mod_id=mod_id,
            hint="build strings from text, not from surrogate escapes",
        )
    return text


def check_distance(value: Any, *, mod_id: str, what: str, limit: float) -> float:
    """A finite, non-negative number at most ``limit``."""
    if type(value) not in (int, float) or not (0.0 <= value <= limit) or math.isnan(value):
        raise BadArgument(
            f"{what} must be a number in [0, {limit:g}]",
            mod_id=mod_id,
            hint=f"pass {what} in world units",
        )
    return float(value)


def check_ray(
    origin: Any, direction: Any, max_distance: Any, *, mod_id: str
) -> tuple[Vec3, Vec3, float]:
    """A ray: its origin, its direction normalised, and its length.

    :raises BadArgument: a zero direction or a distance outside [0, :data:`MAX_RAY`].
    """
    o = check_vec3(origin, mod_id=mod_id, what="origin")
    dx, dy, dz = check_vec3(direction, mod_id=mod_id, what="direction")
    length = (dx * dx + dy * dy + dz * dz) ** 0.5
    if length == 0.0:
        raise BadArgument("direction must not be zero", mod_id=mod_id, hint="aim the ray")
    d = (dx / length, dy / length, dz / length)
    limit = check_distance(max_distance, mod_id=mod_id, what="max_distance", limit=MAX_RAY)
    return o, d, limit
