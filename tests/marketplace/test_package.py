"""Packing, and refusing hostile packages before a byte is extracted."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from host_api import DiagnosticCode
from marketplace import PackageLimits, PackageUnsafe, inspect_package, pack_bytes, safe_extract

Entry = tuple[str, bytes, int]  # name, data, unix mode


def _zip(entries: list[Entry], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            info.compress_type = compression
            zf.writestr(info, data)
    return buffer.getvalue()


MANIFEST = ("mod.toml", b'id = "coin"\nname = "Coin"\nversion = "1.0.0"\n', 0o100644)
FILE = stat.S_IFREG | 0o644


def test_pack_is_deterministic_and_round_trips(
    make_mod: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_mod()
    first = pack_bytes(folder)
    os.utime(folder / "mod.toml", (1, 1))
    assert pack_bytes(folder) == first
    assert inspect_package(first, mod_id="coin") == []
    names = safe_extract(first, tmp_path / "out", mod_id="coin")
    assert sorted(names) == ["mod.sig", "mod.toml", "scripts/main.py"]
    for name in names:
        assert (tmp_path / "out" / name).read_bytes() == (folder / name).read_bytes()


def test_pack_refuses_a_symlink_in_the_folder(make_mod: Callable[..., Path]) -> None:
    folder = make_mod(key=None)
    (folder / "link").symlink_to("/etc/passwd")
    with pytest.raises(PackageUnsafe, match="link"):
        pack_bytes(folder)


HOSTILE: dict[str, tuple[list[Entry], str]] = {
    "zip-slip": ([MANIFEST, ("../../evil.py", b"x", FILE)], "escapes the mod folder"),
    "nested-slip": ([MANIFEST, ("scripts/../../evil.py", b"x", FILE)], "escapes"),
    "absolute": ([MANIFEST, ("/etc/cron.d/evil", b"x", FILE)], "absolute path"),
    "drive": ([MANIFEST, ("C:/evil", b"x", FILE)], "absolute path"),
    "backslash": ([MANIFEST, ("..\\evil", b"x", FILE)], "backslash"),
    "symlink": (
        [MANIFEST, ("scripts/link.py", b"/etc/passwd", stat.S_IFLNK | 0o777)],
        "symbolic link",
    ),
    "device": ([MANIFEST, ("dev", b"", stat.S_IFCHR | 0o644)], "device"),
    "fifo": ([MANIFEST, ("pipe", b"", stat.S_IFIFO | 0o644)], "device or special"),
    "duplicate": ([MANIFEST, ("a.txt", b"1", FILE), ("A.TXT", b"2", FILE)], "appears twice"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_entries_are_refused_before_extraction(case: str, tmp_path: Path) -> None:
    entries, expected = HOSTILE[case]
    data = _zip(entries)
    findings = inspect_package(data, mod_id="coin")
    assert any(
        f.code == DiagnosticCode.PACKAGE_UNSAFE and expected in f.message for f in findings
    ), findings
    dest = tmp_path / "dest"
    with pytest.raises(PackageUnsafe) as info:
        safe_extract(data, dest, mod_id="coin")
    assert info.value.to_diagnostic().code == DiagnosticCode.PACKAGE_UNSAFE
    assert not dest.exists()
    assert not (tmp_path / "evil.py").exists()


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    bomb = _zip([MANIFEST, ("assets/zeros.bin", b"\0" * (20 * 1024 * 1024), FILE)])
    assert len(bomb) < 100_000
    findings = inspect_package(bomb, mod_id="coin")
    assert any("zip bomb" in f.message for f in findings)
    with pytest.raises(PackageUnsafe, match="zip bomb"):
        safe_extract(bomb, tmp_path / "d", mod_id="coin")
    assert not (tmp_path / "d").exists()


def test_total_size_and_file_count_limits() -> None:
    entries = [MANIFEST] + [(f"f{i}", os.urandom(300), FILE) for i in range(4)]
    limits = PackageLimits(max_files=3)
    messages = [f.message for f in inspect_package(_zip(entries), mod_id="c", limits=limits)]
    assert messages == ["5 files, over the 3-file limit"]
    limits = PackageLimits(max_entries=4)
    messages = [f.message for f in inspect_package(_zip(entries), mod_id="c", limits=limits)]
    assert messages == ["5 entries, over the 4-entry limit"]
    limits = PackageLimits(max_total_bytes=1000)
    messages = [f.message for f in inspect_package(_zip(entries), mod_id="c", limits=limits)]
    assert any("over the 1000-byte limit" in m for m in messages)


def test_lying_size_headers_are_caught_while_streaming(tmp_path: Path) -> None:
    data = bytearray(
        _zip([MANIFEST, ("big.bin", b"A" * 5000, FILE)], compression=zipfile.ZIP_STORED)
    )
    # Rewrite the declared uncompressed size of big.bin (central directory and local
    # header) from 5000 to 10, as a bomb that lies about itself would.
    real = (5000).to_bytes(4, "little")
    fake = (10).to_bytes(4, "little")
    local = data.index(b"PK\x03\x04", 1)
    data[local + 22 : local + 26] = fake
    central = data.rindex(b"PK\x01\x02")
    assert data[central + 24 : central + 28] == real
    data[central + 24 : central + 28] = fake
    with pytest.raises(PackageUnsafe, match=r"big\.bin"):
        safe_extract(bytes(data), tmp_path / "d", mod_id="coin")
    [finding] = inspect_package(bytes(data), mod_id="coin")
    assert finding.code == DiagnosticCode.PACKAGE_UNSAFE and finding.file == "big.bin"


def test_garbage_and_missing_manifest() -> None:
    [bad] = inspect_package(b"not a zip", mod_id="coin")
    assert bad.code == DiagnosticCode.PACKAGE_UNSAFE
    assert bad.message == "not a modhost package (not a zip archive)"
    [missing] = inspect_package(_zip([("readme.txt", b"hi", FILE)]), mod_id="coin")
    assert missing.code == DiagnosticCode.MANIFEST_NOT_FOUND
