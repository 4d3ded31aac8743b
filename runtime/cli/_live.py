"""What ``modhost run`` shows while the world runs: faults as they happen, and a stop request.

A prototyper watching a window or a ``--watch`` session must see a script fault when it
happens, not only in the report at the end. :class:`LiveDiagnostics` prints every error and
warning diagnostic the host raised since it last looked, rate-limited per (mod, code) so a
mod that faults every tick cannot flood the terminal: each pair prints its first
:data:`BURST` lines, then at most one line every :data:`INTERVAL_S` seconds, and says how
many were held back. :class:`StopRequest` turns SIGTERM into the same orderly stop as Ctrl-C,
between two ticks, so the report is still printed.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Final, Protocol

from host_api import Diagnostic, DiagnosticCode

from ._cli_common import print_diagnostics

#: Lines a (mod, code) pair prints before the rate limit applies.
BURST: Final = 3
#: After the burst, at most one line per (mod, code) pair in this many seconds (wall clock).
INTERVAL_S: Final = 10.0
#: Printed elsewhere already: a rollback is reported with its reload line.
_SHOWN_ELSEWHERE: Final = frozenset({DiagnosticCode.RELOAD_ROLLED_BACK})


class DiagnosticSource(Protocol):
    """What :class:`LiveDiagnostics` reads: the host's diagnostics in the order raised."""

    def diagnostics_since(self, start: int) -> Sequence[Diagnostic]: ...


@dataclass
class _Budget:
    printed: int = 0
    last_printed: float = float("-inf")
    held_back: int = 0


@dataclass
class LiveDiagnostics:
    """Prints the error and warning diagnostics raised since the last :meth:`poll`.

    :param stderr: print on stderr (under ``--json``, stdout carries only the document).
    :param clock: seconds, monotonic (a parameter so the rate limit can be tested).
    """

    stderr: bool = False
    clock: Callable[[], float] = time.monotonic
    _seen: int = 0
    #: ``id()`` of each diagnostic printed (the host keeps them alive for the whole run).
    _printed: set[int] = field(default_factory=set)
    _budgets: dict[tuple[str | None, str], _Budget] = field(default_factory=dict)

    def poll(self, source: DiagnosticSource) -> None:
        """Print what ``source`` raised since the last call (cheap when nothing is new)."""
        new = source.diagnostics_since(self._seen)
        self._seen += len(new)
        for diagnostic in new:
            if diagnostic.severity != "info" and diagnostic.code not in _SHOWN_ELSEWHERE:
                self._offer(diagnostic)

    def shown(self, diagnostic: Diagnostic) -> bool:
        """Whether ``diagnostic`` (the host's own object) was printed while running."""
        return id(diagnostic) in self._printed

    def flush(self) -> None:
        """Say how many lines the rate limit held back and never printed."""
        for (mod, code), budget in sorted(self._budgets.items(), key=lambda kv: str(kv[0])):
            if budget.held_back:
                self._note(mod, code, budget.held_back, " while running")
                budget.held_back = 0

    def _offer(self, diagnostic: Diagnostic) -> None:
        budget = self._budgets.setdefault((diagnostic.mod, diagnostic.code), _Budget())
        now = self.clock()
        if budget.printed >= BURST and now - budget.last_printed < INTERVAL_S:
            budget.held_back += 1
            return
        print_diagnostics([diagnostic], stderr=self.stderr)
        self._printed.add(id(diagnostic))
        if budget.held_back:
            self._note(diagnostic.mod, diagnostic.code, budget.held_back, " before this one")
            budget.held_back = 0
        budget.printed += 1
        budget.last_printed = now
        if budget.printed == BURST:
            self._note_limit(diagnostic)

    def _note_limit(self, diagnostic: Diagnostic) -> None:
        from ._cli_common import console, err_console

        out = err_console if self.stderr else console
        who = f"[{diagnostic.mod}] " if diagnostic.mod else ""
        out.print(
            f"[dim]    (more {diagnostic.code} from {_escape(who)}at most every "
            f"{INTERVAL_S:g} s; all are in the report)[/]"
        )

    def _note(self, mod: str | None, code: str, count: int, when: str) -> None:
        from ._cli_common import console, err_console

        out = err_console if self.stderr else console
        who = f" from [{mod}]" if mod else ""
        out.print(f"[dim]    ({count} more {code}{_escape(who)} suppressed{when})[/]")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


class StopRequest:
    """SIGTERM asks the run to stop between two ticks (as Ctrl-C does), so the report is
    printed; a context manager that puts the previous handler back on exit.

    Outside the main thread (where signal handlers cannot be set) it does nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: signal.Handlers | Callable[[int, FrameType | None], object] | int | None
        self._previous = None
        self._installed = False

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._on_signal)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous)
            self._installed = False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
