"""Ed25519 keys and raw signatures: the only module that imports ``cryptography``.

Everything else in modhost sees :class:`PublicKey` (32 raw bytes and a key id) and
:class:`SigningKey` (an opaque private key), never a ``cryptography`` type.

Key files are PEM: the private key as unencrypted PKCS#8 (``-----BEGIN PRIVATE KEY-----``,
created with mode 0600), the public key as SubjectPublicKeyInfo (``-----BEGIN PUBLIC
KEY-----``), the formats ``openssl genpkey -algorithm ed25519`` and ``openssl pkey -pubout``
write. A key id is the first 32 hex digits (128 bits) of the SHA-256 of the raw public key.

``cryptography.exceptions.InvalidSignature`` is translated to
:class:`SignatureInvalid` here, in :func:`verify_raw`, and nowhere else.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final, final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from host_api import Diagnostic, DiagnosticCode

from ._sigerrors import RESIGN_HINT, SignatureInvalid, SigningKeyExists, SigningKeyInvalid

#: Hex digits in a key id (128 bits: long enough that nobody can make a key with a given id).
KEY_ID_LENGTH: Final = 32
KEY_ID_PATTERN: Final = re.compile(rf"^[0-9a-f]{{{KEY_ID_LENGTH}}}$")
PRIVATE_KEY_SUFFIX: Final = ".key"
PUBLIC_KEY_SUFFIX: Final = ".pub"
SIGNATURE_LENGTH: Final = 64
#: Key files are tiny; anything bigger is not a key (and is not read whole).
MAX_KEY_FILE_BYTES: Final = 16 * 1024


def key_id_for(raw_public_key: bytes) -> str:
    """The key id of a raw 32-byte Ed25519 public key."""
    return hashlib.sha256(raw_public_key).hexdigest()[:KEY_ID_LENGTH]


@final
@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key (its 32 raw bytes). Build with :func:`parse_public_key`,
    :func:`load_public_key` or :meth:`from_raw`."""

    #: The 32 raw bytes (RFC 8032 encoding).
    raw: bytes

    def __post_init__(self) -> None:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw)
        except (ValueError, TypeError) as exc:
            raise SigningKeyInvalid(
                "not an Ed25519 public key (it must be 32 bytes)",
                hint="use a public key written by 'modhost keygen'",
            ) from exc

    @classmethod
    def from_raw(cls, raw: bytes) -> PublicKey:
        """Wrap 32 raw bytes; :raises SigningKeyInvalid: for any other length."""
        return cls(bytes(raw))

    @property
    def key_id(self) -> str:
        """The short hash that names this key in ``mod.sig`` and in the policy."""
        return key_id_for(self.raw)

    def to_pem(self) -> str:
        """The SubjectPublicKeyInfo PEM text of this key."""
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")


@final
class SigningKey:
    """An Ed25519 private key. Never printed: ``repr`` shows only the key id."""

    __slots__ = ("_key", "public_key")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key: Final = key
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        #: The matching public key.
        self.public_key: Final = PublicKey(raw)

    @property
    def key_id(self) -> str:
        """The id of the matching public key."""
        return self.public_key.key_id

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (deterministic, RFC 8032)."""
        return self._key.sign(message)

    def private_pem(self) -> bytes:
        """The unencrypted PKCS#8 PEM bytes (for writing the key file only)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        return f"<SigningKey {self.key_id}>"


def generate_key() -> SigningKey:
    """A fresh Ed25519 private key from the operating system's random source."""
    return SigningKey(Ed25519PrivateKey.generate())


def verify_raw(public_key: PublicKey, message: bytes, signature: bytes, *, mod_id: str) -> None:
    """Check an Ed25519 signature.

    :raises SignatureInvalid: the signature was not made over ``message`` by ``public_key``.
    """
    key = Ed25519PublicKey.from_public_bytes(public_key.raw)
    try:
        key.verify(signature, message)
    except InvalidSignature as exc:
        raise SignatureInvalid(
            "the signature in mod.sig does not verify: mod.sig was altered, or was not made "
            f"by key {public_key.key_id}",
            mod_id=mod_id,
            file="mod.sig",
            hint=RESIGN_HINT,
            details={"reason": "bad-signature"},
        ) from exc


def parse_public_key(data: bytes | str, *, source: str = "public key") -> PublicKey:
    """Parse a PEM public key (as written by :func:`write_keypair` or ``openssl``).

    :raises SigningKeyInvalid: not PEM, not a public key, or not Ed25519.
    """
    blob = data.encode("utf-8") if isinstance(data, str) else data
    if b"PRIVATE KEY" in blob:
        raise SigningKeyInvalid(
            f"{source} holds a private key, where a public key was expected",
            hint="pass the .pub file written by 'modhost keygen'; never share the .key file",
        )
    try:
        key = serialization.load_pem_public_key(blob)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningKeyInvalid(
            f"{source} is not a PEM public key",
            hint="expected '-----BEGIN PUBLIC KEY-----' as written by 'modhost keygen'",
        ) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise _not_ed25519(source, key)
    return PublicKey(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def parse_signing_key(data: bytes, *, source: str = "private key") -> SigningKey:
    """Parse an unencrypted PEM PKCS#8 Ed25519 private key.

    :raises SigningKeyInvalid: not PEM, encrypted, a public key, or not Ed25519.
    """
    if b"BEGIN PUBLIC KEY" in data:
        raise SigningKeyInvalid(
            f"{source} is a public key; signing needs the private key",
            hint="pass the .key file written by 'modhost keygen' (not the .pub file)",
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # encrypted, and we gave no password
        raise SigningKeyInvalid(
            f"{source} is encrypted; modhost reads unencrypted PKCS#8 keys only",
            hint="decrypt it with 'openssl pkey -in KEY -out KEY.plain', keep it mode 0600",
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningKeyInvalid(
            f"{source} is not a PEM private key",
            hint="expected '-----BEGIN PRIVATE KEY-----' as written by 'modhost keygen'",
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise _not_ed25519(source, key)
    return SigningKey(key)


def _not_ed25519(source: str, key: object) -> SigningKeyInvalid:
    return SigningKeyInvalid(
        f"{source} is a {type(key).__name__.removeprefix('_')} key, not Ed25519",
        hint="modhost signs with Ed25519 keys; create one with 'modhost keygen'",
    )


def _read_key_file(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise SigningKeyInvalid(
            f"key file {path} does not exist",
            file=str(path),
            hint="create a key pair with 'modhost keygen', or pass the right path",
        ) from exc
    except OSError as exc:
        raise SigningKeyInvalid(
            f"cannot read key file {path}: {exc.strerror or exc}",
            file=str(path),
            hint="check the path and its permissions",
        ) from exc
    if len(data) > MAX_KEY_FILE_BYTES:
        raise SigningKeyInvalid(
            f"key file {path} is larger than {MAX_KEY_FILE_BYTES} bytes; it is not a key",
            file=str(path),
            hint="pass a key file written by 'modhost keygen'",
        )
    return data


def load_public_key(path: Path) -> PublicKey:
    """Read a public key file. :raises SigningKeyInvalid: missing, unreadable or wrong format."""
    return parse_public_key(_read_key_file(path), source=f"key file {path}")


def load_signing_key(path: Path) -> SigningKey:
    """Read a private key file (check :func:`key_file_warnings` too).

    :raises SigningKeyInvalid: missing, unreadable or wrong format.
    """
    return parse_signing_key(_read_key_file(path), source=f"key file {path}")


def key_file_warnings(path: Path) -> tuple[Diagnostic, ...]:
    """A ``SIGNING_KEY_INSECURE`` warning when a private key file is readable by others."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return ()
    if os.name != "posix" or not mode & 0o077:
        return ()
    return (
        Diagnostic(
            code=DiagnosticCode.SIGNING_KEY_INSECURE,
            severity="warning",
            message=f"private key {path} has mode {mode:04o}: other users can read it",
            hint=f"chmod 600 {path}",
            file=str(path),
            details={"mode": f"{mode:04o}"},
        ),
    )


def write_keypair(
    key: SigningKey, out_dir: Path, name: str, *, overwrite: bool = False
) -> tuple[Path, Path]:
    """Write ``NAME.key`` (mode 0600, created that way: never briefly readable) and
    ``NAME.pub`` into ``out_dir`` (created mode 0700 if missing).

    :returns: (private key path, public key path).
    :raises SigningKeyExists: a file exists and ``overwrite`` is false.
    :raises SigningKeyInvalid: a file cannot be written.
    """
    private_path = out_dir / f"{name}{PRIVATE_KEY_SUFFIX}"
    public_path = out_dir / f"{name}{PUBLIC_KEY_SUFFIX}"
    if not overwrite:
        for path in (private_path, public_path):
            if path.exists() or path.is_symlink():
                raise SigningKeyExists(
                    f"{path} already exists; refusing to overwrite a key",
                    file=str(path),
                    hint="choose another --out folder or --name, or pass --force",
                )
    try:
        out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_file(private_path, key.private_pem(), 0o600)
        _write_file(public_path, key.public_key.to_pem().encode("ascii"), 0o644)
    except OSError as exc:
        raise SigningKeyInvalid(
            f"cannot write the key pair into {out_dir}: {exc.strerror or exc}",
            file=str(out_dir),
            hint="choose a folder you can write to with --out",
        ) from exc
    return private_path, public_path


def _write_file(path: Path, data: bytes, mode: int) -> None:
    # Replace rather than truncate, so an existing file's looser mode is never kept; O_EXCL on
    # the fresh name, so the private key is never readable by others, not even for a moment.
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    with os.fdopen(fd, "wb") as fh:
        if hasattr(os, "fchmod"):  # POSIX; the umask may have taken bits away: set exactly
            os.fchmod(fh.fileno(), mode)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
