"""``modhost run``: load the mods and run the world, headless, offscreen or in a window.

Presentation is imported lazily, only for window and offscreen runs: ``--headless`` never
loads Panda3D. With neither ``--headless`` nor ``--offscreen`` and no ``DISPLAY``, the run
goes offscreen.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from host_api import Diagnostic, DiagnosticCode, ModhostError, any_error

from ..core import DEFAULT_HZ, Host, Presenter, PresentMode, RunReport
from ..gameplay import settle_heap
from ..profile import TOGGLE_KEY, ProfileOverlay, TraceFanout, TrendWatcher
from ..reload import ReloadResult
from ..replay import RunIO
from ._cli_common import (
    JSON_OPTION,
    console,
    err_console,
    finish,
    print_diagnostics,
    print_json,
    usage_error,
)
from ._cmd_options import (
    MODS_OPTION,
    NO_MOD_CODE_RAN,
    POLICY_OPTION,
    STRICT_OPTION,
    PolicyChoice,
    choose_policy,
    open_trace_or_exit,
    require_mods_dir,
    require_writable,
    strict_failed,
)
from ._cmd_profile import TRACE_CSV_OPTION, TRACE_OPTION
from ._live import LiveDiagnostics, StopRequest

#: Ticks run when neither --ticks nor --seconds is given (4 simulated seconds).
DEFAULT_TICKS = 4 * DEFAULT_HZ
#: In offscreen runs, draw every this many ticks (the last frame is always drawn).
OFFSCREEN_EVERY = 4

SCREENSHOT_OPTION = typer.Option(
    None, "--screenshot", help="Save the last frame as this PNG (not with --headless)."
)

INPUT_OPTION = typer.Option(
    None,
    "--input",
    help="Play timed input events from this JSON-lines file (see docs/writing-mods/gameplay.md).",
)
RECORD_OPTION = typer.Option(
    None, "--record", help="Record seed, mods and input to this file for 'modhost replay'."
)


def register(app: typer.Typer) -> None:
    """Add the ``run`` command."""

    @app.command("run")
    def run(
        mods: Path = MODS_OPTION,
        headless: bool = typer.Option(False, "--headless", help="Render nothing."),
        offscreen: bool = typer.Option(
            False, "--offscreen", help="Render without a display (software renderer)."
        ),
        ticks: int | None = typer.Option(
            None,
            "--ticks",
            min=0,
            help=f"Ticks to run (default {DEFAULT_TICKS}; in a window: until it is closed).",
        ),
        seconds: float | None = typer.Option(
            None, "--seconds", min=0.0, help="Simulated seconds to run (instead of --ticks)."
        ),
        seed: int = typer.Option(0, "--seed", help="World seed (ctx.random derives from it)."),
        input_file: Path | None = INPUT_OPTION,
        record: Path | None = RECORD_OPTION,
        screenshot: Path | None = SCREENSHOT_OPTION,
        policy: Path | None = POLICY_OPTION,
        strict: bool = STRICT_OPTION,
        watch: bool | None = typer.Option(
            None,
            "--watch/--no-watch",
            help="Hot-reload mods when their files change (state kept, failures rolled "
            "back); runs in real time until Ctrl-C unless --ticks or --seconds is given. "
            "On by default in a window.",
        ),
        trace: Path | None = TRACE_OPTION,
        trace_csv: Path | None = TRACE_CSV_OPTION,
        profile_overlay: bool = typer.Option(
            False,
            "--profile-overlay",
            help=f"Show the profiler panel from the start (toggle: {TOGGLE_KEY} in a window).",
        ),
        json: bool = JSON_OPTION,
    ) -> None:
        """Run the world with the mods in the mods folder and print a report.

        Exit 0 when nothing is an error, 1 when an error diagnostic was raised (a mod that
        failed or faulted), 2 for usage errors.
        """
        if headless and offscreen:
            usage_error("--headless and --offscreen exclude each other")
        if ticks is not None and seconds is not None:
            usage_error("give --ticks or --seconds, not both")
        if headless and screenshot is not None:
            usage_error("--screenshot needs rendering: drop --headless (or use --offscreen)")
        require_mods_dir(mods)
        if input_file is not None and not input_file.is_file():
            usage_error(f"input file '{input_file}' does not exist")
        if record is not None:
            require_writable(record, "--record")
        if screenshot is not None:
            require_writable(screenshot, "--screenshot")
        if headless and profile_overlay:
            usage_error("--profile-overlay needs rendering: drop --headless (or use --offscreen)")
        for path, option in ((trace, "--trace"), (trace_csv, "--trace-csv")):
            if path is not None:
                require_writable(path, option)
        n_ticks = _tick_count(ticks, seconds)
        # A window request without a display falls back to offscreen inside open_presenter.
        mode: PresentMode | None = None if headless else ("offscreen" if offscreen else "window")
        choice = choose_policy(mods, policy)
        live = LiveDiagnostics(stderr=json)
        report = _run(
            mods,
            choice,
            seed,
            n_ticks,
            mode,
            screenshot,
            strict=strict,
            json=json,
            watch=watch,
            io=(input_file, record),
            live=live,
            trace=open_trace_or_exit(trace, trace_csv),
            profile_overlay=profile_overlay,
        )
        if json:
            print_json(report)
        else:
            _print_summary(report, live)
        finish(report.diagnostics)


def _tick_count(ticks: int | None, seconds: float | None) -> int | None:
    """The ticks to run; None (no --ticks/--seconds) means the default, or in a window:
    until the window is closed."""
    if ticks is not None:
        return ticks
    if seconds is not None:
        return round(seconds * DEFAULT_HZ)
    return None


def _run(
    mods: Path,
    choice: PolicyChoice,
    seed: int,
    ticks: int | None,
    mode: PresentMode | None,
    screenshot: Path | None,
    *,
    strict: bool,
    json: bool,
    io: tuple[Path | None, Path | None] = (None, None),
    watch: bool | None = None,
    live: LiveDiagnostics | None = None,
    trace: TraceFanout | None = None,
    profile_overlay: bool = False,
) -> RunReport:
    """Load, run and report; never raises for user-caused problems.

    :param live: prints faults as they happen (not under ``--json`` unless watching).
    """
    host = Host(
        mods,
        policy=choice.policy,
        seed=seed,
        base_dir=choice.base_dir,
        log=_log_printer(stderr=json),
        trace=trace,  # the host closes it
    )
    with host, StopRequest() as stop:
        if choice.policy is None:
            return _with(host.report(), list(choice.diagnostics))
        host.load(strict=strict)
        if trace is not None:
            trace.set_mods(list(host.load_order))
        if strict and any_error(list(host.diagnostics)):
            fatal = [d for d in host.diagnostics if d.severity == "error"]
            loaded = f"{len(host.instances)} mod(s) loaded, no tick ran"
            outcome = loaded if host.instances else NO_MOD_CODE_RAN
            return _with(host.report(), [strict_failed(fatal, outcome)])
        extra: list[Diagnostic] = []
        presenter = _open_presenter(mode, extra) if mode is not None else None
        run_io = RunIO(host, input_file=io[0], record=io[1], presenter=presenter)
        if run_io.diagnostics:
            return _with(host.report(), [*extra, *run_io.diagnostics])
        if presenter is not None:
            host.attach_presenter(
                presenter,
                every=1 if presenter.mode == "window" else OFFSCREEN_EVERY,
                overlay=ProfileOverlay(host, visible=profile_overlay),
            )
        window = presenter is not None and presenter.mode == "window"
        watching = bool(watch) or (watch is None and window)
        # Under --json stdout is the document: faults show live only in a session people watch.
        if json and not watching:
            live = None
        ticking = _Ticking(host, stop, live)
        if watching:
            _run_watching(ticking, presenter, ticks, extra, json=json)
        elif window:
            _run_window(ticking, presenter, ticks)
        else:
            ticking.run(DEFAULT_TICKS if ticks is None else ticks)
        if live is not None:
            live.flush()
        extra += run_io.finish()
        written = _screenshot(host, presenter, screenshot, extra)
        return _with(host.report(screenshot=written), extra)


class _Ticking:
    """Steps the host one tick at a time, printing faults as they happen (``live``) and
    stopping early when SIGTERM asked for it (``stop``)."""

    def __init__(self, host: Host, stop: StopRequest, live: LiveDiagnostics | None) -> None:
        self.host = host
        self.stop = stop
        self.live = live
        self.show()

    def step(self) -> bool:
        """Run one tick; False when a stop was requested instead."""
        if self.stop.requested:
            return False
        self.host.step(1)
        self.show()
        return True

    def run(self, ticks: int) -> None:
        """Run ``ticks`` ticks as fast as they go (a stop request ends the run early)."""
        try:
            for _ in range(ticks):
                if not self.step():
                    _print_stopped()
                    return
        except KeyboardInterrupt:
            _print_stopped()

    def show(self) -> None:
        """Print the diagnostics raised since the last look (a reload's, a tick's)."""
        if self.live is not None:
            self.live.poll(self.host)


def _run_watching(
    ticking: _Ticking,
    presenter: Presenter | None,
    ticks: int | None,
    extra: list[Diagnostic],
    *,
    json: bool,
) -> None:
    """``--watch``: run in real time and hot-reload what the watcher reports between ticks.

    Every reload is printed (on stderr under ``--json``) and shown on the overlay.
    """
    from ..reload import ModWatcher

    host = ticking.host
    try:
        watcher = ModWatcher(host.mods_dir).start()
    except ModhostError as exc:
        extra.append(exc.to_diagnostic())
        return
    from rich.markup import escape

    out = err_console if json else console
    out.print(f"[dim]watching {escape(str(host.mods_dir))} for changes (Ctrl-C to stop)[/]")
    TrendWatcher(host, lambda line: out.print(f"[yellow]{escape(line)}[/]")).attach()
    stopped: list[str] = []

    def reload_while_waiting(seconds: float) -> None:
        # Reload as soon as a batch arrives, not at the next tick: the reload then overlaps
        # the wait for the tick instead of delaying it.
        deadline = time.perf_counter() + seconds
        if watcher.stopped is not None and not stopped:
            stopped.append(watcher.stopped)
            out.print(f"[yellow]the watcher stopped:[/] {escape(watcher.stopped)}; no more reloads")
        while not ticking.stop.requested:
            folders = watcher.wait(max(0.0, deadline - time.perf_counter()))
            if folders:
                result = host.reload(folders)
                if result.changed:
                    _print_reload(result, stderr=json)
                ticking.show()
            if time.perf_counter() >= deadline:
                return

    with watcher:
        _run_window(ticking, presenter, ticks, idle=reload_while_waiting)


def _print_reload(result: ReloadResult, *, stderr: bool) -> None:
    """One line per reload, plus the rollback diagnostics in full."""
    from rich.markup import escape

    out = err_console if stderr else console
    colour = "green" if result.ok else "red"
    out.print(f"[{colour}]reload[/] {escape(result.summary())}")
    print_diagnostics(
        [d for d in result.diagnostics if d.code == DiagnosticCode.RELOAD_ROLLED_BACK],
        stderr=stderr,
    )


def _run_window(
    ticking: _Ticking,
    presenter: Presenter | None,
    ticks: int | None,
    *,
    idle: Callable[[float], None] = time.sleep,
) -> None:
    """Tick no faster than real time so people can watch; stop after ``ticks`` (None: never),
    when the window is closed, on Ctrl-C or on SIGTERM. Pacing reads the clock here, never
    in mods.

    :param idle: waits the given seconds until the next tick is due, called after every
        tick (with 0 when running late); ``--watch`` reloads changes in there.
    """
    settle_heap()
    dt = ticking.host.scheduler.dt
    start = time.perf_counter()
    n = 0
    try:
        while (ticks is None or n < ticks) and not _closed_by_user(presenter):
            if not ticking.step():
                _print_stopped()
                return
            n += 1
            idle(max(0.0, start + n * dt - time.perf_counter()))
    except KeyboardInterrupt:
        _print_stopped()


def _print_stopped() -> None:
    err_console.print("[dim]stopped[/]")


def _closed_by_user(presenter: Presenter | None) -> bool:
    """Whether the user closed the window (presenters that cannot tell say no)."""
    return bool(getattr(presenter, "window_closed_by_user", False))


def _open_presenter(mode: PresentMode, extra: list[Diagnostic]) -> Presenter | None:
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


def _screenshot(
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


def _with(report: RunReport, extra: list[Diagnostic]) -> RunReport:
    if not extra:
        return report
    return report.model_copy(update={"diagnostics": [*report.diagnostics, *extra]})


def _log_printer(*, stderr: bool) -> Any:
    """Mod log lines for the terminal, prefixed with the mod id (stderr under --json)."""
    from rich.markup import escape

    out = err_console if stderr else console

    def printer(mod_id: str, line: str) -> None:
        out.print(f"[cyan]\\[{mod_id}][/] {escape(line)}")

    return printer


def _print_summary(report: RunReport, live: LiveDiagnostics) -> None:
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
