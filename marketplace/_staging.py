"""Private working folders that a killed command never leaves behind for good.

Every folder a marketplace command unpacks into lives under one known staging root
(:func:`default_staging_dir`) and is paired with a lock file the command holds (``flock``)
while it works. A command that is killed releases its lock with its process; the next
command to open a working folder under the same root sweeps every folder whose lock nobody
holds (:func:`sweep`). Nothing depends on process ids or clocks, so a reused pid or a slow
command is never mistaken for a dead one.

:func:`fault_point` is the test hook for crash tests: with ``MODHOST_MARKET_FAULT=<step>``
in the environment, the process kills itself (SIGKILL, as the OOM killer or a power cut
would) when it reaches that named step.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from .store import MarketIOFailed

#: Environment variable naming the staging root (default: a per-user folder in the system
#: temporary folder).
STAGING_ENV: Final = "MODHOST_MARKET_STAGING"
#: Environment variable naming the step at which :func:`fault_point` kills the process.
FAULT_ENV: Final = "MODHOST_MARKET_FAULT"
_LOCK_SUFFIX: Final = ".lock"


def default_staging_dir() -> Path:
    """``$MODHOST_MARKET_STAGING``, else ``<tmp>/modhost-market-<uid>``."""
    env = os.environ.get(STAGING_ENV)
    if env:
        return Path(env)
    return Path(tempfile.gettempdir()) / f"modhost-market-{os.getuid()}"


def fault_point(step: str) -> None:
    """Die here, as a killed process would, when ``$MODHOST_MARKET_FAULT`` names ``step``."""
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def work_folder(root: Path, prefix: str) -> Iterator[Path]:
    """A new empty folder under ``root``, removed on exit; swept by a later command if this
    process dies first. Sweeps ``root`` on entry.

    :raises OSError: ``root`` cannot be created or written.
    """
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    _require_private(root)
    sweep(root)
    fd, lock = _locked_file(root, prefix)
    folder = lock.with_name(lock.name.removesuffix(_LOCK_SUFFIX))
    try:
        folder.mkdir(mode=0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.unlink(missing_ok=True)
        os.close(fd)


def _require_private(root: Path) -> None:
    """Refuse a staging root someone else could change files in: in a shared temporary
    folder, another user may have created it first (or as a link) to tamper with what the
    gates are about to run."""
    st = root.lstat()
    if (
        stat.S_ISLNK(st.st_mode)
        or not stat.S_ISDIR(st.st_mode)
        or st.st_uid != os.getuid()
        or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        raise MarketIOFailed(
            f"staging folder {root} is not a private folder of this user",
            hint=f"remove it, or set {STAGING_ENV} to a folder only you can write",
        )


def _locked_file(root: Path, prefix: str) -> tuple[int, Path]:
    """Create and lock ``root/<prefix>-XXXX.lock``; retried when a concurrent sweep removed
    the file between its creation and the lock."""
    while True:
        fd, name = tempfile.mkstemp(prefix=f"{prefix}-", suffix=_LOCK_SUFFIX, dir=root)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                return fd, Path(name)
        except FileNotFoundError:
            pass
        os.close(fd)


def sweep(root: Path) -> list[str]:
    """Remove every working folder under ``root`` whose owner is gone; return their names."""
    removed: list[str] = []
    for lock in sorted(root.glob(f"*{_LOCK_SUFFIX}")):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # its owner is alive
        try:
            folder = lock.with_name(lock.name.removesuffix(_LOCK_SUFFIX))
            shutil.rmtree(folder, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(folder.name)
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def exclusive(lock: Path) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``lock`` if nobody else does; yields whether it was
    taken (False: another process holds it; nothing was waited for)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
