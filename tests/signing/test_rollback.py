"""Rollback protection: recorded versions, refusal of older or altered ones, the state file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from host_api import HostPolicy, load_manifest
from marketplace import AcceptedVersions, SignatureChecker, sign_mod
from marketplace.signing._rollback import state_path


def _checker(tmp_path: Path, key, mode: str = "strict", allow: bool = False) -> SignatureChecker:  # type: ignore[no-untyped-def]
    policy = HostPolicy.model_validate(
        {"signing": {"mode": mode, "trusted_keys": [key.key_id], "allow_downgrade": allow}}
    )
    return SignatureChecker(policy, tmp_path)


def _install(make_mod, key, version: str, files=None):  # type: ignore[no-untyped-def]
    folder = make_mod(version=version, files=files)
    sign_mod(folder, key)
    return folder


def _run(checker: SignatureChecker, folder: Path):  # type: ignore[no-untyped-def]
    """What ``modhost run`` does: check, then record when the mod loads."""
    check = checker.check(folder, load_manifest(folder))
    if check.loadable:
        checker.record(check)
    return check


@pytest.mark.parametrize("mode", ["dev", "strict"])
def test_older_version_is_refused_in_every_mode(mode, make_mod, key, tmp_path) -> None:
    checker = _checker(tmp_path, key, mode)
    assert _run(checker, _install(make_mod, key, "1.2.0")).loadable
    older = _run(checker, _install(make_mod, key, "1.1.0"))
    assert older.status == "valid" and not older.loadable
    (diag,) = older.diagnostics
    assert (diag.code, diag.severity) == ("SIGNATURE_ROLLBACK", "error")
    assert "1.1.0 is older than 1.2.0" in diag.message
    assert "allow_downgrade" in diag.hint


def test_same_version_with_other_files_is_refused(make_mod, key, tmp_path) -> None:
    checker = _checker(tmp_path, key)
    assert _run(checker, _install(make_mod, key, "1.0.0")).loadable
    altered = _run(checker, _install(make_mod, key, "1.0.0", files={"x.txt": "new"}))
    assert not altered.loadable
    assert altered.diagnostics[0].code == "SIGNATURE_ROLLBACK"
    assert "different files" in altered.diagnostics[0].message


def test_same_version_same_files_and_upgrades_load(make_mod, key, tmp_path) -> None:
    checker = _checker(tmp_path, key)
    assert _run(checker, _install(make_mod, key, "1.0.0")).loadable
    assert _run(checker, _install(make_mod, key, "1.0.0")).loadable
    assert _run(checker, _install(make_mod, key, "2.0.0")).loadable
    assert checker.accepted.get("coins").version == "2.0.0"  # type: ignore[union-attr]


def test_allow_downgrade_loads_with_a_warning_and_keeps_the_highest(
    make_mod, key, tmp_path
) -> None:
    _run(_checker(tmp_path, key), _install(make_mod, key, "2.0.0"))
    checker = _checker(tmp_path, key, allow=True)
    older = _run(checker, _install(make_mod, key, "1.0.0"))
    assert older.loadable
    assert [(d.code, d.severity) for d in older.diagnostics] == [("SIGNATURE_ROLLBACK", "warning")]
    assert checker.accepted.get("coins").version == "2.0.0"  # type: ignore[union-attr]


def test_check_without_record_changes_nothing(make_mod, key, tmp_path) -> None:
    checker = _checker(tmp_path, key)
    folder = _install(make_mod, key, "1.0.0")
    checker.check(folder, load_manifest(folder))
    assert not state_path(tmp_path / ".modhost").exists()


def test_unsigned_or_edited_mods_are_never_recorded(make_mod, key, tmp_path) -> None:
    checker = _checker(tmp_path, key, mode="dev")
    folder = make_mod(version="9.0.0")
    assert checker.record(checker.check(folder, load_manifest(folder))) is None
    sign_mod(folder, key)
    (folder / "edit.txt").write_text("dev edit")
    assert checker.record(checker.check(folder, load_manifest(folder))) is None
    assert checker.accepted.load() == {}


def test_state_file_is_json_under_the_data_dir(make_mod, key, tmp_path) -> None:
    checker = _checker(tmp_path, key)
    _run(checker, _install(make_mod, key, "1.0.0"))
    path = tmp_path / ".modhost" / "signing" / "accepted.json"
    doc = json.loads(path.read_text())
    assert doc["format"] == "modhost-accepted-versions"
    assert doc["mods"]["coins"]["version"] == "1.0.0"
    assert doc["mods"]["coins"]["key_id"] == key.key_id
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize(
    ("mode", "severity", "loadable"), [("strict", "error", False), ("dev", "warning", True)]
)
def test_corrupt_state_file(mode, severity, loadable, make_mod, key, tmp_path) -> None:
    path = state_path(tmp_path / ".modhost")
    path.parent.mkdir(parents=True)
    path.write_text('{"format": "modhost-accepted-versions", "mods": {"coins": 1}')
    check = _checker(tmp_path, key, mode).check(
        folder := _install(make_mod, key, "1.0.0"), load_manifest(folder)
    )
    assert check.loadable is loadable
    (diag,) = check.diagnostics
    assert (diag.code, diag.severity, diag.mod) == ("ROLLBACK_STATE_INVALID", severity, "coins")
    assert "delete it" in diag.hint


_WRITER = """
import sys
from pathlib import Path
from marketplace import AcceptedVersions
store = AcceptedVersions(Path(sys.argv[1]))
start = int(sys.argv[2])
for i in range(start, start + 20):
    store.record(f"mod-{i:03d}", "1.0.0", "a" * 64, "b" * 32)
"""


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state" / "accepted.json"
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(n * 100)]) for n in range(3)
    ]
    assert [p.wait(60) for p in procs] == [0, 0, 0]
    assert len(AcceptedVersions(path).load()) == 60


def test_forget_resets_one_mod(tmp_path: Path) -> None:
    store = AcceptedVersions(tmp_path / "a.json")
    store.record("coins", "2.0.0", "a" * 64, "b" * 32)
    assert store.forget("coins") and not store.forget("coins")
    assert store.load() == {}


def test_installers_can_ask_before_replacing_a_mod(make_mod, key, tmp_path) -> None:
    checker = _checker(tmp_path, key)
    accepted = _run(checker, _install(make_mod, key, "1.5.0"))
    assert checker.rollback_diagnostic("coins", "2.0.0", "c" * 64) is None
    assert checker.rollback_diagnostic("coins", "1.5.0", accepted.digest) is None  # type: ignore[arg-type]
    older = checker.rollback_diagnostic("coins", "1.4.0", "c" * 64)
    assert older is not None and (older.code, older.severity) == ("SIGNATURE_ROLLBACK", "error")
    same = checker.rollback_diagnostic("coins", "1.5.0", "c" * 64)
    assert same is not None and "different files" in same.message
    lenient = _checker(tmp_path, key, allow=True).rollback_diagnostic("coins", "1.4.0", "c" * 64)
    assert lenient is not None and lenient.severity == "warning"


def test_a_corrupt_state_file_is_reported_once_per_mod_and_kept(make_mod, key, tmp_path) -> None:
    from marketplace import record_loaded_mod

    path = state_path(tmp_path / ".modhost")
    path.parent.mkdir(parents=True)
    path.write_text("not json")
    folder = _install(make_mod, key, "1.0.0")
    policy = HostPolicy.model_validate({"signing": {"mode": "dev", "trusted_keys": [key.key_id]}})
    assert record_loaded_mod(folder, load_manifest(folder), policy, policy_dir=tmp_path) == ()
    assert path.read_text() == "not json"


def test_a_loaded_mod_is_recorded_only_while_validly_signed(make_mod, key, tmp_path) -> None:
    from marketplace import SIGFILE_NAME, record_loaded_mod

    path = state_path(tmp_path / ".modhost")
    policy = HostPolicy.model_validate({"signing": {"mode": "dev", "trusted_keys": [key.key_id]}})
    folder = _install(make_mod, key, "1.0.0")
    assert record_loaded_mod(folder, load_manifest(folder), policy, policy_dir=tmp_path) == ()
    recorded = path.read_text()
    assert '"1.0.0"' in recorded
    # Unsigned (a mod under development) or tampered: nothing new is recorded.
    (folder / "mod.toml").write_text((folder / "mod.toml").read_text().replace("1.0.0", "1.1.0"))
    assert record_loaded_mod(folder, load_manifest(folder), policy, policy_dir=tmp_path) == ()
    (folder / SIGFILE_NAME).unlink()
    assert record_loaded_mod(folder, load_manifest(folder), policy, policy_dir=tmp_path) == ()
    assert path.read_text() == recorded
