"""Fixtures for the hot-reload tests: real mod folders, a real Host, a real watcher.

Every wait is bounded and waits for an event (a batch from the watcher, a counter going up),
never for a fixed time: :data:`WAIT_S` is only the point where a hung test gives up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from textwrap import dedent

import pytest

from host_api import HostPolicy, load_policy
from marketplace import SigningKey, generate_key, write_keypair
from runtime import Host, ReloadResult
from runtime.reload._watcher import ModWatcher

#: How long a test waits for something that should happen in milliseconds before failing.
WAIT_S = 30.0
ROOT = Path(__file__).resolve().parents[2]
COUNTER_WAT = Path(__file__).with_name("fixtures") / "counter.wat"

#: The ``make_mod`` fixture of ``tests/conftest.py``.
MakeMod = Callable[..., Path]


def write(path: Path, text: str) -> None:
    """Write ``text`` (dedented) the way an editor's plain save does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text), encoding="utf-8")


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds; fail after :data:`WAIT_S` seconds."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def reload_next(host: Host, watcher: ModWatcher) -> ReloadResult:
    """Wait for the watcher's next batch that changes something and reload it."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        folders = watcher.wait(0.1)
        if folders:
            result = host.reload(folders)
            if result.changed:
                return result
    pytest.fail("the watcher reported no change within the time limit")


def logs(host: Host, mod_id: str) -> list[str]:
    """The last lines ``mod_id`` logged."""
    return host.report().mods[mod_id].log


def rolled_back(result: ReloadResult) -> list[dict]:  # type: ignore[type-arg]
    """The details of every RELOAD_ROLLED_BACK in ``result``."""
    return [d.details for d in result.diagnostics if d.code == "RELOAD_ROLLED_BACK"]


@pytest.fixture
def live(mods_dir: Path) -> Iterator[Callable[[], ModWatcher]]:
    """``live()`` -> a started watcher on ``mods_dir`` (start it once the mods are written,
    so their creation is not a change); stopped after the test."""
    watchers: list[ModWatcher] = []

    def start() -> ModWatcher:
        watchers.append(ModWatcher(mods_dir).start())
        return watchers[-1]

    yield start
    for watcher in watchers:
        watcher.close()


@pytest.fixture
def loaded(mods_dir: Path) -> Iterator[Callable[[], Host]]:
    """``loaded()`` -> a Host on ``mods_dir`` that has loaded; closed after the test."""
    hosts: list[Host] = []

    def make() -> Host:
        host = Host(mods_dir)
        hosts.append(host)
        host.load()
        return host

    yield make
    for host in hosts:
        host.close()


class Drive:
    """Loads a host and reloads it either directly (``Host.reload()``, the watcher off) or
    from a real watcher's batches: every scenario runs both ways through the same code."""

    #: The watcher's quiet step here: long, so a test's multi-file edit is one batch however
    #: busy the machine is (the default is tested in test_watcher.py).
    STEP_MS = 100

    def __init__(self, mode: str, mods_dir: Path) -> None:
        self.mode = mode
        self.mods_dir = mods_dir
        self.hosts: list[Host] = []
        self.watcher: ModWatcher | None = None

    def loaded(self) -> Host:
        """A loaded Host on the mods folder (the watcher starts once it has loaded)."""
        host = Host(self.mods_dir)
        self.hosts.append(host)
        host.load()
        if self.mode == "watcher" and self.watcher is None:
            self.watcher = ModWatcher(self.mods_dir, step_ms=self.STEP_MS).start()
        return host

    def reload(self, host: Host) -> ReloadResult:
        """Reload what was just written to disk."""
        if self.watcher is None:
            return host.reload()
        return reload_next(host, self.watcher)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
        for host in self.hosts:
            host.close()


@pytest.fixture(params=["direct", "watcher"])
def drive(request: pytest.FixtureRequest, mods_dir: Path) -> Iterator[Drive]:
    """A :class:`Drive` per mode: ``Host.reload()`` with the watcher off, or a real watcher."""
    driver = Drive(request.param, mods_dir)
    yield driver
    driver.close()


#: The ``strict_signing`` fixture: the trusted key and the policy.
StrictSigning = tuple[SigningKey, HostPolicy]


@pytest.fixture
def strict_signing(tmp_path: Path) -> StrictSigning:
    """A fresh key and a strict policy trusting only it (``tmp_path/modhost.toml``, the key
    pair in ``tmp_path/keys``): hosts built with it need ``base_dir=tmp_path``."""
    key = generate_key()
    write_keypair(key, tmp_path / "keys", "team")
    (tmp_path / "modhost.toml").write_text(
        '[signing]\nmode = "strict"\ntrusted_keys = ["keys/team.pub"]\n'
    )
    return key, load_policy(tmp_path / "modhost.toml")


BuildCounter = Callable[..., bytes]


@pytest.fixture(scope="session")
def build_counter(
    tmp_path_factory: pytest.TempPathFactory, wat_component: Callable[..., Path]
) -> BuildCounter:
    """``build_counter(step=1, trap=False)`` -> the bytes of a reloadable counter component."""
    out = tmp_path_factory.mktemp("counter")
    built: dict[tuple[int, bool], bytes] = {}

    def build(step: int = 1, *, trap: bool = False) -> bytes:
        if (step, trap) not in built:
            wat = out / f"counter-{step}-{trap}.wat"
            text = COUNTER_WAT.read_text().replace("STEP", str(step))
            wat.write_text(text.replace("INIT", "unreachable" if trap else "nop"))
            component = wat_component(
                wat, wat.with_suffix(".wasm"), ROOT / "wit", world="reloadable-mod"
            )
            built[(step, trap)] = component.read_bytes()
        return built[(step, trap)]

    return build
