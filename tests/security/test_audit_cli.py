"""``modhost sandbox audit --json``: the operator's report over the whole corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from host_api import HostPolicy
from runtime.cli._cmd_sandbox import _print_human, build_report, report_of
from sandbox import ATTACKS, COMPONENT_ATTACKS, AuditResult

ROOT = Path(__file__).resolve().parents[2]


def _modhost(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from runtime import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_audit_json_reports_every_case_stopped(tmp_path: Path) -> None:
    done = _modhost("sandbox", "audit", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["tier"] == HostPolicy().sandbox.tier == "process"
    assert report["limits"] == {"fuel": 200_000, "memory_mb": 16, "timeout_ms": 5}
    assert set(report["faults"]) == {"warn_after", "throttle_after", "quarantine_after"}
    assert report["total"] == len(ATTACKS) + len(COMPONENT_ATTACKS) == len(report["cases"])
    assert report["stopped"] == report["total"]
    classes = {c["attack_class"] for c in report["cases"]}
    assert classes == {"escape", "resource", "api-abuse", "abi", "load"}
    assert {c["tier"] for c in report["cases"] if c["name"].startswith("wasm.")} == {"wasm"}
    for case in report["cases"]:
        assert case["stopped"] is True
        # Under the default policy's 5 ms limit a loaded machine may stop a case by time
        # first; tests/security/test_corpus.py checks exact codes with a generous timeout.
        assert case["code"] in (*case["expected"], "SANDBOX_TIMEOUT")
        assert case["stage"] in ("load", "run")
        assert case["ms"] >= 0
    assert report["diagnostics"] == []


def test_audit_uses_the_policy_beside_the_mods_folder(tmp_path: Path) -> None:
    (tmp_path / "mods").mkdir()
    (tmp_path / "modhost.toml").write_text(
        "[limits]\nfuel = 1000\nmemory_mb = 8\ntimeout_ms = 50\n", encoding="utf-8"
    )
    done = _modhost(
        "sandbox", "audit", "--json", "--only", "resource.while", "--mods", "mods", cwd=tmp_path
    )
    report = json.loads(done.stdout)
    assert report["limits"] == {"fuel": 1000, "memory_mb": 8, "timeout_ms": 5}
    assert [c["name"] for c in report["cases"]] == ["resource.while-true"]


def test_audit_bad_tier_is_a_usage_error(tmp_path: Path) -> None:
    done = _modhost("sandbox", "audit", "--tier", "nope", cwd=tmp_path)
    assert done.returncode == 2


def test_report_model_round_trips() -> None:
    report = build_report(HostPolicy(), only="escape.globals")
    assert report.cases[0].code == "SANDBOX_FORBIDDEN"
    assert report.by_class["escape"]["stopped"] == 1


def _result(name: str, code: str | None, expected: tuple[str, ...]) -> AuditResult:
    return AuditResult(
        name=name, kind="resource", summary=name, stopped=code is not None, code=code,
        expected=expected, stage="run", ms=1.0, tier="process",
    )  # fmt: skip


def test_a_case_stopped_by_another_code_fails_unless_the_report_says_why_it_is_accepted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = [
        _result("resource.fine", "SANDBOX_FUEL_EXHAUSTED", ("SANDBOX_FUEL_EXHAUSTED",)),
        _result("resource.by-time", "SANDBOX_TIMEOUT", ("SANDBOX_MEMORY_LIMIT",)),
        _result("resource.by-other", "SANDBOX_RECURSION_LIMIT", ("SANDBOX_MEMORY_LIMIT",)),
        _result("resource.through", None, ("SANDBOX_MEMORY_LIMIT",)),
    ]
    report = report_of(results, HostPolicy(), tier="process")
    notes = {c.name: c.note for c in report.cases}
    assert notes["resource.fine"] == "" and notes["resource.by-other"] == ""
    assert "time limit" in notes["resource.by-time"] and "accepted" in notes["resource.by-time"]
    failed = {d.details["attack"]: d for d in report.diagnostics}
    assert set(failed) == {"resource.by-other", "resource.through"}
    assert all(d.code == "SANDBOX_AUDIT_FAILED" and d.severity == "error" for d in failed.values())
    assert "stopped by SANDBOX_RECURSION_LIMIT, not by SANDBOX_MEMORY_LIMIT" in (
        failed["resource.by-other"].message
    )
    _print_human(report)
    out = capsys.readouterr().out
    assert "3 of 4 attacks stopped, 1 by the expected code, 2 by another (2 failed)" in out
    assert "(unexpected code)" in out and "accepted" in out


def test_audit_only_prints_no_empty_classes(tmp_path: Path) -> None:
    done = _modhost("sandbox", "audit", "--only", "escape.globals", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "None" not in done.stdout
    assert "escape: 1/1 stopped" in done.stdout and "resource:" not in done.stdout
