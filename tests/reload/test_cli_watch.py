"""``modhost run --watch`` end to end: a real process, a real watcher, a real edit."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import WAIT_S, MakeMod, write

SCRIPT = """
def on_reload(ctx, old_state):
    ctx.log("reloaded at tick %d" % ctx.tick)

def on_tick(ctx, dt):
    ctx.state["v"] = VERSION
"""


def _read_until(stream: object, marker: str, seen: list[str]) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        line = stream.readline()  # type: ignore[attr-defined]
        if not line:
            break
        seen.append(line)
        if marker in line:
            return
    pytest.fail(f"'{marker}' never appeared; stderr so far:\n{''.join(seen)}")


def _watch(mods_dir: Path, seconds: int, edit: Path, text: str, marker: str) -> tuple[int, Any]:
    """Run ``modhost run --watch --json`` for ``seconds``, write ``text`` to ``edit`` once it
    is watching, wait for ``marker`` on stderr; returns the exit code and the JSON report."""
    command = [sys.executable, "-m", "runtime", "run", "--mods", str(mods_dir)]
    command += ["--headless", "--watch", "--seconds", str(seconds), "--json"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        seen: list[str] = []
        _read_until(process.stderr, "watching", seen)
        write(edit, text)
        _read_until(process.stderr, marker, seen)
        out, _ = process.communicate(timeout=WAIT_S)
    return process.returncode, json.loads(out)


def test_run_watch_reloads_an_edit_and_reports_it(make_mod: MakeMod, mods_dir: Path) -> None:
    folder = make_mod("alpha", scripts={"main.py": SCRIPT.replace("VERSION", "1")})
    main = folder / "scripts" / "main.py"
    returncode, report = _watch(mods_dir, 4, main, SCRIPT.replace("VERSION", "2"), "reloaded alpha")
    assert returncode == 0, report
    assert report["mods"]["alpha"]["state"] == "running"
    assert report["mods"]["alpha"]["log"][-1].startswith("reloaded at tick ")
    assert report["ticks"] == 240


def test_run_watch_reports_a_rollback_and_exits_1(make_mod: MakeMod, mods_dir: Path) -> None:
    folder = make_mod("alpha", scripts={"main.py": SCRIPT.replace("VERSION", "1")})
    main = folder / "scripts" / "main.py"
    returncode, report = _watch(mods_dir, 3, main, "import os\n", "RELOAD_ROLLED_BACK")
    assert returncode == 1
    assert report["mods"]["alpha"]["state"] == "running"
    diagnostics = report["mods"]["alpha"]["diagnostics"]
    errors = [d["code"] for d in diagnostics if d["severity"] == "error"]
    assert errors == ["RELOAD_ROLLED_BACK"]


FAULTING = """
def on_tick(ctx, dt):
    raise ValueError("tick %d went wrong" % ctx.tick)
"""


def test_run_watch_prints_faults_live_and_the_report_on_sigterm(
    make_mod: MakeMod, mods_dir: Path
) -> None:
    folder = make_mod("alpha", scripts={"main.py": SCRIPT.replace("VERSION", "1")})
    command = [sys.executable, "-m", "runtime", "run", "--mods", str(mods_dir)]
    # Longer than the test takes: SIGTERM ends the run (and ends it for sure if it regresses).
    command += ["--offscreen", "--watch", "--seconds", "90"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        seen: list[str] = []
        _read_until(process.stdout, "watching", seen)
        write(folder / "scripts" / "main.py", FAULTING)
        # Each fault shows while the world runs, up to the quarantine the faults lead to.
        _read_until(process.stdout, "MOD_QUARANTINED", seen)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=WAIT_S)
    assert process.returncode == 1, err
    live = "".join(seen)
    assert live.count("error: SANDBOX_ERROR: [alpha] ValueError: tick ") == 3
    assert "(more SANDBOX_ERROR from [alpha] at most every 10 s" in live
    assert "warning: MOD_THROTTLED: [alpha]" in live
    # The report follows the stop: held-back faults are counted, then listed.
    assert "2 more SANDBOX_ERROR from [alpha] suppressed while running" in out
    assert "stopped" in err
    assert "quarantined" in out and "world hash: " in out
    assert out.count("SANDBOX_ERROR: [alpha]") == 2
