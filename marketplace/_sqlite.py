"""The default store: one SQLite file in WAL mode, artifacts as files beside it.

Layout for ``.modhost/market/market.db``::

    market.db, market.db-wal, market.db-shm
    artifacts/ab/ab12....modpkg          content-addressed by SHA-256

Writes use ``BEGIN IMMEDIATE`` so two writers serialise on the database lock instead of
failing halfway; ``synchronous=FULL`` makes a committed transition survive a power cut, and
WAL makes a killed writer roll back cleanly on the next open.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, final

from host_api import write_atomically

from ._errors import StoreConfigError, SubmissionNotFound
from ._store import SqlStore, Tx, sha256_hex

#: How long a writer waits for another writer's lock before giving up.
BUSY_TIMEOUT_S: Final = 30.0


class _SqliteTx(Tx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._conn.execute(sql, tuple(params)).fetchall())

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._conn.execute(sql, tuple(params)).rowcount


@final
class SqliteStore(SqlStore):
    """A :class:`MarketStore` in one SQLite file (see the module docstring for the layout).

    :param path: the database file; its folder is created if missing.
    :raises StoreConfigError: the file cannot be opened as a marketplace database.
    """

    _conn: sqlite3.Connection
    _conflict_error = sqlite3.IntegrityError
    _failure_error = sqlite3.OperationalError
    _failure_hint = "another process may hold the database lock; retry, or check the disk"

    def __init__(self, path: Path) -> None:
        super().__init__(f"sqlite://{path}" if path.is_absolute() else f"sqlite:{path}")
        self.path: Final = path
        self.artifact_dir: Final = path.parent / "artifacts"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                path, isolation_level=None, timeout=BUSY_TIMEOUT_S, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            with self._write() as tx:
                self._init_schema(tx, "INTEGER PRIMARY KEY AUTOINCREMENT")
        except (OSError, sqlite3.Error) as exc:
            raise StoreConfigError(
                f"cannot open marketplace store {path}: {exc}",
                hint="check the path in --store / MODHOST_MARKET_URL and its permissions",
            ) from exc

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        with self._using():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self._using():
            # A deferred transaction: every SELECT inside sees one snapshot.
            self._conn.execute("BEGIN")
            try:
                yield _SqliteTx(self._conn)
            finally:
                self._conn.execute("COMMIT")

    # -- artifacts ------------------------------------------------------------------------

    def _artifact_path(self, sha256: str) -> Path:
        return self.artifact_dir / sha256[:2] / f"{sha256}.modpkg"

    def put_artifact(self, data: bytes) -> str:
        digest = sha256_hex(data)
        target = self._artifact_path(digest)
        if target.is_file() and sha256_hex(target.read_bytes()) == digest:
            return digest
        # Durable: a reader never sees a partial artifact under its address, even after a crash.
        write_atomically(target, data, durable=True)
        return digest

    def get_artifact(self, sha256: str) -> bytes:
        path = self._artifact_path(sha256)
        if not path.is_file():
            raise SubmissionNotFound(
                f"artifact {sha256} is missing from {self.artifact_dir}",
                hint="the store's artifact folder was modified by hand; restore it from backup",
            )
        return path.read_bytes()
