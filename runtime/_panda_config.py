"""Panda3D configuration for modhost, applied once per process before any pipe is made.

The settings keep a run quiet and self-contained: no audio device is opened, the software
renderer (``p3tinydisplay``) is the display module ShowBase-style code would pick, and video
sync is off so the simulation, not the monitor, paces frames. :func:`quiet_display` silences
Panda3D's ``display`` notify category while a window is attempted, because a failed attempt
(no X server, no GLX) is expected and answered with one info diagnostic instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from panda3d.core import Notify, NS_fatal, loadPrcFileData

#: PRC lines modhost sets (panda3d reads them when a pipe or window is first made).
PRC: Final[str] = "\n".join(
    (
        "load-display p3tinydisplay",
        "window-type offscreen",
        "audio-library-name null",
        "sync-video false",
        # No ShowBase here, but keep the evdev input scan quiet if anything asks for devices.
        "notify-level-device fatal",
        "window-title modhost",
    )
)

_applied: list[bool] = []


def apply_config() -> None:
    """Load :data:`PRC` into Panda3D's config, once per process (later calls do nothing)."""
    if not _applied:
        loadPrcFileData("modhost", PRC)
        _applied.append(True)


@contextmanager
def quiet_display() -> Iterator[None]:
    """Silence the ``display`` notify category (and its children) inside the block."""
    category = Notify.ptr().get_category(":display")
    before = category.get_severity()
    category.set_severity(NS_fatal)
    try:
        yield
    finally:
        category.set_severity(before)
