"""Components inside the running host: the beacon demo mod, and a trapping mod quarantined
by the fault ladder while every other mod keeps ticking."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from host_api import DiagnosticCode
from runtime import Host

from .conftest import ROOT

TRAP_MANIFEST = """\
id = "trapper"
name = "Trapper"
version = "1.0.0"
host = ">=0.1,<0.2"
capabilities = ["log"]

[[components]]
path = "components/trap_tick.wasm"

[limits]
timeout_ms = 50
"""


@pytest.fixture
def mods_dir(tmp_path: Path, components: dict[str, Path]) -> Path:
    mods = tmp_path / "mods"
    shutil.copytree(ROOT / "mods" / "beacon", mods / "beacon")
    trapper = mods / "trapper"
    (trapper / "components").mkdir(parents=True)
    (trapper / "mod.toml").write_text(TRAP_MANIFEST)
    shutil.copy(components["trap_tick"], trapper / "components" / "trap_tick.wasm")
    return mods


def test_beacon_runs_and_a_trapping_mod_is_quarantined(mods_dir: Path, tmp_path: Path) -> None:
    with Host(mods_dir, base_dir=tmp_path, seed=7) as host:
        host.load()
        assert host.load_order == ("beacon", "trapper")
        before = {int(i): host.world.get(int(i)).position for i in host.world.ids_of_kind("beacon")}
        host.step(30)
        report = host.report()
    beacon = report.mods["beacon"]
    assert beacon.state == "running" and beacon.entities == 4
    assert beacon.log == ["beacon online: 4 beacons at the corners"]
    after = {int(i): host.world.get(int(i)).position for i in host.world.ids_of_kind("beacon")}
    assert all(after[i][2] != before[i][2] for i in before)  # they moved, every tick
    trapper = report.mods["trapper"]
    assert trapper.state == "quarantined"
    codes = [d.code for d in trapper.diagnostics]
    assert DiagnosticCode.WASM_TRAP in codes and DiagnosticCode.MOD_QUARANTINED in codes
    # the compiled artifact landed in the host's data folder
    assert list((tmp_path / ".modhost" / "wasm-cache").glob("*.cwasm"))


def test_same_seed_same_world_hash(mods_dir: Path, tmp_path: Path) -> None:
    hashes = []
    for _ in range(2):
        with Host(mods_dir, base_dir=tmp_path, seed=3) as host:
            host.load()
            host.step(20)
            hashes.append(host.world_hash())
    assert hashes[0] == hashes[1]


def test_committed_beacon_matches_its_source(tmp_path: Path, wat_component) -> None:  # type: ignore[no-untyped-def]
    built = wat_component(
        ROOT / "mods" / "beacon" / "src" / "beacon.wat", tmp_path / "beacon.wasm", ROOT / "wit"
    )
    committed = ROOT / "mods" / "beacon" / "components" / "beacon.wasm"
    assert built.read_bytes() == committed.read_bytes(), "run `make components`"


def test_runtime_world_offers_the_bulk_port() -> None:
    from host_api import ALL_CAPABILITIES, HostAPI, grant
    from runtime.core._world import World

    world = World()
    for i in range(5):
        world.spawn("m", "unit" if i % 2 == 0 else "rock", (float(i), 0.0, 0.0), (0, 0, 0), ())
    world.apply_commands()
    api = HostAPI(grant("m", ALL_CAPABILITIES, ALL_CAPABILITIES), world, mod_root=ROOT, seed=0)
    ids, flat = api.positions_of("unit")
    assert list(ids) == [1, 3, 5] and flat.tolist() == [0, 0, 0, 2, 0, 0, 4, 0, 0]
    assert api.set_positions_of("unit", [9.0] * 9) == 3
    assert world.get(3).position == (9.0, 9.0, 9.0)  # type: ignore[union-attr]
    assert world.get(2).position == (1.0, 0.0, 0.0)  # type: ignore[union-attr]
