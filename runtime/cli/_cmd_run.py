"""``modhost run``: load the mods and run the world, headless, offscreen or in a window.

Presentation is imported lazily, only for window and offscreen runs: ``--headless`` never
loads Panda3D. With neither ``--headless`` nor ``--offscreen`` and no ``DISPLAY``, the run
goes offscreen.
"""

from __future__ import annotations

from pathlib import Path

import typer

from host_api import Diagnostic, any_error

from ..core import DEFAULT_HZ, Host, PresentMode, RunReport
from ..profile import TOGGLE_KEY, ProfileOverlay, TraceFanout
from ..replay import RunIO
from ._cli_common import (
    JSON_OPTION,
    finish,
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
from ._run_loop import Ticking, run_watching, run_window
from ._run_output import (
    log_printer,
    open_presenter_or_report,
    print_summary,
    take_screenshot,
    with_extra,
)

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
            print_summary(report, live)
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
        log=log_printer(stderr=json),
        trace=trace,  # the host closes it
    )
    with host, StopRequest() as stop:
        if choice.policy is None:
            return with_extra(host.report(), list(choice.diagnostics))
        host.load(strict=strict)
        if trace is not None:
            trace.set_mods(list(host.load_order))
        if strict and any_error(list(host.diagnostics)):
            fatal = [d for d in host.diagnostics if d.severity == "error"]
            loaded = f"{len(host.instances)} mod(s) loaded, no tick ran"
            outcome = loaded if host.instances else NO_MOD_CODE_RAN
            return with_extra(host.report(), [strict_failed(fatal, outcome)])
        extra: list[Diagnostic] = []
        presenter = open_presenter_or_report(mode, extra) if mode is not None else None
        run_io = RunIO(host, input_file=io[0], record=io[1], presenter=presenter)
        if run_io.diagnostics:
            return with_extra(host.report(), [*extra, *run_io.diagnostics])
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
        ticking = Ticking(host, stop, live)
        if watching:
            run_watching(ticking, presenter, ticks, extra, json=json)
        elif window:
            run_window(ticking, presenter, ticks)
        else:
            ticking.run(DEFAULT_TICKS if ticks is None else ticks)
        if live is not None:
            live.flush()
        extra += run_io.finish()
        written = take_screenshot(host, presenter, screenshot, extra)
        return with_extra(host.report(screenshot=written), extra)
