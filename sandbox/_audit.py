"""Run the attack corpus against a tier and limits; one :class:`AuditResult` per attack.

Each attack runs as its own mod (``audit-<n>``) in a fresh sandbox over a
:class:`host_api.testing.FakeWorld`, as an entity script driving one entity, with the limits
the active policy would give a mod that requests the manifest defaults.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from host_api import Diagnostic, Limits, ModhostError, ScriptContext
from host_api.testing import recording_api

from ._corpus import ATTACKS, Attack, AttackClass
from ._factory import create_sandbox


@dataclass(frozen=True)
class AuditResult:
    """What happened to one attack."""

    name: str
    kind: AttackClass
    summary: str
    #: True when a diagnostic stopped the attack.
    stopped: bool
    #: The code that stopped it (None when nothing did).
    code: str | None
    #: The codes the corpus expects (any of them).
    expected: tuple[str, ...]
    #: At load (before running) or at run time.
    stage: str
    #: Milliseconds from the start of the attack until it was stopped (or ran out of ticks).
    ms: float
    #: The tier that ran it.
    tier: str
    message: str = ""

    @property
    def as_expected(self) -> bool:
        """Stopped, by the expected code."""
        return self.stopped and self.code in self.expected


def run_audit(
    limits: Limits, *, tier: str = "inprocess", attacks: Iterable[Attack] = ATTACKS
) -> list[AuditResult]:
    """Run ``attacks`` (the built-in corpus by default) and report each one.

    :param limits: the effective limits each attacking mod gets.
    :param tier: the sandbox tier to run them in.
    """
    with tempfile.TemporaryDirectory(prefix="modhost-audit-") as tmp:
        root = Path(tmp)
        (root / "mod.toml").write_text('id = "audit"\n', encoding="utf-8")
        return [
            run_attack(attack, limits, tier=tier, mod_root=root, index=i)
            for i, attack in enumerate(attacks)
        ]


def run_attack(
    attack: Attack, limits: Limits, *, tier: str, mod_root: Path, index: int = 0
) -> AuditResult:
    """Run one attack in a fresh sandbox and report how it was stopped."""
    mod_id = f"audit-{index}"
    api, world, _ = recording_api(mod_id, attack.capabilities, mod_root=mod_root)
    entity = world.add("probe", (0.0, 0.0, 0.0), owner=mod_id)
    ctx = ScriptContext(api, {}, entity)
    code: str | None = None
    stage = "run"
    message = ""
    with create_sandbox(mod_id, limits, tier=tier) as sandbox:
        # Start the tier first (a worker process, for ``process``): the time reported is how
        # long stopping the attack took, not how long a sandbox takes to start.
        sandbox.load("scripts/empty.py", "")
        start = time.perf_counter()
        try:
            stage = "load"
            module = sandbox.load("scripts/attack.py", attack.source)
            stage = "run"
            for tick in range(attack.ticks):
                world.tick = tick
                sandbox.call(module, "on_tick", ctx, 1 / 60)
                code, message = _first_noted(api.drain_diagnostics())
                if code is not None:
                    break
        except ModhostError as exc:
            code, message = str(exc.code), exc.message
    elapsed = (time.perf_counter() - start) * 1000.0
    return AuditResult(
        name=attack.name,
        kind=attack.kind,
        summary=attack.summary,
        stopped=code is not None,
        code=code,
        expected=attack.expect,
        stage=stage,
        ms=round(elapsed, 3),
        tier=tier,
        message=message,
    )


def _first_noted(diagnostics: Sequence[Diagnostic]) -> tuple[str | None, str]:
    """The code and message of the first diagnostic noted (None: nothing was)."""
    if not diagnostics:
        return None, ""
    return str(diagnostics[0].code), diagnostics[0].message
