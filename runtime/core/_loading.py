"""From the ``mods/`` folder to mod instances, for one host: plan, start ahead, load, record.

:class:`ModLoader` holds what every load of a host shares (policy, world, seed, audit sink,
WebAssembly tier, gameplay port) and the loads started ahead of the one loading. The host
decides what to load and keeps the books (:meth:`runtime.Host.load_mod`); this module only
makes instances, so a hot reload loads through exactly the same path as startup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from host_api import AuditSink, Diagnostic, GameplayPort, HostPolicy
from marketplace import record_loaded_mod
from resolver import ModCandidate
from sandbox import ComponentRuntime

from ._discovery import discover
from ._mods import ModInstance, StartedLoad, load_mod, start_load
from ._prepare import Preparation, plan_discovery
from ._world import World

if TYPE_CHECKING:
    from ..profile import Profiler

#: Mods started ahead of the one loading (:meth:`ModLoader.ahead`): with the process tier
#: their workers run module bodies in parallel. As many as the worker pool keeps warm.
LOAD_AHEAD: Final = 12

#: Times a cold-start step by name (a no-op once the host ticks).
Startup = Callable[[str], contextlib.AbstractContextManager[None]]


class ModLoader:
    """Loads the mods of one host.

    :param mods_dir: the drop-in folder.
    :param policy: the host policy.
    :param base_dir: where the policy's relative paths resolve (None: ``mods_dir``'s parent).
    :param world: the world the mods act on.
    :param seed: the world seed (each mod's random stream derives from it).
    :param audit: where capability decisions are recorded.
    :param components: the host's WebAssembly tier.
    :param gameplay: input, timers, HUD and colliders, bound into every mod's API.
    :param startup: times cold-start steps.
    :param profiler: told how discovery's time splits, if profiling is on.
    """

    def __init__(
        self,
        mods_dir: Path,
        policy: HostPolicy,
        base_dir: Path | None,
        *,
        world: World,
        seed: int,
        audit: AuditSink | None,
        components: ComponentRuntime,
        gameplay: GameplayPort,
        startup: Startup,
        profiler: Profiler | None,
    ) -> None:
        self._mods_dir = mods_dir
        self._policy = policy
        self._base_dir = base_dir
        self._world = world
        self._seed = seed
        self._audit = audit
        self._components = components
        self._gameplay = gameplay
        self._startup = startup
        self._profiler = profiler
        #: Mods whose loads were started ahead (:meth:`ahead`), not yet loaded.
        self.started: dict[str, StartedLoad] = {}

    def plan(self) -> Preparation:
        """Discover the mods folder and plan the load order (no mod code runs)."""
        with self._startup("discovery"):
            found = discover(self._mods_dir, self._policy, base_dir=self._base_dir)
        with self._startup("planning"):
            prep = plan_discovery(found)
        if self._profiler is not None:
            # Verified inside discovery: shown as its own step, not twice.
            self._profiler.add_startup("signature checks", found.signature_ns)
            self._profiler.add_startup("discovery", -found.signature_ns)
        return prep

    def ahead(
        self, order: Iterable[str], candidate: Callable[[str], ModCandidate | None]
    ) -> Generator[str, None, None]:
        """Yield ``order``'s mod ids one by one, each with the next :data:`LOAD_AHEAD`
        started (``candidate`` says what a mod id is now). Close it when done: starts not
        loaded by then are released."""
        ids = list(order)
        try:
            for n, mod_id in enumerate(ids):
                for ahead in ids[n : n + LOAD_AHEAD]:
                    self._start(ahead, candidate(ahead))  # a no-op once started
                yield mod_id
        finally:
            started, self.started = self.started, {}
            for load in started.values():
                load.close()

    def _start(self, mod_id: str, candidate: ModCandidate | None) -> None:
        if candidate is not None and mod_id not in self.started:
            with self._startup("worker start"):
                self.started[mod_id] = start_load(candidate, self._policy)

    def load(self, mod_id: str, candidate: ModCandidate) -> ModInstance:
        """Make the instance of ``candidate`` (its start ahead, if any, is used up).

        :raises ModLoadFailed: see :func:`~runtime.core._mods.load_mod`.
        """
        with self._startup("compile"):
            return load_mod(
                candidate,
                world=self._world,
                policy=self._policy,
                seed=self._seed,
                audit=self._audit,
                components=self._components,
                gameplay=self._gameplay,
                started=self.started.pop(mod_id, None),
            )

    def record(self, instance: ModInstance) -> tuple[Diagnostic, ...]:
        """Record ``instance``'s version for rollback protection; returns the findings."""
        base = self._base_dir if self._base_dir is not None else self._mods_dir.resolve().parent
        return record_loaded_mod(instance.folder, instance.manifest, self._policy, policy_dir=base)
