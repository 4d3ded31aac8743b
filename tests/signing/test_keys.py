"""Key files: creation mode, formats, clear errors, permission warnings."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from marketplace import (
    SigningKeyInvalid,
    generate_key,
    key_file_warnings,
    load_public_key,
    load_signing_key,
    parse_public_key,
    write_keypair,
)


def test_keypair_files_and_modes(tmp_path: Path) -> None:
    key = generate_key()
    private, public = write_keypair(key, tmp_path / "keys", "me")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert load_signing_key(private).key_id == key.key_id
    assert load_public_key(public) == key.public_key
    assert key_file_warnings(private) == ()


def test_private_key_is_never_shown(tmp_path: Path) -> None:
    key = generate_key()
    private, _ = write_keypair(key, tmp_path, "me")
    pem = private.read_text()
    body = "".join(pem.splitlines()[1:-1])
    assert body not in repr(key) and body not in str(key)
    assert repr(key) == f"<SigningKey {key.key_id}>"


def test_key_id_is_a_short_hash_of_the_public_key() -> None:
    import hashlib

    key = generate_key()
    assert key.key_id == hashlib.sha256(key.public_key.raw).hexdigest()[:32]


def test_existing_keys_are_not_overwritten(tmp_path: Path) -> None:
    write_keypair(generate_key(), tmp_path, "me")
    with pytest.raises(SigningKeyInvalid, match="refusing to overwrite"):
        write_keypair(generate_key(), tmp_path, "me")
    replaced = generate_key()
    private, _ = write_keypair(replaced, tmp_path, "me", overwrite=True)
    assert load_signing_key(private).key_id == replaced.key_id


def test_loose_permissions_warn(tmp_path: Path) -> None:
    private, _ = write_keypair(generate_key(), tmp_path, "me")
    private.chmod(0o644)
    (warning,) = key_file_warnings(private)
    assert warning.code == "SIGNING_KEY_INSECURE" and warning.severity == "warning"
    assert warning.hint == f"chmod 600 {private}"
    load_signing_key(private)  # a warning, not a refusal


def _rsa_pem(private: bool) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if private:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _encrypted_pem() -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )


BAD_PRIVATE = [
    ("garbage", lambda: b"\x00\xff" * 40, "not a PEM private key"),
    ("empty", lambda: b"", "not a PEM private key"),
    ("public-key", lambda: generate_key().public_key.to_pem().encode(), "is a public key"),
    ("rsa", lambda: _rsa_pem(private=True), "not Ed25519"),
    ("encrypted", _encrypted_pem, "is encrypted"),
    ("huge", lambda: b"A" * 100_000, "larger than"),
]


@pytest.mark.parametrize(("case", "content", "words"), BAD_PRIVATE, ids=[c[0] for c in BAD_PRIVATE])
def test_wrong_private_key_formats_are_clear_errors(tmp_path: Path, case, content, words) -> None:
    path = tmp_path / "k.key"
    path.write_bytes(content())
    with pytest.raises(SigningKeyInvalid, match=words) as info:
        load_signing_key(path)
    assert info.value.code == "SIGNING_KEY_INVALID" and info.value.hint


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyInvalid, match="does not exist"):
        load_signing_key(tmp_path / "nope.key")


BAD_PUBLIC = [
    ("garbage", lambda: b"hello", "not a PEM public key"),
    ("private-key", lambda: generate_key().private_pem(), "holds a private key"),
    ("rsa", lambda: _rsa_pem(private=False), "not Ed25519"),
]


@pytest.mark.parametrize(("case", "content", "words"), BAD_PUBLIC, ids=[c[0] for c in BAD_PUBLIC])
def test_wrong_public_key_formats_are_clear_errors(case, content, words) -> None:
    with pytest.raises(SigningKeyInvalid, match=words):
        parse_public_key(content())


def test_signatures_are_deterministic() -> None:
    key = generate_key()
    assert key.sign(b"message") == key.sign(b"message")
    assert key.sign(b"message") != key.sign(b"other")
