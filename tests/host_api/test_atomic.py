"""write_atomically: the old content or the new, never part, and no temporary file left."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from host_api import write_atomically


def test_it_replaces_the_content_and_creates_missing_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "state.json"
    write_atomically(target, b"one")
    write_atomically(target, b"two", durable=True)
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]


def test_mode_sets_the_permission_bits(tmp_path: Path) -> None:
    target = tmp_path / "mod.sig"
    write_atomically(target, b"x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write_atomically(target, b"x", mode=0o644)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_content_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_atomically(target, b"old")
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes", prefix=".state-")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
