"""Performance budgets (``[budgets]`` in ``modhost.toml``), checked once per window.

Every ``window_s`` simulated seconds the :class:`BudgetChecker` reads the window just
recorded by the profiler and compares it with the thresholds (a preset's, overridden by the
file's own, overridden per mod). A mod over a budget gets ``BUDGET_EXCEEDED`` (a warning)
with the measured figure, the budget, its top hook and a hint. Overruns are counted per mod:
at ``throttle_after`` and ``quarantine_after`` overruns the mod steps onto that rung of the
fault ladder, as far as its ``action`` allows (``warn``: never).

Budgets read wall and CPU clocks, so a run that enforces them (``action`` other than
``warn``) can differ between machines. They are off unless ``[budgets]`` sets a preset or a
threshold; headless CI runs that want a reproducible ``world_hash`` keep it that way (or keep
``action = "warn"``: diagnostics only, the world is untouched).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from host_api import Diagnostic, DiagnosticCode

from ._profile import HOST_SIDE

if TYPE_CHECKING:
    from ..core import Host

_RUNG: Final[dict[str, int]] = {"warn": 0, "throttle": 1, "quarantine": 2}


class BudgetChecker:
    """Watches one host's profiler and holds its mods to ``host.policy.budgets``.

    Attach with :meth:`attach` after the host loaded (the startup budget is checked then).
    """

    def __init__(self, host: Host) -> None:
        self.host = host
        self.policy = host.policy.budgets
        self.limits, self.action = self.policy.effective()
        self.window_ticks: Final = max(1, round(self.policy.window_s * host.scheduler.hz))
        #: Overrun windows per mod.
        self.overruns: dict[str, int] = {}
        self._reloads_seen = 0

    def attach(self) -> BudgetChecker:
        prof = self.host.profiler
        if prof is not None and self.policy.enabled:
            prof.listeners.append(self._on_tick)
            self._check_startup()
        return self

    def _on_tick(self, ticks: int) -> None:
        if ticks % self.window_ticks:
            return
        prof = self.host.profiler
        window = None if prof is None else prof.window(self.window_ticks)
        if window is None:
            return
        over: dict[str, list[tuple[str, float, float, str]]] = {}
        for mod in window.mods:
            if mod not in self.host.instances:
                continue
            own = self.policy.mods.get(mod)
            cpu_budget = (own.mod_cpu_ms if own else None) or self.limits.mod_cpu_ms
            share_budget = (own.mod_share if own else None) or self.limits.mod_share
            cpu = window.mod_cpu_p95_ms(mod)
            if cpu_budget is not None and cpu > cpu_budget:
                over.setdefault(mod, []).append(("CPU per tick (p95)", cpu, cpu_budget, "ms"))
            share = window.mod_share(mod)
            if share_budget is not None and share > share_budget:
                over.setdefault(mod, []).append(("share of the tick", share, share_budget, ""))
        tick_p95 = window.tick_p95_ms()
        if (
            self.limits.tick_p95_ms is not None
            and tick_p95 > self.limits.tick_p95_ms
            and window.mods
        ):
            top = max(window.mods, key=window.mod_share)
            over.setdefault(top, []).append(
                ("tick time (p95), mostly this mod", tick_p95, self.limits.tick_p95_ms, "ms")
            )
        for mod, figures in over.items():
            self._overrun(mod, figures)
        self._check_reloads()

    def _overrun(self, mod: str, figures: list[tuple[str, float, float, str]]) -> None:
        self.overruns[mod] = count = self.overruns.get(mod, 0) + 1
        what, measured, budget, unit = figures[0]
        top = self._top_hook(mod)

        def show(v: float, u: str) -> str:
            return f"{v:.3f} {u}".strip() if u else f"{v:.0%}"

        diag = Diagnostic(
            code=DiagnosticCode.BUDGET_EXCEEDED,
            severity="warning",
            message=f"over budget: {what} {show(measured, unit)} > {show(budget, unit)}"
            + (f"; top hook {top}" if top else ""),
            mod=mod,
            hint=f"profile it ('modhost profile --top 5') and make {top or 'its hooks'} "
            "cheaper, spread work over ticks, or raise the budget in [budgets] of modhost.toml",
            details={
                "tick": self.host.tick,
                "measure": what,
                "measured": round(measured, 4),
                "budget": budget,
                "top_hook": top,
                "overruns": count,
                "all": [
                    {"measure": w, "measured": round(m, 4), "budget": b} for w, m, b, _ in figures
                ],
            },
        )
        self.host.budget_overrun(mod, diag, self._rung(mod, count))

    def _rung(self, mod: str, count: int) -> str:
        own = self.policy.mods.get(mod)
        action: str = (own.action if own and own.action else None) or self.action
        allowed = _RUNG[action]
        if count >= self.policy.quarantine_after and allowed >= 2:
            return "quarantined"
        if count >= self.policy.throttle_after and allowed >= 1:
            return "throttled"
        return "ok"

    def _top_hook(self, mod: str) -> str | None:
        prof = self.host.profiler
        if prof is None:
            return None
        hooks = [h for h in prof.hooks.values() if h.mod == mod and h.stage != "load"]
        real = [h for h in hooks if h.hook != HOST_SIDE] or hooks
        if not real:
            return None
        best = max(real, key=lambda h: h.cpu_ns)
        return best.hook if not best.path else f"{best.hook} ({best.path})"

    def _check_startup(self) -> None:
        prof = self.host.profiler
        budget = self.limits.startup_ms
        if prof is None or budget is None:
            return
        total = sum(v for k, v in prof.startup_ms.items() if k != "first tick")
        if total > budget:
            step = max(prof.startup_ms, key=lambda k: prof.startup_ms[k])
            self.host.budget_overrun(None, _host_budget("startup", total, budget, step), "ok")

    def _check_reloads(self) -> None:
        prof = self.host.profiler
        budget = self.limits.reload_p95_ms
        if prof is None or budget is None or len(prof.reloads_ms) == self._reloads_seen:
            return
        self._reloads_seen = len(prof.reloads_ms)
        p95 = float(np.percentile(prof.reloads_ms, 95))
        if p95 > budget:
            self.host.budget_overrun(None, _host_budget("reload p95", p95, budget, None), "ok")


def _host_budget(what: str, measured: float, budget: float, step: str | None) -> Diagnostic:
    return Diagnostic(
        code=DiagnosticCode.BUDGET_EXCEEDED,
        severity="warning",
        message=f"over budget: {what} {measured:.1f} ms > {budget:.1f} ms"
        + (f"; slowest step {step}" if step else ""),
        hint="see the cold-start breakdown of 'modhost profile'; raise the budget in "
        "[budgets] of modhost.toml if this is expected",
        details={"measure": what, "measured": round(measured, 3), "budget": budget, "step": step},
    )
