"""The digest of a mod folder: streaming, independent of file-system order, link-refusing.

The contract (DESIGN.md, Signing): SHA-256 over the sorted list of (relative path, SHA-256 of
file) for every file of the mod but the top-level ``mod.sig``. The list is encoded as text,
one ``<sha256 hex>  <relative posix path>\\n`` line per file (the ``sha256sum`` layout), after
the header line ``modhost-mod-digest/1``, sorted by path (code-point order, which is UTF-8
byte order). File names with control characters or that are not UTF-8 are refused, so the
encoding is unambiguous.

A mod folder holds regular files and folders only. A symbolic link (pointing outside the
folder or not), a FIFO or a device is refused with ``PACKAGE_UNSAFE`` and never followed or
opened; files are opened with ``O_NOFOLLOW``, so a link swapped in mid-walk is refused too.
Files are hashed in fixed-size chunks: memory stays flat whatever their size.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ._sigerrors import UnsafeModFolder

SIGFILE_NAME: Final = "mod.sig"
DIGEST_HEADER: Final = "modhost-mod-digest/1\n"
#: More files than this is not a mod (and would make ``mod.sig`` too large to list them).
MAX_FILES: Final = 10_000
#: Directory levels a mod folder may nest. A mod needs a few; a walk past the interpreter's
#: recursion (a thousand levels fit in a path) would fail instead of refusing the folder.
MAX_DEPTH: Final = 32
_CHUNK: Final = 1 << 20
#: A control character (C0 or DEL) or a backslash: never in a mod's paths.
_UNSAFE_CHAR: Final = re.compile(r"[\x00-\x1f\x7f\\]")
_UNSAFE_HINT: Final = (
    "replace links with copies of the files, remove special files; "
    "a mod folder holds regular files and folders only"
)


@dataclass(frozen=True)
class ModDigest:
    """The per-file hashes of a mod folder and their combined digest."""

    #: Relative posix path -> SHA-256 hex of the file, sorted by path.
    files: Mapping[str, str]
    #: The mod digest (SHA-256 hex) over ``files``.
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        ordered = dict(sorted(self.files.items()))
        object.__setattr__(self, "files", ordered)
        object.__setattr__(self, "digest", digest_of(ordered))


@dataclass(frozen=True)
class FileDiff:
    """How a folder's files differ from the ones that were signed."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def describe(self, limit: int = 3) -> str:
        """One line, e.g. ``changed: scripts/a.py; added: x.txt`` (each list cut at limit)."""
        parts = []
        for label, paths in (
            ("changed", self.changed),
            ("added", self.added),
            ("removed", self.removed),
        ):
            if paths:
                more = f" (+{len(paths) - limit} more)" if len(paths) > limit else ""
                parts.append(f"{label}: {', '.join(paths[:limit])}{more}")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, list[str]]:
        """The JSON form used in diagnostics' ``details`` and ``verify --json``."""
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": list(self.changed),
        }


def digest_of(files: Mapping[str, str]) -> str:
    """The mod digest of a (path -> SHA-256 hex) mapping, in any order."""
    h = hashlib.sha256(DIGEST_HEADER.encode("ascii"))
    for path in sorted(files):
        h.update(f"{files[path]}  {path}\n".encode())
    return h.hexdigest()


def diff_files(signed: Mapping[str, str], current: Mapping[str, str]) -> FileDiff:
    """Which files were added, removed or changed since ``signed``."""
    return FileDiff(
        added=tuple(sorted(set(current) - set(signed))),
        removed=tuple(sorted(set(signed) - set(current))),
        changed=tuple(sorted(p for p in set(signed) & set(current) if signed[p] != current[p])),
    )


def has_unsafe_chars(name: str) -> bool:
    """True when ``name`` holds a control character or a backslash (never in a mod's paths:
    they would make the digest's one-line-per-file encoding ambiguous)."""
    return _UNSAFE_CHAR.search(name) is not None


def list_mod_files(folder: Path, *, mod_id: str) -> list[str]:
    """Every file of the mod but the top-level ``mod.sig``, as sorted relative posix paths.

    The folder itself may be a link (``mods/x -> ~/dev/x``); nothing inside it may.

    :raises UnsafeModFolder: a link, a special file, a bad file name, or too many files.
    """
    root = folder.resolve()
    found: list[str] = []
    _walk(root, root, "", found, mod_id)
    found.sort()
    return found


def _walk(
    root: Path, here: Path, prefix: str, found: list[str], mod_id: str, depth: int = 0
) -> None:
    if depth > MAX_DEPTH:
        raise UnsafeModFolder(
            f"{prefix.rstrip('/')} nests folders more than {MAX_DEPTH} levels deep",
            mod_id=mod_id,
            hint="flatten the mod folder",
            details={"reason": "too-deep"},
        )
    try:
        entries = list(os.scandir(here))
    except OSError as exc:
        raise UnsafeModFolder(
            f"cannot list {prefix or '.'}: {exc.strerror or exc}",
            mod_id=mod_id,
            hint="make the mod folder readable",
        ) from exc
    for entry in entries:
        rel = _checked_name(prefix, entry.name, mod_id)
        if entry.is_symlink():
            raise _link_error(root, Path(entry.path), rel, mod_id)
        if entry.is_dir(follow_symlinks=False):
            _walk(root, Path(entry.path), rel + "/", found, mod_id, depth + 1)
        elif entry.is_file(follow_symlinks=False):
            if rel != SIGFILE_NAME:
                found.append(rel)
                if len(found) > MAX_FILES:
                    raise UnsafeModFolder(
                        f"the mod folder has more than {MAX_FILES} files",
                        mod_id=mod_id,
                        hint="pack many small assets into fewer files",
                    )
        else:
            raise _unsafe(
                f"{rel} is not a regular file (a FIFO, socket or device); refusing to read it",
                rel,
                mod_id,
                reason="special-file",
            )


def _checked_name(prefix: str, name: str, mod_id: str) -> str:
    rel = prefix + name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:  # undecodable bytes arrive as lone surrogates
        raise UnsafeModFolder(
            f"a file name in {prefix or '.'} is not valid UTF-8",
            mod_id=mod_id,
            hint="rename the file using UTF-8",
            details={"reason": "bad-name"},
        ) from exc
    if has_unsafe_chars(name):
        raise UnsafeModFolder(
            f"file name {rel!r} contains control characters or a backslash",
            mod_id=mod_id,
            hint="rename the file",
            details={"file": rel, "reason": "bad-name"},
        )
    return rel


def _link_error(root: Path, link: Path, rel: str, mod_id: str) -> UnsafeModFolder:
    try:
        target = Path(os.readlink(link))
    except OSError:
        target = Path("?")
    resolved = (link.parent / target).resolve()
    outside = not resolved.is_relative_to(root)
    where = f"outside the mod folder (to {target})" if outside else f"to {target}"
    return _unsafe(
        f"{rel} is a symbolic link pointing {where}; refusing to follow it",
        rel,
        mod_id,
        reason="symlink-outside" if outside else "symlink",
        target=str(target),
    )


def _unsafe(message: str, rel: str, mod_id: str, *, reason: str, **details: str) -> UnsafeModFolder:
    """The ``PACKAGE_UNSAFE`` error for one file of the mod."""
    return UnsafeModFolder(
        message,
        mod_id=mod_id,
        file=rel,
        hint=_UNSAFE_HINT,
        details={"file": rel, "reason": reason, **details},
    )


def hash_file(path: Path, *, rel: str, mod_id: str) -> str:
    """SHA-256 hex of one file, streamed in 1 MiB chunks.

    :raises UnsafeModFolder: the path became a link or a special file since it was listed.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _unsafe(
            f"cannot open {rel}: {exc.strerror or exc}", rel, mod_id, reason="unreadable"
        ) from exc
    with os.fdopen(fd, "rb", buffering=0) as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _unsafe(
                f"{rel} is not a regular file; refusing to read it",
                rel,
                mod_id,
                reason="special-file",
            )
        h = hashlib.sha256()
        # Most mod files are small: a zeroed 1 MiB buffer for each would cost more than the
        # hashing. One byte over the size reads a file that did not grow in one call.
        buf = bytearray(min(_CHUNK, info.st_size + 1))
        view = memoryview(buf)
        while n := fh.readinto(buf):
            h.update(view[:n])
        return h.hexdigest()


def hash_mod_folder(folder: Path, *, mod_id: str) -> ModDigest:
    """List and hash every file of the mod (see :func:`list_mod_files`).

    Cost: one pass over every byte of the mod, in constant memory.

    :raises UnsafeModFolder: see :func:`list_mod_files` and :func:`hash_file`.
    """
    return hash_listed(folder, list_mod_files(folder, mod_id=mod_id), mod_id=mod_id)


def hash_listed(folder: Path, paths: list[str], *, mod_id: str) -> ModDigest:
    """Hash the files :func:`list_mod_files` returned (saves a second walk).

    :raises UnsafeModFolder: see :func:`hash_file`.
    """
    root = folder.resolve()
    return ModDigest({rel: hash_file(root / rel, rel=rel, mod_id=mod_id) for rel in paths})
