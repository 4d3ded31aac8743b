"""The profiler's overlay panel: the top-5 hotspots and a tick-time graph of the last seconds.

No Panda3D here: the panel is a few overlay lines handed to the presenter through
``Host.attach_presenter(overlay=...)``, the same path the host's own statistics take, so it
shows in a window and in offscreen screenshots alike. The graph is drawn in ASCII (any font
has the glyphs): one column per :data:`GRAPH_COLUMNS`-th of the last :data:`GRAPH_SECONDS`,
its height the worst tick in that slot against the frame budget (``1/hz``).

:data:`TOGGLE_KEY` shows and hides the panel in a window (read from the input the tick
applied; mods holding ``input.read`` see the key too). ``run --profile-overlay`` starts with
it shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from ._profile import HOST_SIDE

if TYPE_CHECKING:
    from ..core import Host

TOGGLE_KEY: Final = "f3"
GRAPH_SECONDS: Final = 4
GRAPH_COLUMNS: Final = 24
#: Column heights, lowest first.
_RAMP: Final = "_.-:=+*#%@"
TOP: Final = 5


class ProfileOverlay:
    """A callable for ``attach_presenter(overlay=...)``: the panel's lines, or none when
    hidden."""

    def __init__(self, host: Host, *, visible: bool = False) -> None:
        self.host = host
        self.visible = visible

    def __call__(self) -> dict[str, str]:
        self._poll_toggle()
        if not self.visible or self.host.profiler is None:
            return {}
        return panel_lines(self.host)

    def _poll_toggle(self) -> None:
        for delivered in self.host.gameplay.input.current:
            event = delivered.event
            if event.type == "key_down" and event.key == TOGGLE_KEY:
                self.visible = not self.visible


def panel_lines(host: Host) -> dict[str, str]:
    """``{label: text}``: tick-time figures, the graph, and the top hotspots by CPU time."""
    prof = host.profiler
    assert prof is not None
    hz = prof.hz
    recent = prof.last(GRAPH_SECONDS * hz)
    lines: dict[str, str] = {}
    if len(recent):
        lines["tick time"] = (  # labels with a space: never a mod id (mods have lines too)
            f"p50 {np.percentile(recent, 50) / 1e6:.2f} ms, "
            f"p95 {np.percentile(recent, 95) / 1e6:.2f} ms [{TOGGLE_KEY}]"
        )
        lines["tick graph"] = graph(recent, budget_ns=1e9 / hz)
    total = prof.total_tick_ns or 1
    ticks = max(1, prof.ticks)
    spots = sorted(
        (h for h in prof.hooks.values() if h.stage != "load"),
        key=lambda h: -h.cpu_ns,
    )[:TOP]
    for n, h in enumerate(spots, start=1):
        what = "host side" if h.hook == HOST_SIDE else h.hook
        lines[f"hot {n}"] = (
            f"{h.mod} {h.stage}/{what} {h.cpu_ns / ticks / 1e6:.3f} ms/tick {h.wall_ns / total:.0%}"
        )
    return lines


def graph(ticks_ns: np.ndarray, *, budget_ns: float, columns: int = GRAPH_COLUMNS) -> str:  # type: ignore[type-arg]
    """The worst tick of each of ``columns`` slots, as ASCII heights (``@``: at or over the
    budget)."""
    if not len(ticks_ns):
        return ""
    slots = np.array_split(ticks_ns, min(columns, len(ticks_ns)))
    top = len(_RAMP) - 1
    return "".join(_RAMP[min(top, int(float(s.max()) / budget_ns * top))] for s in slots if len(s))
