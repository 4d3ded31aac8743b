"""``modhost profile``: run the world headless and show where the time went.

Tick time percentiles and jitter, the cold start step by step, the top-N hotspots by CPU time
and by calls, and (with ``--seconds``) the trend windows with their deltas. ``--json`` prints
a :class:`~runtime.profile._profile_report.ProfileReport` (``modhost schema --profile``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from host_api import any_error

from ..core import DEFAULT_HZ, Host
from ..profile import Hotspot, ProfileReport, build_profile
from ._cli_common import JSON_OPTION, console, finish, print_diagnostics, print_json, usage_error
from ._cmd_options import (
    MODS_OPTION,
    POLICY_OPTION,
    STRICT_OPTION,
    choose_policy,
    open_trace_or_exit,
    require_mods_dir,
    require_writable,
)

#: Ticks profiled when neither --ticks nor --seconds is given (10 simulated seconds).
DEFAULT_PROFILE_TICKS = 10 * DEFAULT_HZ

TRACE_OPTION = typer.Option(
    None, "--trace", help="Also write a Chrome trace-event JSON file (Perfetto, chrome://tracing)."
)
TRACE_CSV_OPTION = typer.Option(None, "--trace-csv", help="Also write the per-tick table as CSV.")


def register(app: typer.Typer) -> None:
    """Add the ``profile`` command."""

    @app.command("profile")
    def profile(
        mods: Path = MODS_OPTION,
        ticks: int | None = typer.Option(
            None, "--ticks", min=1, help=f"Ticks to run (default {DEFAULT_PROFILE_TICKS})."
        ),
        seconds: float | None = typer.Option(
            None, "--seconds", min=0.0, help="Simulated seconds to run (instead of --ticks)."
        ),
        seed: int = typer.Option(0, "--seed", help="World seed."),
        top: int = typer.Option(10, "--top", min=1, max=1000, help="Hotspots to list."),
        policy: Path | None = POLICY_OPTION,
        strict: bool = STRICT_OPTION,
        trace: Path | None = TRACE_OPTION,
        trace_csv: Path | None = TRACE_CSV_OPTION,
        json: bool = JSON_OPTION,
    ) -> None:
        """Run the world headless and print tick-time percentiles, jitter, the cold start by
        step and the top hotspots (mod, hook, script line) by CPU time and by calls.

        Exit 0 when nothing is an error, 1 when an error diagnostic was raised, 2 for usage
        errors.
        """
        if ticks is not None and seconds is not None:
            usage_error("give --ticks or --seconds, not both")
        require_mods_dir(mods)
        for path, option in ((trace, "--trace"), (trace_csv, "--trace-csv")):
            if path is not None:
                require_writable(path, option)
        n = ticks if ticks is not None else DEFAULT_PROFILE_TICKS
        if seconds is not None:
            n = max(1, round(seconds * DEFAULT_HZ))
        choice = choose_policy(mods, policy)
        if choice.policy is None:
            print_diagnostics(choice.diagnostics)
            finish(choice.diagnostics)
        sink = open_trace_or_exit(trace, trace_csv)
        host = Host(
            mods,
            policy=choice.policy,
            seed=seed,
            base_dir=choice.base_dir,
            profile=True,
            trace=sink,
        )
        with host:  # closes the trace files too
            host.load()
            if sink is not None:
                sink.set_mods(list(host.load_order))
            if not (strict and any_error(list(host.diagnostics))):
                host.step(n)
            pp = choice.policy.profile
            report = build_profile(host, top=top, growth=pp.trend_growth, min_ms=pp.trend_min_ms)
        if json:
            print_json(report)
        else:
            print_diagnostics(report.diagnostics)
            print_profile(report, top=top)
        finish(report.diagnostics)


def print_profile(report: ProfileReport, *, top: int) -> None:
    """The compact terminal view of a profile."""
    from rich.markup import escape

    t = report.tick
    console.print(
        f"[bold]tick time[/] over {t.ticks} ticks: p50 {t.p50_ms:.3f} ms, p95 {t.p95_ms:.3f} ms, "
        f"p99 {t.p99_ms:.3f} ms, max {t.max_ms:.3f} ms; jitter: stdev {t.stdev_ms:.3f} ms, "
        f"p95 tick-to-tick {t.jitter_p95_ms:.3f} ms"
    )
    console.print(
        "[bold]stages[/] (ms/tick): "
        + ", ".join(f"{s} {ms:.3f}" for s, ms in report.stages_ms.items())
    )
    console.print(
        f"[bold]cold start[/] {report.startup_total_ms:.1f} ms: "
        + ", ".join(f"{s} {ms:.1f}" for s, ms in report.startup_ms.items())
    )
    for title, spots in (
        (f"top {top} by CPU time", report.hotspots_by_cpu),
        (f"top {top} by calls", report.hotspots_by_calls),
    ):
        console.print(f"[bold]{title}[/]")
        for line in hotspot_lines(spots):
            console.print(escape(line), highlight=False, soft_wrap=True)
    if report.events:
        shown = list(report.events.items())[:8]
        took = report.events_ms
        console.print(
            "[bold]events[/] (count, ms delivering): "
            + ", ".join(f"{escape(k)} {v} ({took.get(k, 0.0):.2f})" for k, v in shown)
        )
    calls = sorted(
        ((n, mod, cap) for mod, m in report.mods.items() for cap, n in m.capability_calls.items()),
        reverse=True,
    )[:top]
    if calls:
        console.print(
            "[bold]host calls[/]: " + ", ".join(f"{escape(m)} {c} {n}" for n, m, c in calls)
        )
    console.print(
        f"[bold]gc[/]: {report.gc.count} pauses, {report.gc.total_ms:.2f} ms in all, "
        f"max {report.gc.max_ms:.2f} ms"
    )
    for line in window_lines(report):
        console.print(line)


def hotspot_lines(spots: list[Hotspot]) -> list[str]:
    """A fixed-width table (plain text: never squeezed by a narrow terminal)."""
    rows = [("mod", "stage", "hook", "script", "calls", "cpu ms", "wall ms", "fuel", "share")]
    rows += [
        (
            h.mod,
            h.stage,
            h.hook,
            h.script or "-",
            str(h.calls),
            f"{h.cpu_ms:.2f}",
            f"{h.wall_ms:.2f}",
            str(h.fuel),
            f"{h.share:.1%}",
        )
        for h in spots
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(
            c.ljust(w) if i < 4 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]


def window_lines(report: ProfileReport) -> list[str]:
    """One line per trend window with its delta; a mod that grew is named."""
    from rich.markup import escape

    out = []
    for w in report.windows:
        delta = "" if w.delta_tick_p95_ms is None else f" ({w.delta_tick_p95_ms:+.3f} ms)"
        line = f"[bold]last {w.seconds:g} s[/]: tick p95 {w.tick_p95_ms:.3f} ms{delta}"
        if w.grew:
            named = ", ".join(
                f"{escape(m)} p95 {w.mods_p95_ms[m]:.3f} ms ({w.delta_mods_p95_ms[m]:+.3f} ms)"
                for m in w.grew
            )
            line += f"; [yellow]grew:[/] {named}"
        out.append(line)
    return out
