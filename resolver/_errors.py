"""The resolver's errors, rooted at :class:`ResolutionError`.

Failures found while planning a load order are returned as data (``LoadPlan.diagnostics``);
these exceptions are raised only at the API edge: by version selection, by
:meth:`LoadPlan.raise_for_errors` (``--strict``), and by the one place that translates a
networkx cycle error. ::

    ModhostError
    └── ResolutionError               root of this package (carries every diagnostic found)
        ├── DependencyCycle           RESOLVE_CYCLE: required/optional relations form a cycle
        ├── LoadPlanFailed            the plan has error diagnostics and the caller is strict
        └── SelectionImpossible       no choice of versions meets every constraint
            └── SelectionTooComplex   the search gave up after its round budget
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Self

from host_api import Diagnostic, DiagnosticCode, ModhostError


class ResolutionError(ModhostError):
    """Root of the resolver's errors. ``diagnostics`` holds every problem found, in order.

    Subclasses set ``code``, or pass the code of the first diagnostic they carry.
    """

    def __init__(
        self, message: str, *, diagnostics: Iterable[Diagnostic] = (), **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        #: Every problem, the first of which is this error's own diagnostic.
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics) or (self.to_diagnostic(),)

    @classmethod
    def from_diagnostics(cls, message: str, diagnostics: Sequence[Diagnostic]) -> Self:
        """An error carrying ``diagnostics``, with the code, mod, hint and cause of the first.

        :param diagnostics: at least one; the first is the one the error is about.
        """
        first = diagnostics[0]
        return cls(
            message,
            code=DiagnosticCode(first.code),
            mod_id=first.mod,
            hint=first.hint,
            cause=first.cause,
            diagnostics=diagnostics,
        )


class DependencyCycle(ResolutionError):
    """Required/optional relations form a cycle; ``cycle`` is the path, first id repeated last.

    :param cycle: mod ids ``a, b, c, a`` where each one requires (or optionally uses) the next.
    """

    code = DiagnosticCode.RESOLVE_CYCLE

    def __init__(self, cycle: Sequence[str], **kwargs: Any) -> None:
        path = " -> ".join(cycle)
        kwargs.setdefault("mod_id", cycle[0] if cycle else None)
        kwargs.setdefault(
            "hint", "remove one of the relations on the cycle, or turn it into softAfter"
        )
        super().__init__(f"dependency cycle: {path}", details={"cycle": list(cycle)}, **kwargs)
        self.cycle: tuple[str, ...] = tuple(cycle)


class LoadPlanFailed(ResolutionError):
    """Raised by :meth:`LoadPlan.raise_for_errors`: the plan has at least one error."""


class SelectionImpossible(ResolutionError):
    """Version selection failed; ``diagnostics`` says which requirements clash and how to fix."""


class SelectionTooComplex(SelectionImpossible):
    """Version selection ran out of rounds before finding an answer or proving there is none."""
