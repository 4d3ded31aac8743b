"""Serving the signed index: re-signed, with the next version, whenever it changes.

The last signed index is kept in the server's own table. A request gets it as stored while
the published releases and their authors' keys are unchanged and more than half of its
lifetime is left; otherwise the server signs a new one with the next version number. Two
requests signing at once both try to insert the same version; the loser serves the
winner's (versions stay unique and increasing).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Final

from .._index import index_content, sign_index
from ..signing import SigningKey
from ..store import SqlStore, State, utc_now
from ._tables import create_tables

SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS server_index (version INTEGER PRIMARY KEY,"
    " content TEXT NOT NULL, body TEXT NOT NULL, expires_at TEXT NOT NULL,"
    " created_at TEXT NOT NULL)",
)


def create_index_table(store: SqlStore) -> None:
    """Create the server's index table when missing (idempotent)."""
    create_tables(store, SCHEMA)


def current_index(store: SqlStore, key: SigningKey, ttl: timedelta) -> bytes:
    """The signed index of what the store has published now (signing a new one if needed)."""
    subs = store.submissions(state=State.PUBLISHED)
    keys = {a: [k.public_key for k in store.keys_for(a)] for a in {s.author for s in subs}}
    content = index_content(subs, keys)
    text = json.dumps(content, sort_keys=True)
    with store._read() as tx:
        latest = tx.one(
            "SELECT version, content, body, expires_at FROM server_index "
            "ORDER BY version DESC LIMIT 1"
        )
    if latest is not None and latest[1] == text and _fresh(str(latest[3]), ttl):
        return str(latest[2]).encode("utf-8")
    version = (int(latest[0]) if latest else 0) + 1
    body = sign_index(content, version=version, ttl=ttl, key=key)
    expires = json.loads(json.loads(body)["payload"])["expires_at"]
    with store._write() as tx:
        inserted = tx.run(
            "INSERT INTO server_index (version, content, body, expires_at, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING",
            (version, text, body.decode("utf-8"), expires, utc_now()),
        )
        if inserted != 1:
            row = tx.one("SELECT body FROM server_index WHERE version = ?", (version,))
            assert row is not None
            return str(row[0]).encode("utf-8")
    return body


def _fresh(expires_at: str, ttl: timedelta) -> bool:
    return datetime.fromisoformat(expires_at) - datetime.now(UTC) > ttl / 2
