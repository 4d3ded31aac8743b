"""The host never trusts what a process-tier worker sends back: faults, ops, results and
whole replies of the wrong shape become refusals, never host errors."""

from __future__ import annotations

from array import array
from pathlib import Path
from typing import Any

import pytest

from host_api import ALL_CAPABILITIES, HostAPI, Limits, ModFault, ScriptContext, grant
from runtime.core._world import World
from sandbox import KindWork, ProcessSandbox, ScriptFault, TickWork
from sandbox.python._process_faults import rebuilt
from sandbox.python._process_tick import _reply_parts

MOD = "untrusting"


@pytest.mark.parametrize(
    "data",
    [
        None,
        "not a dict",
        {},
        {"cls": "os.system", "code": "SANDBOX_TIMEOUT", "message": "m", "hint": "h"},
        {"cls": "ScriptTimeout", "code": "NO_SUCH_CODE"},
        {"message": 12, "hint": ["x"], "file": 3, "line": "7", "details": [1, 2]},
        {"message": "x" * 100_000, "code": None},
    ],
)
def test_a_fault_record_of_any_shape_becomes_a_fault(data: Any) -> None:
    fault = rebuilt(MOD, data, "scripts/a.py")
    assert isinstance(fault, ScriptFault) or fault.code is not None
    assert fault.mod_id == MOD
    assert len(fault.message) <= 2000
    assert fault.line is None or type(fault.line) is int
    assert type(fault.details) is dict


def test_a_known_fault_record_keeps_its_class_and_code() -> None:
    fault = rebuilt(MOD, {"cls": "ScriptTimeout", "code": "SANDBOX_TIMEOUT", "message": "late",
                          "hint": "h", "file": "a.py", "line": 3, "details": {}}, "")  # fmt: skip
    assert type(fault).__name__ == "ScriptTimeout" and fault.code == "SANDBOX_TIMEOUT"
    assert (fault.file, fault.line) == ("a.py", 3)


@pytest.fixture
def api() -> HostAPI:
    world = World()
    world.spawn(MOD, "dot", (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), ())
    world.apply_commands()
    return HostAPI(grant(MOD, ALL_CAPABILITIES, ALL_CAPABILITIES), world, mod_root=Path("."),
                   seed=1)  # fmt: skip


def _kind() -> KindWork:
    return KindWork("dot", (), array("q", [1]), array("d", [0.0] * 3), array("d", [0.0] * 3),
                    array("i", [0]), ((),))  # fmt: skip


@pytest.mark.parametrize(
    "stream",
    [
        "not a list",
        [None, 3, (), ["emit"], ("fault", "not a dict"), ("fault",), ("exec", "rm -rf /")],
        [("emit",), ("emit", "e", {"a": 1}), ("set_position",), ("despawn", "x", "y")],
        [("emit", "e", {"a": 1}, 999), ("log", ["not", "text"])],
        [([1], 2)],
    ],
)
def test_a_stream_of_any_shape_is_applied_or_refused_never_raised(
    api: HostAPI, stream: Any
) -> None:
    sandbox = ProcessSandbox(MOD, Limits())
    faults: list[ModFault] = []
    try:
        kind = _kind()
        assert sandbox._apply_kind(api, kind, (stream, b"\x01", b"x", 5, None),
                                   lambda f: faults.append(f) or True)  # fmt: skip
        # Writes of the wrong types are not taken (the host checks sizes besides).
        assert (kind.moved_mask, kind.steered_mask) == (b"", b"")
    finally:
        sandbox.close()
    assert all(isinstance(f, ModFault) for f in faults)


def test_an_emit_claiming_another_entity_is_attributed_to_none(api: HostAPI) -> None:
    sandbox = ProcessSandbox(MOD, Limits())
    try:
        sandbox._apply_kind(api, _kind(), ([("emit", "e", None, 999)],), lambda f: True)
        sandbox._apply_kind(api, _kind(), ([("emit", "e", None, 1)],), lambda f: True)
    finally:
        sandbox.close()
    events, _ = api._world.events.drain(lambda m: 0)
    assert [e.source_entity for e in events] == [None, 1]


@pytest.mark.parametrize(
    "result",
    [None, (), ("only", "three", "items"), (None, None, "state is text", "ops are text"),
     (None, None, {}, [("emit",), 5, ([1],)])],
)  # fmt: skip
def test_a_call_result_of_any_shape_is_a_fault_or_nothing(api: HostAPI, result: Any) -> None:
    sandbox = ProcessSandbox(MOD, Limits())
    ctx = ScriptContext(api, {"kept": 1})
    try:
        outcome = sandbox._apply("a.py", api, ctx, result)
    finally:
        sandbox.close()
    assert outcome is None or isinstance(outcome, ScriptFault)
    assert ctx.state in ({"kept": 1}, {})


@pytest.mark.parametrize(
    "reply",
    [None, "ticked", ("ticked", [], []), ("ticked", [1], [], None, {}),
     ("ticked", [], [()], None, {}), ("ticked", {}, [], None, {})],
)  # fmt: skip
def test_a_reply_out_of_shape_is_refused(reply: Any) -> None:
    assert _reply_parts(reply, TickWork([], [], 0.1, {})) is None


def test_a_reply_in_shape_is_taken() -> None:
    assert _reply_parts(("ticked", [], [], None, {1: {}}), TickWork([], [], 0.1, {})) == (
        [],
        [],
        {1: {}},
    )
