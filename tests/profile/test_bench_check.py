"""``python -m benchmarks --check``: ratios against ``benchmarks/baseline.json``."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from benchmarks import __main__ as bench_main
from benchmarks._check import BASELINE, judge, load_baseline, record


def test_a_ratio_regresses_past_its_threshold_only() -> None:
    baseline = {"default_threshold": 0.25, "ratios": {"a": {"ratio": 2.0, "threshold": 0.1}}}
    verdicts = {v.name: v for v in judge({"a": 2.19, "b": 9.0}, baseline)}
    assert not verdicts["a"].regressed
    assert judge({"a": 2.21}, baseline)[0].regressed
    assert not verdicts["b"].regressed and verdicts["b"].baseline is None
    assert "no baseline" in verdicts["b"].line()
    assert "REGRESSED" in judge({"a": 3.0}, baseline)[0].line()


def test_record_keeps_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(
        json.dumps({"default_threshold": 0.3, "ratios": {"a": {"ratio": 1.0, "threshold": 0.05}}})
    )
    record({"a": 1.2345, "b": 3.0}, path)
    data = load_baseline(path)
    assert data["ratios"] == {"a": {"ratio": 1.234, "threshold": 0.05}, "b": {"ratio": 3.0}}
    assert data["default_threshold"] == 0.3


def test_the_shipped_baseline_names_the_ratio_benchmarks() -> None:
    data = load_baseline(BASELINE)
    names = set(data["ratios"])
    assert {"profile.overhead.example", "profile.overhead.1000_entities"} <= names
    for entry in data["ratios"].values():
        assert entry["ratio"] > 0 and 0 < entry.get("threshold", 1) <= 1


@pytest.mark.parametrize(("ratio", "code"), [(1.0, 0), (5.0, 1)])
def test_check_exits_1_on_a_regression(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], ratio: float, code: int
) -> None:
    fake = types.ModuleType("benchmarks.bench_fake")
    fake.main = lambda: {"profile.overhead.example": ratio}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "benchmarks.bench_fake", fake)
    monkeypatch.setattr(bench_main, "RATIO_MODULES", ("bench_fake",))
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter([self / "bench_fake.py"]))
    assert bench_main.main(["--check"]) == code
    out = capsys.readouterr().out
    assert "profile.overhead.example" in out
    assert ("regressed: profile.overhead.example" in out) is bool(code)
