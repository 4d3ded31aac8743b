"""Install: resolver-chosen published versions, digest and signature checked before
anything reaches ``mods/``, dependencies included."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from host_api import POLICY_FILE, DiagnosticCode, ModhostError, load_manifest, load_policy
from marketplace import (
    InstallFailed,
    Marketplace,
    MarketStore,
    SigningKey,
    SqliteStore,
    install,
    pack_bytes,
    parse_request,
    record_loaded_mod,
)
from resolver import SelectionImpossible

MakeMod = Callable[..., Path]
Publish = Callable[[Path], int]


def test_installs_the_newest_fitting_version_with_dependencies(
    market: Marketplace, make_mod: MakeMod, publish_mod: Publish, tmp_path: Path
) -> None:
    publish_mod(make_mod("core-items", "1.0.0"))
    publish_mod(make_mod("core-items", "1.5.0"))
    publish_mod(make_mod("core-items", "2.0.0"))
    publish_mod(make_mod("coin", "1.0.0", requires={"core-items": ">=1.0,<2"}))
    mods = tmp_path / "mods"
    done = install(market.store, {"coin": "*"}, mods)
    assert sorted((m.mod_id, m.version) for m in done) == [
        ("coin", "1.0.0"),
        ("core-items", "1.5.0"),
    ]
    assert sorted(p.name for p in mods.iterdir()) == ["coin", "core-items"]
    assert not list(tmp_path.glob(".modhost-install-*"))  # staging cleaned up


def test_unpublished_and_yanked_versions_are_invisible(
    market: Marketplace, make_mod: MakeMod, publish_mod: Publish, tmp_path: Path
) -> None:
    sid = publish_mod(make_mod("coin", "1.0.0"))
    approved = market.submit(pack_bytes(make_mod("coin", "1.1.0")), actor="ada")
    market.request_review(approved.id, actor="ada")
    market.approve(approved.id, actor="rex")  # approved, not published
    [only] = install(market.store, {"coin": "*"}, tmp_path / "a")
    assert only.version == "1.0.0"
    market.yank(sid, actor="mia", reason="bad")
    with pytest.raises(SelectionImpossible):
        install(market.store, {"coin": "*"}, tmp_path / "b")
    assert not (tmp_path / "b" / "coin").exists()


def _tamper(store: MarketStore, sha: str) -> None:
    if isinstance(store, SqliteStore):
        path = store.artifact_dir / sha[:2] / f"{sha}.modpkg"
        path.write_bytes(path.read_bytes() + b"\0")
        return
    with psycopg.connect(store.url, autocommit=True) as conn:
        conn.execute("UPDATE artifacts SET data = data || '\\x00'::bytea WHERE sha256 = %s", (sha,))


def test_a_tampered_artifact_installs_nothing(
    market: Marketplace, make_mod: MakeMod, publish_mod: Publish, tmp_path: Path
) -> None:
    publish_mod(make_mod("core-items", "1.0.0"))
    sid = publish_mod(make_mod("coin", "1.0.0", requires={"core-items": "*"}))
    _tamper(market.store, market.store.get(sid).artifact)
    mods = tmp_path / "mods"
    with pytest.raises(InstallFailed, match="does not match its digest"):
        install(market.store, {"coin": "*"}, mods)
    assert list(mods.iterdir()) == []  # not even the dependency


def test_a_key_revoked_after_publication_installs_nothing(
    market: Marketplace,
    make_mod: MakeMod,
    publish_mod: Publish,
    tmp_path: Path,
    eve_key: SigningKey,
) -> None:
    publish_mod(make_mod("coin", "1.0.0"))
    [old] = market.store.keys_for("ada")
    market.store.remove_key("ada", old.key_id, actor="ada")
    market.register_key("ada", eve_key.public_key.to_pem(), actor="ada")
    with pytest.raises(InstallFailed) as info:
        install(market.store, {"coin": "*"}, tmp_path / "mods")
    assert info.value.to_diagnostic().code == DiagnosticCode.SIGNATURE_UNTRUSTED
    assert list((tmp_path / "mods").iterdir()) == []


def test_upgrades_but_never_downgrades(
    market: Marketplace, make_mod: MakeMod, publish_mod: Publish, tmp_path: Path
) -> None:
    publish_mod(make_mod("coin", "1.0.0"))
    mods = tmp_path / "mods"
    install(market.store, {"coin": "*"}, mods)
    publish_mod(make_mod("coin", "1.1.0"))
    [up] = install(market.store, {"coin": "*"}, mods)
    assert (up.action, up.version) == ("upgraded", "1.1.0")
    with pytest.raises(InstallFailed) as info:
        install(market.store, {"coin": "<1.1"}, mods)
    assert info.value.to_diagnostic().code == DiagnosticCode.SIGNATURE_ROLLBACK
    assert 'version = "1.1.0"' in (mods / "coin" / "mod.toml").read_text()


def test_request_syntax() -> None:
    assert parse_request("coin") == ("coin", "*")
    assert parse_request("coin@>=1.0,<2") == ("coin", ">=1.0,<2")
    with pytest.raises(ModhostError):
        parse_request("coin@>>1")


def test_the_hosts_rollback_record_blocks_an_older_reinstall(
    market: Marketplace,
    make_mod: MakeMod,
    publish_mod: Publish,
    tmp_path: Path,
    ada_key: SigningKey,
) -> None:
    host = tmp_path / "host"
    mods = host / "mods"
    host.mkdir()
    (host / POLICY_FILE).write_text(f'[signing]\ntrusted_keys = ["{ada_key.key_id}"]\n')
    publish_mod(make_mod("coin", "1.0.0"))
    publish_mod(make_mod("coin", "1.1.0"))
    install(market.store, {"coin": "*"}, mods)
    # The host loaded 1.1.0 once (as 'modhost run' records it), then the folder went away.
    policy = load_policy(host / POLICY_FILE)
    assert (
        record_loaded_mod(mods / "coin", load_manifest(mods / "coin"), policy, policy_dir=host)
        == ()
    )
    shutil.rmtree(mods / "coin")
    with pytest.raises(InstallFailed) as info:
        install(market.store, {"coin": "<1.1"}, mods)
    assert info.value.to_diagnostic().code == DiagnosticCode.SIGNATURE_ROLLBACK
    assert not (mods / "coin").exists()
