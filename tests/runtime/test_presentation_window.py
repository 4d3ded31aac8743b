"""Window mode on a real X server (Xvfb): a window opens, draws, and prints nothing on stderr.

Needs the ``Xvfb`` binary (Debian: ``apt-get install xvfb``); skipped where it is missing,
since a window needs an X server and the test suite does not install system packages. Without
a display, window mode falls back to offscreen: that is tested in ``test_presentation.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, numpy as np
from runtime._frame import FrameSnapshot
from runtime._presentation import open_presenter
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


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write_end), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_window_mode_opens_a_real_window_quietly(xvfb_display: str, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(shot)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "DISPLAY": xvfb_display},
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["window False"] * 3 + ["(200, 200)"]
    assert done.stderr == ""
    with Image.open(shot) as img:
        assert img.size == (240, 135)
        assert np.asarray(img.convert("RGB"), dtype=np.float64).std() > 10.0
    with Image.open(f"{shot}.resized.png") as img:
        assert img.size == (200, 200)
