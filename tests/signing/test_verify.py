"""verify_mod against an explicit set of keys: every status, and which file differs."""

from __future__ import annotations

import base64
import hashlib

from marketplace import SIGFILE_NAME, sign_mod, verify_mod
from marketplace.signing._digest import digest_of
from marketplace.signing._sigfile import SigFile

from .conftest import read_sigfile_json, write_sigfile_json


def test_valid_signature_by_a_trusted_key(make_mod, key) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "valid" and found.problem is None
    assert found.key_id == key.key_id and found.digest


def test_trust_by_key_id_string(make_mod, key) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    assert verify_mod(folder, trusted=[key.key_id]).status == "valid"


def test_untrusted_key(make_mod, key, other_key) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    found = verify_mod(folder, trusted=[other_key.public_key])
    assert found.status == "untrusted"
    assert found.problem is not None and found.problem.code == "SIGNATURE_UNTRUSTED"
    assert key.key_id in found.problem.message
    assert "trusted_keys" in found.problem.hint


def test_missing_signature(make_mod, key) -> None:
    found = verify_mod(make_mod(), trusted=[key.public_key])
    assert found.status == "missing"
    assert found.problem is not None and found.problem.code == "SIGNATURE_MISSING"
    assert "modhost sign" in found.problem.hint


def test_file_added_after_signing(make_mod, key) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    (folder / "scripts" / "extra.py").write_text("x = 1\n")
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.diff is not None and found.diff.added == ("scripts/extra.py",)
    assert found.problem is not None
    assert found.problem.details["added"] == ["scripts/extra.py"]
    assert found.problem.file == "scripts/extra.py"
    assert "added: scripts/extra.py" in found.problem.message


def test_file_removed_and_changed(make_mod, key) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    (folder / "assets" / "data.bin").unlink()
    (folder / "scripts" / "coin.py").write_text("def on_tick(ctx, dt):\n    1 / 0\n")
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.diff is not None
    assert found.diff.removed == ("assets/data.bin",)
    assert found.diff.changed == ("scripts/coin.py",)


def test_untrusted_and_tampered_is_invalid_not_untrusted(make_mod, key, other_key) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    (folder / "new.txt").write_text("x")
    assert verify_mod(folder, trusted=[other_key.public_key]).status == "invalid"


def test_signature_for_another_version(make_mod, key) -> None:
    folder = make_mod(version="1.0.0")
    sign_mod(folder, key)
    make_mod(version="1.1.0")  # the author bumped the version and forgot to re-sign
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.problem is not None and found.problem.details["reason"] == "other-mod"
    assert "coins 1.0.0" in found.problem.message and "coins 1.1.0" in found.problem.message


def test_signature_for_another_mod_copied_over(make_mod, key) -> None:
    donor = make_mod("donor", mod_id="donor")
    sign_mod(donor, key)
    target = make_mod("target", mod_id="target")
    (target / SIGFILE_NAME).write_bytes((donor / SIGFILE_NAME).read_bytes())
    found = verify_mod(target, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.problem is not None and found.problem.details["signed_id"] == "donor"


def test_altered_signature_bytes(make_mod, key) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    raw = read_sigfile_json(folder)
    sig = bytearray(base64.b64decode(raw["signature"]))
    sig[0] ^= 1
    raw["signature"] = base64.b64encode(bytes(sig)).decode()
    write_sigfile_json(folder, raw)
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.problem is not None and found.problem.details["reason"] == "bad-signature"
    assert found.problem.__cause__ is not None  # translated from cryptography, with context


def test_claiming_a_trusted_key_does_not_help(make_mod, key, other_key) -> None:
    """A signature by an untrusted key, relabelled with the trusted key's id and public key."""
    folder = make_mod()
    sign_mod(folder, other_key)
    raw = read_sigfile_json(folder)
    raw["public_key"] = base64.b64encode(key.public_key.raw).decode()
    raw["key_id"] = key.key_id
    SigFile.model_validate(raw)  # well-formed: only the signature check can catch it
    write_sigfile_json(folder, raw)
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.problem is not None and found.problem.details["reason"] == "bad-signature"


def test_signature_list_edited_to_hide_a_file(make_mod, key) -> None:
    """Adding a file and listing it in mod.sig (with a recomputed digest) breaks the sig."""
    folder = make_mod()
    sign_mod(folder, key)
    (folder / "evil.py").write_text("x")
    raw = read_sigfile_json(folder)
    raw["files"]["evil.py"] = hashlib.sha256(b"x").hexdigest()
    raw["digest"] = digest_of(raw["files"])
    write_sigfile_json(folder, raw)
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.problem is not None and found.problem.details["reason"] == "bad-signature"


def test_link_outside_makes_verification_refuse(make_mod, key, tmp_path) -> None:
    folder = make_mod()
    sign_mod(folder, key)
    (folder / "passwd").symlink_to("/etc/passwd")
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.problem is not None and found.problem.code == "PACKAGE_UNSAFE"
    assert "outside the mod folder" in found.problem.message
