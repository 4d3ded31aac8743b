"""Run the attack corpus against a tier and limits; one :class:`AuditResult` per attack.

Each attack runs as its own mod (``audit-<n>``) in a fresh sandbox over a
:class:`host_api.testing.FakeWorld`, as an entity script driving one entity, with the limits
the active policy would give a mod that requests the manifest defaults.
"""

from __future__ import annotations

import os
import tempfile
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from host_api import (
    Diagnostic,
    EntityView,
    HostAPI,
    Limits,
    ModFault,
    ModhostError,
    ScriptContext,
)
from host_api.testing import recording_api

from ..base import KindWork, ScriptModule, ScriptSandbox, TickWork
from ..python import create_sandbox
from ..wasm import WasmEngine, load_component
from ._corpus import ATTACKS
from ._corpus_attack import Attack, AttackClass
from ._wasm_corpus import COMPONENT_ATTACKS, ComponentAttack


@dataclass(frozen=True)
class AuditResult:
    """What happened to one attack."""

    name: str
    kind: AttackClass | str
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
    limits: Limits,
    *,
    tier: str = "inprocess",
    attacks: Iterable[Attack] = ATTACKS,
    components: Iterable[ComponentAttack] = COMPONENT_ATTACKS,
) -> list[AuditResult]:
    """Run ``attacks`` and ``components`` (the built-in corpora by default) and report each.

    :param limits: the effective limits each attacking mod gets.
    :param tier: the sandbox tier to run the scripts in (components run in the host's
        WebAssembly engine whatever the tier).
    """
    with tempfile.TemporaryDirectory(prefix="modhost-audit-") as tmp:
        root = Path(tmp)
        (root / "mod.toml").write_text('id = "audit"\n', encoding="utf-8")
        results = [
            run_attack(attack, limits, tier=tier, mod_root=root, index=i)
            for i, attack in enumerate(attacks)
        ]
        chosen = list(components)
        if chosen:
            with WasmEngine(progress=False) as engine:
                results += [
                    run_component_attack(attack, limits, engine=engine, mod_root=root, index=i)
                    for i, attack in enumerate(chosen, start=len(results))
                ]
        return results


def write_attack_file(attack: ComponentAttack, folder: Path) -> Path:
    """Put ``attack``'s component file (or hostile file) in ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    if attack.file == "text":
        path = folder / f"{attack.name}.wat"
        path.write_text(attack.source, encoding="utf-8")
        return path
    path = folder / f"{attack.name}.wasm"
    path.unlink(missing_ok=True)
    if attack.file == "sparse":
        with path.open("wb") as handle:
            handle.truncate(2 * 1024**3)  # no data blocks: nothing is written
    elif attack.file == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(b"\0asm\x0d\0\x01\0" + b"\xff" * 64)
    return path


def run_component_attack(
    attack: ComponentAttack, limits: Limits, *, engine: WasmEngine, mod_root: Path, index: int = 0
) -> AuditResult:
    """Load one hostile component and tick it; report how it was stopped."""
    mod_id = f"audit-{index}"
    api, world, _ = recording_api(mod_id, mod_root=mod_root)
    path = write_attack_file(attack, mod_root / "components")
    code: str | None = None
    message = ""
    stage = "load"
    start = time.perf_counter()
    try:
        with load_component(engine, path, api, limits=limits, file=path.name) as comp:
            stage = "run"
            code, message = _first_noted(api.drain_diagnostics())
            for tick in range(attack.ticks if code is None else 0):
                world.tick = tick
                comp.on_tick(1 / 60)
                code, message = _first_noted(api.drain_diagnostics())
                if code is not None:
                    break
    except ModhostError as exc:
        # A refusal noted during the call came first (the fault that ended it came after).
        code, message = _first_noted(api.drain_diagnostics())
        if code is None:
            code, message = str(exc.code), exc.message
    finally:
        path.unlink(missing_ok=True)
    return _result(attack, code, message, stage=stage, start=start, tier="wasm")


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
            states: dict[int, dict[str, Any]] = {}
            for tick in range(attack.ticks):
                world.tick = tick
                if "on_system" in module.hooks:
                    _system_tick(sandbox, module, api, entity, states, tick)
                else:
                    sandbox.call(module, "on_tick", ctx, 1 / 60)
                code, message = _first_noted(api.drain_diagnostics())
                if code is not None:
                    break
        except ModhostError as exc:
            code, message = str(exc.code), exc.message
    return _result(attack, code, message, stage=stage, start=start, tier=tier)


def _system_tick(
    sandbox: ScriptSandbox,
    module: ScriptModule,
    api: HostAPI,
    entity: EntityView,
    states: dict[int, dict[str, Any]],
    tick: int,
) -> None:
    """One tick of a system hook over the probe's kind, through the runtime's own path in
    either tier (the worker runs it in the process tier; the host checks the rows after);
    the first fault is raised."""
    sandbox.tick_api = api
    kind = KindWork(
        entity.kind,
        (module,),
        array("q", [entity.id]),
        array("d", entity.position),
        array("d", entity.velocity),
        array("i", [0]),
        (entity.tags,),
    )
    faults: list[ModFault] = []
    sandbox.start_tick(TickWork([], [kind], 1 / 60, states, tick))
    sandbox.finish_tick(lambda fault: bool(faults.append(fault)))
    if faults:
        raise faults[0]


def _result(
    attack: Attack | ComponentAttack,
    code: str | None,
    message: str,
    *,
    stage: str,
    start: float,
    tier: str,
) -> AuditResult:
    """What happened to ``attack``, started at ``start`` (``time.perf_counter``)."""
    return AuditResult(
        name=attack.name,
        kind=attack.kind,
        summary=attack.summary,
        stopped=code is not None,
        code=code,
        expected=attack.expect,
        stage=stage,
        ms=round((time.perf_counter() - start) * 1000.0, 3),
        tier=tier,
        message=message,
    )


def _first_noted(diagnostics: Sequence[Diagnostic]) -> tuple[str | None, str]:
    """The code and message of the first diagnostic noted (None: nothing was)."""
    if not diagnostics:
        return None, ""
    return str(diagnostics[0].code), diagnostics[0].message
