"""FIFOs, sockets and links in a mod folder: never opened by any step, never a hang.

Opening a FIFO for reading blocks until something writes to it; every step that looks at a
mod's files (discovery, the watcher's fingerprint, the signing digest, reading mod.toml,
scripts, components and assets) decides on ``lstat`` data first. Each CLI run below has a
subprocess timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from host_api import (
    DiagnosticCode,
    FileAccessDenied,
    ManifestInvalid,
    UnsafeFile,
    load_manifest,
    read_regular,
)
from host_api._fs import read_inside
from runtime.reload._watcher import folder_fingerprint

from .conftest import WAIT_S, MakeMod, write

pytestmark = pytest.mark.timeout(120)

SCRIPT = "def on_tick(ctx, dt):\n    ctx.state['n'] = ctx.state.get('n', 0) + 1\n"


@pytest.fixture
def specials(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A FIFO, a bound unix socket and a symlink (to a regular file) in one folder."""
    folder = tmp_path / "sp"
    folder.mkdir()
    os.mkfifo(folder / "fifo")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock"))
    (folder / "real.txt").write_text("hello", encoding="utf-8")
    (folder / "link").symlink_to(folder / "real.txt")
    yield {"fifo": folder / "fifo", "sock": folder / "sock", "link": folder / "link"}
    server.close()


def _add_specials(folder: Path) -> socket.socket:
    os.mkfifo(folder / "pipe")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "s"))
    return server


def _modhost(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "runtime", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=WAIT_S * 2,
    )
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize("kind", ["fifo", "sock", "link"])
def test_read_regular_refuses_without_opening(specials: dict[str, Path], kind: str) -> None:
    with pytest.raises(UnsafeFile) as info:
        read_regular(specials[kind], max_bytes=1024)
    assert info.value.code == DiagnosticCode.PACKAGE_UNSAFE
    assert "not a regular file" in info.value.message


def test_read_regular_checks_the_size_before_reading(tmp_path: Path) -> None:
    sparse = tmp_path / "huge.wasm"
    with sparse.open("wb") as fh:
        fh.truncate(2 << 30)  # 2 GiB, no data blocks: reading it whole would take 2 GiB
    with pytest.raises(UnsafeFile) as info:
        read_regular(sparse, max_bytes=1 << 20)
    assert "larger than" in info.value.message
    small = tmp_path / "small.txt"
    small.write_bytes(b"12345")
    assert read_regular(small, max_bytes=5) == b"12345"
    with pytest.raises(UnsafeFile):
        read_regular(small, max_bytes=4)


@pytest.mark.parametrize("kind", ["fifo", "sock"])
def test_fs_read_of_a_special_file_is_denied(specials: dict[str, Path], kind: str) -> None:
    root = specials[kind].parent
    with pytest.raises(FileAccessDenied) as info:
        read_inside(root, kind, mod_id="m", max_bytes=1024)
    assert info.value.code == DiagnosticCode.CAPABILITY_DENIED
    assert "not a regular file" in info.value.message


def test_a_fifo_named_mod_toml_is_package_unsafe(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    os.mkfifo(folder / "mod.toml")
    with pytest.raises(ManifestInvalid) as info:
        load_manifest(folder)
    assert info.value.code == DiagnosticCode.PACKAGE_UNSAFE


def test_the_fingerprint_uses_stat_data_for_special_files(make_mod: MakeMod) -> None:
    folder = make_mod("alpha", scripts={"main.py": SCRIPT})
    before = folder_fingerprint(folder)
    server = _add_specials(folder)
    try:
        with_specials = folder_fingerprint(folder)  # returns: the FIFO is never opened
        assert with_specials is not None and with_specials != before
        assert folder_fingerprint(folder) == with_specials
    finally:
        server.close()


def test_check_and_run_report_special_files_and_load_the_other_mods(
    make_mod: MakeMod, mods_dir: Path
) -> None:
    bad = make_mod("alpha", scripts={"main.py": SCRIPT})
    make_mod("beta", scripts={"main.py": SCRIPT})
    server = _add_specials(bad)
    os.mkfifo(bad / "scripts" / "fifo.py")
    try:
        code, report = _modhost("check", "--mods", str(mods_dir))
        assert code == 1
        codes = {d["code"] for d in report["mods"]["alpha"]["diagnostics"]}
        assert DiagnosticCode.PACKAGE_UNSAFE in codes
        code, report = _modhost("run", "--mods", str(mods_dir), "--headless", "--ticks", "5")
        assert report["mods"]["alpha"]["state"] == "failed"
        assert report["mods"]["beta"]["state"] == "running"
        assert report["ticks"] == 5
    finally:
        server.close()


def test_run_watch_survives_special_files_appearing_in_a_mod(
    make_mod: MakeMod, mods_dir: Path
) -> None:
    folder = make_mod("alpha", scripts={"main.py": SCRIPT})
    make_mod("beta", scripts={"main.py": SCRIPT})
    command = [sys.executable, "-m", "runtime", "run", "--mods", str(mods_dir)]
    command += ["--headless", "--watch", "--seconds", "3", "--json"]
    server: socket.socket | None = None
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stderr is not None
            for line in process.stderr:
                if "watching" in line:
                    break
            server = _add_specials(folder)
            write(folder / "scripts" / "main.py", SCRIPT + "# edited\n")
            out, _ = process.communicate(timeout=WAIT_S * 2)
        finally:
            process.kill()
            if server is not None:
                server.close()
    report = json.loads(out)
    assert report["mods"]["beta"]["state"] == "running"
    assert report["ticks"] > 0
    diagnostics = report["mods"]["alpha"]["diagnostics"]
    assert any(d["code"] in ("PACKAGE_UNSAFE", "RELOAD_ROLLED_BACK") for d in diagnostics), (
        diagnostics
    )
