"""The ``mod.sig`` format: small, versioned, strictly parsed JSON.

::

    {
      "algorithm": "ed25519",
      "digest": "<SHA-256 hex of the mod digest>",
      "files": {"mod.toml": "<SHA-256 hex>", "scripts/coin.py": "<SHA-256 hex>"},
      "format": "modhost-mod-signature",
      "format_version": 1,
      "key_id": "<32 hex: SHA-256 of the raw public key, cut>",
      "mod": {"id": "coins", "version": "1.0.0"},
      "public_key": "<base64 of the 32 raw public key bytes>",
      "signature": "<base64 of the 64-byte Ed25519 signature>"
    }

The signature is made over :func:`signed_message` (a domain-separated text naming the mod id,
its version and the digest). ``files`` lists what was signed, so a verifier can say which file
was added, removed or changed; ``digest`` must equal the digest of ``files``, so the list is
covered by the signature too. ``public_key`` lets a host check a signature by a key it knows
only by id; ``key_id`` must match it.

Parsing is strict: at most :data:`MAX_SIGFILE_BYTES`, UTF-8, one JSON object without duplicate
keys, every field present with the right type, no other field. Writing is deterministic
(sorted keys, fixed indentation), so the same files and key give the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ._digest import SIGFILE_NAME, digest_of, has_unsafe_chars
from ._sigerrors import RESIGN_HINT, SignatureInvalid, SigningKeyInvalid
from ._signing import KEY_ID_PATTERN, SIGNATURE_LENGTH, PublicKey

FORMAT_NAME: Final = "modhost-mod-signature"
FORMAT_VERSION: Final = 1
#: A mod.sig larger than this is refused before it is parsed (it lists every file: 4 MiB is
#: room for the 10,000-file limit of the digest with long paths).
MAX_SIGFILE_BYTES: Final = 4 * 1024 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def signed_message(mod_id: str, version: str, digest: str) -> bytes:
    """The exact bytes the Ed25519 signature covers."""
    head = f"{FORMAT_NAME}/{FORMAT_VERSION}\n"
    return f"{head}id={mod_id}\nversion={version}\ndigest={digest}\n".encode()


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class SignedMod(_Strict):
    """Which mod the signature is bound to."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,62}$")]
    version: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z.+-]+$")]


def _b64(value: str, length: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"{what} is not base64") from exc
    if len(raw) != length:
        raise ValueError(f"{what} must be {length} bytes, got {len(raw)}")
    return raw


class SigFile(_Strict):
    """A parsed ``mod.sig``; build with :func:`parse_sigfile` or :func:`make_sigfile`."""

    format: Literal["modhost-mod-signature"]
    format_version: Literal[1]
    algorithm: Literal["ed25519"]
    mod: SignedMod
    key_id: Annotated[str, Field(pattern=KEY_ID_PATTERN.pattern)]
    public_key: str
    digest: Annotated[str, Field(pattern=_HEX64.pattern)]
    files: dict[str, str]
    signature: str

    @field_validator("public_key")
    @classmethod
    def _public_key_is_32_bytes(cls, value: str) -> str:
        try:
            PublicKey(_b64(value, 32, "public_key"))
        except SigningKeyInvalid as exc:
            raise ValueError("public_key is not an Ed25519 key") from exc
        return value

    @field_validator("signature")
    @classmethod
    def _signature_is_64_bytes(cls, value: str) -> str:
        _b64(value, SIGNATURE_LENGTH, "signature")
        return value

    @field_validator("files")
    @classmethod
    def _files_are_relative_paths(cls, value: dict[str, str]) -> dict[str, str]:
        for path, sha in value.items():
            # Empty, absolute ("/x" splits to "", "x") and escaping paths all fail the split.
            if (
                any(p in ("", ".", "..") for p in path.split("/"))
                or has_unsafe_chars(path)
                or path == SIGFILE_NAME
            ):
                raise ValueError(f"files: {path!r} is not a relative path inside the mod")
            if not _HEX64.match(sha):
                raise ValueError(f"files: {path!r} has no SHA-256 hex digest")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SigFile:
        if self.public_key_obj.key_id != self.key_id:
            raise ValueError("key_id does not belong to public_key")
        if digest_of(self.files) != self.digest:
            raise ValueError("digest does not match the file list")
        return self

    @property
    def public_key_obj(self) -> PublicKey:
        """The signer's key, as carried in the file (its id is checked against ``key_id``)."""
        return PublicKey(base64.b64decode(self.public_key))

    @property
    def signature_bytes(self) -> bytes:
        """The raw 64-byte Ed25519 signature."""
        return base64.b64decode(self.signature)

    def message(self) -> bytes:
        """What :attr:`signature` claims to sign."""
        return signed_message(self.mod.id, self.mod.version, self.digest)

    def dumps(self) -> bytes:
        """Deterministic serialisation (sorted keys, two-space indent, final newline)."""
        text = json.dumps(self.model_dump(), indent=2, sort_keys=True, ensure_ascii=False)
        return (text + "\n").encode("utf-8")


def make_sigfile(
    *,
    mod_id: str,
    version: str,
    files: dict[str, str],
    digest: str,
    public_key: PublicKey,
    signature: bytes,
) -> SigFile:
    """Assemble a ``mod.sig`` from the parts :func:`marketplace.sign_mod` computed."""
    return SigFile(
        format=FORMAT_NAME,
        format_version=FORMAT_VERSION,
        algorithm="ed25519",
        mod=SignedMod(id=mod_id, version=version),
        key_id=public_key.key_id,
        public_key=base64.b64encode(public_key.raw).decode("ascii"),
        digest=digest,
        files=dict(sorted(files.items())),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def _invalid(message: str, mod_id: str, reason: str) -> SignatureInvalid:
    return SignatureInvalid(
        message,
        mod_id=mod_id,
        file=SIGFILE_NAME,
        hint=RESIGN_HINT,
        details={"reason": reason},
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def parse_sigfile(data: bytes, *, mod_id: str) -> SigFile:
    """Parse ``mod.sig`` bytes strictly.

    :param mod_id: the mod the file belongs to (for the diagnostic only).
    :raises SignatureInvalid: empty, oversized, not UTF-8, not JSON, or not the schema; the
        ``details["reason"]`` says which.
    """
    if len(data) > MAX_SIGFILE_BYTES:
        raise _invalid(
            f"mod.sig is larger than {MAX_SIGFILE_BYTES} bytes; refusing to parse it",
            mod_id,
            "oversized",
        )
    if not data.strip():
        raise _invalid("mod.sig is empty", mod_id, "empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid("mod.sig is binary data, not UTF-8 JSON", mod_id, "not-text") from exc
    try:
        raw = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; so are
        # our hooks' errors; nesting past the interpreter's limit is a RecursionError
        raise _invalid(f"mod.sig is truncated or not JSON ({exc})", mod_id, "not-json") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise _invalid("mod.sig is not a modhost mod signature", mod_id, "not-a-signature")
    if raw.get("format_version") != FORMAT_VERSION:
        raise _invalid(
            f"mod.sig has format_version {raw.get('format_version')!r}; this modhost reads "
            f"version {FORMAT_VERSION}",
            mod_id,
            "unsupported-version",
        )
    try:
        return SigFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "mod.sig"
        raise _invalid(f"mod.sig: {where}: {first['msg']}", mod_id, "schema") from exc


def read_sigfile(path: Path, *, mod_id: str) -> SigFile:
    """Read and parse a ``mod.sig`` without reading more than the size cap.

    :raises FileNotFoundError: there is no such file (the caller reports SIGNATURE_MISSING).
    :raises SignatureInvalid: see :func:`parse_sigfile`; also a link or an unreadable file.
    """
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise _invalid("mod.sig is not a regular file", mod_id, "not-a-file")
    try:
        with path.open("rb") as fh:
            # Read no more than the cap (plus one byte to notice a larger file), and allocate
            # no more than the file needs: most mod.sig files are a few KiB.
            size = os.fstat(fh.fileno()).st_size
            data = fh.read(min(size, MAX_SIGFILE_BYTES) + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _invalid(f"cannot read mod.sig: {exc.strerror or exc}", mod_id, "unreadable") from exc
    return parse_sigfile(data, mod_id=mod_id)
