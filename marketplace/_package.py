"""``.modpkg`` packages: a deterministic zip of one mod folder, and its safe unpacking.

A package holds the mod folder's files at its root (``mod.toml``, ``mod.sig``,
``scripts/...``). This module is the one place that decides whether a package is safe; every
step of the marketplace (submit, request-review, show, install, the smoke run) asks it.

The checks run in an order that keeps the work bounded by :class:`PackageLimits` whatever
the package declares:

1. the package's own size (before it is read: :func:`read_package`);
2. the end-of-central-directory record alone: the entry count and the directory's size, so
   600,000 empty entries are refused before a single entry is parsed;
3. every entry of the central directory: name (UTF-8, length, depth, ``..``, absolute,
   duplicates, a file that is also a folder), file mode (links, devices), encryption,
   compression method, totals and compression ratios;
4. the data itself, through a bounded stream (:func:`stream_entry`): an entry that inflates
   to more or fewer bytes than it declares, or fails its CRC, is refused.

:func:`inspect_package` runs 1-4 and returns findings (the ``package`` gate);
:func:`require_safe` raises :class:`PackageUnsafe` with all of them; :func:`safe_extract`
runs 1-3 and checks 4 while writing.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from host_api import MANIFEST_FILE, DiagnosticCode

from .store import Finding, PackageUnsafe

PACKAGE_SUFFIX: Final = ".modpkg"
#: Zip timestamps are fixed so the same folder always packs to the same bytes (and digest).
_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
_CHUNK: Final = 64 * 1024

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


#: What a damaged or hostile zip can raise from :mod:`zipfile` while it is read; translated
#: into ``PACKAGE_UNSAFE`` here and nowhere else.
ZIP_ERRORS: Final = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    zlib.error,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    UnicodeError,
    struct.error,
)
NOT_A_PACKAGE: Final = "not a modhost package (not a zip archive)"
_EOCD: Final = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR: Final = struct.Struct("<4sLQL")
_EOCD64: Final = struct.Struct("<4sQ2H2L4Q")
_MAX_COMMENT: Final = 0xFFFF


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
        while chunk := fh.read(_CHUNK * 4):
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


def inspect_package(
    data: bytes, *, mod_id: str, limits: PackageLimits = DEFAULT_LIMITS
) -> list[Finding]:
    """Every reason not to extract ``data`` (gate ``package``), without writing anything.

    Cost: parses at most ``limits.max_directory_bytes`` of directory and, when the
    directory is sound, inflates every entry once in 64 KiB chunks (bounded by the declared
    sizes, which are themselves capped).
    """
    zf, findings = _open_checked(data, mod_id, limits)
    if zf is None:
        return findings
    with zf:
        if not any(f.code == DiagnosticCode.PACKAGE_UNSAFE for f in findings):
            findings += _verify_data(zf, mod_id)
    return findings


def require_safe(data: bytes, *, mod_id: str, limits: PackageLimits = DEFAULT_LIMITS) -> None:
    """:func:`inspect_package`, raising on any ``PACKAGE_UNSAFE`` finding.

    :raises PackageUnsafe: listing every problem (the first in the message).
    """
    _raise_unsafe(inspect_package(data, mod_id=mod_id, limits=limits), mod_id)


def _raise_unsafe(findings: list[Finding], mod_id: str) -> None:
    unsafe = [f for f in findings if f.code == DiagnosticCode.PACKAGE_UNSAFE]
    if not unsafe:
        return
    first = unsafe[0]
    more = f" (and {len(unsafe) - 1} more)" if len(unsafe) > 1 else ""
    raise PackageUnsafe(
        f"package refused: {first.message}{more}",
        mod_id=mod_id,
        file=first.file,
        hint=first.hint,
        details={"problems": [f.message for f in unsafe]},
    )


def _open_checked(
    data: bytes, mod_id: str, limits: PackageLimits
) -> tuple[zipfile.ZipFile | None, list[Finding]]:
    """Steps 1-3 of the module docstring; the open archive when its directory is readable."""
    if len(data) > limits.max_package_bytes:
        size = f"package is {len(data)} bytes, over the {limits.max_package_bytes}-byte limit"
        return None, [_unsafe(mod_id, size)]
    problem = _directory_problem(data, limits)
    if problem:
        return None, [_unsafe(mod_id, problem)]
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except UnicodeDecodeError:
        return None, [_unsafe(mod_id, "an entry's name is marked UTF-8 but is not")]
    except ZIP_ERRORS as exc:
        return None, [_unsafe(mod_id, f"not a modhost package (a damaged zip archive: {exc})")]
    findings = [f for info in infos for f in _check_entry(info, mod_id, limits)]
    findings += _check_totals([i for i in infos if not i.is_dir()], mod_id, limits)
    findings += _check_names(infos, mod_id)
    if MANIFEST_FILE not in {i.filename for i in infos if not i.is_dir()}:
        findings.append(
            Finding(
                gate="package",
                code=DiagnosticCode.MANIFEST_NOT_FOUND,
                message=f"the package has no {MANIFEST_FILE} at its root",
                mod=mod_id,
                hint="pack the mod folder itself: 'modhost market pack mods/<id>'",
            )
        )
    return zf, findings


def _directory_problem(data: bytes, limits: PackageLimits) -> str:
    """Why the end-of-central-directory record forbids parsing the directory, or ''."""
    found = _end_record(data)
    if found is None:
        return NOT_A_PACKAGE
    entries, size = found
    if entries > limits.max_entries:
        return f"{entries} entries, over the {limits.max_entries}-entry limit"
    if size > limits.max_directory_bytes:
        return (
            f"its zip directory is {size} bytes, over the {limits.max_directory_bytes}-byte limit"
        )
    return ""


def _end_record(data: bytes) -> tuple[int, int] | None:
    """(entry count, central directory size) from the end record, zip64 included; None
    when there is no end record (not a zip). Searched like :mod:`zipfile` does: last first."""
    start = data.rfind(b"PK\x05\x06", max(0, len(data) - _EOCD.size - _MAX_COMMENT))
    if start < 0 or start + _EOCD.size > len(data):
        return None
    _, _, _, _, entries, size, _, _ = _EOCD.unpack_from(data, start)
    locator = start - _EOCD64_LOCATOR.size
    if locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        _, _, offset, _ = _EOCD64_LOCATOR.unpack_from(data, locator)
        if offset + _EOCD64.size <= len(data) and data[offset : offset + 4] == b"PK\x06\x06":
            # Entries on this disk, entries in all, directory size: the largest claim counts.
            fields = _EOCD64.unpack_from(data, offset)
            entries, size = max(entries, fields[6], fields[7]), max(size, fields[8])
    return entries, size


def _check_entry(info: zipfile.ZipInfo, mod_id: str, limits: PackageLimits) -> list[Finding]:
    name = info.filename
    out: list[Finding] = []
    problem = _path_problem(info, limits)
    if problem:
        out.append(_unsafe(mod_id, f"entry '{_shown(name)}' {problem}", _shown(name)))
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        out.append(_unsafe(mod_id, f"entry '{name}' is a symbolic link", name))
    elif stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        out.append(_unsafe(mod_id, f"entry '{name}' is a device or special file", name))
    if info.flag_bits & 0x1:
        out.append(_unsafe(mod_id, f"entry '{name}' is encrypted", name))
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        out.append(
            _unsafe(
                mod_id, f"entry '{name}' uses unsupported compression {info.compress_type}", name
            )
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size >= limits.ratio_floor_bytes and ratio > limits.max_ratio:
        out.append(
            _unsafe(
                mod_id,
                f"entry '{name}' expands {ratio:.0f}x (limit {limits.max_ratio:.0f}x): a zip bomb",
                name,
            )
        )
    return out


def _shown(name: str) -> str:
    """A name short enough for one line of a message."""
    return name if len(name) <= 80 else f"{name[:60]}...({len(name)} characters)"


def _path_problem(info: zipfile.ZipInfo, limits: PackageLimits) -> str:
    name = info.orig_filename
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if "\\" in name or "\x00" in name:
        return "contains a backslash or NUL"
    if not info.flag_bits & 0x800 and not name.isascii():
        return "has a name that is not UTF-8"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "has a control character in its name"
    if len(name.encode("utf-8")) > limits.max_name_bytes:
        return f"has a name longer than {limits.max_name_bytes} bytes"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return "escapes the mod folder with '..'"
    if any(p in ("", ".") for p in parts):
        return "has an empty or '.' path segment"
    if len(parts) > limits.max_depth:
        return f"is {len(parts)} levels deep, over the limit of {limits.max_depth}"
    return ""


def _check_names(infos: list[zipfile.ZipInfo], mod_id: str) -> list[Finding]:
    """Duplicates (as a case-insensitive file system sees them) and a name that is both a
    file and a folder: either would make extraction fail or overwrite."""
    out: list[Finding] = []
    files: dict[str, str] = {}
    folders: dict[str, str] = {}
    for info in infos:
        name = info.filename.rstrip("/")
        key = name.casefold()
        if info.is_dir():
            folders.setdefault(key, name)
            continue
        if key in files:
            out.append(_unsafe(mod_id, f"'{_shown(name)}' appears twice", _shown(name)))
        files[key] = name
        parts = key.split("/")
        for depth in range(1, len(parts)):
            folders.setdefault("/".join(parts[:depth]), "/".join(name.split("/")[:depth]))
    for key in sorted(files.keys() & folders.keys()):
        shown = _shown(files[key])
        out.append(_unsafe(mod_id, f"'{shown}' is both a file and a folder", shown))
    return out


def _check_totals(
    files: list[zipfile.ZipInfo], mod_id: str, limits: PackageLimits
) -> list[Finding]:
    out: list[Finding] = []
    if len(files) > limits.max_files:
        out.append(_unsafe(mod_id, f"{len(files)} files, over the {limits.max_files}-file limit"))
    total = sum(i.file_size for i in files)
    packed = sum(i.compress_size for i in files)
    if total > limits.max_total_bytes:
        out.append(
            _unsafe(
                mod_id, f"{total} bytes uncompressed, over the {limits.max_total_bytes}-byte limit"
            )
        )
    if total >= limits.ratio_floor_bytes and total / max(packed, 1) > limits.max_ratio:
        out.append(
            _unsafe(
                mod_id,
                f"the archive expands {total / max(packed, 1):.0f}x "
                f"(limit {limits.max_ratio:.0f}x): a zip bomb",
            )
        )
    return out


def _verify_data(zf: zipfile.ZipFile, mod_id: str) -> list[Finding]:
    """Step 4: inflate every entry once, through the bounded stream; nothing is kept."""
    for info in zf.infolist():
        if info.is_dir():
            continue
        try:
            for _ in stream_entry(zf, info, mod_id=mod_id):
                pass
        except PackageUnsafe as exc:
            return [_unsafe(mod_id, exc.message, info.filename)]
    return []


def stream_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, mod_id: str) -> Iterator[bytes]:
    """The data of one entry in chunks, never more than it declares.

    :raises PackageUnsafe: the data inflates to more or fewer bytes than declared, fails its
        CRC, or cannot be read (a damaged archive).
    """
    count = 0
    try:
        with zf.open(info) as src:
            while chunk := src.read(_CHUNK):
                count += len(chunk)
                if count > info.file_size:
                    break
                yield chunk
    except ZIP_ERRORS as exc:
        raise PackageUnsafe(
            f"entry '{_shown(info.filename)}' is damaged or lies about its data ({exc})",
            mod_id=mod_id,
            file=_shown(info.filename),
        ) from exc
    if count != info.file_size:
        raise PackageUnsafe(
            f"entry '{_shown(info.filename)}' holds {'more' if count > info.file_size else 'fewer'}"
            f" bytes than the {info.file_size} it declares",
            mod_id=mod_id,
            file=_shown(info.filename),
        )


def _unsafe(mod_id: str, message: str, file: str | None = None) -> Finding:
    return Finding(
        gate="package",
        code=DiagnosticCode.PACKAGE_UNSAFE,
        message=message,
        mod=mod_id,
        file=file,
        hint="rebuild the package with 'modhost market pack DIR' from a plain mod folder",
    )


def read_member(data: bytes, name: str, *, max_bytes: int = 1024 * 1024) -> bytes | None:
    """One file of a package (e.g. ``mod.toml``), read with a size cap; None if absent,
    too large or unreadable, or when the package's directory is over the default limits
    (so reading one file never parses a hostile directory)."""
    if _directory_problem(data, DEFAULT_LIMITS):
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
    zf, findings = _open_checked(data, mod_id, limits)
    try:
        _raise_unsafe(findings, mod_id)
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
                    f"entry '{_shown(info.filename)}' cannot be written: {exc.strerror or exc}",
                    mod_id=mod_id,
                    file=_shown(info.filename),
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
