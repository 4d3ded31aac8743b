"""Input: keyboard and mouse events with the tick they happen on, and what is held now.

Events come from a source: a window (``runtime.present._panda_input``), a file of timed events
(``modhost run --input FILE``), a replay, or a test (``runtime.testing``). Every source only
*queues* events for a tick; :meth:`InputState.begin_tick` applies the ones due at the start of
that tick, in the order they were queued, so polling (``ctx.input.is_down``) and the
``input.*`` events mods receive agree, and a run is the same whether its input came from a
keyboard or from the file recorded while someone typed.

An input file is JSON lines, one event per line (blank lines and ``#`` comments skipped)::

    {"tick": 30, "type": "key_down", "key": "w"}
    {"tick": 90, "type": "key_up", "key": "w"}
    {"tick": 95, "type": "mouse_move", "x": 0.25, "y": -0.5}
    {"tick": 96, "type": "mouse_down", "key": "mouse1"}

Events for the same tick keep their file order; a file need not be sorted by tick.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from host_api import (
    KEY_NAMES,
    MOUSE_BUTTONS,
    DiagnosticCode,
    ModhostError,
    UnsafeFile,
    read_regular,
)

InputType = Literal["key_down", "key_up", "mouse_move", "mouse_down", "mouse_up"]

#: Events one input file may hold.
MAX_INPUT_EVENTS: Final = 1_000_000
#: Largest input file read (a regular file; never a FIFO or device): room for the events.
MAX_INPUT_FILE_BYTES: Final = 256 * 1024 * 1024
#: Event names mods receive, by input type.
EVENT_NAMES: Final[dict[str, str]] = {
    "key_down": "input.key_down",
    "key_up": "input.key_up",
    "mouse_move": "input.mouse_move",
    "mouse_down": "input.mouse_down",
    "mouse_up": "input.mouse_up",
}


class InputFileInvalid(ModhostError):
    """An input (or replay) file that cannot be read or has a bad event."""

    code = DiagnosticCode.INPUT_FILE_INVALID


class InputEvent(BaseModel):
    """One timed input event (a line of an input file, an item of a replay file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The tick the event happens on (applied at the start of that tick), >= 1.
    tick: int = Field(ge=1)
    type: InputType
    #: Key name for key events, button name (``mouse1``..``mouse3``) for mouse buttons.
    key: str | None = None
    #: Pointer position for ``mouse_move``, each in [-1, 1] (x right, y up).
    x: float | None = Field(default=None, ge=-1.0, le=1.0)
    y: float | None = Field(default=None, ge=-1.0, le=1.0)

    def problem(self) -> str | None:
        """Why the event's fields do not fit its type, or None."""
        if self.type == "mouse_move":
            if self.x is None or self.y is None or self.key is not None:
                return "mouse_move needs 'x' and 'y' (and no 'key')"
            return None
        names = KEY_NAMES if self.type.startswith("key") else MOUSE_BUTTONS
        if self.key not in names:
            return f"unknown {'key' if names is KEY_NAMES else 'mouse button'} {self.key!r}"
        if self.x is not None or self.y is not None:
            return f"{self.type} takes no 'x'/'y'"
        return None

    def payload(self) -> dict[str, Any]:
        """What mods receive as ``event.payload``."""
        if self.type == "mouse_move":
            return {"x": self.x, "y": self.y, "tick": self.tick}
        return {"key": self.key, "tick": self.tick}

    def line(self) -> str:
        """The event as one input-file line."""
        return json.dumps(self.model_dump(exclude_none=True), separators=(",", ":"))


def check_event(event: InputEvent, *, where: str = "input") -> InputEvent:
    """``event`` if its fields fit its type.

    :raises InputFileInvalid: an unknown key name, or fields of another type.
    """
    problem = event.problem()
    if problem is not None:
        code = DiagnosticCode.INPUT_UNKNOWN_KEY if "unknown" in problem else None
        raise InputFileInvalid(
            f"{where}: {problem}",
            code=code,
            hint="key names are lower case: 'w', 'space', 'arrow_left', 'shift'; "
            "buttons are 'mouse1'..'mouse3'",
            details={"tick": event.tick, "type": event.type},
        )
    return event


def parse_input_lines(lines: Iterable[str], *, source: str) -> list[InputEvent]:
    """Parse input-file lines (see the module docstring), stably sorted by tick.

    :raises InputFileInvalid: a line that is not a JSON object of a valid event (the message
        names the file and line), or more than :data:`MAX_INPUT_EVENTS` events.
    """
    events: list[InputEvent] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        where = f"{source}:{number}"
        try:
            event = InputEvent.model_validate(json.loads(text))
        except (ValueError, ValidationError, RecursionError) as exc:
            raise _invalid(where, exc, number) from None
        events.append(check_event(event, where=where))
        if len(events) > MAX_INPUT_EVENTS:
            raise InputFileInvalid(
                f"{source}: more than {MAX_INPUT_EVENTS} events",
                hint="split the input into shorter runs",
            )
    events.sort(key=lambda e: e.tick)
    return events


def _invalid(where: str, exc: Exception, line: int) -> InputFileInvalid:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "event"
        reason = f"{field}: {first['msg']}"
    else:
        reason = f"not a JSON object ({exc})"
    return InputFileInvalid(
        f"{where}: {reason}",
        hint='each line is one event like {"tick": 30, "type": "key_down", "key": "w"}',
        line=line,
    )


def load_input_file(path: Path) -> list[InputEvent]:
    """Read an input file.

    :raises InputFileInvalid: unreadable, not UTF-8, or a bad line.
    """
    try:
        text = read_regular(path, max_bytes=MAX_INPUT_FILE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError, UnsafeFile) as exc:
        raise InputFileInvalid(
            f"cannot read input file {path}: {exc}",
            hint="pass a UTF-8 JSON-lines file of input events",
            file=str(path),
        ) from None
    return parse_input_lines(text.splitlines(), source=str(path))


@dataclass(frozen=True, slots=True)
class Delivered:
    """An input event as applied at the start of a tick, for delivery and recording."""

    event: InputEvent
    name: str


class InputState:
    """Held buttons, the pointer, and events queued for coming ticks.

    Cost: :meth:`begin_tick` is O(events due, plus log(ticks queued) per tick due); when
    nothing is due, one look at the earliest queued tick.
    """

    def __init__(self) -> None:
        self._down: set[str] = set()
        self._mouse: tuple[float, float] = (0.0, 0.0)
        self._queued: dict[int, list[InputEvent]] = {}
        #: The keys of ``_queued``, as a heap: the earliest queued tick first.
        self._ticks: list[int] = []
        #: Events applied in the tick now running, in order.
        self.current: list[Delivered] = []

    def queue(self, events: Iterable[InputEvent]) -> None:
        """Queue checked events for their ticks (after what is already queued for them)."""
        for event in events:
            if event.tick not in self._queued:
                self._queued[event.tick] = []
                heapq.heappush(self._ticks, event.tick)
            self._queued[event.tick].append(event)

    def queue_now(self, tick: int, kind: InputType, key: str | None = None, **xy: float) -> None:
        """Queue one event for ``tick`` (window and test sources).

        :raises InputFileInvalid: an unknown key name or fields that do not fit ``kind``.
        """
        event = InputEvent(tick=tick, type=kind, key=key, **xy)
        self.queue([check_event(event)])

    def begin_tick(self, tick: int) -> list[Delivered]:
        """Apply the events due at ``tick`` (and any left over from earlier ticks, in tick
        order) and return them; they are also :attr:`current` until the next call."""
        applied: list[Delivered] = []
        while self._ticks and self._ticks[0] <= tick:
            for event in self._queued.pop(heapq.heappop(self._ticks)):
                # Late events (queued for a tick already run) apply now, with this tick.
                if event.tick != tick:
                    event = event.model_copy(update={"tick": tick})
                self._apply(event)
                applied.append(Delivered(event, EVENT_NAMES[event.type]))
        self.current = applied
        return applied

    def _apply(self, event: InputEvent) -> None:
        if event.type in ("key_down", "mouse_down"):
            self._down.add(str(event.key))
        elif event.type in ("key_up", "mouse_up"):
            self._down.discard(str(event.key))
        else:
            self._mouse = (float(event.x or 0.0), float(event.y or 0.0))

    def is_down(self, button: str) -> bool:
        """Whether ``button`` (a checked name from ``BUTTON_NAMES``) is held."""
        return button in self._down

    @property
    def held(self) -> frozenset[str]:
        """Every button held now."""
        return frozenset(self._down)

    def mouse(self) -> tuple[float, float]:
        """The pointer position."""
        return self._mouse

    def pending(self) -> int:
        """Events queued for coming ticks."""
        return sum(len(v) for v in self._queued.values())
