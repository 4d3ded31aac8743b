"""What every ``modhost market`` command prints, pinned: the human line(s), the JSON keys,
the exit code (0 / 1 / 2) and where a failure goes (stderr for people, ``{"ok": false,
"diagnostics": [...]}`` on stdout with ``--json``).

The output does not depend on the store backend, so this runs on SQLite only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from marketplace import SigningKey
from runtime.cli._cli import build_app

MakeMod = Callable[..., Path]


@dataclass(frozen=True)
class Run:
    """One finished command: its exit code and what it wrote."""

    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def doc(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.out)
        return parsed


class Market:
    """Runs ``modhost market ...`` against one SQLite store, in either output mode."""

    def __init__(self, store: str, cwd: Path) -> None:
        self.store = store
        self.cwd = cwd
        self.runner = CliRunner()

    def __call__(
        self, *args: str, expect: int = 0, actor: str | None = None, json_out: bool = False
    ) -> Run:
        argv = ["market", *args]
        if args[0] != "pack":
            argv += ["--store", self.store]
        if actor:
            argv += ["--as", actor]
        if json_out:
            argv.append("--json")
        result = self.runner.invoke(build_app(), argv, catch_exceptions=False)
        assert result.exit_code == expect, (argv, result.stdout, result.stderr)
        return Run(result.exit_code, result.stdout, result.stderr)

    def json(self, *args: str, expect: int = 0, actor: str | None = None) -> dict[str, Any]:
        return self(*args, expect=expect, actor=actor, json_out=True).doc

    def pack(self, folder: Path) -> str:
        out = self.cwd / f"{folder.name}.modpkg"
        self("pack", str(folder), "--out", str(out))
        return str(out)


@pytest.fixture
def market(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Market:
    monkeypatch.delenv("MODHOST_USER", raising=False)
    return Market(f"sqlite:///{tmp_path / 'store' / 'market.db'}", tmp_path)


def _failed(run: Run, code: str) -> None:
    """A failure in human mode: nothing on stdout, the diagnostic on stderr."""
    assert run.out == "" and code in run.err, (run.out, run.err)


def _failed_json(doc: dict[str, Any], code: str) -> None:
    assert list(doc) == ["ok", "diagnostics"] and doc["ok"] is False
    assert doc["diagnostics"][0]["code"] == code


def test_roles_and_keys(market: Market, tmp_path: Path, ada_key: SigningKey) -> None:
    assert market("grant-role", "mia", "maintainer", actor="mia").lines == ["mia: maintainer"]
    granted = market.json("grant-role", "mia", "reviewer", actor="mia")
    assert granted == {"ok": True, "name": "mia", "roles": ["maintainer", "reviewer"]}
    refused = market("grant-role", "eve", "maintainer", actor="eve", expect=1)
    _failed(refused, "MARKET_FORBIDDEN")
    refused_doc = market.json("grant-role", "eve", "maintainer", actor="eve", expect=1)
    _failed_json(refused_doc, "MARKET_FORBIDDEN")
    usage = market("grant-role", "eve", "reviewer", expect=2)
    assert usage.out == "" and "usage error: say who is acting with --as NAME" in usage.err

    pub = tmp_path / "ada.pub"
    pub.write_text(ada_key.public_key.to_pem())
    kid = ada_key.key_id
    registered = market("register-key", "ada", str(pub), actor="ada")
    assert registered.lines == [f"registered key {kid} for ada"]
    missing = market("register-key", "ada", str(tmp_path / "nope.pub"), actor="ada", expect=2)
    assert "usage error:" in missing.err and "is not a file" in missing.err

    listed = market("keys", "ada").lines
    assert len(listed) == 1 and listed[0].startswith(f"{kid}  added ")
    keys_doc = market.json("keys", "ada")
    assert list(keys_doc) == ["ok", "author", "keys"] and keys_doc["author"] == "ada"
    assert [list(k) for k in keys_doc["keys"]] == [["key_id", "added_at"]]
    assert market("keys", "bob").lines == ["bob has no registered keys"]
    assert market.json("keys", "bob") == {"ok": True, "author": "bob", "keys": []}

    _failed(market("revoke-key", "ada", kid, actor="eve", expect=1), "MARKET_FORBIDDEN")
    assert market("revoke-key", "ada", kid, actor="ada").lines == [f"revoked key {kid} of ada"]
    registered_doc = market.json("register-key", "ada", str(pub), actor="ada")
    assert registered_doc == {"ok": True, "author": "ada", "key_id": kid}
    revoked_doc = market.json("revoke-key", "ada", kid, actor="ada")
    assert revoked_doc == {"ok": True, "author": "ada", "revoked": kid}

    audit = market("audit-log")
    assert audit.lines[0].strip() == "audit log" and "register-key" in audit.out
    audit_doc = market.json("audit-log")
    assert list(audit_doc) == ["ok", "audit_log"] and len(audit_doc["audit_log"]) == 6


def test_pack_output(market: Market, make_mod: MakeMod, tmp_path: Path) -> None:
    folder = make_mod("coin", "1.0.0")
    out = tmp_path / "coin.modpkg"
    packed = market("pack", str(folder), "--out", str(out))
    assert packed.lines == [f"packed coin 1.0.0 -> {out} ({out.stat().st_size} bytes)"]
    doc = market.json("pack", str(folder), "--out", str(out))
    assert list(doc) == ["ok", "package", "mod", "version", "sha256", "bytes", "signed"]
    assert (doc["ok"], doc["package"], doc["mod"], doc["signed"]) == (True, str(out), "coin", True)

    unsigned = make_mod("plain", "2.0.0", key=None)
    warned = market("pack", str(unsigned), "--out", str(tmp_path / "plain.modpkg")).lines
    assert warned[0].startswith("packed plain 2.0.0 -> ")
    assert warned[1:] == [
        "warning: no mod.sig; sign it with 'modhost sign DIR' first, "
        "or the signature gate will fail"
    ]
    assert market.json("pack", str(unsigned), "--out", str(tmp_path / "p"))["signed"] is False

    broken = tmp_path / "broken"
    broken.mkdir()
    _failed(market("pack", str(broken), expect=1), "MANIFEST_NOT_FOUND")
    _failed_json(market.json("pack", str(broken), expect=1), "MANIFEST_NOT_FOUND")
    not_dir = market("pack", str(tmp_path / "absent"), expect=2)
    assert "usage error:" in not_dir.err and "is not a folder" in not_dir.err


def test_pipeline_output(
    market: Market, make_mod: MakeMod, tmp_path: Path, ada_key: SigningKey
) -> None:
    market("grant-role", "mia", "maintainer", actor="mia")
    market("grant-role", "rex", "reviewer", actor="mia")
    pub = tmp_path / "ada.pub"
    pub.write_text(ada_key.public_key.to_pem())
    market("register-key", "ada", str(pub), actor="ada")

    assert market("list").lines == ["published: nothing"]
    assert market.json("list") == {"ok": True, "submissions": []}
    assert market("search", "coin").lines == ["published matching 'coin': nothing"]
    assert market("review-queue").lines == ["review queue: nothing"]
    assert market.json("review-queue") == {"ok": True, "submissions": []}

    first = market.pack(make_mod("coin", "1.0.0"))
    assert market("submit", first, actor="ada").lines == ["submitted: #1 coin 1.0.0 is now draft"]
    missing = market("submit", str(tmp_path / "none.modpkg"), actor="ada", expect=2)
    assert "is not a file" in missing.err
    reviewed = market("request-review", "1", actor="ada")
    assert reviewed.lines == ["review requested: #1 coin 1.0.0 is now review", "all gates passed"]
    assert "running the validation gates..." in reviewed.err
    queue = market("review-queue")
    assert queue.lines[0].strip() == "review queue" and "coin" in queue.out

    _failed(market("approve", "1", actor="ada", expect=1), "MARKET_INVALID_TRANSITION")
    assert market("approve", "1", actor="rex").lines == ["approve: #1 coin 1.0.0 is now approved"]
    published = market.json("publish", "1", actor="mia")
    assert list(published) == ["ok", "submission"] and published["ok"] is True
    assert published["submission"]["state"] == "published"
    listed = market("list")
    assert listed.lines[0].strip() == "published" and "coin" in listed.out
    assert list(market.json("search", "coin")) == ["ok", "submissions"]

    shown = market("show", "1").lines
    assert shown[:3] == [
        "#1 coin 1.0.0 by ada: published",
        f"package sha256 {market.json('show', '1')['submission']['artifact_sha256']}",
        "  name: Coin",
    ]
    assert "all gates passed" in shown and any(line.strip() == "history" for line in shown)
    assert list(market.json("show", "1")) == [
        "ok",
        "submission",
        "diff",
        "history",
        "package_unsafe",
    ]
    _failed(market("show", "99", expect=1), "MARKET_NOT_FOUND")
    _failed_json(market.json("show", "99", expect=1), "MARKET_NOT_FOUND")

    mods = tmp_path / "mods"
    installed = market("install", "coin", "--mods", str(mods)).lines
    assert installed == [f"installed coin 1.0.0 (submission #1, key {ada_key.key_id})"]
    again_lines = market("install", "coin", "--mods", str(mods)).lines
    assert again_lines == [f"unchanged coin 1.0.0 (already installed, key {ada_key.key_id})"]
    again = market.json("install", "coin", "--mods", str(mods))
    assert list(again) == ["ok", "mods_dir", "installed"] and again["mods_dir"] == str(mods)
    assert [m["action"] for m in again["installed"]] == ["unchanged"]
    _failed(market("install", "nothing-here", "--mods", str(mods), expect=1), "RESOLVE_")

    second = market.pack(make_mod("coin", "1.1.0", extra={"assets/readme.txt": "hi"}))
    assert market.json("submit", second, actor="ada")["submission"]["id"] == 2
    market("request-review", "2", actor="ada")
    diff_lines = market("show", "2").lines
    assert diff_lines[0] == "#2 coin 1.1.0 by ada: review"
    assert "files vs published 1.0.0:" in diff_lines and "  + assets/readme.txt" in diff_lines
    needs_reason = market("request-changes", "2", actor="rex", expect=2)
    assert "usage error: 'market request-changes' needs --reason" in needs_reason.err
    changes = market("request-changes", "2", "--reason", "more", actor="rex").lines
    assert changes == ["request-changes: #2 coin 1.1.0 is now changes_requested"]
    revised = market("submit", second, "--revise", "2", actor="ada").lines
    assert revised == ["submitted: #2 coin 1.1.0 is now draft"]
    market("request-review", "2", actor="ada")
    rejected = market.json("reject", "2", "--reason", "no", actor="rex")
    assert rejected["submission"]["state"] == "rejected"

    history = market("history", "coin")
    assert history.lines[0] == "history"
    # One line per step, naming the submission and its version (#2 was revised once).
    steps = [line.split()[:4] for line in history.lines[1:]]
    assert [s[:2] for s in steps] == [["#1", "1.0.0"]] * 4 + [["#2", "1.1.0"]] * 6
    assert [s[3] for s in steps] == ["1", "2", "3", "4", "1", "2", "3", "4", "5", "6"]
    assert history.lines[-1].endswith("review -> rejected by rex: no")
    history_doc = market.json("history", "2")
    assert list(history_doc) == ["ok", "history"] and history_doc["history"][-1]["to"] == "rejected"
    no_history = market("history", "nope", expect=2)
    assert "usage error: no submissions for 'nope'" in no_history.err

    assert market("yank", "1", actor="mia", expect=2).out == ""
    yanked = market("yank", "1", "--reason", "broken", actor="mia").lines
    assert yanked == ["yank: #1 coin 1.0.0 is now yanked"]


def test_failed_gates_exit_1_with_findings(
    market: Market, make_mod: MakeMod, tmp_path: Path
) -> None:
    # No key is registered for ada, so the signature gate (and the strict smoke run) fail.
    sub = market.pack(make_mod("coin", "1.0.0"))
    market("submit", sub, actor="ada")
    failed = market("request-review", "1", actor="ada", expect=1)
    assert failed.lines[0] == "review requested: #1 coin 1.0.0 is now review"
    assert failed.lines[-1] == "gates failed" and "SIGNATURE_UNTRUSTED" in failed.out
    assert "gate results at #1.2:" in market("history", "1").out
