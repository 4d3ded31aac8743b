"""Hostile component mods in the running host, beside a well-behaved one.

Each hostile mod comes from the public corpus (``sandbox.audit._wasm_corpus``). Every one ends as
a diagnostic with the corpus's code; the host keeps running, and the well-behaved mod's part
of the world (its entities, their positions and velocities) is exactly what it is when the
mod runs alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import wasmtime

from runtime import Host
from sandbox import COMPONENT_ATTACKS, ComponentAttack

from .conftest import ROOT

#: Corpus cases run as mods here (the file-kind cases are refused by discovery first).
CASES = (
    "wasm.abi.log-takes-u64",
    "wasm.abi.init-is-an-instance",
    "wasm.api-abuse.deep-json-emit",
    "wasm.api-abuse.many-tags",
    "wasm.api-abuse.entity-flood",
    "wasm.resource.guest-loop",
    "wasm.resource.several-memories",
    "wasm.resource.host-call-loop",
    "wasm.load.compile-bomb",
)

MANIFEST = """\
id = "{mod_id}"
name = "Hostile"
version = "1.0.0"
host = ">=0.1,<0.2"
capabilities = ["world.read", "world.write", "world.spawn", "events.emit", "log"]

[[components]]
path = "components/hostile.wasm"

[limits]
timeout_ms = 50
"""


def _attack(name: str) -> ComponentAttack:
    (attack,) = [a for a in COMPONENT_ATTACKS if a.name == name]
    return attack


def _mods(tmp_path: Path, hostile: tuple[str, ...]) -> Path:
    mods = tmp_path / "mods"
    shutil.copytree(ROOT / "mods" / "beacon", mods / "beacon")
    for i, name in enumerate(hostile):
        folder = mods / f"zz-hostile-{i}"
        (folder / "components").mkdir(parents=True)
        (folder / "mod.toml").write_text(MANIFEST.format(mod_id=f"zz-hostile-{i}"))
        binary = wasmtime.wat2wasm(_attack(name).source)
        (folder / "components" / "hostile.wasm").write_bytes(binary)
    return mods


def _run(tmp_path: Path, hostile: tuple[str, ...]) -> tuple[object, object]:
    base = tmp_path / ("with" if hostile else "alone")
    with Host(_mods(base, hostile), base_dir=base, seed=7) as host:
        host.load()
        host.step(max(_attack(name).ticks for name in CASES) + 10)  # the flood reaches its cap
        report = host.report()
        world = host.world
        beacon = tuple(
            (int(i), world.get(int(i)).position, world.get(int(i)).velocity)
            for i in world.ids_of_kind("beacon")
        )
    return beacon, report


def test_hostile_components_never_touch_a_good_mod(tmp_path: Path) -> None:
    alone, _ = _run(tmp_path, ())
    beside, report = _run(tmp_path, CASES)
    assert beside == alone and len(alone) == 4
    assert report.mods["beacon"].state == "running"  # type: ignore[attr-defined]
    beacon_diags = report.mods["beacon"].diagnostics  # type: ignore[attr-defined]
    assert [d for d in beacon_diags if d.severity == "error"] == []
    for i, name in enumerate(CASES):
        mod = report.mods[f"zz-hostile-{i}"]  # type: ignore[attr-defined]
        codes = {d.code for d in mod.diagnostics}
        assert codes & set(_attack(name).expect), (name, mod.state, codes)
