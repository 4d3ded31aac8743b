"""Every marketplace failure is a marketplace code: file errors, a busy install folder, an
older store schema, and the smoke gate's wording."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from host_api import DiagnosticCode
from marketplace import (
    GateSubject,
    MarketBusy,
    MarketIOFailed,
    Marketplace,
    SmokeGate,
    State,
    install,
    open_store,
    pack_bytes,
)
from marketplace._install_journal import STAGING_NAME
from marketplace._staging import exclusive
from runtime.cli._cli import build_app

MakeMod = Callable[..., Path]


def _cli(*argv: str, expect: int) -> dict[str, object]:
    result = CliRunner().invoke(build_app(), [*argv, "--json"], catch_exceptions=False)
    assert result.exit_code == expect, (result.stdout, result.stderr)
    doc: dict[str, object] = json.loads(result.stdout)
    return doc


def test_a_file_error_is_a_marketplace_code(make_mod: MakeMod, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "coin.modpkg"
    failed = _cli("market", "pack", str(make_mod()), "--out", str(out), expect=1)
    [diag] = failed["diagnostics"]  # type: ignore[misc]
    assert diag["code"] == "MARKET_IO_FAILED" and str(out) in diag["message"]


def test_an_unusable_store_path_is_a_marketplace_code(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    failed = _cli("market", "list", "--store", f"sqlite:///{blocker}/m.db", expect=1)
    assert [d["code"] for d in failed["diagnostics"]] == ["MARKET_STORE_INVALID"]  # type: ignore[attr-defined]


def test_one_install_at_a_time_per_mods_folder(
    market: Marketplace, make_mod: MakeMod, publish_mod: Callable[[Path], int], tmp_path: Path
) -> None:
    publish_mod(make_mod())
    mods = tmp_path / "host" / "mods"
    mods.mkdir(parents=True)
    with exclusive(mods.parent / f"{STAGING_NAME}.lock") as taken:
        assert taken
        with pytest.raises(MarketBusy) as busy:
            install(market.store, {"coin": "*"}, mods)
    assert busy.value.to_diagnostic().code == DiagnosticCode.MARKET_BUSY
    assert list(mods.iterdir()) == []
    assert [m.action for m in install(market.store, {"coin": "*"}, mods)] == ["installed"]


def test_a_version_1_store_is_upgraded_on_open(tmp_path: Path, make_mod: MakeMod) -> None:
    path = tmp_path / "old.db"
    with open_store(f"sqlite:///{path}") as store:
        Marketplace(store, gates=[]).submit(pack_bytes(make_mod()), actor="ada")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP INDEX submissions_taken")
    conn.execute("ALTER TABLE history DROP COLUMN version")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    with open_store(f"sqlite:///{path}") as store:
        assert [h.version for h in store.history(1)] == ["1.0.0"]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
    conn.close()


def test_a_version_1_store_holding_one_version_approved_twice_still_opens(
    tmp_path: Path, make_mod: MakeMod
) -> None:
    path = tmp_path / "old.db"
    with open_store(f"sqlite:///{path}") as store:
        market = Marketplace(store, gates=[])
        package = pack_bytes(make_mod())
        subs = [market.submit(package, actor="ada").id for _ in range(2)]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP INDEX submissions_taken")
    conn.execute("ALTER TABLE history DROP COLUMN version")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.execute("UPDATE submissions SET state = 'approved'")  # what the old race left
    conn.close()
    with open_store(f"sqlite:///{path}") as store:
        assert [store.get(i).state for i in subs] == [State.APPROVED, State.APPROVED]


def test_the_smoke_gate_says_what_state_a_mod_ended_in(
    market: Marketplace, make_mod: MakeMod
) -> None:
    sub = market.submit(pack_bytes(make_mod()), actor="ada")
    subject = GateSubject(sub, b"", market.store, None, None)
    report = {"mods": {"coin": {"state": "running"}, "bystander": {"state": "failed"}}}
    [finding] = SmokeGate()._judge(subject, report)
    assert finding.code == DiagnosticCode.MARKET_SMOKE_FAILED
    assert finding.message == "bystander ended the smoke run in state 'failed' (not 'running')"


def test_a_staging_folder_others_can_write_is_refused(
    market: Marketplace, make_mod: MakeMod, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    market.staging = shared
    sub = market.submit(pack_bytes(make_mod()), actor="ada")
    with pytest.raises(MarketIOFailed, match="not a private folder"):
        market.request_review(sub.id, actor="ada")
    assert market.store.get(sub.id).state == State.DRAFT
