"""The mod digest: contract encoding, order independence, streaming, link refusal."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

from marketplace import SIGFILE_NAME, UnsafeModFolder, hash_mod_folder
from marketplace.signing._digest import DIGEST_HEADER, diff_files, list_mod_files


def test_digest_follows_the_contract(make_mod) -> None:
    folder = make_mod(files={"b.txt": "bee", "a/z.txt": "zed"})
    (folder / SIGFILE_NAME).write_text("ignored")
    found = hash_mod_folder(folder, mod_id="coins")
    sha = {
        rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        for rel in ("a/z.txt", "b.txt", "mod.toml")
    }
    assert dict(found.files) == sha
    text = DIGEST_HEADER + "".join(f"{sha[p]}  {p}\n" for p in sorted(sha))
    assert found.digest == hashlib.sha256(text.encode()).hexdigest()


def test_only_the_top_level_mod_sig_is_left_out(make_mod) -> None:
    folder = make_mod(files={"assets/mod.sig": "a file like any other"})
    (folder / SIGFILE_NAME).write_text("x")
    assert list_mod_files(folder, mod_id="coins") == ["assets/mod.sig", "mod.toml"]


def test_digest_does_not_depend_on_file_system_order(make_mod, monkeypatch) -> None:
    folder = make_mod(files={f"f{i}/x{j}.txt": f"{i}{j}" for i in range(5) for j in range(5)})
    forward = hash_mod_folder(folder, mod_id="coins")
    real_scandir = os.scandir

    def reversed_scandir(path):  # type: ignore[no-untyped-def]
        with real_scandir(path) as it:
            entries = list(it)
        return iter(sorted(entries, key=lambda e: e.name, reverse=True))

    monkeypatch.setattr(os, "scandir", reversed_scandir)
    backward = hash_mod_folder(folder, mod_id="coins")
    assert backward.digest == forward.digest
    assert list(backward.files) == list(forward.files)


def test_any_change_changes_the_digest(make_mod) -> None:
    folder = make_mod()
    before = hash_mod_folder(folder, mod_id="coins").digest
    (folder / "assets" / "data.bin").write_bytes(b"other")
    changed = hash_mod_folder(folder, mod_id="coins").digest
    (folder / "assets" / "data.bin").rename(folder / "assets" / "data2.bin")
    renamed = hash_mod_folder(folder, mod_id="coins").digest
    assert len({before, changed, renamed}) == 3


def test_hashing_streams_large_files(make_mod) -> None:
    folder = make_mod(files={})
    size = 48 * 1024 * 1024
    with (folder / "big.bin").open("wb") as fh:
        fh.truncate(size)  # a sparse file: cheap to create, still read byte by byte
    tracemalloc.start()
    try:
        found = hash_mod_folder(folder, mod_id="coins")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found.files["big.bin"] == hashlib.sha256(bytes(size)).hexdigest()
    assert peak < 8 * 1024 * 1024, f"hashing a {size} byte file peaked at {peak} bytes"


def test_link_pointing_outside_is_refused_and_named(make_mod, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host file")
    folder = make_mod()
    (folder / "assets" / "leak.txt").symlink_to(secret)
    with pytest.raises(UnsafeModFolder) as info:
        hash_mod_folder(folder, mod_id="coins")
    err = info.value
    assert err.code == "PACKAGE_UNSAFE"
    assert err.details["reason"] == "symlink-outside"
    assert err.details["file"] == "assets/leak.txt"
    assert "outside the mod folder" in err.message and "refusing to follow" in err.message
    assert err.hint


def test_link_inside_the_folder_is_refused_too(make_mod) -> None:
    folder = make_mod()
    (folder / "alias.py").symlink_to(folder / "scripts" / "coin.py")
    with pytest.raises(UnsafeModFolder) as info:
        list_mod_files(folder, mod_id="coins")
    assert info.value.details["reason"] == "symlink"


def test_linked_folder_is_refused_not_walked(make_mod, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    folder = make_mod()
    (folder / "more").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(UnsafeModFolder, match="outside the mod folder"):
        list_mod_files(folder, mod_id="coins")


def test_the_mod_folder_itself_may_be_a_link(make_mod, tmp_path: Path) -> None:
    folder = make_mod()
    link = tmp_path / "linked-mod"
    link.symlink_to(folder, target_is_directory=True)
    assert hash_mod_folder(link, mod_id="coins") == hash_mod_folder(folder, mod_id="coins")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(make_mod) -> None:
    folder = make_mod()
    os.mkfifo(folder / "pipe")
    with pytest.raises(UnsafeModFolder) as info:
        hash_mod_folder(folder, mod_id="coins")
    assert info.value.details["reason"] == "special-file"


def test_control_characters_in_names_are_refused(make_mod) -> None:
    folder = make_mod(files={"bad\nname.txt": "x"})
    with pytest.raises(UnsafeModFolder, match="control characters"):
        list_mod_files(folder, mod_id="coins")


def test_diff_names_added_removed_and_changed() -> None:
    signed = {"a": "1" * 64, "b": "2" * 64, "c": "3" * 64}
    current = {"a": "1" * 64, "b": "9" * 64, "d": "4" * 64}
    diff = diff_files(signed, current)
    assert (diff.added, diff.removed, diff.changed) == (("d",), ("c",), ("b",))
    assert diff.describe() == "changed: b; added: d; removed: c"
    assert not diff_files(signed, dict(signed))
