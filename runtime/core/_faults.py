"""The fault ladder: each fault a mod causes counts against it (warn -> throttle -> quarantine).

Thresholds come from the policy's ``[faults]`` section, in faults per mod:

- below ``warn_after``: a fault is tolerated: reported with severity ``info`` (so it does not
  fail the run) and counted;
- from ``warn_after`` (default 1, i.e. from the first fault): each fault is an ``error``
  diagnostic (the "warn" rung) and the mod keeps running every tick;
- at ``throttle_after``: ``MOD_THROTTLED`` (warning); the mod now runs only every
  :data:`THROTTLE_PERIOD` ticks;
- at ``quarantine_after``: ``MOD_QUARANTINED`` (error); the mod stops: no hooks, no
  components, no events, and its entities stay frozen where they are.

Every fault becomes a diagnostic in the mod's report (the first :data:`MAX_FAULT_DIAGNOSTICS`
of them; the count is always exact).
"""

from __future__ import annotations

from typing import Final, Literal

from host_api import Diagnostic, DiagnosticCode, HostPolicy, ModhostError

#: A throttled mod runs on ticks divisible by this.
THROTTLE_PERIOD: Final = 4
#: Fault diagnostics kept per mod; later faults are only counted.
MAX_FAULT_DIAGNOSTICS: Final = 20

Rung = Literal["ok", "throttled", "quarantined"]


class FaultLedger:
    """One mod's fault count and rung on the ladder.

    :param mod_id: the mod this ledger counts for.
    :param policy: the host policy; its ``[faults]`` section holds the thresholds.
    """

    __slots__ = ("count", "diagnostics", "mod_id", "policy", "rung")

    def __init__(self, mod_id: str, policy: HostPolicy) -> None:
        self.mod_id = mod_id
        self.policy = policy.faults
        self.count = 0
        self.rung: Rung = "ok"
        self.diagnostics: list[Diagnostic] = []

    @property
    def quarantined(self) -> bool:
        return self.rung == "quarantined"

    def runs_on(self, tick: int) -> bool:
        """Whether the mod's hooks run on ``tick``."""
        if self.rung == "ok":
            return True
        return self.rung == "throttled" and tick % THROTTLE_PERIOD == 0

    def record(self, fault: ModhostError, *, tick: int) -> list[Diagnostic]:
        """Count one fault; return the diagnostics it produced (the fault, maybe a rung change)."""
        self.count += 1
        out: list[Diagnostic] = []
        if len(self.diagnostics) < MAX_FAULT_DIAGNOSTICS:
            tolerated = self.count < self.policy.warn_after
            diag = fault.to_diagnostic("info" if tolerated else None)
            details = {**diag.details, "tick": tick, "fault": self.count}
            out.append(diag.model_copy(update={"mod": self.mod_id, "details": details}))
        if self.count >= self.policy.quarantine_after and self.rung != "quarantined":
            self.rung = "quarantined"
            out.append(self._rung_diagnostic(tick, DiagnosticCode.MOD_QUARANTINED, "error"))
        elif self.count >= self.policy.throttle_after and self.rung == "ok":
            self.rung = "throttled"
            out.append(self._rung_diagnostic(tick, DiagnosticCode.MOD_THROTTLED, "warning"))
        self.diagnostics.extend(out)
        return out

    def escalate(self, rung: Rung, *, tick: int) -> list[Diagnostic]:
        """Step up to ``rung`` for a reason other than a fault (a budget overrun,
        :mod:`runtime.profile._budgets`); never steps down. Returns the rung change's diagnostic."""
        order = ("ok", "throttled", "quarantined")
        if order.index(rung) <= order.index(self.rung):
            return []
        self.rung = rung
        code = (
            DiagnosticCode.MOD_QUARANTINED
            if rung == "quarantined"
            else DiagnosticCode.MOD_THROTTLED
        )
        diag = self._rung_diagnostic(
            tick, code, "error" if rung == "quarantined" else "warning", why="budget overruns"
        )
        self.diagnostics.append(diag)
        return [diag]

    def _rung_diagnostic(
        self,
        tick: int,
        code: DiagnosticCode,
        severity: Literal["error", "warning"],
        why: str | None = None,
    ) -> Diagnostic:
        after = why or f"{self.count} faults"
        if code is DiagnosticCode.MOD_QUARANTINED:
            message = f"quarantined after {after}: the mod is stopped and its entities are frozen"
        else:
            message = f"throttled after {after}: the mod now runs every {THROTTLE_PERIOD} ticks"
        return Diagnostic(
            code=code,
            severity=severity,
            message=message,
            mod=self.mod_id,
            hint="fix the faults reported above; thresholds are in [faults] of modhost.toml"
            if why is None
            else "make the mod cheaper (see BUDGET_EXCEEDED above); [budgets] of modhost.toml "
            "sets the thresholds",
            details={
                "tick": tick,
                "faults": self.count,
                "warn_after": self.policy.warn_after,
                "throttle_after": self.policy.throttle_after,
                "quarantine_after": self.policy.quarantine_after,
            },
        )
