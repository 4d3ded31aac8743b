"""Input: the file format, delivery order, polling, unknown keys, and --input end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from host_api import DiagnosticCode
from runtime import Host
from runtime.cli._cli import build_app
from runtime.gameplay._input import InputFileInvalid, InputState, parse_input_lines

from .conftest import write_input

INPUT_CAPS = ("world.read", "log", "input.read")

LISTENER = """
def on_event(ctx, event):
    ctx.log("%s %s %r w=%s" % (ctx.tick, event.name, event.payload, ctx.input.is_down("w")))

def on_tick(ctx, dt):
    if ctx.input.is_down("w") or ctx.input.is_down("mouse1"):
        ctx.log("%d held w=%s m1=%s at %r" % (ctx.tick, ctx.input.is_down("w"),
                ctx.input.is_down("mouse1"), ctx.input.mouse()))
"""


def test_parse_sorts_by_tick_stably_and_skips_comments() -> None:
    events = parse_input_lines(
        [
            "# a comment",
            '{"tick": 5, "type": "key_down", "key": "w"}',
            "",
            '{"tick": 2, "type": "key_down", "key": "a"}',
            '{"tick": 5, "type": "key_up", "key": "w"}',
            '{"tick": 2, "type": "mouse_move", "x": 0.5, "y": -1}',
        ],
        source="x",
    )
    assert [(e.tick, e.type) for e in events] == [
        (2, "key_down"),
        (2, "mouse_move"),
        (5, "key_down"),
        (5, "key_up"),
    ]


@pytest.mark.parametrize(
    ("line", "code", "needle"),
    [
        ("not json", DiagnosticCode.INPUT_FILE_INVALID, "x:1: not a JSON object"),
        ('{"tick": 0, "type": "key_down", "key": "w"}', DiagnosticCode.INPUT_FILE_INVALID, "tick"),
        ('{"tick": 3, "type": "jump", "key": "w"}', DiagnosticCode.INPUT_FILE_INVALID, "type"),
        ('{"tick": 3, "type": "key_down", "key": "W"}', DiagnosticCode.INPUT_UNKNOWN_KEY, "'W'"),
        (
            '{"tick": 3, "type": "mouse_down", "key": "w"}',
            DiagnosticCode.INPUT_UNKNOWN_KEY,
            "mouse",
        ),
        (
            '{"tick": 3, "type": "mouse_move", "x": 2, "y": 0}',
            DiagnosticCode.INPUT_FILE_INVALID,
            "x",
        ),
        ('{"tick": 3, "type": "mouse_move", "x": 0}', DiagnosticCode.INPUT_FILE_INVALID, "'y'"),
        (
            '{"tick": 3, "type": "key_up", "key": "w", "extra": 1}',
            DiagnosticCode.INPUT_FILE_INVALID,
            "extra",
        ),
    ],
)
def test_bad_lines_name_the_line_and_have_a_code(line: str, code: str, needle: str) -> None:
    with pytest.raises(InputFileInvalid) as info:
        parse_input_lines([line], source="x")
    diag = info.value.to_diagnostic()
    assert diag.code == code and needle in diag.message and "x:1" in diag.message
    assert diag.hint


def test_state_applies_due_events_in_order_and_late_ones_now() -> None:
    state = InputState()
    state.queue_now(3, "key_down", "w")
    state.queue_now(3, "key_up", "w")
    state.queue_now(3, "key_down", "a")
    state.queue_now(1, "mouse_move", x=0.25, y=0.75)
    assert state.begin_tick(2) and state.mouse() == (0.25, 0.75)  # the tick-1 event, late
    assert state.current[0].event.tick == 2
    applied = state.begin_tick(3)
    assert [(d.name, d.event.key) for d in applied] == [
        ("input.key_down", "w"),
        ("input.key_up", "w"),
        ("input.key_down", "a"),
    ]
    assert state.held == {"a"} and not state.is_down("w")
    assert state.begin_tick(4) == [] and state.current == []


def test_events_reach_mods_in_order_with_polling_in_step(make_mod, mods_dir: Path) -> None:
    make_mod("first", scripts={"main.py": LISTENER}, capabilities=INPUT_CAPS)
    make_mod("second", scripts={"main.py": LISTENER}, capabilities=INPUT_CAPS)
    make_mod("deaf", scripts={"main.py": LISTENER}, capabilities=("log",))
    with Host(mods_dir) as host:
        host.load()
        state = host.gameplay.input
        state.queue_now(2, "key_down", "w")
        state.queue_now(2, "mouse_move", x=0.5, y=0.5)
        state.queue_now(3, "key_up", "w")
        state.queue_now(3, "mouse_down", "mouse1")
        host.step(3)
        logs = {m: host.report().mods[m].log for m in ("first", "second", "deaf")}
        deaf = [d.code for d in host.diagnostics if d.mod == "deaf"]
    expected = [
        "2 input.key_down {'key': 'w', 'tick': 2} w=True",
        "2 input.mouse_move {'x': 0.5, 'y': 0.5, 'tick': 2} w=True",
        "2 held w=True m1=False at (0.5, 0.5)",
        "3 input.key_up {'key': 'w', 'tick': 3} w=False",
        "3 input.mouse_down {'key': 'mouse1', 'tick': 3} w=False",
        "3 held w=False m1=True at (0.5, 0.5)",
    ]
    assert logs["first"] == expected and logs["second"] == expected
    assert logs["deaf"] == []  # no input.read: no events, and polling is denied
    assert DiagnosticCode.CAPABILITY_DENIED in deaf


def test_unknown_key_names_from_scripts_are_diagnostics(make_mod, mods_dir: Path) -> None:
    script = "def on_tick(ctx, dt):\n    ctx.input.is_down('Space')\n"
    make_mod("typo", scripts={"main.py": script}, capabilities=INPUT_CAPS)
    with Host(mods_dir) as host:
        host.load()
        host.step(1)
        (diag,) = [d for d in host.diagnostics if d.mod == "typo" and d.severity == "error"]
    assert diag.code == DiagnosticCode.INPUT_UNKNOWN_KEY and "'Space'" in diag.message
    assert "lower-case" in diag.hint


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_run_with_an_input_file_and_a_bad_one(make_mod, mods_dir: Path, tmp_path: Path) -> None:
    make_mod("first", scripts={"main.py": LISTENER}, capabilities=INPUT_CAPS)
    good = write_input(tmp_path / "in.jsonl", [{"tick": 4, "type": "key_down", "key": "w"}])
    code, out = _run("run", "--mods", str(mods_dir), "--headless", "--ticks", "5",
                     "--input", str(good), "--json")  # fmt: skip
    assert code == 0
    log = json.loads(out)["mods"]["first"]["log"]
    assert log[0] == "4 input.key_down {'key': 'w', 'tick': 4} w=True"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"tick": 1, "type": "key_down", "key": "w"}\n{"tick": 2, "type": "key_down"}\n')
    code, out = _run("run", "--mods", str(mods_dir), "--headless", "--ticks", "5",
                     "--input", str(bad), "--json")  # fmt: skip
    report = json.loads(out)
    assert code == 1 and report["ticks"] == 0
    (diag,) = [d for d in report["diagnostics"] if d["code"].startswith("INPUT_")]
    assert diag["code"] == "INPUT_UNKNOWN_KEY" and "bad.jsonl:2" in diag["message"]


@pytest.mark.parametrize(
    "line",
    [
        "[" * 100_000 + "]" * 100_000,  # nested past the parser's recursion limit
        '{"tick": ' + "9" * 5000 + ', "type": "key_down", "key": "w"}',  # past int-to-text
        '{"tick": 1, "type": "key_down", "key": "w\\ud800"}',
    ],
)
def test_hostile_input_lines_name_their_line(line: str) -> None:
    with pytest.raises(InputFileInvalid) as info:
        parse_input_lines(['{"tick": 1, "type": "key_down", "key": "w"}', line], source="in.jsonl")
    assert "in.jsonl:2" in info.value.message


def test_an_input_file_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    import os

    from runtime.gameplay._input import load_input_file

    fifo = tmp_path / "input.jsonl"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    with pytest.raises(InputFileInvalid) as info:
        load_input_file(fifo)
    assert info.value.hint
