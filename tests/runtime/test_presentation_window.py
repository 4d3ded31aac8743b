"""Window mode on a real X server (Xvfb): a window opens, draws, follows a resize, notices
when the user closes it, and prints nothing on stderr.

Needs the ``Xvfb`` binary (Debian: ``apt-get install xvfb``); skipped where it is missing,
since a window needs an X server and the test suite does not install system packages. Without
a display, window mode falls back to offscreen: that is tested in ``test_presentation.py``.
The X server comes from the shared ``xvfb_display`` fixture (``tests/conftest.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, numpy as np
from runtime.core._frame import FrameSnapshot
from runtime.present._presentation import open_presenter
frame = FrameSnapshot(tick=3, ids=np.array([1, 2], dtype=np.int64), kinds=("ground", "guard"),
                      positions=np.zeros((2, 3), dtype=np.float32), hud={"a": "Score: 1"})
for n in range(3):  # open and close windows repeatedly in one process
    with open_presenter("window", size=(240, 135)) as p:
        p.draw(frame)
        p.screenshot(sys.argv[1])
        print(p.mode, p.window_closed_by_user)
# A resized window is followed: lenses and overlay are fitted to the new size.
from panda3d.core import WindowProperties
with open_presenter("window", size=(240, 135)) as p:
    p.draw(frame)
    p._output.request_properties(WindowProperties.size(200, 200))
    for _ in range(5):
        p.draw(frame)
    p.screenshot(sys.argv[1] + ".resized.png")
    print(p.size)
"""


#: Sends WM_DELETE_WINDOW to the top-level windows titled "modhost", as a window manager does
#: when the user clicks the close button (Xvfb has no window manager). Plain ctypes on libX11.
CLOSE_WINDOW = r"""
import ctypes, ctypes.util
c = ctypes
x = c.CDLL(ctypes.util.find_library("X11"))
x.XOpenDisplay.restype = c.c_void_p
x.XOpenDisplay.argtypes = [c.c_char_p]
x.XDefaultRootWindow.restype = c.c_ulong
x.XDefaultRootWindow.argtypes = [c.c_void_p]
x.XInternAtom.restype = c.c_ulong
x.XInternAtom.argtypes = [c.c_void_p, c.c_char_p, c.c_int]
x.XQueryTree.argtypes = [c.c_void_p, c.c_ulong, c.POINTER(c.c_ulong), c.POINTER(c.c_ulong),
                         c.POINTER(c.POINTER(c.c_ulong)), c.POINTER(c.c_uint)]
x.XFetchName.argtypes = [c.c_void_p, c.c_ulong, c.POINTER(c.c_char_p)]
x.XFlush.argtypes = [c.c_void_p]

class ClientMessage(c.Structure):
    _fields_ = [("type", c.c_int), ("serial", c.c_ulong), ("send_event", c.c_int),
                ("display", c.c_void_p), ("window", c.c_ulong), ("message_type", c.c_ulong),
                ("format", c.c_int), ("l", c.c_long * 5)]

class XEvent(c.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", c.c_long * 24)]

x.XSendEvent.argtypes = [c.c_void_p, c.c_ulong, c.c_int, c.c_long, c.POINTER(XEvent)]

def close_modhost_windows():
    d = x.XOpenDisplay(None)
    root, parent = c.c_ulong(), c.c_ulong()
    kids, n = c.POINTER(c.c_ulong)(), c.c_uint()
    x.XQueryTree(d, x.XDefaultRootWindow(d), c.byref(root), c.byref(parent), c.byref(kids),
                 c.byref(n))
    protocols = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
    delete = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    sent = 0
    for i in range(n.value):
        name = c.c_char_p()
        x.XFetchName(d, kids[i], c.byref(name))
        if name.value == b"modhost":
            event = XEvent()
            event.xclient.type = 33  # ClientMessage
            event.xclient.window = kids[i]
            event.xclient.message_type = protocols
            event.xclient.format = 32
            event.xclient.l[0] = delete
            x.XSendEvent(d, kids[i], 0, 0, c.byref(event))
            sent += 1
    x.XFlush(d)
    return sent
"""

CLOSE_SCRIPT = (
    CLOSE_WINDOW
    + """
import time, numpy as np
from runtime.core._frame import FrameSnapshot
from runtime.present._presentation import open_presenter
frame = FrameSnapshot(tick=1, ids=np.array([1], dtype=np.int64), kinds=("wanderer",),
                      positions=np.zeros((1, 3), dtype=np.float32))
with open_presenter("window", size=(160, 90)) as p:
    p.draw(frame)
    print("open", p.window_closed_by_user)
    print("sent", close_modhost_windows())
    for _ in range(200):  # the close arrives as an X event, handled while drawing
        p.draw(frame)
        if p.window_closed_by_user:
            break
        time.sleep(0.01)
    print("closed", p.window_closed_by_user)
    p.draw(frame)  # drawing after the user closed the window is harmless
"""
)


def run_on(display: str, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "DISPLAY": display},
        timeout=90,
        check=False,
    )


def test_window_mode_opens_a_real_window_quietly(xvfb_display: str, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    done = run_on(xvfb_display, SCRIPT, str(shot))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["window False"] * 3 + ["(200, 200)"]
    assert done.stderr == ""
    with Image.open(shot) as img:
        assert img.size == (240, 135)
        assert np.asarray(img.convert("RGB"), dtype=np.float64).std() > 10.0
    with Image.open(f"{shot}.resized.png") as img:
        assert img.size == (200, 200)


def test_closing_the_window_is_seen_by_the_presenter(xvfb_display: str) -> None:
    done = run_on(xvfb_display, CLOSE_SCRIPT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["open False", "sent 1", "closed True"]
    assert done.stderr == ""
