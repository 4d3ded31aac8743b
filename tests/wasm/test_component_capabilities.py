"""Each capability allowed and denied from a component, exactly as for a Python script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from host_api import ALL_CAPABILITIES, DiagnosticCode, HostAPI, Limits
from host_api.testing import FakeWorld
from sandbox import WasmComponent, WasmEngine, load_component

from .conftest import MakeApi

#: event name (its first letter picks the probe's call) -> the capability the call needs.
PROBES: dict[str, str] = {
    "log": "log",
    "query": "world.read",
    "write": "world.write",
    "spawn": "world.spawn",
    "emit": "events.emit",
    "file": "fs.read",
    "kv": "storage",
    "bulk": "world.read",
}


def _start(engine: WasmEngine, path: Path, api: HostAPI, fast: bool) -> WasmComponent:
    limits = Limits(fuel=10_000_000, timeout_ms=5_000)
    return load_component(engine, path, api, limits=limits, file="components/probe.wasm", fast=fast)


@pytest.mark.parametrize("event", sorted(PROBES))
def test_allowed_from_a_component(
    engine: WasmEngine,
    components: dict[str, Path],
    make_api: MakeApi,
    event: str,
    fast: bool,
) -> None:
    api, world = make_api()
    world.add("coin", (0.0, 0.0, 0.0))
    with _start(engine, components["probe"], api, fast) as comp:
        comp.on_event(event, None)
    assert api.drain_diagnostics() == []
    if event == "log":
        assert world.logs == [("wasm-mod", "hello")]
    elif event == "write":
        assert world.entities[1].position == (1.0, 2.0, 3.0)
    elif event == "spawn":
        assert [e.kind for e in world.entities.values()] == ["coin", "coin"]
        assert world.entities[2].owner == "wasm-mod"
    elif event == "emit":
        assert [(e.source_mod, e.name, e.payload) for e in world.events] == [
            ("wasm-mod", "ping", {"n": 1})
        ]
    elif event == "kv":
        assert api.storage_get("k") == [1, 2]
    elif event == "bulk":
        assert world.entities[1].position == (1.0, 0.0, 0.0)


@pytest.mark.parametrize("event", sorted(PROBES))
def test_denied_from_a_component(
    engine: WasmEngine,
    components: dict[str, Path],
    make_api: MakeApi,
    event: str,
    fast: bool,
    tmp_path: Path,
) -> None:
    capability = PROBES[event]
    api, world = make_api(set(ALL_CAPABILITIES) - {capability})
    world.add("coin", (0.0, 0.0, 0.0))
    with _start(engine, components["probe"], api, fast) as comp:
        comp.on_event(event, None)
        comp.on_event(event, None)  # noted once, not twice
        comp.on_tick(0.016)  # the instance is still healthy: a denial is not a trap
        assert comp.starts == 1
    diags = api.drain_diagnostics()
    assert [d.code for d in diags] == [DiagnosticCode.CAPABILITY_DENIED]
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(a["mod"], a["capability"], a["outcome"]) for a in audit] == [
        ("wasm-mod", capability, "denied")
    ] * 2
    assert diags[0].details["capability"] == capability and diags[0].mod == "wasm-mod"
    assert world.logs == [] and world.events == []
    assert world.entities[1].position == (0.0, 0.0, 0.0) and len(world.entities) == 1


def test_bad_argument_is_an_error_value_not_a_trap(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, fast: bool
) -> None:
    api, world = make_api()
    world.add("coin")
    with _start(engine, components["probe"], api, fast) as comp:
        comp.on_event("x", {"any": "payload"})
        assert comp.starts == 1
    assert [d.code for d in api.drain_diagnostics()] == [DiagnosticCode.SANDBOX_ERROR]


def test_event_payload_reaches_the_guest_as_json(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, fast: bool
) -> None:
    api, _ = make_api()
    with _start(engine, components["probe"], api, fast) as comp:
        comp.on_event("none", {"deep": [1, {"x": "y"}]})
    assert json.dumps({"deep": [1, {"x": "y"}]})


class BrokenWorld(FakeWorld):
    """A world whose log fails: a host bug, not the mod's fault."""

    def log(self, mod_id: str, message: str) -> None:
        raise RuntimeError("disk on fire")


def test_a_host_bug_surfaces_as_itself(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, fast: bool
) -> None:
    api, _ = make_api(world=BrokenWorld())
    with _start(engine, components["probe"], api, fast) as comp:
        with pytest.raises(RuntimeError, match="disk on fire"):
            comp.on_event("log", None)
        comp.on_event("query", None)  # a fresh instance: the component keeps working
        assert comp.starts == 2
    assert api.drain_diagnostics() == []


def test_bulk_moves_thirty_thousand_floats(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, fast: bool
) -> None:
    world = FakeWorld()
    for i in range(10_000):
        world.add("coin", (float(i), 0.5, -1.0))
    api, _ = make_api(world=world)
    with _start(engine, components["probe"], api, fast) as comp:
        comp.on_event("bulk", None)
    assert world.entities[1].position == (1.0, 0.5, -1.0)
    assert world.entities[10_000].position == (10_000.0, 0.5, -1.0)


def test_snapshot_and_restore_carry_state_across_instances(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi
) -> None:
    api, _ = make_api()
    old = _start(engine, components["reloadable"], api, True)
    for _ in range(3):
        old.on_tick(0.1)
    assert old.reloadable
    state = old.snapshot()
    old.close()
    assert state == (3).to_bytes(4, "little")
    with _start(engine, components["reloadable"], api, True) as new:
        new.restore(state)
        new.on_tick(0.1)
        assert new.snapshot() == (4).to_bytes(4, "little")
    with _start(engine, components["probe"], api, True) as plain:
        assert not plain.reloadable and plain.snapshot() is None


def test_closing_releases_the_raw_host_callbacks(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi
) -> None:
    from sandbox.wasm._wasm_callbacks import LIVE as _LIVE

    before = len(_LIVE)
    api, _ = make_api()
    for _ in range(5):
        with _start(engine, components["probe"], api, True) as comp:
            comp.on_event("log", None)
            assert len(_LIVE) > before
    assert len(_LIVE) == before


class TimerPort:
    """Just enough of a gameplay port for timers: hands out ids, or None when "full"."""

    def __init__(self, full: bool) -> None:
        self.full = full
        self.added: list[tuple[str, int, str]] = []

    def timer_add(
        self, mod_id: str, entity: object, delay: int, period: object, name: str, payload: object
    ) -> int | None:
        self.added.append((mod_id, delay, name))
        return None if self.full else 7


@pytest.mark.parametrize("case", ["some", "none", "denied"])
def test_option_results_cross_both_ways(
    engine: WasmEngine, components: dict[str, Path], fast: bool, case: str, tmp_path: Path
) -> None:
    """``result<option<u64>, host-error>``: ok(some), ok(none) and err all reach the guest."""
    from host_api import HostAPI, grant

    caps = set(ALL_CAPABILITIES) - ({"timers"} if case == "denied" else set())
    port = TimerPort(full=case == "none")
    api = HostAPI(
        grant("wasm-mod", caps, ALL_CAPABILITIES),
        FakeWorld(),
        mod_root=tmp_path,
        seed=0,
        gameplay=port,  # type: ignore[arg-type]
    )
    with _start(engine, components["timers"], api, fast) as comp:
        comp.on_event("go", None)
        assert comp.starts == 1  # no trap, no host bug
    codes = [d.code for d in api.drain_diagnostics()]
    assert codes == ([DiagnosticCode.CAPABILITY_DENIED] if case == "denied" else [])
    assert port.added == ([] if case == "denied" else [("wasm-mod", 10, "ring")])
