"""Fixtures for the signing tests: real keys, real mod folders on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from marketplace import SIGFILE_NAME, SigningKey, generate_key

MakeMod = Callable[..., Path]


def write_mod(
    folder: Path,
    mod_id: str = "coins",
    version: str = "1.0.0",
    files: dict[str, bytes | str] | None = None,
) -> Path:
    """Create a small mod folder: mod.toml plus ``files`` (relative path -> content)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mod.toml").write_text(
        f'id = "{mod_id}"\nname = "Test {mod_id}"\nversion = "{version}"\n', encoding="utf-8"
    )
    default: dict[str, bytes | str] = {
        "scripts/coin.py": "def on_tick(ctx, dt):\n    pass\n",
        "assets/data.bin": bytes(range(256)) * 4,
    }
    for rel, content in (default if files is None else files).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def read_sigfile_json(folder: Path) -> dict[str, Any]:
    """``folder/mod.sig`` as JSON, for a test to tamper with and write back."""
    raw: dict[str, Any] = json.loads((folder / SIGFILE_NAME).read_bytes())
    return raw


def write_sigfile_json(folder: Path, raw: dict[str, Any]) -> None:
    """Replace ``folder/mod.sig`` with ``raw`` (not re-signed)."""
    (folder / SIGFILE_NAME).write_text(json.dumps(raw))


@pytest.fixture
def make_mod(tmp_path: Path) -> MakeMod:
    """``make_mod(name="coins", mod_id=..., version=..., files=...)`` -> a folder in tmp."""

    def make(name: str = "coins", **kwargs: object) -> Path:
        return write_mod(tmp_path / "mods" / name, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def key() -> SigningKey:
    """One signing key for the session (key generation is cheap, but one is enough)."""
    return generate_key()


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    """A second, unrelated key."""
    return generate_key()
