"""Fixtures shared by every test area.

``make_mod`` writes a mod folder into a temporary ``mods/`` directory, so tests drive the
real discovery, sandbox and host with real files. ``xvfb_display`` starts a private X server
for the tests that open real windows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import settings

# CI runs property tests from a fixed seed, so a red build is reproducible and never a matter
# of luck; locally hypothesis keeps exploring new examples on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: Every capability a test mod usually needs (``net`` is never granted anyway).
TEST_CAPABILITIES = (
    "world.read",
    "world.write",
    "world.spawn",
    "events.emit",
    "events.listen",
    "log",
    "fs.read",
)

MakeMod = Callable[..., Path]


@pytest.fixture
def mods_dir(tmp_path: Path) -> Path:
    """An empty ``mods/`` folder inside the test's temporary directory."""
    path = tmp_path / "mods"
    path.mkdir()
    return path


@pytest.fixture
def make_mod(mods_dir: Path) -> MakeMod:
    """Write ``mods/<id>/`` with a manifest and scripts; returns the mod folder.

    ``make_mod("a", scripts={"main.py": src}, entity_scripts={"coin": src})`` writes a mod
    script ``scripts/main.py`` and an entity script ``scripts/coin.py`` for kind ``coin``.
    ``extra`` is appended to ``mod.toml`` verbatim (tables only, e.g. ``[dependencies]``);
    ``manifest`` replaces the generated ``mod.toml`` entirely.
    """

    def make(
        mod_id: str,
        *,
        scripts: dict[str, str] | None = None,
        entity_scripts: dict[str, str] | None = None,
        capabilities: tuple[str, ...] = TEST_CAPABILITIES,
        version: str = "1.0.0",
        extra: str = "",
        manifest: str | None = None,
        folder: str | None = None,
    ) -> Path:
        root = mods_dir / (folder or mod_id)
        (root / "scripts").mkdir(parents=True)
        lines = [
            f'id = "{mod_id}"',
            f'name = "{mod_id.title()}"',
            f'version = "{version}"',
            "capabilities = [" + ", ".join(f'"{c}"' for c in capabilities) + "]",
        ]
        tables = []
        for name, source in (scripts or {}).items():
            (root / "scripts" / name).write_text(dedent(source), encoding="utf-8")
            tables.append(f'[[scripts]]\npath = "scripts/{name}"')
        for kind, source in (entity_scripts or {}).items():
            (root / "scripts" / f"{kind}.py").write_text(dedent(source), encoding="utf-8")
            tables.append(f'[[scripts]]\nentity = "{kind}"\npath = "scripts/{kind}.py"')
        if "[limits]" not in extra:
            # The per-call wall-clock limit at the policy's cap: a busy CI machine must not
            # turn a tiny hook into SANDBOX_TIMEOUT.
            tables.append("[limits]\ntimeout_ms = 50")
        text = "\n".join(lines) + "\n\n" + "\n\n".join(tables) + "\n\n" + dedent(extra)
        (root / "mod.toml").write_text(manifest if manifest is not None else text, "utf-8")
        return root

    return make


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    """A private X server (Xvfb) for one test; yields its display name, e.g. ``":3"``.

    Skips the test where the ``Xvfb`` binary is missing (the suite installs no system
    packages) or where the server does not start. The process environment is left alone:
    tests pass ``DISPLAY`` to the processes they start. The server is stopped at teardown.
    Each test gets its own server, so no window from an earlier test is still on it.
    """
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_end, write_end = os.pipe()
    # -displayfd: the server picks a free display number and writes it to the pipe once it
    # accepts connections, so there is neither a guessed number nor a race.
    server = subprocess.Popen(
        [binary, "-displayfd", str(write_end), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
