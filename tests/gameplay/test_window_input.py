"""A keyboard on a real X server (Xvfb) drives a window run, and its recording replays
headless to the same world hash.

Keys are typed with the XTEST extension (libXtst through ctypes) into the ``modhost``
window, as a person would. Skipped where Xvfb or libXtst is missing (the suite installs no
system packages); headless input is covered by the input-file tests.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.replay import replay

ROOT = Path(__file__).resolve().parents[2]

#: Waits for the window titled "modhost", puts the pointer on it, holds "w" and clicks.
TYPIST = r"""
import ctypes, ctypes.util, sys, time
c = ctypes
x = c.CDLL(ctypes.util.find_library("X11"))
t = c.CDLL(ctypes.util.find_library("Xtst"))
x.XOpenDisplay.restype = c.c_void_p
x.XOpenDisplay.argtypes = [c.c_char_p]
x.XDefaultRootWindow.restype = c.c_ulong
x.XDefaultRootWindow.argtypes = [c.c_void_p]
x.XQueryTree.argtypes = [c.c_void_p, c.c_ulong, c.POINTER(c.c_ulong), c.POINTER(c.c_ulong),
                         c.POINTER(c.POINTER(c.c_ulong)), c.POINTER(c.c_uint)]
x.XFetchName.argtypes = [c.c_void_p, c.c_ulong, c.POINTER(c.c_char_p)]
x.XFlush.argtypes = [c.c_void_p]
x.XStringToKeysym.restype = c.c_ulong
x.XStringToKeysym.argtypes = [c.c_char_p]
x.XKeysymToKeycode.restype = c.c_ubyte
x.XKeysymToKeycode.argtypes = [c.c_void_p, c.c_ulong]
t.XTestFakeKeyEvent.argtypes = [c.c_void_p, c.c_uint, c.c_int, c.c_ulong]
t.XTestFakeMotionEvent.argtypes = [c.c_void_p, c.c_int, c.c_int, c.c_int, c.c_ulong]
t.XTestFakeButtonEvent.argtypes = [c.c_void_p, c.c_uint, c.c_int, c.c_ulong]
d = x.XOpenDisplay(None)

def window_open():
    root, parent = c.c_ulong(), c.c_ulong()
    kids, n = c.POINTER(c.c_ulong)(), c.c_uint()
    x.XQueryTree(d, x.XDefaultRootWindow(d), c.byref(root), c.byref(parent), c.byref(kids),
                 c.byref(n))
    for i in range(n.value):
        name = c.c_char_p()
        x.XFetchName(d, kids[i], c.byref(name))
        if name.value == b"modhost":
            return True
    return False

deadline = time.monotonic() + 60
while not window_open():
    if time.monotonic() > deadline:
        sys.exit("no window")
    time.sleep(0.05)
time.sleep(0.5)
t.XTestFakeMotionEvent(d, 0, 80, 45, 0)   # focus follows the pointer (no window manager)
x.XFlush(d)
time.sleep(0.3)
w = x.XKeysymToKeycode(d, x.XStringToKeysym(b"w"))
t.XTestFakeKeyEvent(d, w, 1, 0)
x.XFlush(d)
time.sleep(0.5)
t.XTestFakeKeyEvent(d, w, 0, 0)
t.XTestFakeButtonEvent(d, 1, 1, 0)
t.XTestFakeButtonEvent(d, 1, 0, 0)
x.XFlush(d)
print("typed")
"""

LISTENER = """
def on_load(ctx):
    ctx.state["dot"] = ctx.world.spawn("wanderer", (0.0, 0.0, 0.0))

def on_event(ctx, event):
    if event.name != "input.mouse_move":
        ctx.log("%s %s" % (event.name, event.payload.get("key")))

def on_tick(ctx, dt):
    ctx.world.set_velocity(ctx.state["dot"], (0.0, 2.0 if ctx.input.is_down("w") else 0.0, 0.0))
"""


# Checked before the shared ``xvfb_display`` fixture (tests/conftest.py) runs, so a machine
# without libXtst skips here instead of starting an X server it cannot type into.
pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None or ctypes.util.find_library("Xtst") is None,
    reason="Xvfb or libXtst is not installed (apt-get install xvfb libxtst6)",
)


def test_typing_in_the_window_reaches_mods_and_replays(
    xvfb_display: str, make_mod, mods_dir: Path, tmp_path: Path
) -> None:
    make_mod(
        "keys",
        scripts={"main.py": LISTENER},
        capabilities=("world.read", "world.write", "world.spawn", "log", "input.read"),
    )
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env["DISPLAY"] = xvfb_display
    record = tmp_path / "window.replay.json"
    typist = subprocess.Popen(
        [sys.executable, "-c", TYPIST], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        run = subprocess.run(
            [sys.executable, "-m", "runtime", "run", "--mods", str(mods_dir), "--no-watch",
             "--ticks", "240", "--record", str(record), "--json"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        typed, _ = typist.communicate(timeout=60)
    finally:
        typist.kill()
    assert run.returncode == 0, run.stderr
    assert typed.strip() == "typed"
    report = json.loads(run.stdout)
    assert report["mods"]["keys"]["log"] == [
        "input.key_down w",
        "input.key_up w",
        "input.mouse_down mouse1",
        "input.mouse_up mouse1",
    ]
    again = replay(record, mods_dir)
    assert again.same and again.world_hash == report["world_hash"]
    (dot,) = [e for e in json.loads(record.read_text())["inputs"] if e["type"] == "key_down"]
    assert dot["key"] == "w"
