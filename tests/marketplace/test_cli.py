"""The whole flow end to end through ``modhost market ...`` (JSON mode), smoke run included."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from marketplace import SigningKey
from runtime.cli._cli import build_app

MakeMod = Callable[..., Path]


class Cli:
    """Runs ``modhost market`` commands against one store and parses their JSON."""

    def __init__(self, store: str, cwd: Path) -> None:
        self.store = store
        self.cwd = cwd
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int = 0, actor: str | None = None) -> Any:
        argv = ["market", *args, "--json"]
        if args[0] != "pack":
            argv += ["--store", self.store]
        if actor:
            argv += ["--as", actor]
        result = self.runner.invoke(build_app(), argv, catch_exceptions=False)
        assert result.exit_code == expect, (argv, result.stdout, result.stderr)
        return json.loads(result.stdout) if result.stdout.strip() else None


@pytest.fixture
def cli(store_url: str, tmp_path: Path, ada_key: SigningKey) -> Cli:
    tool = Cli(store_url, tmp_path)
    tool("grant-role", "mia", "maintainer", actor="mia")
    tool("grant-role", "rex", "reviewer", actor="mia")
    pub = tmp_path / "ada.pub"
    pub.write_text(ada_key.public_key.to_pem())
    assert tool("register-key", "ada", str(pub), actor="ada")["key_id"] == ada_key.key_id
    return tool


def _pack(cli: Cli, folder: Path) -> str:
    out = cli.cwd / f"{folder.name}.modpkg"
    packed = cli("pack", str(folder), "--out", str(out))
    assert packed["signed"] and Path(packed["package"]).is_file()
    return str(out)


def test_end_to_end(cli: Cli, make_mod: MakeMod, tmp_path: Path) -> None:
    lib = cli("submit", _pack(cli, make_mod("core-items", "1.0.0")), actor="ada")
    lib_id = lib["submission"]["id"]
    reviewed = cli("request-review", str(lib_id), actor="ada")["submission"]
    assert reviewed["state"] == "review" and reviewed["gates_passed"], reviewed["findings"]
    assert [s["id"] for s in cli("review-queue")["submissions"]] == [lib_id]
    assert cli("list")["submissions"] == []  # nothing published yet

    refused = cli("approve", str(lib_id), actor="ada", expect=1)
    assert refused["diagnostics"][0]["code"] == "MARKET_INVALID_TRANSITION"
    cli("approve", str(lib_id), actor="rex")
    early = cli("install", "core-items", "--mods", str(tmp_path / "mods"), expect=1)
    assert early["diagnostics"][0]["code"].startswith("RESOLVE_")
    cli("publish", str(lib_id), actor="mia")

    app = make_mod("coin", "1.0.0", requires={"core-items": ">=1.0,<2"})
    app_id = cli("submit", _pack(cli, app), actor="ada")["submission"]["id"]
    assert cli("request-review", str(app_id), actor="ada")["submission"]["gates_passed"]
    cli("approve", str(app_id), "--reason", "looks good", actor="rex")
    cli("publish", str(app_id), actor="mia")

    listed = cli("list")["submissions"]
    assert [(s["mod"], s["state"]) for s in listed] == [
        ("core-items", "published"),
        ("coin", "published"),
    ]
    assert [s["mod"] for s in cli("search", "coin")["submissions"]] == ["coin"]

    mods = tmp_path / "mods"
    done = cli("install", "coin@>=1.0", "--mods", str(mods))["installed"]
    assert sorted((m["mod"], m["version"], m["action"]) for m in done) == [
        ("coin", "1.0.0", "installed"),
        ("core-items", "1.0.0", "installed"),
    ]
    assert (mods / "coin" / "mod.sig").is_file() and (mods / "core-items" / "mod.toml").is_file()
    again = cli("install", "coin", "--mods", str(mods))["installed"]
    assert {m["action"] for m in again} == {"unchanged"}

    history = cli("history", str(app_id))["history"]
    assert [(h["to"], h["actor"]) for h in history] == [
        ("draft", "ada"),
        ("review", "ada"),
        ("approved", "rex"),
        ("published", "mia"),
    ]
    assert history[2]["reason"] == "looks good"
    assert all(h["at"] for h in history)
    shown = cli("show", str(app_id))
    assert shown["submission"]["manifest"]["id"] == "coin" and len(shown["history"]) == 4

    cli("yank", str(lib_id), actor="mia", expect=2)  # --reason is required
    cli("yank", str(lib_id), "--reason", "broken", actor="mia")
    assert [s["mod"] for s in cli("list")["submissions"]] == ["coin"]


def test_new_version_shows_a_diff(cli: Cli, make_mod: MakeMod) -> None:
    first = cli("submit", _pack(cli, make_mod("coin", "1.0.0")), actor="ada")["submission"]
    cli("request-review", str(first["id"]), actor="ada")
    cli("approve", str(first["id"]), actor="rex")
    cli("publish", str(first["id"]), actor="mia")
    second_dir = make_mod("coin", "1.1.0", extra={"assets/readme.txt": "hi"})
    second = cli("submit", _pack(cli, second_dir), actor="ada")["submission"]
    diff = cli("show", str(second["id"]))["diff"]
    assert diff["against"]["version"] == "1.0.0"
    assert diff["added"] == ["assets/readme.txt"]
    assert diff["changed"] == ["mod.sig", "mod.toml"]


def test_invalid_transitions_and_usage(cli: Cli, make_mod: MakeMod) -> None:
    sub = cli("submit", _pack(cli, make_mod()), actor="ada")["submission"]
    out = cli("publish", str(sub["id"]), actor="mia", expect=1)
    assert out["diagnostics"][0]["code"] == "MARKET_INVALID_TRANSITION"
    assert "draft" in out["diagnostics"][0]["message"]
    out = cli("request-review", str(sub["id"]), actor="eve", expect=1)
    assert "only its author" in out["diagnostics"][0]["message"]
    out = cli("show", "99", expect=1)
    assert out["diagnostics"][0]["code"] == "MARKET_NOT_FOUND"
    cli("approve", str(sub["id"]), expect=2)  # nobody said who is acting


def test_smoke_run_catches_a_faulting_mod(cli: Cli, make_mod: MakeMod) -> None:
    crashing = "def on_tick(ctx, dt):\n    raise RuntimeError('boom')\n"
    sub = cli("submit", _pack(cli, make_mod(script=crashing)), actor="ada")["submission"]
    out = cli("request-review", str(sub["id"]), actor="ada", expect=1)["submission"]
    assert out["state"] == "review" and out["gates_passed"] is False
    smoke = [f for f in out["findings"] if f["gate"] == "smoke"]
    assert smoke and all(f["severity"] == "error" for f in smoke)
    assert {f["gate"] for f in out["findings"]} == {"smoke"}
    refused = cli("approve", str(sub["id"]), actor="rex", expect=1)
    assert refused["diagnostics"][0]["code"] == "MARKET_VALIDATION_FAILED"


def test_keys_can_be_listed_and_revoked(cli: Cli, make_mod: MakeMod, ada_key: SigningKey) -> None:
    assert [k["key_id"] for k in cli("keys", "ada")["keys"]] == [ada_key.key_id]
    out = cli("revoke-key", "ada", ada_key.key_id, actor="eve", expect=1)
    assert out["diagnostics"][0]["code"] == "MARKET_FORBIDDEN"
    cli("revoke-key", "ada", ada_key.key_id, actor="ada")
    assert cli("keys", "ada")["keys"] == []
    sub = cli("submit", _pack(cli, make_mod()), actor="ada")["submission"]
    findings = cli("request-review", str(sub["id"]), actor="ada", expect=1)["submission"]
    errors = {(f["gate"], f["code"]) for f in findings["findings"] if f["severity"] == "error"}
    assert ("signature", "SIGNATURE_UNTRUSTED") in errors
    # The strict smoke run trusts only registered keys, so the host refuses it too.
    assert {gate for gate, _ in errors} == {"signature", "smoke"}
    log = [
        (r["actor"], r["action"], r["subject"], r["detail"]) for r in cli("audit-log")["audit_log"]
    ]
    assert log == [
        ("mia", "grant-role", "mia", "maintainer"),
        ("mia", "grant-role", "rex", "reviewer"),
        ("ada", "register-key", "ada", ada_key.key_id),
        ("ada", "revoke-key", "ada", ada_key.key_id),
    ]
