"""The compiled-artifact cache: hit, invalidation by content and by engine, corrupt files."""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import Limits
from sandbox import ArtifactCache, WasmComponent, WasmEngine

from .conftest import MakeApi


@pytest.fixture
def fresh_engine(tmp_path: Path) -> WasmEngine:
    eng = WasmEngine(cache_dir=tmp_path / "cache", progress=False)
    yield eng  # type: ignore[misc]
    eng.close()


def _run(engine: WasmEngine, path: Path, make_api: MakeApi) -> None:
    api, world = make_api()
    world.add("coin")
    component = engine.compile_file(path)
    with WasmComponent(
        engine, component, api, limits=Limits(timeout_ms=5_000), file="c.wasm"
    ) as comp:
        comp.on_event("bulk", None)
    assert world.entities[1].position == (1.0, 0.0, 0.0)


def test_second_load_hits_the_cache(
    fresh_engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, tmp_path: Path
) -> None:
    path = components["probe"]
    _run(fresh_engine, path, make_api)
    stats = fresh_engine.cache.stats
    assert (stats.hits, stats.misses) == (0, 1)
    artifact = fresh_engine.cache.artifact_path(path.read_bytes())
    assert artifact is not None and artifact.is_file() and artifact.suffix == ".cwasm"
    # A restart: a new engine with the same cache folder deserializes, never compiles.
    with WasmEngine(cache_dir=tmp_path / "cache", progress=False) as again:
        _run(again, path, make_api)
        assert (again.cache.stats.hits, again.cache.stats.misses) == (1, 0)


def test_changed_component_is_recompiled(
    fresh_engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, tmp_path: Path
) -> None:
    original = components["probe"]
    changed = tmp_path / "probe.wasm"
    # Append a custom section: same behaviour, different bytes, so a different key.
    data = original.read_bytes()
    changed.write_bytes(data + b"\x00\x06\x04note\x00")
    _run(fresh_engine, original, make_api)
    _run(fresh_engine, changed, make_api)
    assert fresh_engine.cache.stats.misses == 2
    assert fresh_engine.cache.key(data) != fresh_engine.cache.key(changed.read_bytes())


def test_key_depends_on_the_engine_fingerprint(tmp_path: Path) -> None:
    a = ArtifactCache(tmp_path, "wasmtime-50.0.1/fuel")
    b = ArtifactCache(tmp_path, "wasmtime-51.0.0/fuel")
    assert a.key(b"component") != b.key(b"component")
    assert a.key(b"component") == ArtifactCache(tmp_path, "wasmtime-50.0.1/fuel").key(b"component")


def test_a_corrupt_artifact_is_rebuilt(
    fresh_engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, tmp_path: Path
) -> None:
    path = components["probe"]
    _run(fresh_engine, path, make_api)
    artifact = fresh_engine.cache.artifact_path(path.read_bytes())
    assert artifact is not None
    artifact.write_bytes(b"not an artifact")
    with WasmEngine(cache_dir=tmp_path / "cache", progress=False) as again:
        _run(again, path, make_api)
        assert (again.cache.stats.rebuilt, again.cache.stats.misses) == (1, 1)
    assert artifact.read_bytes() != b"not an artifact"


def test_fingerprint_names_the_wasmtime_version(fresh_engine: WasmEngine) -> None:
    import importlib.metadata

    assert f"wasmtime-{importlib.metadata.version('wasmtime')}" in fresh_engine.fingerprint
