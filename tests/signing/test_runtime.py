"""``modhost check`` and ``modhost run`` apply the signature policy and report the same codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marketplace import SIGFILE_NAME, sign_mod, write_keypair
from runtime.cli._cli import build_app

SCRIPT = "def on_load(ctx):\n    ctx.log('up')\n"


def _mod(mods: Path, mod_id: str, version: str = "1.0.0") -> Path:
    folder = mods / mod_id
    (folder / "scripts").mkdir(parents=True, exist_ok=True)
    (folder / "mod.toml").write_text(
        f'id = "{mod_id}"\nname = "{mod_id}"\nversion = "{version}"\n'
        'capabilities = ["log"]\n\n[[scripts]]\npath = "scripts/main.py"\n'
    )
    (folder / "scripts" / "main.py").write_text(SCRIPT)
    return folder


@pytest.fixture
def project(tmp_path: Path, key, other_key) -> Path:  # type: ignore[no-untyped-def]
    """A project folder: modhost.toml, keys/, and mods/ with one mod per signature case."""
    write_keypair(key, tmp_path / "keys", "trusted")
    mods = tmp_path / "mods"
    sign_mod(_mod(mods, "good"), key)
    _mod(mods, "unsigned")
    tampered = _mod(mods, "tampered")
    sign_mod(tampered, key)
    (tampered / "scripts" / "main.py").write_text(SCRIPT + "# edited\n")
    sign_mod(_mod(mods, "stranger"), other_key)
    (_mod(mods, "garbage") / SIGFILE_NAME).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    linked = _mod(mods, "linked")
    (linked / "scripts" / "secret.txt").symlink_to("/etc/hostname")
    return tmp_path


def _policy(project: Path, mode: str) -> None:
    (project / "modhost.toml").write_text(
        f'[signing]\nmode = "{mode}"\ntrusted_keys = ["keys/trusted.pub"]\n'
    )


def _invoke(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(build_app(), list(args))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _codes(report: dict) -> dict[str, tuple[str, set[str]]]:  # type: ignore[type-arg]
    return {
        mod_id: (m["state"], {d["code"] for d in m["diagnostics"]})
        for mod_id, m in report["mods"].items()
    }


EXPECTED_STRICT = {
    "good": ("running", set()),
    "unsigned": ("failed", {"SIGNATURE_MISSING"}),
    "tampered": ("failed", {"SIGNATURE_INVALID"}),
    "stranger": ("failed", {"SIGNATURE_UNTRUSTED"}),
    "garbage": ("failed", {"SIGNATURE_INVALID"}),
    "linked": ("failed", {"PACKAGE_UNSAFE"}),
}


def test_check_and_run_report_the_same_codes_under_strict(project: Path) -> None:
    _policy(project, "strict")
    mods = str(project / "mods")
    checked = _invoke("check", "--mods", mods, "--json")
    ran = _invoke("run", "--mods", mods, "--headless", "--ticks", "2", "--json")
    assert _codes(checked) == EXPECTED_STRICT
    assert _codes(ran) == EXPECTED_STRICT
    assert checked["load_order"] == ran["load_order"] == ["good"]


def test_dev_loads_with_warnings_but_never_links(project: Path) -> None:
    _policy(project, "dev")
    report = _invoke("run", "--mods", str(project / "mods"), "--headless", "--ticks", "2", "--json")
    states = {m: s for m, (s, _) in _codes(report).items()}
    assert states == {
        "good": "running",
        "unsigned": "running",
        "tampered": "running",
        "stranger": "running",
        "garbage": "running",
        "linked": "failed",
    }
    severities = {
        d["code"]: d["severity"] for m in report["mods"].values() for d in m["diagnostics"]
    }
    assert severities["SIGNATURE_MISSING"] == severities["SIGNATURE_INVALID"] == "warning"
    assert severities["PACKAGE_UNSAFE"] == "error"


def test_run_records_and_refuses_a_rollback_check_does_not_record(project: Path, key) -> None:  # type: ignore[no-untyped-def]
    _policy(project, "strict")
    mods = project / "mods"
    state = project / ".modhost" / "signing" / "accepted.json"
    sign_mod(_mod(mods, "good", "2.0.0"), key)
    _invoke("check", "--mods", str(mods), "--json")
    assert not state.exists()
    _invoke("run", "--mods", str(mods), "--headless", "--ticks", "1", "--json")
    assert json.loads(state.read_text())["mods"]["good"]["version"] == "2.0.0"
    sign_mod(_mod(mods, "good", "1.0.0"), key)
    for command in (("check",), ("run", "--headless", "--ticks", "1")):
        report = _invoke(*command, "--mods", str(mods), "--json")
        assert _codes(report)["good"] == ("failed", {"SIGNATURE_ROLLBACK"})
