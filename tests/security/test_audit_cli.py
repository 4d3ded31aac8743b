"""``modhost sandbox audit --json``: the operator's report over the whole corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from host_api import HostPolicy
from runtime._cmd_sandbox import build_report
from sandbox import ATTACKS, COMPONENT_ATTACKS

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
