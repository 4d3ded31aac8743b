"""Documents nested past the parser's recursion, or holding a number past the interpreter's
digit limit: every reader of a file or answer someone else wrote (a manifest, a package's
manifest, a signature, a market index, the policy, a mod's storage) reports it as that
document's own invalid-input diagnostic, never an internal error, and the host goes on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from host_api import (
    ManifestInvalid,
    ModStorage,
    PolicyError,
    load_policy,
    parse_manifest,
)
from marketplace import IndexRejected, PackageLimits, pack_bytes, verify_index
from marketplace._submission_checks import identify_package
from marketplace.signing import SignatureInvalid, generate_key
from marketplace.signing._sigfile import parse_sigfile

#: Deeper than the interpreter's recursion limit, well under every size cap.
DEPTH = 5000
DEEP_TOML_ARRAY = "[" * DEPTH + "]" * DEPTH
DEEP_TOML_TABLE = "{a = " * DEPTH + "1" + "}" * DEPTH
DEEP_JSON = "[" * DEPTH + "]" * DEPTH
HEADER = 'id = "deep"\nversion = "1.0.0"\nname = "Deep"\n'


#: An integer literal past the interpreter's 4,300-digit limit for reading one.
LONG_NUMBER = "9" * 5000


@pytest.mark.parametrize(
    ("value", "said"),
    [(DEEP_TOML_ARRAY, "too deeply"), (DEEP_TOML_TABLE, "too deeply"), (LONG_NUMBER, "too long")],
)
def test_a_deep_or_long_manifest_is_manifest_invalid(value: str, said: str) -> None:
    with pytest.raises(ManifestInvalid) as info:
        parse_manifest(HEADER + f"x = {value}\n", folder_name="deep")
    assert info.value.code == "MANIFEST_INVALID"
    assert said in info.value.message
    assert info.value.hint


def test_modhost_check_reports_it_and_checks_the_other_mods(tmp_path: Path) -> None:
    mods = tmp_path / "mods"
    (mods / "deep").mkdir(parents=True)
    (mods / "deep" / "mod.toml").write_text(HEADER + f"x = {DEEP_TOML_ARRAY}\n")
    (mods / "fine").mkdir()
    (mods / "fine" / "mod.toml").write_text('id = "fine"\nversion = "1.0.0"\nname = "Fine"\n')
    done = subprocess.run(
        [sys.executable, "-c", "import runtime; runtime.main()", "check", "--mods", str(mods)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    out = done.stdout + done.stderr
    assert "MANIFEST_INVALID" in out
    assert "HOST_INTERNAL_ERROR" not in out
    assert "fine" in out


@pytest.mark.parametrize("value", [DEEP_TOML_TABLE, LONG_NUMBER])
def test_a_package_with_a_deep_or_long_manifest_is_refused(tmp_path: Path, value: str) -> None:
    mod = tmp_path / "deep"
    mod.mkdir()
    (mod / "mod.toml").write_text(HEADER + f"x = {value}\n")
    with pytest.raises(ManifestInvalid):
        identify_package(pack_bytes(mod), PackageLimits())


def test_a_deep_signature_file_is_signature_invalid() -> None:
    with pytest.raises(SignatureInvalid) as info:
        parse_sigfile(('{"format": ' + DEEP_JSON + "}").encode(), mod_id="deep")
    assert info.value.details["reason"] == "not-json"


@pytest.mark.parametrize("blob", [DEEP_JSON, '{"payload": "' + DEEP_JSON + '", "key_id": "k"}'])
def test_a_deep_market_index_is_rejected(blob: str) -> None:
    with pytest.raises(IndexRejected) as info:
        verify_index(blob.encode(), generate_key().public_key)
    assert info.value.code == "MARKET_INDEX_INVALID"


@pytest.mark.parametrize("value", [DEEP_TOML_ARRAY, LONG_NUMBER])
def test_a_deep_or_long_policy_file_is_a_policy_error(tmp_path: Path, value: str) -> None:
    policy = tmp_path / "modhost.toml"
    policy.write_text(f"x = {value}\n")
    with pytest.raises(PolicyError):
        load_policy(policy)


def test_a_deep_storage_file_starts_the_mod_empty(tmp_path: Path) -> None:
    path = tmp_path / "storage.json"
    path.write_text(DEEP_JSON)
    storage = ModStorage(path, mod_id="deep")
    assert storage.keys() == []
