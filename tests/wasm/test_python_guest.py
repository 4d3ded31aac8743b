"""A mod written in Python and built with componentize-py, running end to end in the host.

The component is built from ``examples/orbit/src`` by the same command as ``make components``
(``--stub-wasi``: the host interface is its only import). Building and compiling an 18 MB
language-runtime guest takes a while, so both results are kept under ``build/`` keyed by what
they depend on: a second session reuses them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from host_api import WIT_HOST_INTERFACE
from runtime import Host
from sandbox import WasmEngine

from .conftest import ROOT, install_guest

#: Building (componentize-py) and compiling (wasmtime) the guest on a cold, busy machine takes
#: a minute or two; both are cached in build/ afterwards.
pytestmark = pytest.mark.timeout(600)

EXAMPLE = ROOT / "examples" / "orbit"
BUILD = ROOT / "build"


def _source_key() -> str:
    digest = hashlib.sha256(importlib.metadata.version("componentize-py").encode())
    for path in sorted(
        [*EXAMPLE.joinpath("src").rglob("*.py"), *ROOT.joinpath("wit").glob("*.wit")]
    ):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def orbit_wasm() -> Path:
    """examples/orbit built with componentize-py (cached in build/ by source hash)."""
    out = BUILD / "componentize" / _source_key() / "orbit.wasm"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        tool = Path(sys.executable).with_name("componentize-py")
        subprocess.run(
            [
                str(tool),
                "-d",
                str(ROOT / "wit"),
                "-w",
                "mod",
                "componentize",
                "--stub-wasi",
                "-p",
                str(EXAMPLE / "src"),
                "app",
                "-o",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
    return out


@pytest.fixture(scope="session")
def orbit_artifact(orbit_wasm: Path) -> Path:
    """The compiled artifact of the orbit component (compiled once, kept in build/)."""
    with WasmEngine(cache_dir=BUILD / "wasm-cache", progress=False) as engine:
        engine.compile_file(orbit_wasm)
        path = engine.cache.artifact_path(orbit_wasm.read_bytes())
    assert path is not None and path.is_file()
    return path


def test_only_import_is_the_host_interface(orbit_wasm: Path, orbit_artifact: Path) -> None:
    with WasmEngine(cache_dir=BUILD / "wasm-cache", progress=False) as engine:
        component = engine.compile_file(orbit_wasm)  # a cache hit
        assert engine.cache.stats.hits == 1
        imports = component.type.imports(engine.engine)
    assert list(imports) == [WIT_HOST_INTERFACE]


def test_python_guest_runs_in_the_host(
    orbit_wasm: Path, orbit_artifact: Path, tmp_path: Path
) -> None:
    mods = install_guest(tmp_path, "orbit", EXAMPLE, orbit_wasm, orbit_artifact)
    logs = []
    for _ in range(2):
        with Host(mods, base_dir=tmp_path, seed=5) as host:
            host.load()
            ids = [int(i) for i in host.world.ids_of_kind("orbiter")]
            start = [host.world.get(i).position for i in ids]
            host.step(20)
            end = [host.world.get(i).position for i in ids]
            report = host.report()
        orbit = report.mods["orbit"]
        assert orbit.state == "running", orbit.diagnostics
        assert orbit.entities == 3 and len(ids) == 3
        assert all(a != b for a, b in zip(start, end, strict=True))
        logs.append(orbit.log[0])
        assert host.components.engine.cache.stats.misses == 0
    # storage persisted across the two runs
    assert logs == [
        "orbit online (run 1), written in Python",
        "orbit online (run 2), written in Python",
    ]
