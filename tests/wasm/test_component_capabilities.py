"""Each capability allowed and denied from a component, exactly as for a Python script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from host_api import ALL_CAPABILITIES, DiagnosticCode
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


def _start(engine: WasmEngine, path: Path, api: object) -> WasmComponent:
    from host_api import Limits

    return load_component(
        engine, path, api, limits=Limits(timeout_ms=5_000), file="components/probe.wasm"
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("event", sorted(PROBES))
def test_allowed_from_a_component(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, event: str
) -> None:
    api, world = make_api()
    world.add("coin", (0.0, 0.0, 0.0))
    with _start(engine, components["probe"], api) as comp:
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
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi, event: str
) -> None:
    capability = PROBES[event]
    api, world = make_api(set(ALL_CAPABILITIES) - {capability})
    world.add("coin", (0.0, 0.0, 0.0))
    with _start(engine, components["probe"], api) as comp:
        comp.on_event(event, None)
        comp.on_event(event, None)  # noted once, not twice
        comp.on_tick(0.016)  # the instance is still healthy: a denial is not a trap
        assert comp.starts == 1
    diags = api.drain_diagnostics()
    assert [d.code for d in diags] == [DiagnosticCode.CAPABILITY_DENIED]
    assert diags[0].details["capability"] == capability and diags[0].mod == "wasm-mod"
    assert world.logs == [] and world.events == []
    assert world.entities[1].position == (0.0, 0.0, 0.0) and len(world.entities) == 1


def test_bad_argument_is_an_error_value_not_a_trap(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi
) -> None:
    api, world = make_api()
    world.add("coin")
    with _start(engine, components["probe"], api) as comp:
        comp.on_event("x", {"any": "payload"})
        assert comp.starts == 1
    assert [d.code for d in api.drain_diagnostics()] == [DiagnosticCode.SANDBOX_ERROR]


def test_event_payload_reaches_the_guest_as_json(
    engine: WasmEngine, components: dict[str, Path], make_api: MakeApi
) -> None:
    api, _ = make_api()
    with _start(engine, components["probe"], api) as comp:
        comp.on_event("none", {"deep": [1, {"x": "y"}]})
    assert json.dumps({"deep": [1, {"x": "y"}]})
