"""A mod written in JavaScript and built with componentize-js, running in the host.

Optional and slow (``pytest -m slow``): it needs Node.js and npm, installs the pinned
componentize-js under ``build/js-toolchain`` (as ``make components-js`` does), builds
``examples/pulse-js`` and compiles a 12 MB component. Build results are cached in ``build/``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from host_api import WIT_HOST_INTERFACE
from runtime import Host
from sandbox import WasmEngine

from .conftest import ROOT, install_guest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

EXAMPLE = ROOT / "examples" / "pulse-js"
BUILD = ROOT / "build"
TOOL = BUILD / "js-toolchain" / "node_modules" / ".bin" / "componentize-js"


@pytest.fixture(scope="module")
def pulse_wasm() -> Path:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("Node.js/npm are not installed; the JavaScript example is optional")
    if not TOOL.exists():
        subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(BUILD / "js-toolchain"),
                "@bytecodealliance/componentize-js@0.23.0",
            ],
            check=True,
        )
    source = EXAMPLE / "src" / "pulse.js"
    key = hashlib.sha256(source.read_bytes() + (ROOT / "wit" / "mod.wit").read_bytes())
    out = BUILD / "componentize-js" / key.hexdigest()[:16] / "pulse.wasm"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(TOOL),
                str(source),
                "-w",
                str(ROOT / "wit"),
                "-n",
                "mod",
                "-d",
                "stdio",
                "random",
                "clocks",
                "http",
                "fetch-event",
                "-o",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
    return out


def test_javascript_guest_runs_in_the_host(pulse_wasm: Path, tmp_path: Path) -> None:
    with WasmEngine(cache_dir=BUILD / "wasm-cache", progress=False) as engine:
        component = engine.compile_file(pulse_wasm)
        assert list(component.type.imports(engine.engine)) == [WIT_HOST_INTERFACE]
        artifact = engine.cache.artifact_path(pulse_wasm.read_bytes())
    assert artifact is not None
    mods = install_guest(tmp_path, "pulse", EXAMPLE, pulse_wasm, artifact)
    with Host(mods, base_dir=tmp_path, seed=1) as host:
        host.load()
        (eid,) = [int(i) for i in host.world.ids_of_kind("pulse")]
        host.step(10)
        z = host.world.get(eid).position[2]  # type: ignore[union-attr]
        report = host.report()
    pulse = report.mods["pulse"]
    assert pulse.state == "running", pulse.diagnostics
    assert pulse.log == ["pulse online, written in JavaScript"]
    assert z != 0.5
