"""The default store: one SQLite file in WAL mode, artifacts as files beside it.

Layout for ``.modhost/market/market.db``::

    market.db, market.db-wal, market.db-shm
    artifacts/ab/ab12....modpkg          content-addressed by SHA-256

Writes use ``BEGIN IMMEDIATE`` so two writers serialise on the database lock instead of
failing halfway; a writer waits at most :func:`lock_timeout_s` for it and then fails with
``MARKET_BUSY``. Readers never wait: in WAL mode a read transaction sees the last commit
while a writer works, and opening the store takes no lock unless the schema must be created.
``synchronous=FULL`` makes a committed transition survive a power cut, and WAL makes a
killed writer roll back cleanly on the next open.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, final

from host_api import write_atomically

from ._errors import (
    ConcurrentUpdate,
    MarketBusy,
    MarketError,
    MarketIOFailed,
    StoreConfigError,
    SubmissionNotFound,
)
from ._schema import lock_timeout_s
from ._sql import SqlStore
from ._store import Tx, sha256_hex

#: An artifact larger than this on disk was not written by the store (read nothing of it).
_MAX_ARTIFACT_BYTES: Final = 256 * 1024 * 1024


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
    :raises MarketBusy: the schema had to be created and another writer held the lock.
    """

    _conn: sqlite3.Connection
    _id_ddl = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path) -> None:
        super().__init__(f"sqlite://{path}" if path.is_absolute() else f"sqlite:{path}")
        self.path: Final = path
        self.artifact_dir: Final = path.parent / "artifacts"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                path, isolation_level=None, timeout=lock_timeout_s(), check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise self._unusable(exc) from exc
        try:
            self._configure()
            self._ensure_schema()
        except MarketBusy:
            self._conn.close()
            raise
        except (MarketError, OSError, sqlite3.Error) as exc:
            self._conn.close()
            raise self._unusable(exc) from exc

    def _configure(self) -> None:
        # Switching to WAL needs the exclusive lock: do it only when the file is not yet WAL
        # (a new store), so opening an existing store never waits for a writer.
        mode = self._conn.execute("PRAGMA journal_mode").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")

    def _unusable(self, exc: BaseException) -> StoreConfigError:
        text = exc.message if isinstance(exc, MarketError) else str(exc)
        return StoreConfigError(
            f"cannot open marketplace store {self.path}: {text}",
            hint="check the path in --store / MODHOST_MARKET_URL and its permissions",
        )

    def _schema_version(self, tx: Tx) -> int:
        if tx.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'") is None:
            return 0
        row = tx.one("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(row[0]) if row else 0

    def _translate(self, exc: Exception) -> MarketError | None:
        if isinstance(exc, sqlite3.IntegrityError):
            return ConcurrentUpdate(
                f"store {self.url}: the change conflicts with one made meanwhile",
                hint="reload with 'modhost market show ID' and decide again",
                details={"driver": str(exc)},
            )
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
            return MarketBusy(
                f"store {self.url}: another process held the write lock for more than "
                f"{lock_timeout_s():.0f} s",
                hint="retry when the other command has finished "
                "(MODHOST_MARKET_LOCK_TIMEOUT sets the wait, in seconds)",
            )
        if isinstance(exc, sqlite3.Error | OSError):
            return MarketIOFailed(
                f"store {self.url}: {text}".strip(),
                hint="check the disk and the store folder's permissions",
            )
        return None

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
            # A deferred transaction: every SELECT inside sees one snapshot, and under WAL it
            # never waits for a writer.
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
        with self._using():
            there = self._read_artifact(target)
            if there is not None and sha256_hex(there) == digest:
                return digest
            # Durable: a reader never sees a partial artifact under its address, even after
            # a crash.
            write_atomically(target, data, durable=True)
        return digest

    def get_artifact(self, sha256: str) -> bytes:
        path = self._artifact_path(sha256)
        with self._using():
            data = self._read_artifact(path)
        if data is None:
            raise SubmissionNotFound(
                f"artifact {sha256} is missing from {self.artifact_dir}",
                hint="the store's artifact folder was modified by hand; restore it from backup",
            )
        return data

    def _read_artifact(self, path: Path) -> bytes | None:
        """The file's bytes; None when it is missing, not a regular file (never opened then)
        or implausibly large (checked by size before reading)."""
        try:
            st = path.lstat()
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_ARTIFACT_BYTES:
            return None
        with path.open("rb") as fh:
            # read(n) allocates n bytes up front: ask for what the file holds, not the cap.
            return fh.read(st.st_size + 1)
