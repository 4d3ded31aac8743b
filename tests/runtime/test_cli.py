"""The run/check/new commands through the real console script: exit codes and JSON shape."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from runtime.cli._cli import build_app

REPO = Path(__file__).resolve().parents[2]
REPO_MODS = REPO / "mods"
#: The Python example mods, in the load order their relations imply.
EXAMPLES = ["arena", "coins", "guards", "scoreboard"]

RUN_KEYS = {
    "load_order",
    "ticks",
    "seed",
    "world_hash",
    "entities",
    "kinds",
    "screenshot",
    "mods",
    "diagnostics",
    "timings",
}
MOD_KEYS = {"id", "version", "state", "tier", "faults", "entities", "diagnostics", "log", "time_ms"}
DIAG_KEYS = {"code", "severity", "message", "mod", "hint", "file", "line", "cause", "details"}


@dataclass(frozen=True)
class Outcome:
    """What a command did: exit code and the two output streams."""

    returncode: int
    stdout: str
    stderr: str


def modhost(*args: str, cwd: Path = REPO) -> Outcome:
    """Run the ``modhost`` app in this process (fast); ``cwd`` is where relative paths resolve."""
    runner = CliRunner()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(build_app(), list(args))
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def modhost_process(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m runtime ARGS`` (the console script's entry point) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "runtime", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=100,
    )


def json_of(result: Outcome | subprocess.CompletedProcess[str]) -> Any:
    """The one JSON document on stdout (json.loads fails on anything else)."""
    return json.loads(result.stdout)


def test_run_headless_json_shape_and_exit_0() -> None:
    result = modhost("run", "--headless", "--json", "--ticks", "30", "--mods", str(REPO_MODS))
    assert result.returncode == 0, result.stderr
    report = json_of(result)
    assert set(report) == RUN_KEYS
    assert report["ticks"] == 30 and report["seed"] == 0
    assert len(report["world_hash"]) == 64
    assert [m for m in report["load_order"] if m in EXAMPLES] == EXAMPLES
    for mod_id, mod in report["mods"].items():
        assert set(mod) == MOD_KEYS and mod["id"] == mod_id
        assert mod["state"] in {"running", "quarantined", "failed", "disabled"}
    assert set(report["timings"]) == {"total_ms", "per_tick_ms", "stages_ms", "mods_ms"}
    # Mod log lines go to stderr under --json, prefixed with the mod id.
    assert "[arena] arena ready" in result.stderr


def test_run_same_seed_same_hash_across_processes() -> None:
    args = ("run", "--headless", "--json", "--ticks", "60", "--seed", "9")
    first, second = json_of(modhost_process(*args)), json_of(modhost(*args))
    assert first["world_hash"] == second["world_hash"]
    other = json_of(modhost("run", "--headless", "--json", "--ticks", "60", "--seed", "10"))
    assert other["world_hash"] != first["world_hash"]


def test_headless_never_imports_panda3d() -> None:
    code = (
        "import sys\n"
        "from runtime import main\n"
        "try:\n"
        "    main(['run', '--headless', '--json', '--ticks', '5', '--mods', sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('panda3d', 'direct'))\n"
        "sys.stderr.write('PANDA:' + ','.join(loaded) + '\\n')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(REPO_MODS)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=100,
    )
    assert "PANDA:\n" in result.stderr, result.stderr[-2000:]


def test_run_with_a_broken_mod_exits_1_and_the_others_run(make_mod, mods_dir: Path) -> None:
    make_mod("good", scripts={"main.py": "def on_tick(ctx, dt):\n    ctx.log('ok')\n"})
    make_mod("bad", scripts={"main.py": "def on_tick(ctx, dt)\n    pass\n"})
    result = modhost("run", "--headless", "--json", "--ticks", "3", "--mods", str(mods_dir))
    assert result.returncode == 1
    report = json_of(result)
    assert report["mods"]["good"]["state"] == "running"
    assert report["mods"]["good"]["log"] == ["ok", "ok", "ok"]
    bad = report["mods"]["bad"]
    assert bad["state"] == "failed" and bad["tier"] is None
    (diag,) = [d for d in bad["diagnostics"] if not d["code"].startswith("SIGNATURE_")]
    assert set(diag) == DIAG_KEYS
    assert diag["code"] == "SANDBOX_FORBIDDEN" and diag["line"] == 1
    assert diag["file"] == "scripts/main.py" and diag["hint"]
    assert "Traceback" not in result.stderr


def test_strict_run_does_not_run_the_world(make_mod, mods_dir: Path) -> None:
    make_mod("good", scripts={"main.py": "def on_tick(ctx, dt):\n    ctx.log('ok')\n"})
    (mods_dir / "empty").mkdir()
    result = modhost(
        "run", "--headless", "--json", "--strict", "--ticks", "3", "--mods", str(mods_dir)
    )
    assert result.returncode == 1
    report = json_of(result)
    assert report["ticks"] == 0
    assert report["mods"]["empty"]["state"] == "failed"
    assert report["mods"]["good"]["log"] == []


LOUD_ON_LOAD = "def on_load(ctx):\n    ctx.log('on_load ran')\n"
NEEDY = '\n[dependencies]\nrequired = { "not-here" = ">=1" }\n'


def test_strict_stops_at_a_planning_error_before_any_mod_code(make_mod, mods_dir: Path) -> None:
    make_mod("good", scripts={"main.py": LOUD_ON_LOAD})
    make_mod("needy", scripts={"main.py": LOUD_ON_LOAD}, extra=NEEDY)
    result = modhost("run", "--headless", "--strict", "--ticks", "3", "--mods", str(mods_dir))
    assert result.returncode == 1
    assert "on_load ran" not in result.stdout + result.stderr
    assert (
        "error: STRICT_FAILED: --strict made 1 problem(s) fatal (RESOLVE_MISSING_REQUIRED): "
        "no mod code ran" in result.stdout
    )
    report = json_of(modhost("run", "--headless", "--json", "--strict", "--mods", str(mods_dir)))
    assert report["ticks"] == 0 and report["load_order"] == []
    assert {m: r["state"] for m, r in report["mods"].items()} == {
        "good": "disabled",
        "needy": "disabled",
    }
    assert report["mods"]["good"]["log"] == []
    assert report["diagnostics"][-1]["code"] == "STRICT_FAILED"
    checked = modhost("check", "--strict", "--mods", str(mods_dir))
    assert checked.returncode == 1
    assert "STRICT_FAILED" in checked.stdout and "no mod code ran" in checked.stdout
    assert "x good: disabled (--strict)" in checked.stdout
    # Without --strict the mod that can load does.
    relaxed = modhost("run", "--headless", "--ticks", "1", "--mods", str(mods_dir))
    assert "on_load ran" in relaxed.stdout


def test_check_strict_says_warnings_are_what_failed(make_mod, mods_dir: Path) -> None:
    make_mod("unsigned")  # SIGNATURE_MISSING: a warning under the dev policy
    plain = modhost("check", "--mods", str(mods_dir))
    assert plain.returncode == 0
    assert "0 error(s), 1 warning(s)\n" in plain.stdout
    strict = modhost("check", "--strict", "--mods", str(mods_dir))
    assert strict.returncode == 1
    assert "0 error(s), 1 warning(s) (warnings are fatal under --strict)" in strict.stdout
    assert "STRICT_FAILED: --strict made 1 problem(s) fatal (SIGNATURE_MISSING)" in strict.stdout


def test_check_json_shape_and_exit_codes(make_mod, mods_dir: Path) -> None:
    good = modhost("check", "--json", "--mods", str(REPO_MODS))
    assert good.returncode == 0, good.stdout + good.stderr
    report = json_of(good)
    assert set(report) == {"load_order", "mods", "diagnostics"}
    assert [m for m in report["load_order"] if m in EXAMPLES] == EXAMPLES
    assert set(report["mods"]["arena"]) == {"id", "version", "state", "diagnostics"}

    make_mod("fine")
    make_mod("typo", manifest='id = "typo"\nname = "T"\nversion = "1.0.0"\ncolour = "red"\n')
    bad = modhost("check", "--json", "--mods", str(mods_dir))
    assert bad.returncode == 1
    report = json_of(bad)
    assert report["load_order"] == ["fine"]
    (diag,) = [d for d in report["mods"]["typo"]["diagnostics"] if d["code"] != "SIGNATURE_MISSING"]
    assert diag["code"] == "MANIFEST_INVALID" and diag["line"] == 4 and diag["mod"] == "typo"


def test_check_human_output_names_the_problem(make_mod, mods_dir: Path) -> None:
    make_mod("oops", scripts={"main.py": "x = (\n"})
    result = modhost("check", "--mods", str(mods_dir))
    assert result.returncode == 1
    assert "SANDBOX_FORBIDDEN" in result.stdout and "[oops]" in result.stdout
    assert "0 of 1 mods load" in result.stdout


def test_invalid_policy_is_a_diagnostic_and_exit_1(make_mod, mods_dir: Path) -> None:
    make_mod("fine")
    policy = mods_dir.parent / "modhost.toml"
    policy.write_text("[signing]\nmode = 'loose'\n")
    for command in (["run", "--headless"], ["check"]):
        result = modhost(*command, "--json", "--mods", str(mods_dir))
        assert result.returncode == 1
        codes = [d["code"] for d in json_of(result)["diagnostics"]]
        assert codes == ["POLICY_INVALID"]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--headless", "--offscreen"],
        ["run", "--ticks", "-1"],
        ["run", "--ticks", "3", "--seconds", "1"],
        ["run", "--headless", "--screenshot", "x.png"],
        ["run", "--mods", "does-not-exist"],
        ["check", "--mods", "does-not-exist"],
        ["run", "--policy", "no-such-policy.toml"],
        ["run", "--no-such-flag"],
        ["new", "mod", "Bad_Id"],
    ],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "mods").mkdir()
    result = modhost(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_new_mod_scaffolds_a_mod_that_passes_check_and_runs(mods_dir: Path) -> None:
    created = modhost("new", "mod", "lap-counter", "--mods", str(mods_dir))
    assert created.returncode == 0, created.stderr
    assert (mods_dir / "lap-counter" / "mod.toml").is_file()
    checked = modhost("check", "--json", "--mods", str(mods_dir))
    assert checked.returncode == 0, checked.stdout
    assert json_of(checked)["load_order"] == ["lap-counter"]
    ran = modhost("run", "--headless", "--json", "--ticks", "240", "--mods", str(mods_dir))
    assert ran.returncode == 0
    assert json_of(ran)["mods"]["lap-counter"]["log"] == ["lap-counter loaded", "lap 1"]
    again = modhost("new", "mod", "lap-counter", "--mods", str(mods_dir))
    assert again.returncode == 2 and "exists" in again.stderr
    as_json = json_of(modhost("new", "mod", "second", "--json", "--mods", str(mods_dir)))
    assert as_json["mod"] == "second"
    assert [Path(f).name for f in as_json["files"]] == ["mod.toml", "main.py", "second.py"]


def test_sigterm_stops_a_headless_run_between_ticks_and_prints_the_report(
    make_mod, mods_dir: Path
) -> None:
    make_mod("ticker", scripts={"main.py": "def on_tick(ctx, dt):\n    ctx.log('tick')\n"})
    command = [sys.executable, "-m", "runtime", "run", "--mods", str(mods_dir), "--headless"]
    command += ["--ticks", "10000000"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:  # until the world runs (or the process ends)
            if "[ticker] tick" in line:
                break
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
    ticks = next(line for line in out.splitlines() if line.startswith("ticks: "))
    assert 0 < int(ticks.split()[1]) < 10_000_000
    assert "world hash: " in out
