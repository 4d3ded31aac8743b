"""``fs.read``: reading inside a mod's own folder and nowhere else."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

from ._diagnostics import DiagnosticCode
from ._errors import ModFault


class FileAccessDenied(ModFault):
    """A read outside the mod's folder, of a special file, or of too large a file."""

    code = DiagnosticCode.CAPABILITY_DENIED


def read_inside(root: Path, relative: Any, *, mod_id: str, max_bytes: int) -> bytes:
    """Read ``root/relative``, refusing anything that leaves ``root`` or is not a plain file.

    :raises FileAccessDenied: absolute path, ``..``, a symlink out, a device or FIFO, too big.
    """

    def deny(why: str) -> FileAccessDenied:
        return FileAccessDenied(
            f"fs.read('{relative}') refused: {why}",
            mod_id=mod_id,
            hint="read only regular files inside your mod folder, by relative path",
            details={"capability": "fs.read"},
        )

    if type(relative) is not str or not relative or "\x00" in relative:
        raise deny("the path must be a non-empty string")
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts:
        raise deny("absolute paths and '..' are not allowed")
    target = (root / pure).resolve()
    if target != root and root not in target.parents:
        raise deny("the path leaves the mod folder")
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError as exc:
        raise deny(f"cannot open ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise deny("not a regular file")
        if info.st_size > max_bytes:
            raise deny(f"larger than {max_bytes} bytes")
        data = os.read(fd, max_bytes + 1)
        if len(data) > max_bytes:
            raise deny(f"larger than {max_bytes} bytes")
        return data
    finally:
        os.close(fd)
