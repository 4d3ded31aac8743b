"""The signed index: what a market published, signed with the market's Ed25519 key.

An index lists every published release (submission id, mod, version, author, the SHA-256 of
its package, the manifest fields version selection reads) and the public keys of their
authors, with a version number that only grows and an expiry. The market signs the
canonical JSON of that payload with its key (:meth:`SigningKey.sign`, the signing module);
a client that trusts the market's one public key verifies it and refuses:

* a bad signature or an unknown key (``MARKET_INDEX_INVALID``): an altered index;
* a version older than one it has already seen (``MARKET_INDEX_ROLLBACK``): a mirror or a
  man in the middle replaying an old index, e.g. one that still lists a yanked release;
* an expired index (``MARKET_INDEX_EXPIRED``): a freeze, serving a stale index forever;
* a package whose SHA-256 is not the one the index names (``MARKET_INDEX_MISMATCH``): mixing
  a release with another release's bytes.

Wire form: ``{"payload": "<canonical JSON>", "key_id": ..., "signature": "<base64>"}``; the
payload is signed as the exact UTF-8 bytes shipped, so no re-serialisation can change it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from host_api import DiagnosticCode

from .signing import PublicKey, SignatureInvalid, SigningKey, verify_raw
from .store import MarketError, State, Submission

INDEX_FORMAT: Final = 1
#: Manifest keys an index keeps: what version selection and install read.
MANIFEST_KEYS: Final = ("id", "version", "name", "description", "host", "dependencies")
#: Largest index a client reads.
MAX_INDEX_BYTES: Final = 32 * 1024 * 1024


class IndexRejected(MarketError):
    """A signed index (or a package it names) that a client must not act on."""

    code = DiagnosticCode.MARKET_INDEX_INVALID


@dataclass(frozen=True)
class IndexEntry:
    """One published release as the index names it."""

    submission_id: int
    mod_id: str
    version: str
    author: str
    sha256: str
    manifest: Mapping[str, Any]
    published_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "submission": self.submission_id,
            "mod": self.mod_id,
            "version": self.version,
            "author": self.author,
            "sha256": self.sha256,
            "manifest": dict(self.manifest),
            "published_at": self.published_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IndexEntry:
        """Inverse of :meth:`to_dict`."""
        return cls(
            submission_id=int(data["submission"]),
            mod_id=str(data["mod"]),
            version=str(data["version"]),
            author=str(data["author"]),
            sha256=str(data["sha256"]),
            manifest=dict(data["manifest"]),
            published_at=str(data["published_at"]),
        )

    def to_submission(self) -> Submission:
        """The published submission this entry stands for (what install's resolver reads)."""
        return Submission(
            id=self.submission_id,
            mod_id=self.mod_id,
            version=self.version,
            author=self.author,
            state=State.PUBLISHED,
            artifact=self.sha256,
            manifest=dict(self.manifest),
            findings=(),
            gates_passed=True,
            revision=0,
            created_at=self.published_at,
            updated_at=self.published_at,
        )


@dataclass(frozen=True)
class SignedIndex:
    """A verified index."""

    version: int
    issued_at: str
    expires_at: str
    entries: tuple[IndexEntry, ...]
    #: author -> the PEM public keys registered for them when the index was signed.
    keys: Mapping[str, tuple[str, ...]]

    def entry_for(self, sha256: str) -> IndexEntry | None:
        """The release whose package has this digest."""
        return next((e for e in self.entries if e.sha256 == sha256), None)


def index_content(subs: Iterable[Submission], keys: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """What an index says (without version and times): the releases and authors' keys."""
    entries = [
        IndexEntry(
            submission_id=s.id,
            mod_id=s.mod_id,
            version=s.version,
            author=s.author,
            sha256=s.artifact,
            manifest={k: s.manifest[k] for k in MANIFEST_KEYS if k in s.manifest},
            published_at=s.updated_at,
        ).to_dict()
        for s in sorted(subs, key=lambda s: s.id)
    ]
    return {"releases": entries, "keys": {a: sorted(keys[a]) for a in sorted(keys)}}


def sign_index(
    content: Mapping[str, Any], *, version: int, ttl: timedelta, key: SigningKey
) -> bytes:
    """The wire form of a signed index over :func:`index_content`."""
    now = datetime.now(UTC)
    payload = {
        "format": INDEX_FORMAT,
        "version": version,
        "issued_at": now.isoformat(timespec="seconds"),
        "expires_at": (now + ttl).isoformat(timespec="seconds"),
        **content,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    signature = key.sign(text.encode("utf-8"))
    document = {
        "payload": text,
        "key_id": key.key_id,
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    return json.dumps(document, sort_keys=True).encode("utf-8")


def verify_index(
    blob: bytes, trusted: PublicKey, *, min_version: int = 0, now: datetime | None = None
) -> SignedIndex:
    """Check a signed index against the market's key, the last version seen, and the clock.

    :param min_version: the highest index version this client accepted before.
    :raises IndexRejected: ``MARKET_INDEX_INVALID``, ``_ROLLBACK`` or ``_EXPIRED``.
    """
    if len(blob) > MAX_INDEX_BYTES:
        raise _invalid(f"the index is over {MAX_INDEX_BYTES} bytes")
    try:
        document = json.loads(blob)
        text, key_id = str(document["payload"]), str(document["key_id"])
        signature = base64.b64decode(document["signature"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError) as exc:
        raise _invalid("the index is not a signed index document") from exc
    if key_id != trusted.key_id:
        raise _invalid(
            f"the index is signed by key {key_id}, not the market key {trusted.key_id} you trust",
        )
    try:
        verify_raw(trusted, text.encode("utf-8"), signature, mod_id="(index)")
    except SignatureInvalid as exc:
        raise _invalid("the index signature does not verify: it was altered") from exc
    index = _parse(text)
    if index.version < min_version:
        raise IndexRejected(
            f"the index is version {index.version}, older than version {min_version} already "
            "seen: a replayed index (rollback)",
            code=DiagnosticCode.MARKET_INDEX_ROLLBACK,
            hint="the server or a mirror serves an old index; use the market itself",
            details={"version": index.version, "seen": min_version},
        )
    moment = now or datetime.now(UTC)
    if datetime.fromisoformat(index.expires_at) <= moment:
        raise IndexRejected(
            f"the index expired at {index.expires_at}: a stale index (freeze)",
            code=DiagnosticCode.MARKET_INDEX_EXPIRED,
            hint="the market re-signs its index regularly; a mirror serving this one is stuck",
            details={"expires_at": index.expires_at},
        )
    return index


def check_package(index: SignedIndex, sub: Submission, data: bytes, digest: str) -> None:
    """Refuse package bytes whose digest is not what the index names for ``sub``.

    :raises IndexRejected: ``MARKET_INDEX_MISMATCH``.
    """
    entry = index.entry_for(sub.artifact)
    if entry is None or digest != entry.sha256 or entry.submission_id != sub.id:
        raise IndexRejected(
            f"{sub.mod_id} {sub.version}: the downloaded package (sha256 {digest[:16]}...) is "
            "not the release the signed index names",
            code=DiagnosticCode.MARKET_INDEX_MISMATCH,
            mod_id=sub.mod_id,
            hint="a mirror or proxy swapped the package; nothing was installed",
            details={"expected": sub.artifact, "got": digest, "bytes": len(data)},
        )


def _parse(text: str) -> SignedIndex:
    try:
        payload = json.loads(text)
        if payload["format"] != INDEX_FORMAT:
            raise ValueError(f"format {payload['format']}")
        keys = {str(a): tuple(str(k) for k in v) for a, v in payload["keys"].items()}
        entries = tuple(IndexEntry.from_dict(e) for e in payload["releases"])
        datetime.fromisoformat(payload["expires_at"])
        return SignedIndex(
            version=int(payload["version"]),
            issued_at=str(payload["issued_at"]),
            expires_at=str(payload["expires_at"]),
            entries=entries,
            keys=keys,
        )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise _invalid(f"the signed index payload is malformed: {exc}") from exc


def _invalid(message: str) -> IndexRejected:
    return IndexRejected(message, hint="trust the market's key with 'modhost market trust-market'")
