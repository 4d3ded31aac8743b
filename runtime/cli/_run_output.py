"""What ``modhost run`` shows: the presenter it opens (or the reason it cannot), the
screenshot, mod log lines, and the summary table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from host_api import Diagnostic, DiagnosticCode, ModhostError

from ..core import Host, Presenter, PresentMode, RunReport
from ._cli_common import console, err_console, print_diagnostics
from ._live import LiveDiagnostics


def open_presenter_or_report(mode: PresentMode, extra: list[Diagnostic]) -> Presenter | None:
    try:
        from ..present import open_presenter
    except ImportError as exc:
        extra.append(_render_problem(f"rendering is not available in this build: {exc}"))
        return None
    try:
        presenter: Presenter = open_presenter(mode, report=extra.append)
    except ModhostError as exc:
        extra.append(exc.to_diagnostic())
        return None
    return presenter


def take_screenshot(
    host: Host, presenter: Presenter | None, path: Path | None, extra: list[Diagnostic]
) -> Path | None:
    if path is None:
        return None
    if presenter is None:
        extra.append(_render_problem(f"no renderer, so no screenshot was written to {path}"))
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    host.present()
    try:
        return presenter.screenshot(path)
    except ModhostError as exc:
        extra.append(exc.to_diagnostic())
        return None


def _render_problem(message: str) -> Diagnostic:
    return Diagnostic(
        code=DiagnosticCode.HOST_INTERNAL_ERROR,
        message=message,
        hint="run with --headless to skip rendering, or --debug for details",
    )


def with_extra(report: RunReport, extra: list[Diagnostic]) -> RunReport:
    if not extra:
        return report
    return report.model_copy(update={"diagnostics": [*report.diagnostics, *extra]})


def log_printer(*, stderr: bool) -> Any:
    """Mod log lines for the terminal, prefixed with the mod id (stderr under --json)."""
    from rich.markup import escape

    out = err_console if stderr else console

    def printer(mod_id: str, line: str) -> None:
        out.print(f"[cyan]\\[{mod_id}][/] {escape(line)}")

    return printer


def print_summary(report: RunReport, live: LiveDiagnostics) -> None:
    from rich.table import Table

    # What was printed while running is not printed twice.
    print_diagnostics(d for d in report.diagnostics if not live.shown(d))
    from rich import box

    table = Table(title="mods", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("#", "mod", "version", "state", "tier", "faults", "entities", "per tick"):
        table.add_column(
            column, no_wrap=True, justify="left" if column in ("mod", "state") else "right"
        )
    ticks = max(1, report.ticks)
    order = {m: n for n, m in enumerate(report.load_order, start=1)}
    for mod in sorted(report.mods.values(), key=lambda m: (order.get(m.id, 10**9), m.id)):
        colour = {"running": "green", "quarantined": "yellow"}.get(mod.state, "red")
        table.add_row(
            str(order.get(mod.id, "-")),
            mod.id,
            mod.version or "?",
            f"[{colour}]{mod.state}[/]",
            mod.tier or "-",
            str(mod.faults),
            str(mod.entities),
            f"{mod.time_ms * 1000 / ticks:.1f} µs",
        )
    console.print(table)
    kinds = ", ".join(f"{k} {n}" for k, n in report.kinds.items()) or "none"
    console.print(f"load order: {' -> '.join(report.load_order) or '(nothing loaded)'}")
    console.print(
        f"ticks: {report.ticks} (seed {report.seed}), {report.timings.per_tick_ms:.3f} ms/tick"
    )
    console.print(f"entities: {report.entities} ({kinds})")
    console.print(f"world hash: {report.world_hash}")
    if report.screenshot:
        console.print(f"screenshot: {report.screenshot}")
    sys.stdout.flush()
