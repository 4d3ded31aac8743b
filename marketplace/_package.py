"""``.modpkg`` packages: a deterministic zip of one mod folder, and its safe unpacking.

A package holds the mod folder's files at its root (``mod.toml``, ``mod.sig``,
``scripts/...``). :func:`inspect_package` reads only the central directory and reports every
reason not to extract (absolute paths, ``..``, links, device files, encryption, too many
files, too many bytes, suspicious compression ratios), so a zip bomb is refused before a
byte is inflated. :func:`safe_extract` re-checks while streaming, because the sizes in a
zip's headers are claims, not facts.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from host_api import MANIFEST_FILE, DiagnosticCode

from ._errors import PackageUnsafe
from ._model import Finding

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


def inspect_package(
    data: bytes, *, mod_id: str, limits: PackageLimits = DEFAULT_LIMITS
) -> list[Finding]:
    """Every reason not to extract ``data``, without extracting anything (gate ``package``)."""
    if len(data) > limits.max_package_bytes:
        return [
            _unsafe(
                mod_id,
                f"package is {len(data)} bytes, over the {limits.max_package_bytes}-byte limit",
            )
        ]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return [_unsafe(mod_id, f"not a valid zip archive: {exc}")]
    findings = [f for info in infos for f in _check_entry(info, mod_id, limits)]
    files = [i for i in infos if not i.is_dir()]
    findings += _check_totals(files, mod_id, limits)
    seen: set[str] = set()
    for info in files:
        key = info.filename.casefold()
        if key in seen:
            findings.append(_unsafe(mod_id, f"'{info.filename}' appears twice", info.filename))
        seen.add(key)
    if MANIFEST_FILE not in {i.filename for i in files}:
        findings.append(
            Finding(
                gate="package",
                code=DiagnosticCode.MANIFEST_NOT_FOUND,
                message=f"the package has no {MANIFEST_FILE} at its root",
                mod=mod_id,
                hint="pack the mod folder itself: 'modhost market pack mods/<id>'",
            )
        )
    return findings


def _check_entry(info: zipfile.ZipInfo, mod_id: str, limits: PackageLimits) -> list[Finding]:
    name = info.filename
    out: list[Finding] = []
    problem = _path_problem(name)
    if problem:
        out.append(_unsafe(mod_id, f"entry '{name}' {problem}", name))
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


def _path_problem(name: str) -> str:
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if "\\" in name or "\x00" in name:
        return "contains a backslash or NUL"
    parts = PurePosixPath(name.rstrip("/")).parts
    if ".." in parts:
        return "escapes the mod folder with '..'"
    if any(p in ("", ".") for p in name.rstrip("/").split("/")):
        return "has an empty or '.' path segment"
    return ""


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
    """One file of a package (e.g. ``mod.toml``), read with a size cap; None if absent."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            try:
                info = zf.getinfo(name)
            except KeyError:
                return None
            if info.file_size > max_bytes:
                return None
            with zf.open(info) as fh:
                return fh.read(max_bytes + 1)[:max_bytes]
    except (zipfile.BadZipFile, ValueError, OSError):
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

    :raises PackageUnsafe: :func:`inspect_package` found a problem, or an entry inflated past
        its declared size or the limits (then ``dest`` may hold a partial extraction: extract
        into a staging folder).
    """
    findings = [
        f
        for f in inspect_package(data, mod_id=mod_id, limits=limits)
        if f.code == DiagnosticCode.PACKAGE_UNSAFE
    ]
    if findings:
        raise PackageUnsafe(
            f"package refused: {findings[0].message}"
            + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""),
            mod_id=mod_id,
            file=findings[0].file,
            details={"problems": [f.message for f in findings]},
        )
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written: list[str] = []
    budget = limits.max_total_bytes
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = [i for i in zf.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in files)
        for info in files:
            target = (root / info.filename).resolve()
            if not target.is_relative_to(root):
                raise PackageUnsafe(
                    f"entry '{info.filename}' escapes the destination",
                    mod_id=mod_id,
                    file=info.filename,
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            budget -= _copy_capped(zf, info, target, budget, mod_id)
            written.append(info.filename)
            if progress is not None:
                progress(limits.max_total_bytes - budget, total)
    return written


def _copy_capped(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, mod_id: str
) -> int:
    cap = min(info.file_size, budget)
    count = 0
    # O_EXCL: never write through a file (or link) that is already there.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as out, zf.open(info) as src:
        while chunk := src.read(_CHUNK):
            count += len(chunk)
            if count > cap:
                raise PackageUnsafe(
                    f"entry '{info.filename}' inflates past its declared size or the limit",
                    mod_id=mod_id,
                    file=info.filename,
                )
            out.write(chunk)
    return count
