"""Unpacking a package: one member with a size cap, or every file into a new folder, each
entry's data checked while it streams (the checks are :mod:`._package_check`'s)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from ._package import DEFAULT_LIMITS, PackageLimits, Progress
from ._package_check import (
    ZIP_ERRORS,
    directory_problem,
    open_checked,
    raise_unsafe,
    shown,
    stream_entry,
)
from .store import PackageUnsafe


def read_member(data: bytes, name: str, *, max_bytes: int = 1024 * 1024) -> bytes | None:
    """One file of a package (e.g. ``mod.toml``), read with a size cap; None if absent,
    too large or unreadable, or when the package's directory is over the default limits
    (so reading one file never parses a hostile directory)."""
    if directory_problem(data, DEFAULT_LIMITS):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            try:
                info = zf.getinfo(name)
            except KeyError:
                return None
            if info.file_size > max_bytes:
                return None
            return b"".join(stream_entry(zf, info, mod_id=""))
    except (*ZIP_ERRORS, PackageUnsafe):
        return None


def safe_extract(
    data: bytes,
    dest: Path,
    *,
    mod_id: str,
    limits: PackageLimits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> list[str]:
    """Extract a package into the empty or new folder ``dest``; return the file names.

    :raises PackageUnsafe: the package fails a check of steps 1-3, or an entry's data lies
        (step 4, while streaming), or a file cannot be written (then ``dest`` may hold a
        partial extraction: extract into a staging folder).
    """
    zf, findings = open_checked(data, mod_id, limits)
    try:
        raise_unsafe(findings, mod_id)
    except PackageUnsafe:
        if zf is not None:
            zf.close()
        raise
    assert zf is not None  # no unsafe finding means the archive opened
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written: list[str] = []
    with zf:
        files = [i for i in zf.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in files)
        done = 0
        for info in files:
            target = root / info.filename
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                done += _copy(zf, info, target, mod_id)
            except OSError as exc:
                raise PackageUnsafe(
                    f"entry '{shown(info.filename)}' cannot be written: {exc.strerror or exc}",
                    mod_id=mod_id,
                    file=shown(info.filename),
                ) from exc
            written.append(info.filename)
            if progress is not None:
                progress(done, total)
    return written


def _copy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, mod_id: str) -> int:
    count = 0
    # O_EXCL: never write through a file (or link) that is already there.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as out:
        for chunk in stream_entry(zf, info, mod_id=mod_id):
            count += len(chunk)
            out.write(chunk)
    return count
