"""The hot-reload watcher: ``mods/`` on disk -> batches of changed mod folders.

:class:`ModWatcher` runs :func:`watchfiles.watch` on a background thread and hands the names
of the mod folders that changed to the thread that runs the world (:meth:`ModWatcher.take`),
which reloads them between two ticks. The watcher never touches the host itself: reloading
is the world thread's job, so a tick and a reload never overlap.

Timing (the issue's budget is p95 under 100 ms from the write to the first tick running the
new code):

``step`` = :data:`STEP_MS` (10 ms)
    watchfiles wakes every ``step`` and yields a batch once a whole step passed without a new
    change, so a single save is handed over 10-20 ms after it happened (inotify itself
    delivers at once: the step is only the quiet period). Everything an editor does for one
    save (write a temp file, fsync, rename it over the original, drop a backup) normally
    lands within a millisecond or two, inside one quiet step, so it is one batch and one
    reload. The two ways a slow save could still be split are covered without a longer
    step: a file still open for writing holds its batch back (below), and a batch in which a
    file of a still-existing mod folder has disappeared (the rename-away half of a
    rename-based save) waits for one more quiet period, :data:`GRACE_MS`, for it to come back.
    Shorter steps buy little (the tick is 16.7 ms anyway); longer ones eat the budget.
``debounce`` = :data:`DEBOUNCE_MS` (400 ms)
    the longest a batch keeps growing while changes keep coming (a ``git checkout`` or an
    unzip writing many files). It is never reached by a single save, so it costs nothing in
    the common case, and it is long enough that a bulk copy usually lands as one batch.

That leaves some 80 ms of the budget for the reload itself and the next tick (at most one
16.7 ms tick at 60 Hz; ``run --watch`` reloads while it waits for that tick rather than at
its start); ``benchmarks/bench_reload.py`` measures the whole path.

What never triggers a reload: editor temp and backup files (:func:`is_temporary`), compiled
Python caches, hidden files and plain files directly in ``mods/``. Partially written files
never load: a batch is held back while any file in it is still open for writing by some
process (checked with a Linux read lease, :func:`open_for_writing`) and released once every
writer has closed it (or after :data:`MAX_HOLD_S`, for tools that never close a file);
editors that write a temp file and rename it never hold the target open, so their saves
pass at once. Where leases are not available the quiet step is the only guard, and a file
still being written usually fails to parse or compile, which the reload rolls back.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import queue
import stat
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from watchfiles import Change, watch

from host_api import ModhostError

#: watchfiles' quiet period: a batch is yielded once no new change arrived for this long.
STEP_MS: Final = 10
#: The longest a batch keeps growing while changes keep arriving.
DEBOUNCE_MS: Final = 400
#: How often the watch loop wakes up when nothing changes (to re-check held-back batches and
#: notice :meth:`ModWatcher.close`).
IDLE_MS: Final = 50
#: Extra quiet time for a batch in which a file of a mod folder disappeared.
GRACE_MS: Final = IDLE_MS
#: The longest a batch is held back for a file open for writing (a tool that keeps a file
#: in a mod folder open for good must not stop reloads for good).
MAX_HOLD_S: Final = 5.0
#: How long :meth:`ModWatcher.start` waits for the OS watches to be in place.
START_TIMEOUT_S: Final = 10.0

#: Files up to this size are fingerprinted by content, bigger ones by size and mtime.
HASHED_BYTES: Final = 1 << 20

#: Name suffixes of files editors and tools write next to the real one.
TEMP_SUFFIXES: Final = (
    "~",
    ".swp",
    ".swo",
    ".swx",
    ".tmp",
    ".temp",
    ".part",
    ".crdownload",
    ".bak",
    ".orig",
    ".rej",
    ".pyc",
    ".pyo",
    "___jb_tmp___",
    "___jb_old___",
)
#: Folder names whose contents never matter to a mod.
IGNORED_DIRS: Final = frozenset({"__pycache__", ".git", ".hg", ".svn", ".mypy_cache"})


def is_temporary(name: str) -> bool:
    """Whether a file name is an editor/tool temp or backup file (never a mod file).

    Hidden files (``.#coin.py`` from Emacs, ``.coin.py.swp`` from Vim, GNOME's
    ``.goutputstream-*``), backups (``coin.py~``), Vim's write probe ``4913`` and the
    suffixes in :data:`TEMP_SUFFIXES`.
    """
    return name.startswith((".", "#")) or name == "4913" or name.endswith(TEMP_SUFFIXES)


def mod_folder_of(mods_dir: Path, path: Path) -> str | None:
    """The name of the mod folder ``path`` belongs to, or None when it is not a mod file.

    None for ``mods_dir`` itself, anything outside it, temp files, ignored folders and plain
    files directly inside ``mods_dir`` (a mod is a folder).
    """
    try:
        parts = path.relative_to(mods_dir).parts
    except ValueError:
        return None
    if not parts or any(p in IGNORED_DIRS for p in parts) or is_temporary(parts[-1]):
        return None
    if parts[0].startswith((".", "__")):
        return None
    if len(parts) == 1 and path.is_file():
        return None
    return parts[0]


def open_for_writing(path: Path) -> bool:
    """True while some process holds ``path`` open for writing (a save in progress).

    Linux refuses a read lease (``F_SETLEASE``) on a file that is open for writing anywhere,
    so taking and at once releasing one answers the question without reading the file. Where
    leases are unavailable (other systems, some network file systems, files owned by someone
    else) the answer is False: the quiet step is then the only guard.
    """
    try:
        import fcntl  # POSIX only; Windows has no leases and no fcntl
    except ImportError:
        return False
    setlease = getattr(fcntl, "F_SETLEASE", None)
    if setlease is None:
        return False
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return False  # never open a FIFO, socket, device or link
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False  # gone or unreadable: the reload reports it if it matters
    try:
        fcntl.fcntl(fd, setlease, fcntl.F_RDLCK)
        fcntl.fcntl(fd, setlease, fcntl.F_UNLCK)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EBUSY)
    finally:
        os.close(fd)
    return False


@dataclass
class _Pending:
    """A batch being collected or held back until its files are complete."""

    folders: set[str] = field(default_factory=set)
    files: set[Path] = field(default_factory=set)
    #: Whether the batch already waited once for a vanished file to come back.
    graced: bool = False
    #: When the batch was first held back for an open file (monotonic seconds).
    held_since: float | None = None

    def add(self, folder: str, path: Path) -> None:
        self.folders.add(folder)
        self.files.add(path)

    def complete(self) -> bool:
        """Whether no file of the batch is still being written."""
        return not any(open_for_writing(p) for p in self.files)

    def vanished(self, mods_dir: Path) -> bool:
        """Whether a file (not a whole mod folder) of the batch is missing right now."""
        return any(
            p.parent != mods_dir and not p.exists() and p.parent.is_dir() for p in self.files
        )


class ModWatcher:
    """Watches a ``mods/`` folder and collects the names of mod folders that changed.

    A context manager; :meth:`close` is idempotent. Batches are collected on a daemon thread
    and picked up by the world thread with :meth:`take` (non-blocking) or :meth:`wait`.

    :param mods_dir: the drop-in folder to watch (it must exist).
    :param step_ms: watchfiles' quiet period (see the module docstring).
    :param debounce_ms: the longest one batch keeps growing.
    :param force_polling: poll instead of using OS notifications (None: watchfiles decides,
        honouring ``WATCHFILES_FORCE_POLLING``).
    """

    def __init__(
        self,
        mods_dir: Path,
        *,
        step_ms: int = STEP_MS,
        debounce_ms: int = DEBOUNCE_MS,
        force_polling: bool | None = None,
    ) -> None:
        self.mods_dir: Final = mods_dir.resolve()
        self.step_ms: Final = step_ms
        self.debounce_ms: Final = debounce_ms
        self._force_polling = force_polling
        self._batches: queue.SimpleQueue[frozenset[str]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        #: Batches handed over so far (a batch held back for an open file counts once).
        self.batches = 0
        #: Times a batch was held back because a file in it was still open for writing.
        self.held_back = 0

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> ModWatcher:
        """Start watching; returns once the OS watches are in place (so no write is missed).

        :raises ModhostError: ``mods_dir`` is not a folder, or watching could not start.
        """
        if self._thread is not None:
            return self
        if not self.mods_dir.is_dir():
            raise ModhostError(
                f"cannot watch {self.mods_dir}: not a folder",
                hint="create the mods folder or pass --mods DIR",
            )
        self._thread = threading.Thread(target=self._run, name="modhost-watcher", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._error is not None:
            self.close()
            raise ModhostError(
                f"cannot watch {self.mods_dir}: {self._error or 'the watcher did not start'}",
                hint="check the folder's permissions (or set WATCHFILES_FORCE_POLLING=1)",
            )
        return self

    def close(self) -> None:
        """Stop the watcher thread and wait for it. Idempotent."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def __enter__(self) -> ModWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the world thread's side -------------------------------------------------------------
    @property
    def stopped(self) -> str | None:
        """Why the watcher stopped on its own (e.g. the folder was removed), or None."""
        return None if self._error is None else str(self._error) or type(self._error).__name__

    def take(self) -> frozenset[str]:
        """Every folder name handed over since the last call (empty when nothing changed)."""
        out: set[str] = set()
        while True:
            try:
                out |= self._batches.get_nowait()
            except queue.Empty:
                return frozenset(out)

    def wait(self, timeout: float) -> frozenset[str]:
        """Block up to ``timeout`` seconds for a batch; returns it merged with any queued."""
        try:
            first = self._batches.get(timeout=timeout)
        except queue.Empty:
            return frozenset()
        return first | self.take()

    # -- the watcher thread ------------------------------------------------------------------
    def _run(self) -> None:
        pending = _Pending()
        try:
            for changes in watch(
                self.mods_dir,
                debounce=self.debounce_ms,
                step=self.step_ms,
                stop_event=self._stop,
                rust_timeout=IDLE_MS,
                yield_on_timeout=True,
                force_polling=self._force_polling,
                raise_interrupt=False,
            ):
                # The first yield (a change or the idle timeout) means the watches are set.
                self._ready.set()
                self._collect(pending, changes)
                if pending.folders and self._release(pending):
                    pending = _Pending()
        except Exception as exc:  # reported through start(); a running watcher just stops
            self._error = exc
        finally:
            self._ready.set()

    def _collect(self, pending: _Pending, changes: Iterable[tuple[Change, str]]) -> None:
        for _change, raw in changes:
            path = Path(raw)
            folder = mod_folder_of(self.mods_dir, path)
            if folder is not None:
                pending.add(folder, path)

    def _release(self, pending: _Pending) -> bool:
        """Hand ``pending`` over unless a file in it is still being written, or a file of
        it vanished and the batch has not yet waited :data:`GRACE_MS` for its return."""
        if not pending.complete():
            now = time.monotonic()
            pending.held_since = pending.held_since or now
            if now - pending.held_since < MAX_HOLD_S:
                self.held_back += 1
                return False
        if not pending.graced and pending.vanished(self.mods_dir):
            # The next yield comes with the file's return (a change) or after IDLE_MS.
            pending.graced = True
            return False
        self.batches += 1
        self._batches.put(frozenset(pending.folders))
        return True


#: Folder levels the watcher looks into (as deep as a mod may nest: the signing digest's
#: ``MAX_DEPTH``).
MAX_WATCHED_DEPTH: Final = 32


def watched_files(folder: Path) -> Iterable[Path]:
    """The files of a mod folder that matter to a reload, sorted (temp files skipped)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        if len(Path(root).relative_to(folder).parts) >= MAX_WATCHED_DEPTH:
            dirs[:] = []  # such a folder fails to load anyway; the walk must not recurse on
        for name in sorted(files):
            if not is_temporary(name):
                yield Path(root) / name


def folder_fingerprint(folder: Path) -> bytes | None:
    """A digest of a mod folder's files (paths and contents); None when the folder is gone.

    Two equal fingerprints mean a reload would load the same thing, so a save that changed
    nothing (or only touched a temp file) reloads nothing. Files up to
    :data:`HASHED_BYTES` count by content; bigger ones (assets) by size and modification
    time, so a folder with large assets is not read in full on every save. Anything that is
    not a regular file (a FIFO, socket, device or link) counts by its ``lstat`` data only and
    is never opened: opening a FIFO would block until something writes to it.
    """
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in watched_files(folder):
        with contextlib.suppress(OSError):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(_file_digest(path))
    return digest.digest()


def _file_digest(path: Path) -> bytes:
    """What one file contributes to a fingerprint (see :func:`folder_fingerprint`)."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode) or info.st_size > HASHED_BYTES:
        return f"{info.st_mode}:{info.st_size}:{info.st_mtime_ns}".encode() + b"\0"
    # O_NOFOLLOW | O_NONBLOCK: if the file was swapped for a link or a FIFO since the lstat,
    # the open fails or returns at once instead of following or blocking.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return f"{info.st_mode}:{info.st_size}:{info.st_mtime_ns}".encode() + b"\0"
        data = os.read(fd, HASHED_BYTES + 1)
    finally:
        os.close(fd)
    return len(data).to_bytes(8, "little") + data
