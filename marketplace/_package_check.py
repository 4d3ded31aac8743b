"""Whether a ``.modpkg`` package is safe: every check, in a bounded order.

This module is the one place that decides whether a package is safe; every
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
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Final

from host_api import MANIFEST_FILE, DiagnosticCode

from ._package import CHUNK, DEFAULT_LIMITS, PackageLimits
from .store import Finding, PackageUnsafe

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


def inspect_package(
    data: bytes, *, mod_id: str, limits: PackageLimits = DEFAULT_LIMITS
) -> list[Finding]:
    """Every reason not to extract ``data`` (gate ``package``), without writing anything.

    Cost: parses at most ``limits.max_directory_bytes`` of directory and, when the
    directory is sound, inflates every entry once in 64 KiB chunks (bounded by the declared
    sizes, which are themselves capped).
    """
    zf, findings = open_checked(data, mod_id, limits)
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
    raise_unsafe(inspect_package(data, mod_id=mod_id, limits=limits), mod_id)


def raise_unsafe(findings: list[Finding], mod_id: str) -> None:
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


def open_checked(
    data: bytes, mod_id: str, limits: PackageLimits
) -> tuple[zipfile.ZipFile | None, list[Finding]]:
    """Steps 1-3 of the module docstring; the open archive when its directory is readable."""
    if len(data) > limits.max_package_bytes:
        size = f"package is {len(data)} bytes, over the {limits.max_package_bytes}-byte limit"
        return None, [_unsafe(mod_id, size)]
    problem = directory_problem(data, limits)
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


def directory_problem(data: bytes, limits: PackageLimits) -> str:
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
        out.append(_unsafe(mod_id, f"entry '{shown(name)}' {problem}", shown(name)))
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


def shown(name: str) -> str:
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
            out.append(_unsafe(mod_id, f"'{shown(name)}' appears twice", shown(name)))
        files[key] = name
        parts = key.split("/")
        for depth in range(1, len(parts)):
            folders.setdefault("/".join(parts[:depth]), "/".join(name.split("/")[:depth]))
    for key in sorted(files.keys() & folders.keys()):
        both = shown(files[key])
        out.append(_unsafe(mod_id, f"'{both}' is both a file and a folder", both))
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
            while chunk := src.read(CHUNK):
                count += len(chunk)
                if count > info.file_size:
                    break
                yield chunk
    except ZIP_ERRORS as exc:
        raise PackageUnsafe(
            f"entry '{shown(info.filename)}' is damaged or lies about its data ({exc})",
            mod_id=mod_id,
            file=shown(info.filename),
        ) from exc
    if count != info.file_size:
        raise PackageUnsafe(
            f"entry '{shown(info.filename)}' holds {'more' if count > info.file_size else 'fewer'}"
            f" bytes than the {info.file_size} it declares",
            mod_id=mod_id,
            file=shown(info.filename),
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
