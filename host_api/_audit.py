"""Audit events: one JSON line per capability decision worth keeping."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Outcome = Literal["allowed", "denied", "throttled"]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One decision: who called what, under which capability, and what happened."""

    time: float
    tick: int
    mod: str
    capability: str
    call: str
    outcome: Outcome


AuditSink = Callable[[AuditEvent], None]


class JsonLinesAudit:
    """Appends audit events to a JSON-lines file; safe to share between mods."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, event: AuditEvent) -> None:
        line = json.dumps(asdict(event), sort_keys=True)
        with self._lock, self._path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def now() -> float:
    """Wall-clock time for audit records (never shown to mods)."""
    return time.time()
