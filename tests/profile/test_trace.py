"""``run --trace`` (Chrome trace-event JSON) and ``--trace-csv`` (one row per tick)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from runtime.core._scheduler import STAGE_ORDER

Cli = Any  # the conftest fixture: cli(*args) -> Outcome

FAULTY = """\
def on_tick(ctx, dt):
    if ctx.tick == 5:
        raise ValueError("boom")
"""


def _events(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text())
    assert doc["displayTimeUnit"] == "ms"
    events: list[dict[str, Any]] = doc["traceEvents"]
    return events


def test_trace_has_a_track_per_stage_and_mod_and_hook_slices(
    cli: Cli, slow_world: Path, make_mod: Any
) -> None:
    make_mod("faulty", scripts={"main.py": FAULTY})
    out = cli(
        "run", "--headless", "--ticks", "20", "--trace", "out/t.json", "--trace-csv", "out/t.csv"
    )
    assert out.returncode == 1  # the fault is an error diagnostic
    events = _events(slow_world / "out" / "t.json")
    names = {
        (e["pid"], e["args"]["name"])
        for e in events
        if e["ph"] == "M" and e["name"] == "thread_name"
    }
    assert {(1, f"stage: {s}") for s in STAGE_ORDER} <= names
    assert {(2, "mod: slow"), (2, "mod: cheap"), (2, "mod: faulty")} <= names
    slices = [e for e in events if e["ph"] == "X"]
    for e in slices:
        assert {"name", "ts", "dur", "pid", "tid", "args"} <= set(e)
        assert e["dur"] >= 0
    stage_slices = [e for e in slices if e["pid"] == 1]
    assert len(stage_slices) == 20 * len(STAGE_ORDER)
    assert {e["args"]["tick"] for e in stage_slices} == set(range(1, 21))
    hooks = [e for e in slices if e["pid"] == 2 and e["name"] == "on_tick"]
    slow = [e for e in hooks if e["args"]["mod"] == "slow"]
    assert len(slow) == 20
    for e in slow:
        assert e["args"]["hook"] == "on_tick"
        assert e["args"]["entities"] == 1
        assert e["args"]["fuel"] >= 20_000
        assert e["args"]["script"] == "scripts/main.py"
    faults = [e for e in events if e["ph"] == "i" and e["name"] == "fault"]
    assert [(f["args"]["mod"], f["args"]["code"], f["args"]["tick"]) for f in faults] == [
        ("faulty", "SANDBOX_ERROR", 5)
    ]
    counters = [e for e in events if e["ph"] == "C"]
    assert len(counters) == 20 and all(c["args"]["ms"] > 0 for c in counters)

    with (slow_world / "out" / "t.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["tick"]) for r in rows] == list(range(1, 21))
    assert {f"{s}_ms" for s in STAGE_ORDER} | {"mod:slow_ms", "mod:cheap_ms"} <= set(rows[0])
    assert all(float(r["tick_ms"]) >= float(r["mod:slow_ms"]) > 0 for r in rows)


def test_reloads_are_instants_in_the_trace(slow_world: Path, tmp_path: Path) -> None:
    from runtime import Host
    from runtime.profile._trace import open_trace

    sink = open_trace(tmp_path / "r.json", None)
    assert sink is not None
    with Host(slow_world / "mods", seed=0, trace=sink) as host:
        host.load()
        host.step(3)
        script = slow_world / "mods" / "cheap" / "scripts" / "main.py"
        script.write_text(script.read_text() + "\n# edited\n")
        assert host.reload(["cheap"]).changed
        host.step(3)
    reloads = [e for e in _events(tmp_path / "r.json") if e["name"] == "reload"]
    assert len(reloads) == 1
    assert reloads[0]["ph"] == "i" and "cheap" in reloads[0]["args"]["summary"]


def test_unwritable_trace_paths_are_usage_errors_before_the_run(cli: Cli, slow_world: Path) -> None:
    (slow_world / "afolder").mkdir()
    (slow_world / "afile").write_text("")
    for option, path in (
        ("--trace", "afolder"),
        ("--trace-csv", "afolder"),
        ("--trace", "afile/under/a/file.json"),
    ):
        out = cli("run", "--headless", "--ticks", "5", option, path)
        assert out.returncode == 2, (option, path, out.stdout)
        assert "world hash" not in out.stdout
        assert option in out.stdout + out.stderr


def test_profile_overlay_needs_rendering(cli: Cli, slow_world: Path) -> None:
    out = cli("run", "--headless", "--profile-overlay", "--ticks", "3")
    assert out.returncode == 2
    assert "--profile-overlay" in out.stdout + out.stderr
