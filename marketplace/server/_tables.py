"""The server's own tables live in the store's database; each module owns its DDL."""

from __future__ import annotations

from collections.abc import Iterable

from ..store import SqlStore


def create_tables(store: SqlStore, ddl: Iterable[str]) -> None:
    """Run ``CREATE TABLE IF NOT EXISTS`` statements in one transaction (idempotent)."""
    with store._write() as tx:
        for statement in ddl:
            tx.run(statement)
