"""What a mod's host calls leave behind: audit records, per-tick metering, and diagnostics
raised without raising.

One :class:`CallMeter` per ``HostAPI``. Capability decisions go to the audit sink; chatty
operations (``log``, ``events.emit``, ``storage``) are charged against a :class:`TickLimiter`,
and a flood is throttled with one ``MOD_THROTTLED`` warning and one ``throttled`` audit record
per kind and tick, not a crash. Warnings go to the runtime's collector, or wait in
:meth:`CallMeter.drain` when there is none.
"""

from __future__ import annotations

from collections.abc import Callable

from ._audit import AuditEvent, AuditSink, Outcome, now
from ._diagnostics import Diagnostic, DiagnosticCode
from ._rate import TickLimiter
from ._world_port import WorldPort

#: Where diagnostics raised without an exception go (the runtime's per-mod collector).
DiagnosticSink = Callable[[Diagnostic], None]


class CallMeter:
    """Audit, metering and quiet diagnostics of one mod's host calls.

    :param mod_id: the caller.
    :param world: where the current tick is read.
    :param audit: where capability decisions are recorded, if anywhere.
    :param limiter: per-tick budgets (defaults apply if None).
    :param report: where diagnostics go; None keeps them for :meth:`drain`.
    """

    __slots__ = ("_audit", "_limiter", "_mod_id", "_pending", "_report", "_world")

    def __init__(
        self,
        mod_id: str,
        world: WorldPort,
        audit: AuditSink | None,
        limiter: TickLimiter | None,
        report: DiagnosticSink | None,
    ) -> None:
        self._mod_id = mod_id
        self._world = world
        self._audit = audit
        self._limiter = limiter if limiter is not None else TickLimiter()
        self._report = report
        self._pending: list[Diagnostic] = []

    def record(self, capability: str, call: str, outcome: Outcome) -> None:
        """Audit one decision about a call."""
        if self._audit is not None:
            self._audit(
                AuditEvent(now(), self._world.tick, self._mod_id, capability, call, outcome)
            )

    def metered(self, kind: str, call: str, nbytes: int) -> bool:
        """Charge one call against the per-tick budget; False means drop it (throttled)."""
        tick = self._world.tick
        verdict = self._limiter.charge(kind, nbytes, tick)
        if verdict is True:
            return True
        if verdict is False:
            self.record(kind, call, "throttled")
            self.emit(
                Diagnostic(
                    code=DiagnosticCode.MOD_THROTTLED,
                    severity="warning",
                    message=f"{call} flooded: calls over the per-tick budget of '{kind}' are "
                    f"dropped until tick {tick + 1}",
                    mod=self._mod_id,
                    hint=f"call {call} less often, or with less data, in one tick",
                    details={"capability": kind, "call": call, "tick": tick},
                )
            )
        return False

    def emit(self, diagnostic: Diagnostic) -> None:
        """Report ``diagnostic`` without raising."""
        if self._report is not None:
            self._report(diagnostic)
        else:
            self._pending.append(diagnostic)

    def drain(self) -> list[Diagnostic]:
        """Diagnostics kept since the last call (when there is no ``report``)."""
        out, self._pending = self._pending, []
        return out
