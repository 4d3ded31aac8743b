"""``.modpkg`` packages: a deterministic zip of one mod folder, its limits, and reading one
from disk bounded by them.

A package holds the mod folder's files at its root (``mod.toml``, ``mod.sig``,
``scripts/...``). Whether a package is safe is decided in one place,
:mod:`._package_check`; unpacking one is :mod:`._package_extract`.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .store import PackageUnsafe

PACKAGE_SUFFIX: Final = ".modpkg"
#: Zip timestamps are fixed so the same folder always packs to the same bytes (and digest).
_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
#: Bytes read or inflated at a time.
CHUNK: Final = 64 * 1024

#: ``progress(done, total)`` in bytes.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PackageLimits:
    """What a package may contain. The defaults fit any reasonable mod with room to spare."""

    max_files: int = 2000
    #: Sum of the uncompressed sizes.
    max_total_bytes: int = 64 * 1024 * 1024
    #: The package file itself.
    max_package_bytes: int = 64 * 1024 * 1024
    #: Uncompressed / compressed, per entry and for the whole archive.
    max_ratio: float = 100.0
    #: Entries smaller than this are not ratio-checked (tiny repetitive files compress well
    #: and are harmless).
    ratio_floor_bytes: int = 1024 * 1024
    #: Entries, files and folders together, as the zip's end record counts them: checked
    #: before the directory is parsed.
    max_entries: int = 4000
    #: One entry's path, in UTF-8 bytes (well under every file system's name limits).
    max_name_bytes: int = 240
    #: Folders deep (``a/b/c.txt`` is 3).
    max_depth: int = 16
    #: The zip's central directory, which is parsed before any entry is looked at.
    max_directory_bytes: int = 2 * 1024 * 1024


DEFAULT_LIMITS: Final = PackageLimits()


def pack_bytes(mod_dir: Path, *, progress: Progress | None = None) -> bytes:
    """Zip a mod folder deterministically (sorted names, fixed timestamps, mode 0644).

    :raises PackageUnsafe: the folder contains a link or a special file.
    :raises ManifestNotFound: the folder has no ``mod.toml`` (checked by the caller's
        manifest load; here only its presence).
    """
    files = _mod_files(mod_dir)
    total = sum(p.stat().st_size for _, p in files)
    done = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            zf.writestr(info, data)
            done += len(data)
            if progress is not None:
                progress(done, total)
    return buffer.getvalue()


def _mod_files(mod_dir: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for root, dirs, names in os.walk(mod_dir, followlinks=False):
        dirs.sort()
        # A package holds DEFAULT_LIMITS.max_depth levels; refusing past them also keeps
        # os.walk (recursive) far from the interpreter's recursion limit.
        where = Path(root).relative_to(mod_dir)
        if len(where.parts) >= DEFAULT_LIMITS.max_depth:
            raise PackageUnsafe(
                f"{where.as_posix()} holds files or folders deeper than the "
                f"{DEFAULT_LIMITS.max_depth} levels a package may hold",
                mod_id=mod_dir.name,
                hint="flatten the mod folder",
            )
        for entry in [*dirs, *names]:
            path = Path(root) / entry
            rel = path.relative_to(mod_dir).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise PackageUnsafe(
                    f"'{rel}' is a link or special file; packages hold regular files only",
                    mod_id=mod_dir.name,
                    hint="replace the link with a copy of the file",
                    file=rel,
                )
            if stat.S_ISREG(mode):
                found.append((rel, path))
    return sorted(found)


def read_package(
    path: Path, *, limits: PackageLimits = DEFAULT_LIMITS, progress: Progress | None = None
) -> bytes:
    """Read a package file, refusing it by its size before reading (and while reading, in
    case it grows): memory stays under ``limits.max_package_bytes``.

    :raises PackageUnsafe: not a regular file, or over the size limit.
    :raises OSError: it cannot be read (the caller's boundary translates it).
    """
    size = _regular_size(path)
    cap = limits.max_package_bytes
    if size > cap:
        raise _too_big(size, cap)
    chunks: list[bytes] = []
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK * 4):
            done += len(chunk)
            if done > cap:
                raise _too_big(done, cap)
            chunks.append(chunk)
            if progress is not None:
                progress(done, size)
    return b"".join(chunks)


def _regular_size(path: Path) -> int:
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise PackageUnsafe(
            f"{path} is not a regular file", mod_id="(unknown)", hint="pass a .modpkg file"
        )
    return st.st_size


def _too_big(size: int, cap: int) -> PackageUnsafe:
    return PackageUnsafe(
        f"the package is {size} bytes, over the {cap}-byte limit",
        mod_id="(unknown)",
        hint="packages hold one mod's files; move large assets out of the mod",
    )
