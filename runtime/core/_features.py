"""The hooks through which the features above the core plug into a :class:`Host`.

The core never imports gameplay, hot reload or profiling: this module names the narrow
surface the host calls on each, and the package ``runtime`` installs the implementations
once, when it is imported (``runtime/_wiring.py``). Reading ``Host`` therefore needs only
these protocols, not the features behind them. The concrete classes appear here only for
the type checker, so ``host.gameplay`` and ``host.profiler`` keep their precise types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..gameplay import Gameplay
    from ..profile import Profiler
    from ..reload import Reloader
    from ._host import Host


class StageHooks(Protocol):
    """The two scheduler stages gameplay runs each tick (input and timers, collisions)."""

    def input_stage(self, dt: float) -> None: ...

    def collisions_stage(self, dt: float) -> None: ...


@dataclass(frozen=True)
class Features:
    """How a host builds the parts that live above the core.

    :param gameplay: input, timers, HUD and colliders for one host, and their stages.
    :param reloader: the hot-reload transaction runner of one host.
    :param profiler: the per-tick accounting (``hz``, ``windows_s``, ``trace``).
    :param attach_budgets: start checking the policy's budgets against the profiler.
    """

    gameplay: Callable[[Host], tuple[Gameplay, StageHooks]]
    reloader: Callable[[Host], Reloader]
    profiler: Callable[[int, tuple[float, ...], Any], Profiler]
    attach_budgets: Callable[[Host], None]


_installed: list[Features] = []


def install(features: Features) -> None:
    """Set the features every host built from now on uses (the last call wins)."""
    _installed[:] = [features]


def installed() -> Features:
    """The features installed by the package ``runtime`` (always, once it is imported)."""
    if not _installed:
        raise RuntimeError("runtime features are not installed: import the runtime package")
    return _installed[0]
