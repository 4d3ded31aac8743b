"""What one hot reload did: :class:`ReloadResult`, and the collector its groups fill."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from host_api import Diagnostic

from ..core import ModInstance


@dataclass(frozen=True)
class ReloadResult:
    """What one :meth:`Host.reload` did. Empty when nothing had changed."""

    #: Mods loaded again with their state kept, in load order.
    reloaded: tuple[str, ...] = ()
    #: Mods loaded for the first time (new folders, mods a change made loadable).
    loaded: tuple[str, ...] = ()
    #: Mods removed because their folder was deleted.
    unloaded: tuple[str, ...] = ()
    #: Mods whose reload was rolled back (they run as before, or stay not loaded).
    rolled_back: tuple[str, ...] = ()
    #: One ``RELOAD_ROLLED_BACK`` per failed group, plus new findings of the loads.
    diagnostics: tuple[Diagnostic, ...] = ()
    #: The last tick that ran before the reload (the new code runs from the next one).
    tick: int = 0
    #: Wall time the reload took, in milliseconds.
    duration_ms: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether anything was reloaded, loaded, unloaded or rolled back."""
        return bool(self.reloaded or self.loaded or self.unloaded or self.rolled_back)

    @property
    def ok(self) -> bool:
        """True when nothing was rolled back."""
        return not self.rolled_back

    def summary(self) -> str:
        """One line for the terminal and the overlay."""
        parts = []
        for verb, mods in (
            ("reloaded", self.reloaded),
            ("loaded", self.loaded),
            ("unloaded", self.unloaded),
            ("ROLLED BACK", self.rolled_back),
        ):
            if mods:
                parts.append(f"{verb} {', '.join(mods)}")
        text = "; ".join(parts) or "nothing changed"
        return f"{text} ({self.duration_ms:.0f} ms, tick {self.tick})"


class Outcome:
    """Collects what the groups of one reload did."""

    def __init__(self) -> None:
        self.reloaded: list[str] = []
        self.loaded: list[str] = []
        self.unloaded: list[str] = []
        self.rolled_back: list[str] = []
        self.diagnostics: list[Diagnostic] = []

    def ok(
        self,
        loaded: list[str],
        old: dict[str, ModInstance],
        gone: list[str],
        diagnostics: Iterable[Diagnostic],
    ) -> None:
        self.reloaded += [m for m in loaded if m in old]
        self.loaded += [m for m in loaded if m not in old]
        self.unloaded += sorted(gone)
        self.diagnostics += diagnostics

    def fail(self, rolled: tuple[tuple[str, ...], Diagnostic]) -> None:
        mods, diag = rolled
        self.rolled_back += mods
        self.diagnostics.append(diag)

    def result(self, tick: int, duration_ms: float) -> ReloadResult:
        return ReloadResult(
            reloaded=tuple(self.reloaded),
            loaded=tuple(self.loaded),
            unloaded=tuple(self.unloaded),
            rolled_back=tuple(self.rolled_back),
            diagnostics=tuple(self.diagnostics),
            tick=tick,
            duration_ms=duration_ms,
        )
