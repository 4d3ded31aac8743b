"""``modhost profile``: the figures, the hotspots and the versioned JSON document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.core._scheduler import STAGE_ORDER
from runtime.profile._profile import STARTUP_STEPS
from runtime.profile._profile_report import PROFILE_SCHEMA_VERSION, ProfileReport

Cli = Any  # the conftest fixture: cli(*args) -> Outcome


def test_profile_json_finds_the_slow_mod_and_names_its_hook_line(
    cli: Cli, slow_world: Path
) -> None:
    out = cli("profile", "--ticks", "120", "--top", "3", "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    report = ProfileReport.model_validate(out.json())
    assert report.schema_version == PROFILE_SCHEMA_VERSION == 1
    assert report.ticks == 120
    top = report.hotspots_by_cpu[0]
    assert (top.mod, top.stage, top.hook) == ("slow", "scripts", "on_tick")
    assert top.script == "scripts/main.py:4"  # the line of 'def on_tick'
    assert top.calls == 120
    # Fuel is deterministic: the loop's 20,000 iterations, plus a few units around it.
    assert 120 * 20_000 <= top.fuel < 120 * 20_100
    assert 0 < top.share < 1
    assert len(report.hotspots_by_cpu) == 3
    # By calls: hooks only (the mods' host-side time is no call), the cheap one second.
    assert [(h.mod, h.calls) for h in report.hotspots_by_calls] == [("slow", 120), ("cheap", 120)]
    assert set(report.stages_ms) == {str(s) for s in STAGE_ORDER}
    assert list(report.startup_ms) == list(STARTUP_STEPS)
    assert report.startup_total_ms > 0
    assert report.events == {"slow.tick": 120}
    assert set(report.events_ms) == {"slow.tick"} and report.events_ms["slow.tick"] >= 0
    assert report.mods["slow"].capability_calls == {"events.emit": 120}
    assert report.mods["slow"].p95_ms > report.mods["cheap"].p95_ms
    t = report.tick
    assert t.ticks == 120 and 0 < t.p50_ms <= t.p95_ms <= t.p99_ms <= t.max_ms
    assert t.stdev_ms >= 0 and t.jitter_p95_ms >= 0


def test_profile_human_output_lists_the_hotspot(cli: Cli, slow_world: Path) -> None:
    out = cli("profile", "--ticks", "60", "--top", "2")
    assert out.returncode == 0, out.stdout
    assert "tick time over 60 ticks" in out.stdout
    assert "cold start" in out.stdout and "worker start" in out.stdout
    hot = out.stdout.split("top 2 by CPU time")[1].splitlines()[2]
    assert hot.split()[:3] == ["slow", "scripts", "on_tick"]
    assert "scripts/main.py:4" in hot


def test_profile_seconds_shows_trend_windows(cli: Cli, slow_world: Path) -> None:
    (slow_world / "modhost.toml").write_text(
        '[sandbox]\ntier = "inprocess"\n\n[profile]\nwindows_s = [0.5, 1.0]\n'
    )
    report = ProfileReport.model_validate(cli("profile", "--seconds", "2", "--json").json())
    assert report.ticks == 120
    assert [(w.seconds, w.ticks) for w in report.windows] == [(0.5, 30), (1.0, 60)]
    for window in report.windows:
        assert set(window.mods_p95_ms) == {"slow", "cheap"}
        assert window.previous_tick_p95_ms is not None
        assert set(window.delta_mods_p95_ms) == {"slow", "cheap"}


def test_schema_profile_prints_the_report_schema(cli: Cli) -> None:
    out = cli("schema", "--profile")
    assert out.returncode == 0
    schema = out.json()
    assert schema["title"] == "ProfileReport"
    assert schema["properties"]["schema_version"]["const"] == 1
    assert {"tick", "startup_ms", "hotspots_by_cpu", "windows"} <= set(schema["properties"])
    assert cli("schema").json().get("title") != "ProfileReport"


def test_profile_usage_errors_exit_2(cli: Cli, slow_world: Path) -> None:
    assert cli("profile", "--ticks", "5", "--seconds", "1").returncode == 2
    assert cli("profile", "--mods", "nowhere").returncode == 2
    (slow_world / "adir").mkdir()
    out = cli("profile", "--ticks", "5", "--trace", "adir")
    assert out.returncode == 2
    assert "--trace" in out.stdout + out.stderr


def test_profile_with_an_invalid_policy_is_a_diagnostic(cli: Cli, slow_world: Path) -> None:
    (slow_world / "modhost.toml").write_text('[budgets]\npreset = "fastest"\n')
    out = cli("profile", "--ticks", "5")
    assert out.returncode == 1
    assert "POLICY_INVALID" in out.stdout + out.stderr


GROWING = """\
def on_tick(ctx, dt):
    for i in range(150000 if ctx.tick > 15 else 10):
        pass
"""


def test_run_watch_names_a_mod_whose_p95_grew(cli: Cli, slow_world: Path, make_mod: Any) -> None:
    # From ten loop steps a tick to 150,000: far beyond what a busy machine's noise does.
    make_mod(
        "growing", scripts={"main.py": GROWING}, extra="[limits]\nfuel = 1000000\ntimeout_ms = 50\n"
    )
    (slow_world / "modhost.toml").write_text(
        '[sandbox]\ntier = "inprocess"\n\n[profile]\nwindows_s = [0.25]\n'
    )
    out = cli("run", "--headless", "--watch", "--ticks", "31")
    assert out.returncode == 0, out.stdout
    lines = [line for line in out.stdout.splitlines() if line.startswith("trend: growing ")]
    assert len(lines) == 1
    assert lines[0].endswith("over the last 0.25 s (tick 30)")


def test_strict_profile_does_not_run_a_broken_world(
    cli: Cli, slow_world: Path, make_mod: Any
) -> None:
    make_mod("broken", scripts={"main.py": "def on_tick(ctx, dt)\n    pass\n"})
    report = ProfileReport.model_validate(cli("profile", "--strict", "--json").json())
    assert report.ticks == 0
    assert "SANDBOX_FORBIDDEN" in {d.code for d in report.diagnostics}
    assert cli("profile", "--strict", "--ticks", "3").returncode == 1
