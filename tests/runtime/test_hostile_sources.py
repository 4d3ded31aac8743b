"""A mod whose script would crash the compiler: the host reports it and keeps running.

End to end, through ``modhost run`` in a real process, in both tiers: the hostile mod is
``failed`` with ``SANDBOX_COMPILE_LIMIT`` (line and hint), the other mod ticks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.audit._corpus_compile import COMPILE_BOMBS

MakeMod = Callable[..., Path]

RUN = [sys.executable, "-m", "runtime", "run"]
TICKER = "def on_tick(ctx, dt):\n    ctx.state['n'] = ctx.state.get('n', 0) + 1\n"
#: The issue's payload (100,000 nested operators on one line) and one spread over lines.
BOMBS = [b for b in COMPILE_BOMBS if b.name.endswith(("binop-line", "lambdas", "fstring"))]


def _use_tier(mods_dir: Path, tier: str) -> None:
    (mods_dir.parent / "modhost.toml").write_text(f'[sandbox]\ntier = "{tier}"\n', "utf-8")


def _run_beside_a_steady_mod(make_mod: MakeMod, mods_dir: Path) -> dict[str, Any]:
    """The JSON report of ten headless ticks of ``mods_dir`` with one more, well-behaved
    mod in it: the run fails (a mod failed), ticks on, and the steady mod runs."""
    make_mod("steady", scripts={"main.py": TICKER})
    done = subprocess.run(
        [*RUN, "--mods", str(mods_dir), "--headless", "--ticks", "10", "--json"],
        capture_output=True,
        text=True,
        timeout=150,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == 1, done.stderr[-2000:]
    assert report["ticks"] == 10
    assert report["mods"]["steady"]["state"] == "running"
    assert "Traceback" not in done.stderr
    return report


@pytest.mark.timeout(180)
@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_a_compile_bomb_fails_its_mod_and_the_host_keeps_ticking(
    make_mod: MakeMod, mods_dir: Path, tier: str
) -> None:
    _use_tier(mods_dir, tier)
    for i, bomb in enumerate(BOMBS):
        make_mod(f"deep-{i}", scripts={"main.py": ""})
        (mods_dir / f"deep-{i}" / "scripts" / "main.py").write_text(bomb.source, "utf-8")
    report = _run_beside_a_steady_mod(make_mod, mods_dir)
    for i in range(len(BOMBS)):
        mod = report["mods"][f"deep-{i}"]
        assert mod["state"] == "failed"
        (diagnostic,) = [d for d in mod["diagnostics"] if d["severity"] == "error"]
        assert diagnostic["code"] == "SANDBOX_COMPILE_LIMIT"
        assert diagnostic["file"] == "scripts/main.py"
        assert diagnostic["line"] is not None
        assert "nesting" in diagnostic["hint"]


def _many_scripts_manifest(mod_id: str, count: int) -> str:
    tables = "".join(f'[[scripts]]\npath = "scripts/s{i % 4}.py"\n\n' for i in range(count))
    return f'id = "{mod_id}"\nname = "Many"\nversion = "1.0.0"\n\n{tables}'


@pytest.mark.timeout(180)
@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_a_mod_over_its_script_count_or_source_budget_fails_and_the_host_keeps_ticking(
    make_mod: MakeMod, mods_dir: Path, tier: str
) -> None:
    _use_tier(mods_dir, tier)
    # Thousands of entries (the manifest allows about six thousand in its 256 KiB).
    many = make_mod("many", scripts={f"s{i}.py": "X = 1\n" for i in range(4)})
    (many / "mod.toml").write_text(_many_scripts_manifest("many", 5000), "utf-8")
    # Twenty scripts of 250 KB each: each under the script cap, 5 MB in all.
    comment = "#" + "x" * 99 + "\n"
    make_mod("heavy", scripts={f"h{i}.py": comment * 2500 for i in range(20)})
    report = _run_beside_a_steady_mod(make_mod, mods_dir)
    for mod_id, words in (("many", "at most 256 are loaded"), ("heavy", "MiB of source in all")):
        mod = report["mods"][mod_id]
        assert mod["state"] == "failed"
        errors = [d for d in mod["diagnostics"] if d["severity"] == "error"]
        assert errors and all(d["code"] == "SANDBOX_COMPILE_LIMIT" for d in errors), errors
        assert any(words in d["message"] for d in errors), errors
        assert len(errors) < 20  # one error for every entry past the count, not thousands
