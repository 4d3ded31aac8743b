"""Documents nested past the parser's recursion, or holding a number past the interpreter's
digit limit, and mod folders nested past the walkers' recursion: every reader of a file,
folder or answer someone else wrote (a manifest, a package's manifest, a signature, a market
index, the policy, a mod's storage, the signing digest, the packer, the reload watcher)
reports it as its own invalid-input diagnostic, never an internal error, and the host goes
on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from host_api import (
    ManifestInvalid,
    ModStorage,
    PolicyError,
    load_policy,
    parse_manifest,
)
from marketplace import IndexRejected, PackageLimits, pack_bytes, verify_index
from marketplace._submission_checks import identify_package
from marketplace.signing import SignatureInvalid, generate_key
from marketplace.signing._digest import MAX_DEPTH, list_mod_files
from marketplace.signing._sigerrors import UnsafeModFolder
from marketplace.signing._sigfile import parse_sigfile
from marketplace.store import PackageUnsafe
from runtime.reload._watcher import watched_files

#: Deeper than the interpreter's recursion limit, well under every size cap.
DEPTH = 5000
DEEP_TOML_ARRAY = "[" * DEPTH + "]" * DEPTH
DEEP_TOML_TABLE = "{a = " * DEPTH + "1" + "}" * DEPTH
DEEP_JSON = "[" * DEPTH + "]" * DEPTH
HEADER = 'id = "deep"\nversion = "1.0.0"\nname = "Deep"\n'


#: An integer literal past the interpreter's 4,300-digit limit for reading one.
LONG_NUMBER = "9" * 5000


@pytest.mark.parametrize(
    ("value", "said"),
    [(DEEP_TOML_ARRAY, "too deeply"), (DEEP_TOML_TABLE, "too deeply"), (LONG_NUMBER, "too long")],
)
def test_a_deep_or_long_manifest_is_manifest_invalid(value: str, said: str) -> None:
    with pytest.raises(ManifestInvalid) as info:
        parse_manifest(HEADER + f"x = {value}\n", folder_name="deep")
    assert info.value.code == "MANIFEST_INVALID"
    assert said in info.value.message
    assert info.value.hint


def test_modhost_check_reports_it_and_checks_the_other_mods(tmp_path: Path) -> None:
    mods = tmp_path / "mods"
    (mods / "deep").mkdir(parents=True)
    (mods / "deep" / "mod.toml").write_text(HEADER + f"x = {DEEP_TOML_ARRAY}\n")
    out = _check_beside_a_good_mod(tmp_path)
    assert "MANIFEST_INVALID" in out
    assert "HOST_INTERNAL_ERROR" not in out
    assert "1 of 2 mods load" in out


def _check_beside_a_good_mod(tmp_path: Path) -> str:
    """What ``modhost check`` prints for ``tmp_path/mods`` with a good mod added to it."""
    fine = tmp_path / "mods" / "fine"
    fine.mkdir()
    (fine / "mod.toml").write_text('id = "fine"\nversion = "1.0.0"\nname = "Fine"\n')
    done = subprocess.run(
        [sys.executable, "-c", "import runtime; runtime.main()", "check", "--mods", "mods"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("value", [DEEP_TOML_TABLE, LONG_NUMBER])
def test_a_package_with_a_deep_or_long_manifest_is_refused(tmp_path: Path, value: str) -> None:
    mod = tmp_path / "deep"
    mod.mkdir()
    (mod / "mod.toml").write_text(HEADER + f"x = {value}\n")
    with pytest.raises(ManifestInvalid):
        identify_package(pack_bytes(mod), PackageLimits())


def test_a_deep_signature_file_is_signature_invalid() -> None:
    with pytest.raises(SignatureInvalid) as info:
        parse_sigfile(('{"format": ' + DEEP_JSON + "}").encode(), mod_id="deep")
    assert info.value.details["reason"] == "not-json"


@pytest.mark.parametrize("blob", [DEEP_JSON, '{"payload": "' + DEEP_JSON + '", "key_id": "k"}'])
def test_a_deep_market_index_is_rejected(blob: str) -> None:
    with pytest.raises(IndexRejected) as info:
        verify_index(blob.encode(), generate_key().public_key)
    assert info.value.code == "MARKET_INDEX_INVALID"


@pytest.mark.parametrize("value", [DEEP_TOML_ARRAY, LONG_NUMBER])
def test_a_deep_or_long_policy_file_is_a_policy_error(tmp_path: Path, value: str) -> None:
    policy = tmp_path / "modhost.toml"
    policy.write_text(f"x = {value}\n")
    with pytest.raises(PolicyError):
        load_policy(policy)


def test_a_deep_storage_file_starts_the_mod_empty(tmp_path: Path) -> None:
    path = tmp_path / "storage.json"
    path.write_text(DEEP_JSON)
    storage = ModStorage(path, mod_id="deep")
    assert storage.keys() == []


def _nested_folders(top: Path, levels: int) -> None:
    """``top/a/a/.../a/f.txt``, ``levels`` deep (built through directory descriptors: the path
    is longer than some calls take)."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("a", dir_fd=fd)
            inner = os.open("a", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        file_fd = os.open("f.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(file_fd, b"x")
        os.close(file_fd)
    finally:
        os.close(fd)


def _remove_nested(top: Path) -> None:
    """Remove what :func:`_nested_folders` made, bottom up through descriptors: a recursive
    removal (``shutil.rmtree``, pytest's cleanup of old temporary folders) would fail on it."""
    fds = [os.open(top, os.O_RDONLY)]
    try:
        while True:
            try:
                fds.append(os.open("a", os.O_RDONLY, dir_fd=fds[-1]))
            except FileNotFoundError:
                break
        for name in os.listdir(fds[-1]):
            os.unlink(name, dir_fd=fds[-1])
        for parent in reversed(fds[:-1]):
            os.rmdir("a", dir_fd=parent)
    finally:
        for fd in fds:
            os.close(fd)


@pytest.fixture
def nested(tmp_path: Path) -> Iterator[list[Path]]:
    """Mod folders made by :func:`_mod` in a test, removed after it."""
    made: list[Path] = []
    yield made
    for mod in made:
        _remove_nested(mod)


def _mod(made: list[Path], tmp_path: Path, levels: int, name: str = "deep") -> Path:
    mod = tmp_path / "mods" / name
    made.append(mod)
    mod.mkdir(parents=True)
    (mod / "mod.toml").write_text(f'id = "{name}"\nversion = "1.0.0"\nname = "{name}"\n')
    _nested_folders(mod, levels)
    return mod


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1500])
def test_a_mod_folder_nested_too_deep_is_refused_by_each_walker(
    tmp_path: Path, nested: list[Path], levels: int
) -> None:
    mod = _mod(nested, tmp_path, levels)
    with pytest.raises(UnsafeModFolder) as info:
        list_mod_files(mod, mod_id="deep")
    assert info.value.details["reason"] == "too-deep"
    with pytest.raises(PackageUnsafe):
        pack_bytes(mod)
    # The hot-reload watcher looks no deeper than a mod may nest, and never fails.
    assert all(len(p.relative_to(mod).parts) <= MAX_DEPTH + 1 for p in watched_files(mod))


def test_a_mod_folder_as_deep_as_allowed_loads(tmp_path: Path, nested: list[Path]) -> None:
    mod = _mod(nested, tmp_path, MAX_DEPTH)
    assert "/".join(["a"] * MAX_DEPTH + ["f.txt"]) in list_mod_files(mod, mod_id="deep")


def test_a_package_holds_as_many_levels_as_its_limit(tmp_path: Path, nested: list[Path]) -> None:
    levels = PackageLimits().max_depth - 1  # folders, then the file: max_depth parts
    assert pack_bytes(_mod(nested, tmp_path, levels, "ok"))
    with pytest.raises(PackageUnsafe):
        pack_bytes(_mod(nested, tmp_path, levels + 1, "over"))


def test_modhost_check_refuses_the_deep_folder_and_loads_the_others(
    tmp_path: Path, nested: list[Path]
) -> None:
    _mod(nested, tmp_path, 1500)
    out = _check_beside_a_good_mod(tmp_path)
    assert "PACKAGE_UNSAFE" in out
    assert "HOST_INTERNAL_ERROR" not in out
    assert "1 of 2 mods load" in out
