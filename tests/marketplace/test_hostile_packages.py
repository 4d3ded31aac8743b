"""Hostile packages are refused with PACKAGE_UNSAFE at every step, in bounded memory.

Each class of hostile package is checked at ``submit`` (refused before anything is stored)
and, stored straight into the store as an older store might hold it, at ``request-review``,
``show`` and ``install`` through the command line: each step answers PACKAGE_UNSAFE, never
a traceback or HOST_INTERNAL_ERROR.
"""

from __future__ import annotations

import io
import json
import re
import stat
import struct
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from host_api import DiagnosticCode
from marketplace import (
    Marketplace,
    PackageLimits,
    PackageUnsafe,
    QuotaExceeded,
    State,
    inspect_package,
    pack_bytes,
    read_package,
    safe_extract,
)
from runtime.cli._cli import build_app

from .conftest import store_directly

MakeMod = Callable[..., Path]
FILE = stat.S_IFREG | 0o644


def _with_entries(folder: Path, extra: list[tuple[str, bytes]]) -> bytes:
    """The mod folder's files plus ``extra`` entries, written as a hostile tool would."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
        for name, data in extra:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = FILE << 16
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Duplicate name": on purpose
                zf.writestr(info, data)
    return buffer.getvalue()


def _crc_lie(folder: Path) -> bytes:
    data = bytearray(_with_entries(folder, [("assets/data.bin", b"A" * 4000)]))
    central = data.rindex(b"PK\x01\x02")
    local = data.rindex(b"PK\x03\x04")
    for offset in (central + 16, local + 14):  # the CRC-32 fields
        data[offset : offset + 4] = b"\x00\x00\x00\x00"
    return bytes(data)


def _not_utf8(folder: Path) -> bytes:
    data = bytearray(_with_entries(folder, [("assets/xx.txt", b"hi")]))
    # Replace the name's bytes in both headers with Latin-1 bytes, flag bit 11 off.
    for marker, flags, name in ((b"PK\x01\x02", 8, 46), (b"PK\x03\x04", 6, 30)):
        at = data.rindex(marker)
        assert data[at + name : at + name + 13] == b"assets/xx.txt"
        data[at + name + 7 : at + name + 9] = b"\xe9\xe8"
        data[at + flags : at + flags + 2] = b"\x00\x00"
    return bytes(data)


HOSTILE: dict[str, tuple[Callable[[Path], bytes], str]] = {
    "long-name": (
        lambda f: _with_entries(f, [("assets/" + "n" * 300 + ".txt", b"x")]),
        "name longer than 240 bytes",
    ),
    "deep-path": (
        lambda f: _with_entries(f, [("/".join(["d"] * 40) + "/x.txt", b"x")]),
        "41 levels deep",
    ),
    "file-and-folder": (
        lambda f: _with_entries(f, [("assets", b"x"), ("assets/x.txt", b"y")]),
        "'assets' is both a file and a folder",
    ),
    "duplicate": (
        lambda f: _with_entries(f, [("assets/a.txt", b"1"), ("assets/a.txt", b"2")]),
        "appears twice",
    ),
    "crc-mismatch": (_crc_lie, "damaged or lies about its data"),
    "not-utf8": (_not_utf8, "not UTF-8"),
    "control-char": (
        lambda f: _with_entries(f, [("assets/a\x1bb.txt", b"x")]),
        "control character",
    ),
    "not-a-zip": (lambda f: b"this is not a zip archive at all", "not a zip archive"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_submit_refuses_before_storing(
    case: str, market: Marketplace, make_mod: MakeMod, tmp_path: Path
) -> None:
    build, expected = HOSTILE[case]
    package = build(make_mod())
    with pytest.raises(PackageUnsafe) as refused:
        market.submit(package, actor="ada")
    assert expected in refused.value.message
    assert market.store.submissions() == []
    with pytest.raises(PackageUnsafe, match=re.escape(expected)):
        safe_extract(package, tmp_path / "out", mod_id="coin")


class Cli:
    def __init__(self, store: str) -> None:
        self.store = store
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int = 0) -> dict[str, object]:
        argv = ["market", *args, "--store", self.store, "--json"]
        result = self.runner.invoke(build_app(), argv, catch_exceptions=False)
        assert result.exit_code == expect, (argv, result.stdout, result.stderr)
        doc: dict[str, object] = json.loads(result.stdout)
        return doc


def _codes(doc: dict[str, object]) -> set[str]:
    return {str(d["code"]) for d in doc["diagnostics"]}  # type: ignore[attr-defined, index]


@pytest.mark.parametrize("case", sorted(set(HOSTILE) - {"not-a-zip"}))
def test_every_later_step_refuses_a_stored_hostile_package(
    case: str, market: Marketplace, make_mod: MakeMod, store_url: str, tmp_path: Path
) -> None:
    market.submit(pack_bytes(make_mod("coin", "0.9.0")), actor="ada")
    package = HOSTILE[case][0](make_mod())
    sub = store_directly(market.store, package, "coin", "1.0.0", "ada")
    cli = Cli(store_url)

    reviewed = cli("request-review", str(sub.id), "--as", "ada", expect=1)["submission"]
    assert reviewed["state"] == "review"  # type: ignore[index]
    findings = reviewed["findings"]  # type: ignore[index]
    assert ("package", "PACKAGE_UNSAFE") in {(f["gate"], f["code"]) for f in findings}

    shown = cli("show", str(sub.id))
    assert [f["code"] for f in shown["package_unsafe"]] == ["PACKAGE_UNSAFE"]  # type: ignore[attr-defined]

    # Published behind the gates' back (as a store from before a limit would hold it):
    # install still refuses it, and leaves mods/ untouched.
    for seq, (a, b) in enumerate(
        [(State.REVIEW, State.APPROVED), (State.APPROVED, State.PUBLISHED)], start=2
    ):
        market.store.transition(
            sub.id, expected_state=a, expected_revision=seq, to_state=b, actor="x"
        )
    mods = tmp_path / "mods"
    refused = cli("install", "coin", "--mods", str(mods), expect=1)
    assert _codes(refused) == {"PACKAGE_UNSAFE"}
    assert list(mods.iterdir()) == []


def _empty_entries_zip(count: int, *, claim: int | None = None) -> bytes:
    """``count`` empty stored entries, written directly (zipfile would take minutes); the
    end record says ``claim`` entries (default: the truth, through a zip64 record)."""
    local = bytearray()
    central = bytearray()
    for i in range(count):
        name = f"e{i}".encode()
        offset = len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 33, 0, 0, 0, len(name), 0)
        local += name
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            0,
            0,
            33,
            0,
            0,
            0,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    if claim is not None:
        end = struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, claim, claim, len(central), len(local), 0
        )
        return bytes(local + central + end)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(central), len(local), 0)
    zip64_end = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central), len(local)
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(local) + len(central), 1)
    return bytes(local + central + zip64_end + locator + end)


def test_many_empty_entries_are_refused_from_the_end_record() -> None:
    data = _empty_entries_zip(600_000)
    assert len(data) > 50 * 1024 * 1024 - 20 * 1024 * 1024  # tens of MiB
    tracemalloc.start()
    try:
        findings = inspect_package(data, mod_id="many")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [f.message for f in findings] == ["600000 entries, over the 4000-entry limit"]
    assert peak < 1024 * 1024  # nothing of the 600,000 entries was parsed


def test_an_end_record_that_understates_its_entries_is_refused_by_directory_size() -> None:
    data = _empty_entries_zip(100_000, claim=10)
    tracemalloc.start()
    try:
        [finding] = inspect_package(data, mod_id="many")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (
        "zip directory is" in finding.message and "over the 2097152-byte limit" in finding.message
    )
    assert peak < 1024 * 1024


def test_a_big_package_file_is_refused_by_its_size_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.modpkg"
    with big.open("wb") as fh:
        fh.truncate(512 * 1024 * 1024)  # sparse: no disk used
    tracemalloc.start()
    try:
        with pytest.raises(PackageUnsafe, match="over the 67108864-byte limit"):
            read_package(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


def test_submit_junk_says_it_is_not_a_package(store_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.modpkg"
    junk.write_text("hello")
    runner = CliRunner()
    argv = ["market", "submit", str(junk), "--store", store_url, "--as", "ada"]
    result = runner.invoke(build_app(), argv, catch_exceptions=False)
    assert result.exit_code == 1
    assert "PACKAGE_UNSAFE" in result.stderr
    assert "not a modhost package (not a zip archive)" in result.stderr


def test_install_takes_a_mod_id_not_a_package_file(store_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "coin-1.0.0.modpkg"
    junk.write_text("hello")
    runner = CliRunner()
    for request in (str(junk), "coin-1.0.0.modpkg"):
        argv = ["market", "install", request, "--store", store_url, "--mods", str(tmp_path)]
        result = runner.invoke(build_app(), argv, catch_exceptions=False)
        assert result.exit_code == 2, result.stderr
        assert "takes ID or ID@RANGE of a published mod" in result.stderr


def test_limits_are_configurable(make_mod: MakeMod) -> None:
    package = _with_entries(make_mod(), [("a/b/c/d.txt", b"x")])
    assert inspect_package(package, mod_id="coin") == []
    [deep] = inspect_package(package, mod_id="coin", limits=PackageLimits(max_depth=3))
    assert deep.code == DiagnosticCode.PACKAGE_UNSAFE and "4 levels deep" in deep.message


def test_author_quota_of_open_submissions(market: Marketplace, make_mod: MakeMod) -> None:
    market.max_open = 2
    for version in ("1.0.0", "1.1.0"):
        market.submit(pack_bytes(make_mod("coin", version)), actor="ada")
    artifacts_before = len({s.artifact for s in market.store.submissions()})
    with pytest.raises(QuotaExceeded) as refused:
        market.submit(pack_bytes(make_mod("coin", "1.2.0")), actor="ada")
    assert refused.value.to_diagnostic().code == DiagnosticCode.MARKET_QUOTA_EXCEEDED
    assert len(market.store.submissions()) == 2
    assert len({s.artifact for s in market.store.submissions()}) == artifacts_before
    # The quota counts open submissions only: a rejected one frees its place.
    first = market.store.submissions()[0]
    market.request_review(first.id, actor="ada")
    market.reject(first.id, actor="rex", reason="no")
    assert market.submit(pack_bytes(make_mod("coin", "1.2.0")), actor="ada").state == State.DRAFT


def test_review_of_a_stored_many_entries_package_stays_small(
    market: Marketplace, make_mod: MakeMod
) -> None:
    sub = store_directly(market.store, _empty_entries_zip(600_000), "coin", "1.0.0", "ada")
    tracemalloc.start()
    try:
        reviewed = market.request_review(sub.id, actor="ada")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The package itself (51 MiB, under the 64 MiB package limit) and a few MiB more.
    assert peak < 64 * 1024 * 1024
    errors = {(f.gate, f.code, f.message) for f in reviewed.findings if f.severity == "error"}
    assert ("package", "PACKAGE_UNSAFE", "600000 entries, over the 4000-entry limit") in errors
