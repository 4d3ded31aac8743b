"""The host policy check: dev vs strict, trusted key entries, what never loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import HostPolicy, load_manifest
from marketplace import SignatureChecker, check_mod_signature, sign_mod, write_keypair


def _policy(mode: str = "strict", keys: tuple[str, ...] = (), **signing: object) -> HostPolicy:
    return HostPolicy.model_validate(
        {"signing": {"mode": mode, "trusted_keys": list(keys), **signing}}
    )


def _check(folder: Path, policy: HostPolicy, policy_dir: Path, **kw: bool):  # type: ignore[no-untyped-def]
    return check_mod_signature(folder, load_manifest(folder), policy, policy_dir=policy_dir, **kw)


@pytest.fixture
def trusted_dir(tmp_path: Path, key) -> Path:  # type: ignore[no-untyped-def]
    """A policy folder with ``keys/me.pub`` (the session key)."""
    write_keypair(key, tmp_path / "keys", "me")
    return tmp_path


SITUATIONS = ["missing", "invalid", "untrusted"]
CODES = {
    "missing": "SIGNATURE_MISSING",
    "invalid": "SIGNATURE_INVALID",
    "untrusted": "SIGNATURE_UNTRUSTED",
}


def _make_situation(situation: str, make_mod, key, other_key) -> Path:  # type: ignore[no-untyped-def]
    folder = make_mod()
    if situation == "invalid":
        sign_mod(folder, key)
        (folder / "added.txt").write_text("after signing")
    elif situation == "untrusted":
        sign_mod(folder, other_key)
    return folder


@pytest.mark.parametrize("situation", SITUATIONS)
def test_strict_refuses(situation, make_mod, key, other_key, trusted_dir) -> None:
    folder = _make_situation(situation, make_mod, key, other_key)
    check = _check(folder, _policy("strict", ("keys/me.pub",)), trusted_dir)
    assert check.status == situation and not check.loadable
    (diag,) = check.diagnostics
    assert (diag.code, diag.severity, diag.mod) == (CODES[situation], "error", "coins")
    assert diag.hint


@pytest.mark.parametrize("situation", SITUATIONS)
def test_dev_loads_with_a_warning(situation, make_mod, key, other_key, trusted_dir) -> None:
    folder = _make_situation(situation, make_mod, key, other_key)
    check = _check(folder, _policy("dev", ("keys/me.pub",)), trusted_dir)
    assert check.status == situation and check.loadable
    (diag,) = check.diagnostics
    assert (diag.code, diag.severity) == (CODES[situation], "warning")
    assert "dev policy" in diag.hint


def test_valid_and_trusted_loads_silently(make_mod, key, trusted_dir) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    check = _check(folder, _policy("strict", ("keys/me.pub",)), trusted_dir)
    assert (check.status, check.loadable, check.diagnostics) == ("valid", True, ())
    assert check.key_id == key.key_id


def test_key_ids_are_trusted_too(make_mod, key, tmp_path) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    assert _check(folder, _policy("strict", (key.key_id,)), tmp_path).loadable


@pytest.mark.parametrize("mode", ["dev", "strict"])
def test_links_never_load(mode, make_mod, key, trusted_dir) -> None:
    folder = make_mod()
    (folder / "etc").symlink_to("/etc", target_is_directory=True)
    check = _check(folder, _policy(mode, ("keys/me.pub",)), trusted_dir)
    assert not check.loadable
    (diag,) = check.diagnostics
    assert (diag.code, diag.severity) == ("PACKAGE_UNSAFE", "error")
    assert "refusing to follow" in diag.message


@pytest.mark.parametrize(
    ("entry", "words"),
    [("keys/absent.pub", "does not exist"), ("keys/me.key", "holds a private key")],
)
def test_bad_trusted_key_entries_are_policy_errors(
    entry, words, make_mod, key, trusted_dir
) -> None:
    write_keypair(key, trusted_dir / "keys", "me", overwrite=True)
    folder = make_mod()
    sign_mod(folder, key)
    check = _check(folder, _policy("strict", (entry,)), trusted_dir)
    assert check.status == "untrusted"
    codes = [d.code for d in check.diagnostics]
    assert codes == ["SIGNATURE_UNTRUSTED", "POLICY_INVALID"]
    assert words in check.diagnostics[1].message


def test_other_mods_still_load(make_mod, key, other_key, trusted_dir) -> None:
    good = make_mod("good", mod_id="good")
    sign_mod(good, key)
    bad = make_mod("bad", mod_id="bad")
    (bad / "mod.sig").write_bytes(b"\x00garbage")
    checker = SignatureChecker(_policy("strict", ("keys/me.pub",)), trusted_dir)
    results = {c.mod_id: c for c in (checker.check(f, load_manifest(f)) for f in (good, bad))}
    assert results["good"].loadable and not results["bad"].loadable
    assert results["bad"].diagnostics[0].code == "SIGNATURE_INVALID"
