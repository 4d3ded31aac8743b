"""``modhost sandbox audit``: run the built-in attack corpus against the active policy.

Each attack runs as its own throwaway mod, in the tier and under the limits the policy would
give a mod that requests the manifest defaults. The report says, per attack: its class
(escape, resource, api-abuse), whether it was stopped, by which diagnostic code, at load or at
run time, and how long stopping took. Exit 1 when any attack was not stopped, or was stopped
by another code than the corpus expects (the limit meant for it did not act), except the
time limit: see :data:`ACCEPTED_INSTEAD`.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, Final

import typer
from pydantic import BaseModel

from host_api import Diagnostic, DiagnosticCode, HostPolicy, Limits
from sandbox import ATTACKS, COMPONENT_ATTACKS, AuditResult, run_audit

from ._cli_common import JSON_OPTION, console, finish, print_diagnostics, print_json
from ._cmd_options import MODS_OPTION, POLICY_OPTION, choose_policy

#: A code that may stop any attack in place of the expected one, and why that is accepted:
#: the wall-clock limit is the backstop behind every other limit, and on a busy machine (or
#: in a worker process that is slow to answer) it can act first. The attack was still
#: stopped, and the case's ``note`` says so.
ACCEPTED_INSTEAD: Final = {
    DiagnosticCode.SANDBOX_TIMEOUT.value: "stopped by the time limit before the expected "
    "limit acted (a busy machine, or a slow worker); still stopped, so accepted",
}


class AuditCase(BaseModel):
    """One attack in the JSON report."""

    name: str
    attack_class: str
    summary: str
    stopped: bool
    code: str | None
    expected: list[str]
    as_expected: bool
    stage: str
    ms: float
    tier: str
    message: str
    #: Why a case stopped by an unexpected code is accepted (empty otherwise).
    note: str = ""


class AuditReport(BaseModel):
    """The whole ``modhost sandbox audit --json`` document."""

    tier: str
    limits: dict[str, int]
    faults: dict[str, int]
    total: int
    stopped: int
    as_expected: int
    by_class: dict[str, dict[str, Any]]
    cases: list[AuditCase]
    diagnostics: list[Diagnostic]


def build_report(policy: HostPolicy, *, tier: str | None = None, only: str = "") -> AuditReport:
    """Run the corpus under ``policy`` (optionally another tier, or a subset by name)."""
    limits = policy.limits.cap(Limits())
    chosen = tier or policy.sandbox.tier
    attacks = [a for a in ATTACKS if only in a.name]
    # Component attacks run beside the scripts, in the host's WebAssembly engine (report
    # tier "wasm"), with two more classes: abi and load.
    components = [a for a in COMPONENT_ATTACKS if only in a.name]
    results = run_audit(limits, tier=chosen, attacks=attacks, components=components)
    return report_of(results, policy, tier=chosen)


def report_of(results: list[AuditResult], policy: HostPolicy, *, tier: str) -> AuditReport:
    """The report over finished attacks: each case judged, with a ``SANDBOX_AUDIT_FAILED``
    error for each attack not stopped or stopped by a code that is not accepted."""
    cases = [_case(r) for r in results]
    return AuditReport(
        tier=tier,
        limits=policy.limits.cap(Limits()).model_dump(),
        faults=policy.faults.model_dump(),
        total=len(cases),
        stopped=sum(c.stopped for c in cases),
        as_expected=sum(c.as_expected for c in cases),
        by_class=_by_class(cases),
        cases=cases,
        diagnostics=[d for c in cases if (d := _failure(c)) is not None],
    )


def _case(r: AuditResult) -> AuditCase:
    accepted = r.stopped and not r.as_expected and r.code in ACCEPTED_INSTEAD
    return AuditCase(
        name=r.name,
        attack_class=r.kind,
        summary=r.summary,
        stopped=r.stopped,
        code=r.code,
        expected=list(r.expected),
        as_expected=r.as_expected,
        stage=r.stage,
        ms=r.ms,
        tier=r.tier,
        message=r.message,
        note=ACCEPTED_INSTEAD[str(r.code)] if accepted else "",
    )


def _by_class(cases: list[AuditCase]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for kind in ("escape", "resource", "api-abuse", "abi", "load"):
        group = [c for c in cases if c.attack_class == kind]
        times = sorted(c.ms for c in group)
        out[kind] = {
            "total": len(group),
            "stopped": sum(c.stopped for c in group),
            "p50_ms": round(statistics.median(times), 3) if times else None,
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 3)
            if times
            else None,
        }
    return out


def _failure(case: AuditCase) -> Diagnostic | None:
    """``SANDBOX_AUDIT_FAILED`` for an attack not stopped, or stopped by a code the corpus
    does not expect (and :data:`ACCEPTED_INSTEAD` does not accept); None for a pass."""
    if case.stopped and (case.as_expected or case.note):
        return None
    details = {"attack": case.name, "tier": case.tier, "code": case.code}
    if not case.stopped:
        return Diagnostic(
            code=DiagnosticCode.SANDBOX_AUDIT_FAILED,
            message=f"attack {case.name} ({case.summary}) was not stopped",
            hint="this is a hole in the sandbox under this policy: report it; meanwhile run "
            'untrusted mods with [sandbox] tier = "process"',
            details=details,
        )
    return Diagnostic(
        code=DiagnosticCode.SANDBOX_AUDIT_FAILED,
        message=f"attack {case.name} ({case.summary}) was stopped by {case.code}, not by "
        f"{' or '.join(case.expected)}: the limit meant for it did not act",
        hint="another guard caught it this time; report it, as the limit it tests may not "
        "work under this policy",
        details=details,
    )


def register(app: typer.Typer) -> None:
    """Add the ``sandbox`` command group with ``audit``."""
    group = typer.Typer(help="The script sandbox: its security suite.", no_args_is_help=True)
    app.add_typer(group, name="sandbox")

    @group.command("audit")
    def audit(
        mods: Path = MODS_OPTION,
        policy: Path | None = POLICY_OPTION,
        tier: str | None = typer.Option(
            None, "--tier", help="Run in this tier instead of the policy's (inprocess, process)."
        ),
        only: str = typer.Option("", "--only", help="Run only attacks whose name contains this."),
        json: bool = JSON_OPTION,
    ) -> None:
        """Run the built-in attack corpus against the active policy and report each case.

        Exit 0 when every attack was stopped, 1 otherwise.
        """
        choice = choose_policy(mods, policy)
        if choice.policy is None:
            print_diagnostics(choice.diagnostics, stderr=True)
            finish(choice.diagnostics)
        if tier is not None and tier not in ("inprocess", "process"):
            from ._cli_common import usage_error

            usage_error(f"unknown tier '{tier}' (expected inprocess or process)")
        names = [a.name for a in ATTACKS] + [a.name for a in COMPONENT_ATTACKS]
        if only and not any(only in name for name in names):
            from ._cli_common import usage_error

            usage_error(
                f"no attack name contains '{only}' (run without --only to list every attack)"
            )
        report = build_report(choice.policy, tier=tier, only=only)
        if json:
            print_json(report)
        else:
            _print_human(report)
        finish(report.diagnostics)


def _print_human(report: AuditReport) -> None:
    console.print(
        f"[bold]sandbox audit[/] tier={report.tier} fuel={report.limits['fuel']} "
        f"memory_mb={report.limits['memory_mb']} timeout_ms={report.limits['timeout_ms']}"
    )
    for case in report.cases:
        mark = "[green]stopped[/]" if case.stopped else "[red]NOT STOPPED[/]"
        note = ""
        if case.stopped and not case.as_expected:
            note = f" [yellow]({case.note})[/]" if case.note else " [red](unexpected code)[/]"
        console.print(
            f"  {mark} {case.attack_class:<9} {case.name:<40} {case.code or '-':<24} "
            f"{case.stage:<4} {case.ms:8.2f} ms{note}"
        )
    for kind, stats in report.by_class.items():
        if not stats["total"]:
            continue  # --only left no attack of this class
        console.print(
            f"[bold]{kind}[/]: {stats['stopped']}/{stats['total']} stopped, "
            f"p50 {stats['p50_ms']} ms, p95 {stats['p95_ms']} ms"
        )
    failed = len(report.diagnostics)
    colour = "red" if failed else "green"
    unexpected = report.stopped - report.as_expected
    console.print(
        f"[{colour}]{report.stopped} of {report.total} attacks stopped, "
        f"{report.as_expected} by the expected code"
        + (f", {unexpected} by another ({failed} failed)" if unexpected or failed else "")
        + "[/]"
    )
    print_diagnostics(report.diagnostics)
