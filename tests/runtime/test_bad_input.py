"""Bad input: each problem is a diagnostic with a stable code, the mod id, file/line where
known and a hint, and the other mods still load and run."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from runtime import Host
from runtime.cli._cli import build_app

GOOD = "def on_tick(ctx, dt):\n    ctx.log('tick %d' % ctx.tick)\n"


@dataclass(frozen=True)
class Case:
    code: str
    mod: str
    state: str
    file: str | None = None
    line: int | None = None
    message: str = ""


def _write(mods: Path, folder: str, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = mods / folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


MANIFEST = 'id = "{id}"\nname = "X"\nversion = "1.0.0"\ncapabilities = ["log"]\n'
SCRIPT_TABLE = '\n[[scripts]]\npath = "scripts/main.py"\n'


def _scripted(mod_id: str, source: str | None = None) -> dict[str, dict[str, str]]:
    """``mods/<mod_id>/``: a manifest naming ``scripts/main.py``, written when ``source`` is."""
    files = {"mod.toml": MANIFEST.format(id=mod_id) + SCRIPT_TABLE}
    if source is not None:
        files["scripts/main.py"] = source
    return {mod_id: files}


SETUPS: dict[str, tuple[Case, dict[str, dict[str, str]]]] = {
    "missing manifest": (
        Case("MANIFEST_NOT_FOUND", "nomanifest", "failed"),
        {"nomanifest": {"scripts/main.py": GOOD}},
    ),
    "malformed toml": (
        Case("MANIFEST_INVALID", "broken", "failed", "mod.toml", 3),
        {"broken": {"mod.toml": 'id = "broken"\nname = "X"\nversion = 1.0.0"\n'}},
    ),
    "wrong type": (
        Case("MANIFEST_INVALID", "typed", "failed", "mod.toml", 3, "version"),
        {"typed": {"mod.toml": 'id = "typed"\nname = "X"\nversion = 3\n'}},
    ),
    "unknown key": (
        Case("MANIFEST_INVALID", "extra", "failed", "mod.toml", 5, "unknown key"),
        {"extra": {"mod.toml": MANIFEST.format(id="extra") + 'descripton = "typo"\n'}},
    ),
    "missing script": (
        Case("MOD_FILE_MISSING", "noscript", "failed", "mod.toml"),
        _scripted("noscript"),
    ),
    "syntax error": (
        Case("SANDBOX_FORBIDDEN", "syntax", "failed", "scripts/main.py", 2),
        _scripted("syntax", "def on_tick(ctx, dt):\n    return (\n"),
    ),
    "module body raises": (
        Case("SANDBOX_ERROR", "body", "failed", "scripts/main.py", 2),
        _scripted("body", "X = 1\nY = X / 0\n"),
    ),
    "hook raises": (
        Case("SANDBOX_ERROR", "hook", "running", "scripts/main.py", 3, "KeyError"),
        _scripted("hook", "def on_load(ctx):\n    d = {}\n    return d['missing']\n"),
    ),
    "capability denied": (
        Case("CAPABILITY_DENIED", "greedy", "running", "scripts/main.py", 2),
        _scripted("greedy", "def on_load(ctx):\n    ctx.world.spawn('thing')\n"),
    ),
    "duplicate id": (
        Case("RESOLVE_DUPLICATE_ID", "twin", "disabled", message="twin"),
        {
            "twin": {"mod.toml": MANIFEST.format(id="twin")},
            "twin-copy": {"mod.toml": MANIFEST.format(id="twin")},
        },
    ),
}


def _folder_with(mods: Path, name: str) -> Case:
    case, folders = SETUPS[name]
    for folder, files in {**folders, **_scripted("steady", GOOD)}.items():
        _write(mods, folder, files)
    return case


@pytest.mark.parametrize("name", sorted(SETUPS))
def test_bad_input_is_a_diagnostic_and_the_rest_runs(name: str, mods_dir: Path) -> None:
    case = _folder_with(mods_dir, name)
    with Host(mods_dir) as host:
        host.load()
        host.step(2)
        report = host.report()
    mod = report.mods[case.mod]
    assert mod.state == case.state
    matching = [d for d in mod.diagnostics if d.code == case.code]
    assert matching, [d.render() for d in mod.diagnostics]
    diag = matching[0]
    assert diag.mod == case.mod and diag.severity == "error"
    assert diag.hint, "every diagnostic says how to fix it"
    assert case.message in diag.message + " ".join(diag.cause)
    if case.file is not None:
        assert diag.file == case.file
    if case.line is not None:
        assert diag.line == case.line
    assert report.mods["steady"].state == "running"
    assert report.mods["steady"].log == ["tick 1", "tick 2"]


def test_every_bad_input_at_once_through_the_cli_never_prints_a_traceback(
    mods_dir: Path,
) -> None:
    for name in SETUPS:
        _folder_with(mods_dir, name)
    every_code = {case.code for case, _ in SETUPS.values()}
    # A capability is only denied when a hook runs, which check never does.
    expected = {"run": every_code, "check": every_code - {"CAPABILITY_DENIED"}}
    for command, extra in (("run", ["--headless", "--ticks", "2"]), ("check", [])):
        for as_json in (False, True):
            args = [command, *extra, "--mods", str(mods_dir)] + (["--json"] if as_json else [])
            result = CliRunner().invoke(build_app(), args)
            assert not isinstance(result.exception, Exception), result.exception
            assert result.exit_code == 1, result.stdout + result.stderr
            assert "Traceback" not in result.stdout + result.stderr
            if as_json:
                document: dict[str, Any] = json.loads(result.stdout)
                codes = {d["code"] for d in document["diagnostics"]}
                assert expected[command] <= codes, (command, expected[command] - codes)
    # And once through the real entry point, in its own process.
    process = subprocess.run(
        [sys.executable, "-m", "runtime", "run", "--headless", "--mods", str(mods_dir)],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert process.returncode == 1
    assert "Traceback" not in process.stdout + process.stderr
    assert "SANDBOX_FORBIDDEN" in process.stdout
