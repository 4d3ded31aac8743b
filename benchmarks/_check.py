"""Ratios against ``benchmarks/baseline.json``: print them, and fail on a regression.

A benchmark module opts in by returning ``{name: ratio}`` from ``main()`` (every ratio is
measured against a baseline in the same run, so it means the same on any machine; absolute
times never are compared). ``baseline.json`` records, per name, the ratio accepted last and
how much worse a run may be before ``--check`` fails:

    {"default_threshold": 0.25,
     "ratios": {"profile.overhead.example": {"ratio": 1.0, "threshold": 0.1}}}

A ratio regresses when ``measured > ratio * (1 + threshold)`` (lower is better for every
ratio: ours over a baseline). ``--record`` writes the measured ratios back as the new
baseline (keeping thresholds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

BASELINE: Final = Path(__file__).with_name("baseline.json")
#: Allowed worsening when an entry names no threshold of its own.
DEFAULT_THRESHOLD: Final = 0.25


@dataclass(frozen=True)
class Verdict:
    name: str
    measured: float
    baseline: float | None
    threshold: float

    @property
    def regressed(self) -> bool:
        return self.baseline is not None and self.measured > self.baseline * (1 + self.threshold)

    def line(self) -> str:
        if self.baseline is None:
            return f"  {self.name:<40} {self.measured:8.3f}   (no baseline)"
        change = self.measured / self.baseline - 1
        flag = "REGRESSED" if self.regressed else "ok"
        return (
            f"  {self.name:<40} {self.measured:8.3f}   baseline {self.baseline:.3f} "
            f"({change:+.1%}, allowed +{self.threshold:.0%})  {flag}"
        )


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    if not path.is_file():
        return {"default_threshold": DEFAULT_THRESHOLD, "ratios": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def judge(measured: dict[str, float], baseline: dict[str, Any]) -> list[Verdict]:
    """One verdict per measured ratio, in name order."""
    default = float(baseline.get("default_threshold", DEFAULT_THRESHOLD))
    entries = baseline.get("ratios", {})
    out = []
    for name in sorted(measured):
        entry = entries.get(name)
        out.append(
            Verdict(
                name,
                measured[name],
                None if entry is None else float(entry["ratio"]),
                default if entry is None else float(entry.get("threshold", default)),
            )
        )
    return out


def record(measured: dict[str, float], path: Path = BASELINE) -> None:
    """Write ``measured`` as the new baseline ratios, keeping each entry's threshold."""
    data = load_baseline(path)
    entries = data.setdefault("ratios", {})
    for name, ratio in sorted(measured.items()):
        entries.setdefault(name, {})["ratio"] = round(ratio, 3)
    data["ratios"] = dict(sorted(entries.items()))
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
