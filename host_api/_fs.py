"""``fs.read``: reading inside a mod's own folder and nowhere else."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any, Final

from ._diagnostics import DiagnosticCode
from ._errors import ModFault, ModhostError
from ._text import is_text

#: Characters of a refused path a diagnostic shows.
MAX_SHOWN_PATH: Final = 120


class FileAccessDenied(ModFault):
    """A read outside the mod's folder, of a special file, or of too large a file."""

    code = DiagnosticCode.CAPABILITY_DENIED


def read_inside(root: Path, relative: Any, *, mod_id: str, max_bytes: int) -> bytes:
    """Read ``root/relative``, refusing anything that leaves ``root`` or is not a plain file.

    :raises FileAccessDenied: absolute path, ``..``, a symlink out, a device or FIFO, too big.
    """

    def deny(why: str) -> FileAccessDenied:
        # The path as the script wrote it, cut short: a diagnostic is one line.
        shown = relative if type(relative) is str else repr(relative)
        shown = shown if len(shown) <= MAX_SHOWN_PATH else shown[:MAX_SHOWN_PATH] + "..."
        return FileAccessDenied(
            f"fs.read('{shown}') refused: {why}",
            mod_id=mod_id,
            hint="read only regular files inside your mod folder, by relative path",
            details={"capability": "fs.read"},
        )

    if type(relative) is not str or not relative or "\x00" in relative:
        raise deny("the path must be a non-empty string")
    if not is_text(relative):
        raise deny("the path must be valid Unicode text")
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts:
        raise deny("absolute paths and '..' are not allowed")
    target = (root / pure).resolve()
    if target != root and root not in target.parents:
        raise deny("the path leaves the mod folder")
    try:
        return read_regular(target, max_bytes=max_bytes)
    except UnsafeFile as exc:
        raise deny(exc.message) from None
    except OSError as exc:
        raise deny(f"cannot open ({exc.strerror})") from None


class UnsafeFile(ModhostError):
    """A file a step would read is a FIFO, socket, device or link, or over its size cap."""

    code = DiagnosticCode.PACKAGE_UNSAFE


def read_regular(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``; never opens
    anything else, never follows a link, never reads past the cap.

    ``lstat`` decides before anything is opened (opening a FIFO blocks until a writer comes;
    a device can be endless); the open itself is non-blocking and refuses links, so a file
    swapped for something else in between is still refused, by ``fstat``.

    :raises UnsafeFile: not a regular file, or larger than ``max_bytes``.
    :raises OSError: missing or unreadable.
    """
    _check_regular(os.lstat(path), max_bytes)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    try:
        _check_regular(os.fstat(fd), max_bytes)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise UnsafeFile(f"larger than {max_bytes} bytes", details={"limit": max_bytes})
    return data


def _check_regular(info: os.stat_result, max_bytes: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(
            f"not a regular file ({_kind(info.st_mode)})",
            hint="mod folders hold regular files only: remove the link, FIFO, socket or device",
        )
    if info.st_size > max_bytes:
        raise UnsafeFile(f"larger than {max_bytes} bytes", details={"limit": max_bytes})


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "a special file"
