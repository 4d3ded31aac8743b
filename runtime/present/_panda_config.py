"""Panda3D configuration for modhost, applied once per process before any pipe is made.

The settings keep a run quiet and self-contained: no audio device is opened, the software
renderer (``p3tinydisplay``) is the display module ShowBase-style code would pick, and video
sync is off so the simulation, not the monitor, paces frames. :func:`quiet_display` silences
Panda3D's ``display`` notify category while a window is attempted, because a failed attempt
(no X server, no GLX) is expected and answered with one info diagnostic instead, and
:func:`drop_native_noise` drops the one harmless line Xlib prints while the X11 pipe starts.
"""

from __future__ import annotations

import os
import sys
import tempfile
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
        # Keep each texture's RAM image after upload. Otherwise closing a presenter that drew
        # more than once leaves the pooled textures to be reloaded by the next presenter in
        # the process, which draws them visibly differently: the picture would depend on what
        # rendered before it (a golden image test failed depending on test order).
        "keep-texture-ram true",
    )
)

#: Lines native code prints on stderr that are not problems: Panda3D's X11 pipe probes the
#: XFree86-DGA extension (for relative mouse mode) and Xlib complains when a server lacks it,
#: as Xvfb and many modern X servers do.
X11_NOISE: Final[tuple[str, ...]] = ('extension "XFree86-DGA" missing',)

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


@contextmanager
def drop_native_noise(noise: tuple[str, ...] = X11_NOISE) -> Iterator[None]:
    """Capture what native code writes on file descriptor 2 inside the block, and pass on
    every line that contains none of ``noise``. For the short X11 pipe set-up only: anything
    else printed there (a real problem) still reaches stderr, after the block."""
    if sys.platform == "win32":  # no Xlib there
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode("utf-8", "replace").splitlines(keepends=True):
                if not any(marker in line for marker in noise):
                    os.write(2, line.encode("utf-8"))
