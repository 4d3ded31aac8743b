"""Readers never wait for writers; a writer that waits too long gets MARKET_BUSY.

A real writer holds the store's locks in this process (SQLite: an open ``BEGIN IMMEDIATE``
transaction; PostgreSQL: an open transaction with a row lock on a submission and an
exclusive lock on the roles table) while ``modhost market`` commands run in child processes
with a two-second lock timeout. Reading commands answer from the last committed state;
a writing command fails cleanly with MARKET_BUSY instead of hanging or crashing.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from marketplace import Marketplace, pack_bytes

from .conftest import run_modhost

MakeMod = Callable[..., Path]


def _modhost(*args: str, store: str) -> tuple[int, dict[str, Any]]:
    env = {**os.environ, "MODHOST_MARKET_LOCK_TIMEOUT": "2"}
    proc = run_modhost("market", *args, "--store", store, "--json", env=env)
    return proc.returncode, json.loads(proc.stdout)


@contextmanager
def _writer_holding_locks(url: str) -> Iterator[None]:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite://")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE submissions SET updated_at = updated_at WHERE id = 1")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with psycopg.connect(url) as pg:  # not autocommit: one open transaction
        pg.execute("UPDATE submissions SET updated_at = updated_at WHERE id = 1")
        pg.execute("LOCK TABLE roles IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg.rollback()


def test_readers_do_not_wait_for_a_writer(
    store_url: str, market: Marketplace, make_mod: MakeMod
) -> None:
    sub = market.submit(pack_bytes(make_mod()), actor="ada")
    assert sub.id == 1
    with _writer_holding_locks(store_url):
        code, listed = _modhost("list", store=store_url)
        assert (code, listed) == (0, {"ok": True, "submissions": []})
        code, shown = _modhost("show", "1", store=store_url)
        assert code == 0 and shown["submission"]["state"] == "draft"
        code, history = _modhost("history", "coin", store=store_url)
        assert code == 0 and [h["version"] for h in history["history"]] == ["1.0.0"]
        code, keys = _modhost("keys", "ada", store=store_url)
        assert code == 0 and len(keys["keys"]) == 1
        code, busy = _modhost("grant-role", "zoe", "reviewer", "--as", "mia", store=store_url)
        assert code == 1 and busy["ok"] is False
        assert [d["code"] for d in busy["diagnostics"]] == ["MARKET_BUSY"]
        assert "MODHOST_MARKET_LOCK_TIMEOUT" in busy["diagnostics"][0]["hint"]
    # Once the writer is gone, the same write goes through.
    code, granted = _modhost("grant-role", "zoe", "reviewer", "--as", "mia", store=store_url)
    assert code == 0 and granted["roles"] == ["reviewer"]


def test_opening_an_existing_store_takes_no_write_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    code, _ = _modhost("list", store=url)  # creates the store
    assert code == 0
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")  # even an exclusive writer (WAL readers still read)
    try:
        code, listed = _modhost("list", store=url)
        assert (code, listed["ok"]) == (0, True)
    finally:
        conn.execute("ROLLBACK")
        conn.close()
