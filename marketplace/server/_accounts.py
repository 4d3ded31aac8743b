"""Accounts and API tokens, in two tables of the store's own database.

The tables belong to this module (created here, idempotently, on first use), so the store
itself knows nothing about credentials. Secrets never hit the database in the clear:

* account passwords are hashed with scrypt (``hashlib.scrypt``, per-account random salt,
  compared in constant time);
* API tokens are 256 random bits shown once; the table keeps their SHA-256 (a token is
  unguessable, so a slow hash would buy nothing), an expiry, and a revocation time.

Names are the actor names the store's history, roles and keys already use: an account
``ada`` acts as ``ada``. The server never takes the name from the client.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from ..store import MarketForbidden, MarketStore, SqlStore, StoreConfigError, Tx, utc_now
from ._errors import Unauthenticated
from ._tables import create_tables

#: scrypt cost: 16 MiB and ~50 ms per check, the interactive-login setting of RFC 7914.
_SCRYPT: Final = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}
NAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
MIN_PASSWORD: Final = 8
#: Longest password accepted (scrypt's cost grows with it; nobody types more).
MAX_PASSWORD: Final = 256
DEFAULT_TOKEN_DAYS: Final = 30
MAX_TOKEN_DAYS: Final = 365
TOKEN_PREFIX: Final = "mh_"

SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS server_accounts (name TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS server_tokens (token_id TEXT PRIMARY KEY,"
    " digest TEXT NOT NULL UNIQUE, name TEXT NOT NULL, label TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL, expires_at TEXT NOT NULL,"
    " revoked_at TEXT)",
)

# A dummy hash checked when the account does not exist, so a login costs the same either
# way (no account enumeration by timing).
_DUMMY_SALT: Final = b"\0" * 16


@dataclass(frozen=True)
class TokenInfo:
    """An issued token as listed (never the secret itself)."""

    token_id: str
    name: str
    label: str
    created_at: str
    created_by: str
    expires_at: str
    revoked_at: str | None

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form."""
        return {
            "token_id": self.token_id,
            "name": self.name,
            "label": self.label,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class IssuedToken:
    """A fresh token: ``secret`` is shown to its owner once and never stored."""

    secret: str
    info: TokenInfo


def hash_secret(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$<salt hex>$<hash hex>`` for a password."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)  # type: ignore[arg-type]
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_secret(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_secret` string (constant-time compare)."""
    scheme, salt_hex, _ = [*stored.split("$"), "", ""][:3]
    if scheme != "scrypt":
        return False
    return hmac.compare_digest(hash_secret(password, salt=bytes.fromhex(salt_hex)), stored)


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _later(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="microseconds")


class Accounts:
    """Accounts and tokens over a SQL store (the store's connection and transactions).

    :param store: an open SQL store; its tables are created when missing.
    :raises StoreConfigError: the store is not a SQL store.
    """

    def __init__(self, store: MarketStore) -> None:
        if not isinstance(store, SqlStore):
            raise StoreConfigError(
                f"accounts live in a SQL store, not {store.url}",
                hint="use sqlite:///... or postgresql://...",
            )
        self.store = store
        create_tables(store, SCHEMA)

    # -- accounts -------------------------------------------------------------------------

    def create(self, name: str, password: str, *, actor: str) -> None:
        """Create an account (maintainers only, except the first account of a store).

        :raises MarketForbidden: ``actor`` is not a maintainer, the name is taken or not a
            valid name, or the password is too short or too long.
        """
        _check_name(name)
        _check_password(password)
        secret = hash_secret(password)
        with self.store._write() as tx:
            if not _bootstrapping(tx) and not _is_maintainer(tx, actor):
                raise MarketForbidden(
                    f"'{actor}' is not a maintainer and cannot create accounts",
                    hint="ask a maintainer to create the account",
                )
            if tx.one("SELECT 1 FROM server_accounts WHERE name = ?", (name,)):
                raise MarketForbidden(
                    f"account '{name}' already exists", hint="choose another name"
                )
            tx.run(
                "INSERT INTO server_accounts (name, secret, created_at, created_by) "
                "VALUES (?, ?, ?, ?)",
                (name, secret, utc_now(), actor),
            )
            _audit(tx, actor, "create-account", name, "")

    def set_password(self, name: str, password: str, *, actor: str) -> None:
        """Change a password (its owner or a maintainer); every token of the account stays."""
        _check_password(password)
        secret = hash_secret(password)
        with self.store._write() as tx:
            if actor != name and not _is_maintainer(tx, actor):
                raise MarketForbidden(f"'{actor}' cannot change the password of '{name}'")
            if tx.run("UPDATE server_accounts SET secret = ? WHERE name = ?", (secret, name)) != 1:
                raise MarketForbidden(f"no account '{name}'")
            _audit(tx, actor, "set-password", name, "")

    def exists(self, name: str) -> bool:
        """Whether an account of that name exists."""
        with self.store._read() as tx:
            return tx.one("SELECT 1 FROM server_accounts WHERE name = ?", (name,)) is not None

    def names(self) -> list[str]:
        """Every account name, sorted."""
        with self.store._read() as tx:
            return [str(r[0]) for r in tx.all("SELECT name FROM server_accounts ORDER BY name")]

    def authenticate(self, name: str, password: str) -> str:
        """The account name when the password matches.

        :raises Unauthenticated: unknown account or wrong password (one message for both).
        """
        with self.store._read() as tx:
            row = tx.one("SELECT secret FROM server_accounts WHERE name = ?", (name,))
        stored = str(row[0]) if row else hash_secret("", salt=_DUMMY_SALT)
        if len(password) > MAX_PASSWORD or not check_secret(password, stored) or row is None:
            raise Unauthenticated(
                "wrong account name or password", hint="check both, or ask a maintainer"
            )
        return name

    # -- tokens ---------------------------------------------------------------------------

    def issue(
        self, name: str, *, actor: str, days: float = DEFAULT_TOKEN_DAYS, label: str = ""
    ) -> IssuedToken:
        """Issue a token for ``name``: by a maintainer for anyone, or by the owner for
        themselves (what logging in does).

        :raises MarketForbidden: ``actor`` may not, the account does not exist, or ``days``
            is not in (0, MAX_TOKEN_DAYS].
        """
        if not 0 < days <= MAX_TOKEN_DAYS:
            raise MarketForbidden(
                f"a token lives between a moment and {MAX_TOKEN_DAYS} days, not {days}",
                hint=f"pass --days between 1 and {MAX_TOKEN_DAYS}",
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        info = TokenInfo(
            token_id=secrets.token_hex(8),
            name=name,
            label=label[:100],
            created_at=utc_now(),
            created_by=actor,
            expires_at=_later(days),
            revoked_at=None,
        )
        with self.store._write() as tx:
            if actor != name and not _is_maintainer(tx, actor):
                raise MarketForbidden(
                    f"'{actor}' is not a maintainer and cannot issue tokens for '{name}'",
                    hint="ask a maintainer",
                )
            if tx.one("SELECT 1 FROM server_accounts WHERE name = ?", (name,)) is None:
                raise MarketForbidden(f"no account '{name}'", hint="create the account first")
            tx.run(
                "INSERT INTO server_tokens (token_id, digest, name, label, created_at, "
                "created_by, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    info.token_id,
                    _token_digest(secret),
                    name,
                    info.label,
                    info.created_at,
                    actor,
                    info.expires_at,
                ),
            )
            if actor != name:
                _audit(tx, actor, "issue-token", name, info.token_id)
        return IssuedToken(secret, info)

    def owner_of(self, secret: str) -> str:
        """The account a token acts for.

        :raises Unauthenticated: unknown, expired or revoked token.
        """
        with self.store._read() as tx:
            row = tx.one(
                "SELECT name, expires_at, revoked_at FROM server_tokens WHERE digest = ?",
                (_token_digest(secret),),
            )
        if row is None:
            raise Unauthenticated("unknown token", hint="log in again: modhost market login")
        name, expires_at, revoked_at = row
        if revoked_at is not None:
            raise Unauthenticated("this token was revoked", hint="log in again")
        if str(expires_at) <= utc_now():
            raise Unauthenticated(f"this token expired at {expires_at}", hint="log in again")
        return str(name)

    def revoke(self, token_id: str, *, actor: str) -> None:
        """Revoke a token (its owner or a maintainer). Idempotent for an already revoked one.

        :raises MarketForbidden: no such token, or ``actor`` may not.
        """
        with self.store._write() as tx:
            row = tx.one("SELECT name FROM server_tokens WHERE token_id = ?", (token_id,))
            if row is None or (row[0] != actor and not _is_maintainer(tx, actor)):
                raise MarketForbidden(f"no token {token_id} that '{actor}' may revoke")
            tx.run(
                "UPDATE server_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                (utc_now(), token_id),
            )
            _audit(tx, actor, "revoke-token", str(row[0]), token_id)

    def revoke_secret(self, secret: str) -> None:
        """Revoke the token presented (logout)."""
        with self.store._write() as tx:
            tx.run(
                "UPDATE server_tokens SET revoked_at = ? WHERE digest = ? AND revoked_at IS NULL",
                (utc_now(), _token_digest(secret)),
            )

    def tokens(self, name: str) -> list[TokenInfo]:
        """The tokens issued for ``name``, oldest first."""
        with self.store._read() as tx:
            rows = tx.all(
                "SELECT token_id, name, label, created_at, created_by, expires_at, revoked_at "
                "FROM server_tokens WHERE name = ? ORDER BY created_at",
                (name,),
            )
        return [TokenInfo(*(None if v is None else str(v) for v in r)) for r in rows]  # type: ignore[arg-type]


def _check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise MarketForbidden(
            f"'{name}' is not a valid account name",
            hint="2 to 32 characters: lowercase letters, digits, '-' and '_', starting "
            "with a letter",
        )


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise MarketForbidden(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            hint="choose a longer passphrase",
        )


def _bootstrapping(tx: Tx) -> bool:
    row = tx.one("SELECT COUNT(*) FROM server_accounts")
    return row is not None and int(row[0]) == 0


def _is_maintainer(tx: Tx, name: str) -> bool:
    return tx.one("SELECT 1 FROM roles WHERE name = ? AND role = 'maintainer'", (name,)) is not None


def _audit(tx: Tx, actor: str, action: str, subject: str, detail: str) -> None:
    tx.run(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), actor, action, subject, detail),
    )
