"""One change between the snapshot and the code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["breaking", "additive"]


@dataclass(frozen=True, order=True)
class Change:
    """A difference in one contract, at one place.

    ``subject`` is the dotted path or key the change is about (``runtime.Host.run``,
    ``schema:run-report/mods/*/state``, ``code:SANDBOX_TIMEOUT``, ``wit:host/spawn``); an
    accepted break names it in ``CHANGELOG.md``.
    """

    severity: Severity
    subject: str
    what: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.subject}: {self.what}"
