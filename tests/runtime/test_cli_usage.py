"""Usage errors are one plain line for every command, and output piped to a file is never cut.

Usage errors: ``usage error: <what>`` on stderr, exit 2, nothing on stdout, with a
did-you-mean where a close name exists. Piped output: rich would lay it out for 80 columns
and cut table cells; with stdout not a terminal every value is printed whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runtime.cli._cli import build_app

from ..conftest import MakeMod


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), list(args), env={"COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--tiks", "3"], "usage error: no such option --tiks; did you mean '--ticks'?"),
        (["run", "--ticks", "many"], "usage error: invalid value for '--ticks'"),
        (["run", "--seed"], "usage error: option '--seed' requires an argument"),
        (["chek"], "usage error: no such command 'chek'; did you mean 'check'"),
        (["frobnicate"], "usage error: no such command 'frobnicate' (see 'modhost --help')"),
        (["check", "--polcy", "x"], "did you mean '--policy'?"),
        (["replay"], "usage error: missing argument 'FILE'"),
        (["sign"], "usage error: missing argument 'DIR' (see 'modhost sign --help')"),
        (["verify", "--trus", "k"], "did you mean '--trust'?"),
        (["keygen", "--nmae", "ada"], "did you mean '--name'?"),
        (["new", "mod"], "usage error: missing argument 'ID'"),
        (["new", "mdo", "x"], "usage error: no such command 'mdo'; did you mean 'mod'?"),
        (["schema", "--jsn"], "usage error: no such option --jsn"),
        (["sandbox", "audti"], "did you mean 'audit'?"),
        (["sandbox", "audit", "--tier", "fast"], "usage error: unknown tier 'fast'"),
        (["market", "instal", "x"], "usage error: no such command 'instal'; did you mean"),
        (["market", "install"], "usage error: missing argument"),
        (["market", "history", "x", "--stor", "y"], "did you mean '--store'?"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_every_usage_error_is_one_plain_line(args: list[str], expected: str) -> None:
    code, out, err = _invoke(*args)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("usage error: ")
    assert expected in lines[0]
    assert not any(c in err for c in "╭│╰"), err


def test_the_console_script_prints_usage_errors_the_same_way(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "runtime", "run", "--headles"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "usage error: no such option --headles; did you mean '--headless'? "
        "(see 'modhost run --help')\n"
    )


def _piped(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``modhost`` with stdout a pipe and a narrow terminal size in the environment."""
    env = {**os.environ, "COLUMNS": "40"}
    return subprocess.run(
        [sys.executable, "-m", "runtime", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


def test_a_piped_run_report_is_not_cut(make_mod: MakeMod, mods_dir: Path) -> None:
    long_id = "a-mod-with-a-name-long-enough-to-be-cut-in-a-narrow-table"
    make_mod(long_id, scripts={"main.py": "def on_tick(ctx, dt):\n    pass\n"})
    result = _piped("run", "--mods", str(mods_dir), "--headless", "--ticks", "2", cwd=mods_dir)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if f" {long_id} " in line)
    assert "running" in row and "µs" in row
    assert "…" not in result.stdout


def test_piped_market_tables_are_not_cut(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'market.db'}"
    grant = ("market", "grant-role", "mia", "maintainer", "--as", "mia", "--store", store)
    granted = _piped(*grant, cwd=tmp_path)
    assert granted.returncode == 0, granted.stderr
    table = _piped("market", "audit-log", "--store", store, cwd=tmp_path)
    doc = _piped("market", "audit-log", "--store", store, "--json", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    (entry,) = json.loads(doc.stdout)["audit_log"]
    assert "…" not in table.stdout
    # The table shows the time to the second.
    assert entry.pop("at")[:19] in table.stdout
    for value in entry.values():
        assert value in table.stdout, (value, table.stdout)
