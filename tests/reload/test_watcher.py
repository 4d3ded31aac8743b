"""The real watcher on a real ``mods/`` folder: saves become reloads, bursts coalesce, temp
files never trigger one and partially written files never load.

Waits are bounded and wait for events (a batch, a counter); none measures time.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import runtime.reload._watcher as watcher_module
from runtime import Host
from runtime.reload._watcher import (
    HASHED_BYTES,
    ModWatcher,
    folder_fingerprint,
    is_temporary,
    mod_folder_of,
    open_for_writing,
)

from .conftest import WAIT_S, MakeMod, logs, reload_next, wait_until, write

Loaded = Callable[[], Host]
Live = Callable[[], ModWatcher]

TICKER = "def on_tick(ctx, dt):\n    ctx.log('{tag} %d' % ctx.tick)\n"


def _ticker(make_mod: MakeMod, mod_id: str, tag: str = "v1") -> Path:
    return make_mod(mod_id, scripts={"main.py": TICKER.format(tag=tag)})


def test_a_saved_script_runs_from_the_next_tick(
    make_mod: MakeMod, loaded: Loaded, live: Live
) -> None:
    folder = _ticker(make_mod, "alpha")
    host = loaded()
    host.step(2)
    watcher = live()
    write(folder / "scripts" / "main.py", TICKER.format(tag="v2"))

    result = reload_next(host, watcher)

    assert result.reloaded == ("alpha",) and result.ok
    host.step(1)
    assert logs(host, "alpha")[-2:] == ["v1 2", "v2 3"]


def test_an_editor_save_burst_is_one_reload(
    make_mod: MakeMod, mods_dir: Path, loaded: Loaded
) -> None:
    folder = _ticker(make_mod, "alpha")
    _ticker(make_mod, "sentinel")
    host = loaded()
    target = folder / "scripts" / "main.py"
    # A long quiet step makes "one burst" independent of how busy the machine is.
    with ModWatcher(mods_dir, step_ms=300) as watcher:
        # What an editor does for one save: swap file, temp file, fsync, rename, backup.
        (target.parent / ".main.py.swp").write_bytes(b"swap")
        tmp = target.with_name("main.py.tmp")
        with tmp.open("w") as f:
            f.write(TICKER.format(tag="v2"))
            f.flush()
            os.fsync(f.fileno())
        shutil.copy(target, target.with_name("main.py~"))
        os.replace(tmp, target)
        (target.parent / ".main.py.swp").unlink()

        result = reload_next(host, watcher)
        assert result.reloaded == ("alpha",)
        # A later save elsewhere arrives as the next batch: nothing of the burst was left.
        write(mods_dir / "sentinel" / "scripts" / "main.py", TICKER.format(tag="s2"))
        assert watcher.wait(WAIT_S) == {"sentinel"}
        assert watcher.batches == 2
    host.step(1)
    assert logs(host, "alpha")[-1] == "v2 1"


def test_temp_and_backup_files_never_trigger_a_reload(
    make_mod: MakeMod, mods_dir: Path, live: Live
) -> None:
    folder = _ticker(make_mod, "alpha")
    _ticker(make_mod, "sentinel")
    watcher = live()
    for name in (".#main.py", "main.py~", ".main.py.swp", "4913", "main.py.tmp", "x.pyc"):
        (folder / "scripts" / name).write_text("junk")
    (folder / "scripts" / "__pycache__").mkdir()
    (folder / "scripts" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0")
    (mods_dir / "README.txt").write_text("a plain file next to the mods")
    write(mods_dir / "sentinel" / "scripts" / "main.py", TICKER.format(tag="s2"))

    # Everything above happened before the sentinel save, so it would be in this batch.
    assert watcher.wait(WAIT_S) | watcher.take() == {"sentinel"}


def test_a_partially_written_file_never_loads(
    make_mod: MakeMod, loaded: Loaded, live: Live
) -> None:
    folder = _ticker(make_mod, "alpha")
    host = loaded()
    watcher = live()
    target = folder / "scripts" / "main.py"
    text = TICKER.format(tag="v2")
    with target.open("w") as f:
        # The first half is valid Python that would run if it loaded: it must not.
        f.write("def on_tick(ctx, dt):\n    ctx.log('HALF')\n")
        f.flush()
        wait_until(lambda: watcher.held_back > 0, "the watcher to hold the open file back")
        assert watcher.take() == frozenset()
        f.seek(0)
        f.truncate()
        f.write(text)

    result = reload_next(host, watcher)

    assert result.reloaded == ("alpha",) and result.ok
    host.step(1)
    assert logs(host, "alpha") == ["v2 1"]


def test_new_and_deleted_folders_load_and_unload(
    make_mod: MakeMod, mods_dir: Path, loaded: Loaded, live: Live
) -> None:
    _ticker(make_mod, "alpha")
    host = loaded()
    watcher = live()
    _ticker(make_mod, "beta")
    assert reload_next(host, watcher).loaded == ("beta",)
    shutil.rmtree(mods_dir / "alpha")
    assert reload_next(host, watcher).unloaded == ("alpha",)
    assert host.load_order == ("beta",)


def test_a_broken_save_is_rolled_back_and_the_next_save_fixes_it(
    make_mod: MakeMod, loaded: Loaded, live: Live
) -> None:
    folder = _ticker(make_mod, "alpha")
    host = loaded()
    watcher = live()
    write(folder / "scripts" / "main.py", "def on_tick(ctx, dt)\n")
    assert reload_next(host, watcher).rolled_back == ("alpha",)
    host.step(1)
    assert logs(host, "alpha") == ["v1 1"]
    write(folder / "scripts" / "main.py", TICKER.format(tag="v3"))
    assert reload_next(host, watcher).reloaded == ("alpha",)
    host.step(1)
    assert logs(host, "alpha") == ["v1 1", "v3 2"]


def test_temporary_names() -> None:
    for name in (".#coin.py", ".coin.py.swp", "coin.py~", "4913", "coin.py.tmp", "a___jb_tmp___"):
        assert is_temporary(name), name
    for name in ("coin.py", "mod.toml", "mod.sig", "data.bin", "main.py.txt"):
        assert not is_temporary(name), name


def test_mod_folder_of(mods_dir: Path) -> None:
    (mods_dir / "coins" / "scripts").mkdir(parents=True)
    (mods_dir / "notes.txt").write_text("x")
    assert mod_folder_of(mods_dir, mods_dir / "coins" / "scripts" / "coin.py") == "coins"
    assert mod_folder_of(mods_dir, mods_dir / "coins") == "coins"
    assert mod_folder_of(mods_dir, mods_dir / "gone") == "gone"  # a deleted folder
    assert mod_folder_of(mods_dir, mods_dir / "notes.txt") is None
    assert mod_folder_of(mods_dir, mods_dir / "coins" / "scripts" / ".coin.py.swp") is None
    assert mod_folder_of(mods_dir, mods_dir / "coins" / "__pycache__" / "x.pyc") is None
    assert mod_folder_of(mods_dir, mods_dir / ".git" / "HEAD") is None
    assert mod_folder_of(mods_dir, mods_dir.parent / "elsewhere.py") is None
    assert mod_folder_of(mods_dir, mods_dir) is None


def test_open_for_writing(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_text("x = 1\n")
    assert not open_for_writing(path)
    with path.open("a") as f:
        f.write("y = 2\n")
        assert open_for_writing(path)
    assert not open_for_writing(path)
    assert not open_for_writing(tmp_path / "missing.py")


def test_folder_fingerprint(tmp_path: Path) -> None:
    folder = tmp_path / "mod"
    write(folder / "scripts" / "a.py", "x = 1\n")
    first = folder_fingerprint(folder)
    write(folder / "scripts" / "a.py", "x = 1\n")  # saved again, same content
    (folder / "scripts" / ".a.py.swp").write_text("swap")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "a.pyc").write_bytes(b"\0")
    assert folder_fingerprint(folder) == first
    write(folder / "scripts" / "a.py", "x = 2\n")
    assert folder_fingerprint(folder) != first
    big = folder / "assets" / "big.bin"
    big.parent.mkdir()
    big.write_bytes(b"\1" * (HASHED_BYTES + 1))
    with_big = folder_fingerprint(folder)
    os.utime(big, ns=(1, 1))  # a big file counts by size and modification time
    assert folder_fingerprint(folder) != with_big
    assert folder_fingerprint(tmp_path / "gone") is None


def test_a_file_kept_open_for_good_does_not_stop_reloads(
    make_mod: MakeMod, mods_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watcher_module, "MAX_HOLD_S", 0.2)
    folder = _ticker(make_mod, "alpha")
    with ModWatcher(mods_dir) as watcher, (folder / "tool.log").open("w") as log:
        log.write("a tool that never closes its file\n")
        log.flush()
        assert watcher.wait(WAIT_S) == {"alpha"}
        assert watcher.held_back > 0
