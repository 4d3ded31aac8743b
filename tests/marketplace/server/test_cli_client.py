"""``modhost market --server URL ...``: the CLI as a client of a real server on loopback."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from marketplace import pack_bytes
from runtime.cli._cli import build_app

from .conftest import PASSWORDS, LiveServer, ServerFactory

MakeMod = Callable[..., Path]


class Client:
    """Runs ``modhost market`` as one person: their own config folder (token file)."""

    def __init__(self, url: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.url, self.home, self.monkeypatch = url, home, monkeypatch
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int = 0, stdin: str | None = None) -> Any:
        self.monkeypatch.setenv("MODHOST_CONFIG_DIR", str(self.home))
        argv = ["market", "--server", self.url, *args, "--json"]
        result = self.runner.invoke(build_app(), argv, input=stdin, catch_exceptions=False)
        assert result.exit_code == expect, (argv, result.stdout, result.stderr)
        return json.loads(result.stdout) if result.stdout.strip() else None

    def login(self, name: str) -> None:
        done = self("login", "--name", name, "--password-stdin", stdin=PASSWORDS[name] + "\n")
        assert done["name"] == name


@pytest.fixture
def live(live_server: ServerFactory, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.delenv("MODHOST_MARKET_URL", raising=False)
    monkeypatch.delenv("MODHOST_MARKET_TOKEN", raising=False)
    return live_server()


@pytest.fixture
def people(live: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Client]:
    return {
        name: Client(live.url, tmp_path / "home" / name, monkeypatch)
        for name in ("ada", "rex", "mia", "player")
    }


def test_login_saves_a_private_token(people: dict[str, Client]) -> None:
    ada = people["ada"]
    ada.login("ada")
    config = ada.home / "market.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    saved = json.loads(config.read_text())["servers"][ada.url]
    assert saved["name"] == "ada" and saved["token"].startswith("mh_")
    assert ada("whoami") == {"ok": True, "name": "ada", "roles": []}
    wrong = ada("login", "--name", "ada", "--password-stdin", stdin="nope-nope\n", expect=1)
    assert wrong["diagnostics"][0]["code"] == "MARKET_UNAUTHENTICATED"
    ada("logout")
    assert "token" not in json.loads(config.read_text())["servers"][ada.url]
    # The revoked token no longer works even if someone kept a copy.
    refused = ada("whoami", expect=2)
    assert refused is None


def test_every_command_runs_against_the_server(
    people: dict[str, Client], make_mod: MakeMod, tmp_path: Path, live: LiveServer
) -> None:
    ada, rex, mia, player = people["ada"], people["rex"], people["mia"], people["player"]
    for name in ("ada", "rex", "mia"):
        people[name].login(name)
    package = tmp_path / "coin.modpkg"
    package.write_bytes(pack_bytes(make_mod("coin", "1.0.0")))

    sub = ada("submit", str(package))["submission"]
    assert (sub["author"], sub["state"]) == ("ada", "draft")  # the server's name, not --as
    assert ada("request-review", str(sub["id"]))["submission"]["gates_passed"]
    assert [s["id"] for s in rex("review-queue")["submissions"]] == [sub["id"]]
    refused = ada("approve", str(sub["id"]), expect=1)
    assert refused["diagnostics"][0]["code"] == "MARKET_INVALID_TRANSITION"
    # --as is ignored over HTTP: ada cannot act as rex.
    assert ada("approve", str(sub["id"]), "--as", "rex", expect=1)["ok"] is False
    rex("approve", str(sub["id"]), "--reason", "fine")
    mia("publish", str(sub["id"]))
    shown = player("show", str(sub["id"]))
    assert shown["submission"]["state"] == "published"
    assert [h["actor"] for h in player("history", "coin")["history"]] == [
        "ada",
        "ada",
        "rex",
        "mia",
    ]
    assert [s["mod"] for s in player("search", "coin")["submissions"]] == ["coin"]
    assert [s["mod"] for s in player("list")["submissions"]] == ["coin"]
    assert player("keys", "ada")["keys"][0]["key_id"]
    assert player("audit-log", expect=1)["diagnostics"][0]["code"] == "MARKET_UNAUTHENTICATED"
    assert ada("audit-log", expect=1)["diagnostics"][0]["code"] == "MARKET_NOT_FOUND"
    assert any(r["action"] == "register-key" for r in mia("audit-log")["audit_log"])

    mods = tmp_path / "game" / "mods"
    # Without the market's key nothing installs: the packages could not be verified.
    untrusted = player("install", "coin", "--mods", str(mods), expect=1)
    assert untrusted["diagnostics"][0]["code"] == "MARKET_INDEX_INVALID"
    assert not mods.exists() or not any(mods.iterdir())
    player("trust-market", str(live.market_pub))
    done = player("install", "coin", "--mods", str(mods))["installed"]
    assert [(m["mod"], m["action"]) for m in done] == [("coin", "installed")]
    assert (mods / "coin" / "mod.toml").is_file() and (mods / "coin" / "mod.sig").is_file()


def test_accounts_and_tokens_from_the_cli(people: dict[str, Client]) -> None:
    mia = people["mia"]
    mia.login("mia")
    mia("account-add", "zed", "--role", "reviewer", "--password-stdin", stdin="zed-secret-1\n")
    issued = mia("token-issue", "zed", "--days", "2", "--label", "ci")
    assert issued["token"].startswith("mh_") and issued["name"] == "zed"
    assert [t["token_id"] for t in mia("token-list", "zed")["tokens"]] == [issued["token_id"]]
    mia("token-revoke", issued["token_id"])
    assert mia("token-list", "zed")["tokens"][0]["revoked_at"]


def test_an_unreachable_server_is_a_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nowhere = Client("http://127.0.0.1:9", tmp_path / "home", monkeypatch)
    answer = nowhere("list", expect=1)
    assert answer["diagnostics"][0]["code"] == "MARKET_SERVER_UNREACHABLE"


def test_the_environment_names_the_server(
    live_server: ServerFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    live = live_server()
    monkeypatch.setenv("MODHOST_MARKET_URL", live.url)
    monkeypatch.setenv("MODHOST_MARKET_TOKEN", live.tokens["mia"])
    monkeypatch.setenv("MODHOST_CONFIG_DIR", str(tmp_path / "home"))
    result = CliRunner().invoke(build_app(), ["market", "whoami", "--json"])
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["name"] == "mia"
