"""Each capability allowed and denied from a Python script, audited as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from host_api import (
    ALL_CAPABILITIES,
    CapabilityDenied,
    CapabilitySet,
    DiagnosticCode,
    HostAPI,
    JsonLinesAudit,
    Limits,
    ModStorage,
    ScriptContext,
    grant,
)
from host_api.testing import FakeWorld
from sandbox import RestrictedSandbox, ScriptRaised

#: capability -> a mod-script body that needs it (and only it, plus world.read for lookups).
CALLS: dict[str, str] = {
    "log": "ctx.log('hello')",
    "world.read": "ctx.world.query('coin')",
    "world.write": "ctx.world.set_position(1, (1.0, 2.0, 3.0))",
    "world.spawn": "ctx.world.spawn('coin', (0.0, 0.0, 0.0))",
    "events.emit": "ctx.events.emit('ping', {'n': 1})",
    "fs.read": "ctx.fs.read('assets/data.txt')",
    "storage": "ctx.storage.set('k', [1, 2])",
}


def _api(
    tmp_path: Path, capabilities: set[str], audit_path: Path | None = None
) -> tuple[HostAPI, FakeWorld]:
    world = FakeWorld()
    world.add("coin", (0.0, 0.0, 0.0))
    root = tmp_path / "mod"
    (root / "assets").mkdir(parents=True, exist_ok=True)
    (root / "assets" / "data.txt").write_text("data")
    granted = grant("probe", capabilities, ALL_CAPABILITIES)
    api = HostAPI(
        granted,
        world,
        mod_root=root,
        seed=1,
        audit=JsonLinesAudit(audit_path or tmp_path / "audit.jsonl"),
        storage=ModStorage(tmp_path / "store" / "probe.json", mod_id="probe"),
    )
    return api, world


def _run_script(api: HostAPI, body: str) -> None:
    sandbox = RestrictedSandbox("probe", Limits())
    module = sandbox.load("scripts/probe.py", f"def on_load(ctx):\n    {body}\n")
    sandbox.call(module, "on_load", ScriptContext(api, {}))


@pytest.mark.parametrize("capability", sorted(CALLS))
def test_allowed_from_a_script(tmp_path: Path, capability: str) -> None:
    api, world = _api(tmp_path, {capability})
    _run_script(api, CALLS[capability])
    if capability == "log":
        assert world.logs == [("probe", "hello")]
    if capability == "events.emit":
        assert world.events[0].payload == {"n": 1}
    if capability == "world.spawn":
        assert len(world.entities) == 2
    if capability == "world.write":
        assert world.entities[1].position == (1.0, 2.0, 3.0)
    if capability == "storage":
        assert api.storage_get("k") == [1, 2]


@pytest.mark.parametrize("capability", sorted(CALLS))
def test_denied_from_a_script_is_audited(tmp_path: Path, capability: str) -> None:
    audit = tmp_path / "audit.jsonl"
    api, world = _api(tmp_path, set(ALL_CAPABILITIES) - {capability}, audit)
    with pytest.raises(ScriptRaised) as info:
        _run_script(api, CALLS[capability])
    diag = info.value.to_diagnostic()
    assert diag.code == DiagnosticCode.CAPABILITY_DENIED
    assert diag.mod == "probe"
    assert diag.details["capability"] == capability
    assert capability in diag.message and diag.hint
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    denied = [r for r in records if r["outcome"] == "denied"]
    assert len(denied) == 1
    assert set(denied[0]) == {"time", "tick", "mod", "capability", "call", "outcome"}
    assert denied[0]["mod"] == "probe" and denied[0]["capability"] == capability
    assert world.logs == [] or capability != "log"


def test_net_is_denied_whatever_manifest_and_policy_say() -> None:
    granted = grant("m", ["net", "log"], ["net", "log"])
    assert "net" not in granted and "log" in granted


def test_capability_set_cannot_be_minted_or_widened() -> None:
    granted = grant("m", ["log"], ALL_CAPABILITIES)
    with pytest.raises(TypeError):
        CapabilitySet("m", frozenset(ALL_CAPABILITIES))
    with pytest.raises(AttributeError):
        granted._names = frozenset(ALL_CAPABILITIES)  # type: ignore[misc]
    assert "world.write" not in granted


def test_identity_comes_from_the_binding(tmp_path: Path) -> None:
    api, world = _api(tmp_path, {"world.spawn", "events.emit"})
    eid = api.spawn("coin")
    api.emit("ping", None)
    assert world.entities[eid].owner == "probe"
    assert world.events[0].source_mod == "probe"
    with pytest.raises(TypeError):
        api.spawn("coin", owner="someone-else")  # type: ignore[call-arg]


def test_storage_without_a_bound_store_is_denied() -> None:
    world = FakeWorld()
    api = HostAPI(grant("m", ["storage"], ALL_CAPABILITIES), world, mod_root=Path("."), seed=0)
    with pytest.raises(CapabilityDenied):
        api.storage_get("k")
