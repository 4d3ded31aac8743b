"""Changelogs authors give with a submission in the portal, in the server's own table."""

from __future__ import annotations

from typing import Final

from ..store import SqlStore
from ._tables import create_tables

SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS server_changelogs (submission_id INTEGER PRIMARY KEY,"
    " text TEXT NOT NULL)",
)


def create_changelog_table(store: SqlStore) -> None:
    """Create the table when missing (idempotent)."""
    create_tables(store, SCHEMA)


def save_changelog(store: SqlStore, submission_id: int, text: str) -> None:
    """Keep the changelog of a new submission (blank ones are not stored)."""
    if not text.strip():
        return
    with store._write() as tx:
        tx.run(
            "INSERT INTO server_changelogs (submission_id, text) VALUES (?, ?) "
            "ON CONFLICT (submission_id) DO NOTHING",
            (submission_id, text.strip()),
        )


def changelogs(store: SqlStore, ids: list[int]) -> dict[int, str]:
    """The changelogs of some submissions, by id."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    with store._read() as tx:
        rows = tx.all(
            f"SELECT submission_id, text FROM server_changelogs WHERE submission_id IN ({marks})",
            ids,
        )
    return {int(i): str(t) for i, t in rows}
