"""The hooks through which the features above the core plug into a :class:`Host`.

The core never imports gameplay, hot reload or profiling: this module names the narrow
surface the host calls on each, and the package ``runtime`` installs the implementations
once, when it is imported (``runtime/_wiring.py``). Reading ``Host`` therefore needs only
these protocols, not the features behind them. The concrete classes appear here only for
the type checker, so ``host.gameplay`` and ``host.profiler`` keep their precise types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from host_api import Diagnostic

if TYPE_CHECKING:
    from sandbox import ScriptModule

    from ..gameplay import Gameplay
    from ..profile import Profiler
    from ..reload import Reloader
    from ._book import ModBook
    from ._events import Event
    from ._host import Host
    from ._mods import ModInstance
    from ._world import World


class StageHooks(Protocol):
    """The two scheduler stages gameplay runs each tick (input and timers, collisions)."""

    def input_stage(self, dt: float) -> None: ...

    def collisions_stage(self, dt: float) -> None: ...


class ModCalls(Protocol):
    """What gameplay's stages use of the host: the running mods, and the host's one path
    into their code (timed, faults counted on the ladder). Implemented by
    :class:`~runtime.core._calls.HookCalls`."""

    @property
    def world(self) -> World: ...

    @property
    def instances(self) -> Mapping[str, ModInstance]: ...

    def active(self) -> list[ModInstance]:
        """Instances whose hooks run this tick, in load order."""
        ...

    def quarantined(self, mod_id: str) -> bool: ...

    def runs_on(self, mod_id: str, tick: int) -> bool: ...

    def mod_ctx(self, instance: ModInstance) -> Any: ...

    def entity_ctx(self, instance: ModInstance, entity_id: int) -> Any: ...

    def call(self, instance: ModInstance, module: ScriptModule, hook: str, *args: Any) -> bool:
        """Call a hook; a fault is recorded and returns False."""
        ...

    def guard(self, instance: ModInstance, thunk: Callable[[], object]) -> bool:
        """Run a call into the mod; a fault is recorded and returns False."""
        ...

    def timed(self, instance: ModInstance, work: Callable[[ModInstance], object]) -> None:
        """Run ``work(instance)``, its wall time counted against the mod."""
        ...

    def deliver(self, instance: ModInstance, event: Event, ids: dict[str, list[int]]) -> None:
        """``event`` to every ``on_event`` of ``instance``, as on the event bus."""
        ...


#: Where a feature reports a diagnostic raised without an exception (the host's list).
Report = Callable[[Diagnostic], None]


@dataclass(frozen=True)
class ReloadPort:
    """What a hot reload works on beyond the host's public face: a reload transaction saves,
    rewrites and on rollback restores the host's per-mod records.

    :param book: the host's per-mod records (order, states, ledgers, ``ctx.state`` ...).
    :param calls: the host's call path (the contexts ``on_reload`` gets).
    :param boundary: applies queued spawns and despawns (a stage boundary).
    :param base_dir: where the policy's relative paths resolve (None: the mods folder's
        parent), for discovery.
    """

    book: ModBook
    calls: ModCalls
    boundary: Callable[[], None]
    base_dir: Path | None


@dataclass(frozen=True)
class Features:
    """How a host builds the parts that live above the core.

    :param gameplay: input, timers, HUD and colliders for one host, and their stages, given
        the host's world, its call path and where to report.
    :param reloader: the hot-reload transaction runner of one host, given the host and what
        a reload rewrites of it.
    :param profiler: the per-tick accounting (``hz``, ``windows_s``, ``trace``).
    :param attach_budgets: start checking the policy's budgets against the profiler.
    """

    gameplay: Callable[[World, ModCalls, Report], tuple[Gameplay, StageHooks]]
    reloader: Callable[[Host, ReloadPort], Reloader]
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
