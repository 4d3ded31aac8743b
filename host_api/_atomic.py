"""Replacing a file so that a reader (or a crash) sees the old content or the new, never part.

Every file modhost rewrites in place (mod storage, the rollback record, ``mod.sig``, cached
components, store artifacts) goes through :func:`write_atomically`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(
    path: Path,
    data: bytes,
    *,
    prefix: str = ".tmp-",
    durable: bool = False,
    mode: int | None = None,
) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it over ``path``.

    :param prefix: the temporary file's name prefix (it is hidden: a leading dot).
    :param durable: also fsync the file before the rename and the folder after it, so the
        new content survives a power cut, not just a crash of this process.
    :param mode: the file's permission bits (default: the temporary file's ``0o600``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # The rename is durable only once the folder entry is on disk (POSIX; where a folder
    # cannot be opened or synced, the file's own fsync is all there is).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
