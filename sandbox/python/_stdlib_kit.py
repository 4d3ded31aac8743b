"""What a standard-library module builder needs from its sandbox (see ``_stdlib``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from ._classes import GuestTypes
from ._guards import Guards
from ._nesting import metered
from ._signals import ForbiddenSignal


@dataclass
class Kit:
    """What a module builder needs from its sandbox."""

    mod_id: str
    guards: Guards
    guest: GuestTypes
    #: The sandbox's module loader (builders that use another module ask it).
    modules: Callable[[str], SimpleNamespace] = lambda name: SimpleNamespace()

    def metered(self, iterable: Iterable[Any], over: Iterable[Any] | None = None) -> Iterator[Any]:
        """``iterable``, one unit of fuel per item (pulled in C); its nesting is tracked
        (``over``: what a fresh ``itertools`` object ``iterable`` wraps, see ``_nesting``)."""
        return metered(iterable, self.guards.meter.stream, over)  # type: ignore[no-any-return]

    def items(self, iterable: Iterable[Any]) -> list[Any]:
        """``iterable`` as a list, one unit of fuel per item (sequences are not copied)."""
        if type(iterable) in (list, tuple):
            self.guards.meter.burn(len(iterable))
            return iterable  # type: ignore[return-value]
        return list(self.metered(iterable))

    def forbid(self, message: str) -> ForbiddenSignal:
        return self.guards.meter.trip(ForbiddenSignal(message))  # type: ignore[return-value]
