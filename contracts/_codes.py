"""Diagnostic codes: tools match on these strings, so a code is never removed or renamed."""

from __future__ import annotations

from ._model import Change


def extract() -> list[str]:
    """Every ``DiagnosticCode`` value, sorted."""
    from host_api import DiagnosticCode

    return sorted(code.value for code in DiagnosticCode)


def compare(old: list[str], new: list[str]) -> list[Change]:
    """Removed codes break; new codes are additive."""
    changes = [Change("breaking", f"code:{c}", "removed") for c in old if c not in new]
    return changes + [Change("additive", f"code:{c}", "added") for c in new if c not in old]
