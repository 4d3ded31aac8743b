"""What the runtime holds to run components: one engine per host, created on first use.

:class:`ComponentRuntime` is the runtime's single entry point into the WebAssembly tier. It
creates the :class:`WasmEngine` (and its epoch ticker) only when a mod has a component, keeps
compiled artifacts in ``<data_dir>/wasm-cache``, and turns a manifest's ``[[components]]``
into started :class:`WasmComponent` instances.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, final

from host_api import HostAPI, Limits, Manifest, ModFault

from ._wasm_component import WasmComponent
from ._wasm_engine import WasmEngine
from ._wasm_errors import CompileLimitExceeded, ComponentLoadFailed, HostMemoryLimit
from ._wasm_load import load_component
from ._wasm_store_limits import memory_budget

#: The most components one mod may list: each is compiled (seconds for a large guest, when
#: not cached) and gets its own store and share of the mod's memory.
MAX_COMPONENTS_PER_MOD: Final = 32


@final
class ComponentRuntime:
    """Loads and owns the engine for every component of one host.

    :param data_dir: the host's data folder (artifacts go to ``wasm-cache/`` inside it);
        None disables the artifact cache.
    :param progress: show compile progress on stderr.
    :param host_memory_mb: megabytes every mod's components together may reserve (a mod with
        components reserves its effective ``memory_mb``, shared by its components); None: no
        host-wide cap.
    """

    def __init__(
        self, data_dir: Path | None, *, progress: bool = True, host_memory_mb: int | None = None
    ) -> None:
        self.data_dir: Final = data_dir
        self._progress = progress
        self._engine: WasmEngine | None = None
        self.host_memory_mb: Final = host_memory_mb
        #: Each loaded mod's components and the megabytes it reserved, held while any of them
        #: is open (closed ones are pruned).
        self._live: list[tuple[tuple[WasmComponent, ...], int]] = []

    @property
    def reserved_mb(self) -> int:
        """Megabytes reserved by the components still open."""
        self._live = [(cs, mb) for cs, mb in self._live if not all(c.closed for c in cs)]
        return sum(mb for _, mb in self._live)

    def _admit(self, manifest: Manifest, limits: Limits) -> None:
        """Refuse ``manifest``'s components if there are too many of them or they would pass
        ``host_memory_mb``."""
        if len(manifest.components) > MAX_COMPONENTS_PER_MOD:
            raise CompileLimitExceeded(
                f"the mod lists {len(manifest.components)} components; at most "
                f"{MAX_COMPONENTS_PER_MOD} are loaded (each is compiled and instantiated)",
                mod_id=manifest.id,
                file=manifest.components[MAX_COMPONENTS_PER_MOD].path,
                hint="link the parts into fewer components",
            )
        cap = self.host_memory_mb
        need = limits.memory_mb if manifest.components else 0
        if cap is None or not need:
            return
        reserved = self.reserved_mb
        if reserved + need > cap:
            raise HostMemoryLimit(
                f"its components need {need} MB of memory; {reserved} of the host's "
                f"{cap} MB are reserved by other mods",
                mod_id=manifest.id,
                file=manifest.components[0].path,
                hint="ask for less memory ([limits] memory_mb in mod.toml), load fewer mods, "
                "or raise [limits] host_memory_mb in modhost.toml",
                details={"need_mb": need, "reserved_mb": reserved, "host_memory_mb": cap},
            )

    @property
    def engine(self) -> WasmEngine:
        """The shared engine, created on first use."""
        if self._engine is None:
            cache = None if self.data_dir is None else self.data_dir / "wasm-cache"
            self._engine = WasmEngine(cache_dir=cache, progress=self._progress)
        return self._engine

    def load(
        self,
        folder: Path,
        manifest: Manifest,
        api: HostAPI,
        *,
        limits: Limits,
        wasi: bool = False,
    ) -> list[WasmComponent]:
        """Start every ``[[components]]`` entry of ``manifest`` (in order) for ``api``'s mod.

        :param folder: the mod's folder (component paths are relative to it).
        :param limits: the effective limits (manifest request capped by the policy).
        :param wasi: link WASI (the policy's ``[sandbox] wasi``).
        :raises HostMemoryLimit: the components would pass ``host_memory_mb``.
        :raises ModFault: the first component that failed to load or ``init``; the ones
            already started are closed.
        """
        started: list[WasmComponent] = []
        root = folder.resolve()
        self._admit(manifest, limits)
        # One budget for all of the mod's components: memory_mb bounds the sum of their
        # memories and tables.
        budget = memory_budget(limits.memory_mb, len(manifest.components))
        try:
            for entry in manifest.components:
                path = (root / entry.path).resolve()
                if root not in path.parents:
                    raise ComponentLoadFailed(
                        f"component '{entry.path}' resolves outside the mod folder",
                        mod_id=manifest.id,
                        file=entry.path,
                        hint="keep components inside the mod folder (no symlinks out of it)",
                    )
                started.append(
                    load_component(
                        self.engine,
                        path,
                        api,
                        limits=limits,
                        file=entry.path,
                        wasi=wasi,
                        budget=budget,
                    )
                )
        except ModFault:
            for component in started:
                component.close()
            raise
        if started:
            self._live.append((tuple(started), limits.memory_mb))
        return started

    def close(self) -> None:
        """Stop the engine's ticker. Idempotent; close component instances first."""
        if self._engine is not None:
            self._engine.close()
