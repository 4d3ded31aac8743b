"""How ``modhost run`` paces the ticks: as fast as they go, in real time for a window, or in
real time while hot-reloading what changes (``--watch``). Every loop stops early on Ctrl-C,
on SIGTERM and when the window is closed."""

from __future__ import annotations

import time
from collections.abc import Callable

from host_api import Diagnostic, DiagnosticCode, ModhostError

from ..core import Host, Presenter
from ..gameplay import settle_heap
from ..profile import TrendWatcher
from ..reload import ReloadResult
from ._cli_common import console, err_console, print_diagnostics
from ._live import LiveDiagnostics, StopRequest


class Ticking:
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
                    print_stopped()
                    return
        except KeyboardInterrupt:
            print_stopped()

    def show(self) -> None:
        """Print the diagnostics raised since the last look (a reload's, a tick's)."""
        if self.live is not None:
            self.live.poll(self.host)


def run_watching(
    ticking: Ticking,
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
        run_window(ticking, presenter, ticks, idle=reload_while_waiting)


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


def run_window(
    ticking: Ticking,
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
                print_stopped()
                return
            n += 1
            idle(max(0.0, start + n * dt - time.perf_counter()))
    except KeyboardInterrupt:
        print_stopped()


def print_stopped() -> None:
    err_console.print("[dim]stopped[/]")


def _closed_by_user(presenter: Presenter | None) -> bool:
    """Whether the user closed the window (presenters that cannot tell say no)."""
    return bool(getattr(presenter, "window_closed_by_user", False))
