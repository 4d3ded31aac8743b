"""Keyboard and mouse from a Panda3D window, as input events (imported lazily, window runs only).

The presenter's window collects button and pointer events from the window system whenever a
frame is rendered; :meth:`WindowInput.poll` takes them. Key names are Panda3D's, which are
the names ``host_api.KEY_NAMES`` uses; keys outside that table (media keys, ...) and key
repeats are ignored, so a keyboard can never produce an ``INPUT_UNKNOWN_KEY``.
"""

from __future__ import annotations

from typing import Any

from panda3d.core import ButtonEvent

from host_api import BUTTON_NAMES

#: (type, key, x, y) as ``InputState.queue_now`` takes them.
RawEvent = tuple[str, str | None, float, float]


class WindowInput:
    """Reads a Panda3D ``GraphicsWindow``'s first input device (keyboard and mouse).

    :param window: the presenter's window (``GraphicsWindow``).
    """

    def __init__(self, window: Any) -> None:
        self._window = window
        self._pointer: tuple[float, float] | None = None

    def poll(self) -> list[RawEvent]:
        """Button presses and releases since the last poll, in order, then the pointer if it
        moved (x, y in [-1, 1], y up)."""
        window = self._window
        if window.is_closed() or window.get_num_input_devices() == 0:
            return []
        out: list[RawEvent] = []
        events = window.get_input_device(0).get_button_events()
        for i in range(events.get_num_events()):
            event = events.get_event(i)
            name = event.button.get_name()
            if name not in BUTTON_NAMES or event.type not in (ButtonEvent.T_down, ButtonEvent.T_up):
                continue
            device = "mouse" if name.startswith("mouse") else "key"
            out.append(
                (f"{device}_{'down' if event.type == ButtonEvent.T_down else 'up'}", name, 0.0, 0.0)
            )
        pointer = window.get_pointer(0)
        width, height = max(1, window.get_x_size()), max(1, window.get_y_size())
        if pointer.get_in_window():
            x = min(1.0, max(-1.0, 2.0 * pointer.get_x() / width - 1.0))
            y = min(1.0, max(-1.0, 1.0 - 2.0 * pointer.get_y() / height))
            at = (round(x, 3), round(y, 3))
            if at != self._pointer:
                self._pointer = at
                out.append(("mouse_move", None, at[0], at[1]))
        return out
