"""The CLI as a newcomer meets it: every --help, and the common mistakes.

Each mistake must give a clear one-line error (a usage error exits 2, a diagnostic of
severity error exits 1) and never a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runtime.cli._cli import build_app

HELP_COMMANDS: list[list[str]] = [
    [],
    ["run"],
    ["check"],
    ["new"],
    ["new", "mod"],
    ["schema"],
    ["keygen"],
    ["sign"],
    ["verify"],
    ["replay"],
    ["sandbox"],
    ["sandbox", "audit"],
    ["market"],
    ["market", "pack"],
    ["market", "submit"],
    ["market", "install"],
]


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def modhost(*args: str, cwd: Path | None = None) -> Outcome:
    """Run the app in-process with a wide terminal; ``cwd`` is where relative paths resolve."""
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(build_app(), list(args), env={"COLUMNS": "200"})
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    outcome = Outcome(result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in outcome.text
    return outcome


@pytest.mark.parametrize("command", HELP_COMMANDS, ids=lambda c: " ".join(c) or "modhost")
def test_every_help_page_shows(command: list[str]) -> None:
    result = modhost(*command, "--help")
    assert result.code == 0, result.text
    assert "Usage: modhost" in result.out


def test_help_paragraphs_are_not_broken_mid_sentence() -> None:
    # Docstrings are wrapped at 100 columns in the source; the help must reflow them rather
    # than keep the source's line breaks.
    run = modhost("run", "--help").out
    assert "(a mod that failed or faulted), 2 for usage errors." in run
    replay = modhost("replay", "--help").out
    assert "1 when it does not (or cannot be replayed), 2 for usage errors." in replay


def test_path_arguments_are_named_as_the_help_text_names_them() -> None:
    assert "{DIR}" in modhost("sign", "--help").out
    assert "{DIR}" in modhost("verify", "--help").out
    assert "{FILE}" in modhost("replay", "--help").out


@pytest.fixture
def project(make_mod, mods_dir: Path) -> Path:  # type: ignore[no-untyped-def]
    """A folder with one working mod in mods/; returns the project folder."""
    make_mod("solo", scripts={"main.py": "def on_load(ctx):\n    ctx.log('loaded')\n"})
    return mods_dir.parent


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--mods", "missing", "--headless"], "mods folder 'missing' does not exist"),
        (["check", "--mods", "missing"], "mods folder 'missing' does not exist"),
        (["run", "--headless", "--ticks", "-1"], "invalid value for '--ticks'"),
        (["run", "--headless", "--ticks", "many"], "invalid value for '--ticks'"),
        (["run", "--headless", "--frobnicate"], "no such option --frobnicate"),
        (["check", "--policy", "nowhere.toml"], "policy file 'nowhere.toml' does not exist"),
        (["check", "--policy", "mods"], "policy file 'mods' is a folder"),
        (["run", "--headless", "--input", "none.jsonl"], "input file 'none.jsonl' does not exist"),
        (["run", "--headless", "--record", "mods"], "--record 'mods' is a folder"),
        (["run", "--offscreen", "--screenshot", "mods"], "--screenshot 'mods' is a folder"),
        (["replay", "none.json"], "replay file 'none.json' does not exist"),
        (["sandbox", "audit", "--only", "no-such-attack"], "no attack name contains"),
        (["sign", "nowhere", "--key", "k.key"], "mod folder 'nowhere' does not exist"),
        (["verify", "nowhere"], "mod folder 'nowhere' does not exist"),
    ],
)
def test_usage_mistakes_exit_2_with_one_clear_line(
    project: Path, args: list[str], message: str
) -> None:
    result = modhost(*args, cwd=project)
    assert result.code == 2, result.text
    assert message in result.err
    # Nothing ran: no mod printed its log line.
    assert "loaded" not in result.text


def test_an_output_path_under_a_file_is_refused_before_the_run(project: Path) -> None:
    (project / "notes.txt").write_text("a file, not a folder")
    result = modhost("run", "--headless", "--record", "notes.txt/run.json", cwd=project)
    assert result.code == 2, result.text
    assert "--record 'notes.txt/run.json' cannot be written: 'notes.txt' is not a folder" in (
        result.err
    )
    assert "loaded" not in result.text


@pytest.mark.parametrize(
    ("option", "target", "message"),
    [
        ("--screenshot", "/proc/x.png", "no file can be created in '/proc'"),
        ("--record", "/proc/x.json", "no file can be created in '/proc'"),
        ("--screenshot", "/proc/no/such/x.png", "no file can be created in '/proc'"),
        ("--record", "/sys/x.json", "no file can be created in '/sys'"),
    ],
)
def test_an_output_target_nothing_can_be_written_to_is_refused_before_the_run(
    project: Path, option: str, target: str, message: str
) -> None:
    # /proc and /sys refuse new files even to root, whom permission bits never stop.
    mode = "--offscreen" if option == "--screenshot" else "--headless"
    result = modhost("run", mode, "--ticks", "2", option, target, cwd=project)
    assert result.code == 2, result.text
    assert result.err.startswith(f"usage error: {option} '{target}' cannot be written: ")
    assert message in result.err
    assert "loaded" not in result.text and result.out == ""


def test_a_missing_output_folder_is_created_not_refused(project: Path) -> None:
    result = modhost(
        "run", "--headless", "--ticks", "2", "--record", "out/new/run.json", cwd=project
    )
    assert result.code == 0, result.text
    assert (project / "out" / "new" / "run.json").is_file()


def test_an_unreadable_policy_is_a_diagnostic_not_a_traceback(project: Path) -> None:
    policy = project / "modhost.toml"
    policy.write_bytes(b"\xff\xfe[signing]\n")
    result = modhost("check", cwd=project)
    assert result.code == 1
    assert "POLICY_INVALID" in result.out
    assert "not UTF-8 text" in result.out and "save the policy file as UTF-8" in result.out


def test_a_policy_that_is_not_toml_says_so(project: Path) -> None:
    (project / "modhost.toml").write_text("[signing\nmode = 'dev'\n")
    result = modhost("check", cwd=project)
    assert result.code == 1
    assert "POLICY_INVALID" in result.out
    assert "not valid TOML" in result.out and "fix the TOML syntax" in result.out


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_policy_without_read_permission_is_a_diagnostic(project: Path) -> None:
    policy = project / "modhost.toml"
    policy.write_text('[signing]\nmode = "dev"\n')
    policy.chmod(0)
    try:
        result = modhost("run", "--headless", "--ticks", "1", cwd=project)
    finally:
        policy.chmod(0o644)
    assert result.code == 1
    assert "POLICY_INVALID" in result.out
    assert "make the policy file readable" in result.out and "TOML" not in result.out


def test_a_bad_replay_file_says_it_was_not_replayed(project: Path) -> None:
    (project / "broken.json").write_text("{")
    result = modhost("replay", "broken.json", cwd=project)
    assert result.code == 1
    assert "REPLAY_FILE_INVALID" in result.out
    assert "not replayed" in result.out
    assert "different" not in result.out and "world hash" not in result.out


def test_an_unknown_submission_points_at_commands_that_exist(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'market.db'}"
    result = modhost("market", "show", "999", "--store", store, cwd=tmp_path)
    assert result.code == 1
    assert "MARKET_NOT_FOUND" in result.text
    # Every command the hint names exists (the hint once named a 'list --all' that did not).
    hint = next(line for line in result.text.splitlines() if "hint:" in line)
    for command in ("history", "review-queue"):
        assert f"modhost market {command}" in hint
        assert modhost("market", command, "--help").code == 0


def test_schema_names_its_dialect() -> None:
    import json

    result = modhost("schema")
    assert result.code == 0
    schema = json.loads(result.out)
    assert next(iter(schema)) == "$schema"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Manifest" and "id" in schema["properties"]
