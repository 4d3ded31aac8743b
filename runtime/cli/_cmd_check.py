"""``modhost check``: validate manifests, scripts and relations; print the load order."""

from __future__ import annotations

from pathlib import Path

import typer

from host_api import Diagnostic, DiagnosticCode, HostPolicy, any_error

from ..core import (
    CheckReport,
    ModLoadFailed,
    ModState,
    ModSummary,
    Preparation,
    World,
    load_mod,
    prepare,
)
from ._cli_common import JSON_OPTION, console, finish, print_diagnostics, print_json
from ._cmd_options import (
    MODS_OPTION,
    POLICY_OPTION,
    STRICT_OPTION,
    choose_policy,
    require_mods_dir,
    strict_failed,
)


def check_mods(
    mods_dir: Path, policy: HostPolicy, *, base_dir: Path | None = None, strict: bool = False
) -> CheckReport:
    """Everything ``check`` finds: discovery, the load plan, and each planned mod's scripts.

    Scripts are compiled (and their module bodies run) in a sandbox against a throwaway
    world, exactly as ``run`` would load them, then closed. With ``strict``, an error from
    discovery or planning stops there: no mod code runs and the planned mods are ``disabled``.
    """
    prep = prepare(mods_dir, policy, base_dir=base_dir)
    diagnostics = list(prep.diagnostics)
    stop = strict and any_error(diagnostics)
    planned: ModState = "disabled" if stop else "running"
    states: dict[str, ModState] = {
        m: (planned if s == "planned" else s) for m, s in prep.states.items()
    }
    scratch = World()
    if stop:
        diagnostics.append(strict_failed([d for d in diagnostics if d.severity == "error"]))
    for mod_id in () if stop else prep.order:
        candidate = prep.candidates[mod_id]
        assert candidate is not None
        try:
            with load_mod(candidate, world=scratch, policy=policy, seed=0) as instance:
                diagnostics.extend(instance.notes)
        except ModLoadFailed as exc:
            states[mod_id] = "failed"
            diagnostics.extend(exc.diagnostics)
    return CheckReport(
        load_order=[m for m in prep.order if states[m] == "running"],
        mods={m: _summary(prep, m, states[m], diagnostics) for m in prep.states},
        diagnostics=diagnostics,
    )


def _summary(
    prep: Preparation, mod_id: str, state: ModState, diagnostics: list[Diagnostic]
) -> ModSummary:
    candidate = prep.candidates[mod_id]
    return ModSummary(
        id=mod_id,
        version=None if candidate is None else candidate.manifest.version,
        state=state,
        diagnostics=list(prep.for_mod(mod_id, diagnostics)),
    )


def register(app: typer.Typer) -> None:
    """Add the ``check`` command."""

    @app.command("check")
    def check(
        mods: Path = MODS_OPTION,
        policy: Path | None = POLICY_OPTION,
        strict: bool = STRICT_OPTION,
        json: bool = JSON_OPTION,
    ) -> None:
        """Validate manifests, signatures, scripts and relations; print the load order.

        Exit 0 when nothing is an error, 1 otherwise. --strict also fails on warnings.
        """
        require_mods_dir(mods)
        choice = choose_policy(mods, policy)
        if choice.policy is None:
            report = CheckReport(load_order=[], mods={}, diagnostics=list(choice.diagnostics))
        else:
            report = check_mods(mods, choice.policy, base_dir=choice.base_dir, strict=strict)
        failing = [
            d
            for d in report.diagnostics
            if d.severity == "error" or (strict and d.severity == "warning")
        ]
        if strict and failing and not _has_strict_failed(report.diagnostics):
            report.diagnostics.append(strict_failed(failing, "check fails"))
        if json:
            print_json(report)
        else:
            _print_human(report, strict=strict)
        finish(d.model_copy(update={"severity": "error"}) for d in failing)


def _has_strict_failed(diagnostics: list[Diagnostic]) -> bool:
    return any(d.code == DiagnosticCode.STRICT_FAILED for d in diagnostics)


def _print_human(report: CheckReport, *, strict: bool = False) -> None:
    print_diagnostics(report.diagnostics)
    if report.load_order:
        console.print("[bold]load order[/]")
        for n, mod_id in enumerate(report.load_order, start=1):
            console.print(f"  {n}. {mod_id} {report.mods[mod_id].version}")
    skipped = [m for m in report.mods.values() if m.state != "running"]
    for mod in skipped:
        # Name the first error behind it (its own, or the one that took it down).
        why = next((d for d in mod.diagnostics if d.severity == "error"), None)
        reason = (
            (" (--strict)" if strict else "")
            if why is None
            else f" ({why.code}{'' if why.mod in (None, mod.id) else f' in {why.mod}'})"
        )
        console.print(f"  [red]x[/] {mod.id}: {mod.state}{reason}")
    # The count is of the problems found; STRICT_FAILED only says what --strict made of them.
    found = [d for d in report.diagnostics if d.code != DiagnosticCode.STRICT_FAILED]
    errors = sum(d.severity == "error" for d in found)
    warnings = sum(d.severity == "warning" for d in found)
    fatal_warnings = strict and warnings > 0
    colour = "red" if errors or fatal_warnings else "green"
    why = " (warnings are fatal under --strict)" if fatal_warnings else ""
    console.print(
        f"[{colour}]{len(report.load_order)} of {len(report.mods)} mods load; "
        f"{errors} error(s), {warnings} warning(s){why}[/]"
    )
