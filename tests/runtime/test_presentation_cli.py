"""End to end: ``modhost run`` renders a mod's world offscreen and saves a screenshot.

Runs the real command line in a subprocess (so Panda3D starts in a fresh process, as for a
user), with no display, and checks the PNG and that stderr carries no display or input-device
errors. The mod spawns its entities once at load and has no per-tick hooks, so a busy machine
cannot push it past a wall-clock limit and make the run fail for reasons outside rendering.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]

#: What Panda3D or Xlib print when something tries a display or an input device it should not.
DISPLAY_NOISE = ("(error)", "Could not open display", "x11", "/dev/input", "Xlib", "Traceback")


MOD_TOML = """\
id = "scenery"
name = "Scenery"
version = "1.0.0"
host = ">=0.1,<0.2"
capabilities = ["world.read", "world.write", "world.spawn", "log"]

[[scripts]]
path = "scripts/scenery.py"

[limits]
timeout_ms = 50
"""

SCENERY = """\
def on_load(ctx):
    ctx.world.spawn("ground", (0.0, 0.0, 0.0))
    ctx.world.spawn("wanderer", (-3.0, 1.0, 0.0))
    ctx.world.spawn("guard", (3.0, -2.0, 0.0))
    for n in range(4):
        ctx.world.spawn("coin", (n * 1.5 - 2.0, 3.0, 0.3))
    ctx.log("scenery ready")
"""


@pytest.fixture
def mods(tmp_path: Path) -> Path:
    root = tmp_path / "mods" / "scenery"
    (root / "scripts").mkdir(parents=True)
    (root / "mod.toml").write_text(MOD_TOML, encoding="utf-8")
    (root / "scripts" / "scenery.py").write_text(SCENERY, encoding="utf-8")
    return root.parent


def modhost(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, "-m", "runtime", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=110,
        check=False,
    )


def assert_quiet(stderr: str) -> None:
    for line in stderr.splitlines():
        assert not any(marker in line for marker in DISPLAY_NOISE), f"display noise: {line!r}"


def assert_picture(path: Path) -> None:
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert img.size == (960, 540)
        pixels = np.asarray(img.convert("RGB"), dtype=np.float64)
    assert pixels.std() > 20.0  # not blank: a ground, entities and overlay text


def codes(report: dict[str, Any]) -> list[str]:
    return [d["code"] for d in report.get("diagnostics", [])]


def test_offscreen_run_writes_a_screenshot_quietly(mods: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shots" / "out.png"
    done = modhost(
        "run",
        "--mods",
        str(mods),
        "--offscreen",
        "--ticks",
        "60",
        "--screenshot",
        str(shot),
        "--json",
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0, json.dumps(report, indent=1)[-3000:]
    assert report["ticks"] == 60
    assert report["mods"]["scenery"]["log"] == ["scenery ready"]
    assert "PRESENTATION_FALLBACK" not in codes(report)
    assert_quiet(done.stderr)
    assert_picture(shot)


def test_window_run_without_a_display_falls_back_to_offscreen(mods: Path, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    done = modhost("run", "--mods", str(mods), "--ticks", "30", "--screenshot", str(shot), "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 0, json.dumps(report, indent=1)[-3000:]
    assert codes(report).count("PRESENTATION_FALLBACK") == 1
    assert_quiet(done.stderr)
    assert_picture(shot)


CROWD = """\
KINDS = ["wanderer", "coin", "guard", "wall", "crate"]
PER_TICK = 250


def on_load(ctx):
    ctx.world.spawn("ground", (0.0, 0.0, 0.0))


def on_tick(ctx, dt):
    made = ctx.state.get("made", 1)
    if made >= 10000:
        return
    upto = min(made + PER_TICK, 10000)
    for n in range(made, upto):
        ctx.world.spawn(KINDS[n % 5], ((n % 100) - 49.5, (n // 100) - 49.5, 0.0))
    ctx.state["made"] = upto
"""

#: The crowd is a trusted test script: in process, with room per call, so a loaded machine
#: cannot push a tick's 250 spawns past a time limit (rendering is what is tested here).
CROWD_POLICY = """\
[sandbox]
tier = "inprocess"

[limits]
timeout_ms = 2000
"""


def test_offscreen_screenshot_of_a_10000_entity_world(tmp_path: Path) -> None:
    """A world of 10,000 entities, spawned 250 a tick, is rendered offscreen through the
    command line, as CI does."""
    root = tmp_path / "mods" / "crowd"
    (root / "scripts").mkdir(parents=True)
    manifest = MOD_TOML.replace("scenery", "crowd").replace("timeout_ms = 50", "timeout_ms = 2000")
    (root / "mod.toml").write_text(manifest, encoding="utf-8")
    (root / "scripts" / "crowd.py").write_text(CROWD, encoding="utf-8")
    policy = tmp_path / "modhost.toml"
    policy.write_text(CROWD_POLICY, encoding="utf-8")
    shot = tmp_path / "crowd.png"
    done = modhost(
        "run", "--mods", str(root.parent), "--policy", str(policy), "--offscreen",
        "--ticks", "45", "--screenshot", str(shot), "--json",
    )  # fmt: skip
    report = json.loads(done.stdout)
    assert done.returncode == 0, json.dumps(report, indent=1)[-3000:]
    assert report["entities"] == 10_000
    assert_quiet(done.stderr)
    assert_picture(shot)
