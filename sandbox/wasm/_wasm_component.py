"""One WebAssembly component instance of a mod, run under its limits.

:class:`WasmComponent` owns a store, the linker built from the mod's :class:`HostAPI` and the
instance. Every guest call (``init``, ``on-tick``, ``on-event``, ``snapshot``/``restore``) gets
a fresh fuel budget and epoch deadline; memory and tables are capped per store. A trap or a
limit hit raises a :class:`~sandbox.ScriptFault` (translated once, in ``_wasm_errors``) and
leaves the instance unusable, so the next call first builds a fresh store and instance and
re-runs ``init`` (the runtime's fault ladder decides whether there is a next call).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Final, final

import wasmtime
from wasmtime.component import Component, Func, Instance, Linker

from host_api import (
    WIT_EXPORTS,
    WIT_RELOAD_EXPORTS,
    HostAPI,
    JSONValue,
    Limits,
)

from ..base import SandboxClosed
from ._wasm_engine import WasmEngine
from ._wasm_errors import ComponentLoadFailed, translate_trap
from ._wasm_fast import FastExport, WallClock, address
from ._wasm_host import HostBindings, HostCallTimeout
from ._wasm_link import build_linker
from ._wasm_memory import MemoryBudget, MemoryOwner
from ._wasm_store_limits import (
    INSTANTIATE_FUEL,
    INSTANTIATE_TIMEOUT_MS,
    MAX_INSTANCES,
    MAX_MEMORIES,
    MAX_TABLES,
    memory_budget,
    table_elements,
)
from ._wasm_types import check_exports, check_imports

#: Parameter kinds of the exports the fast path calls (world ``mod``).
_EXPORT_PARAMS: Final[dict[str, tuple[str, ...]]] = {
    "init": (),
    "on-tick": ("f64",),
    "on-event": ("string", "string"),
}


@final
class WasmComponent:
    """A running component of one mod (the runtime's ``ComponentInstance`` protocol).

    Construction instantiates and runs ``init``. A context manager with an idempotent
    :meth:`close`; calls after close raise :class:`SandboxClosed`.

    :param engine: the shared engine (fuel, epoch ticker, cache).
    :param component: the compiled component.
    :param api: the mod's host API; the linker is built from it and nothing else.
    :param limits: effective limits (manifest request capped by policy).
    :param file: the component's path relative to the mod folder (for diagnostics).
    :param wasi: link WASI (no preopens, no environment, no network); only if the policy says.
    :param fast: use the fast call path (``_wasm_fast``: raw C API calls and callbacks); the
        stock wasmtime-py path (``fast=False``) behaves the same and is the tested fallback.
    :param budget: the memory budget shared by the mod's components (``memory_mb`` bounds
        the sum of all their linear memories); None: this component's own.
    :raises UnknownImport: the component imports outside world ``mod``, or a host function
        under another type than the WIT's (``ImportTypeMismatch``).
    :raises ComponentLoadFailed: missing exports, an export of the wrong kind or type, or
        instantiation refused.
    :raises ScriptFault: ``init`` trapped or hit a limit.
    """

    def __init__(
        self,
        engine: WasmEngine,
        component: Component,
        api: HostAPI,
        *,
        limits: Limits,
        file: str,
        wasi: bool = False,
        fast: bool = True,
        budget: MemoryBudget | None = None,
    ) -> None:
        self.mod_id: Final = api.mod_id
        self.file: Final = file
        self.limits: Final = limits
        self._engine = engine
        self._component = component
        self._wasi = wasi
        self.fast: Final = fast
        self._closed = False
        check_imports(component, engine, mod_id=self.mod_id, file=file, wasi=wasi)
        check_exports(component, engine, mod_id=self.mod_id, file=file)
        self._bindings = HostBindings(api)
        self._linker: Linker
        self._linker, self._keep = build_linker(engine.engine, self._bindings, wasi=wasi, fast=fast)
        self._store: wasmtime.Store | None = None
        self._context: Any = None
        self._funcs: dict[str, Func] = {}
        self._fast: dict[str, FastExport] = {}
        self._deadline = engine.deadline_ticks(limits.timeout_ms)
        #: The fast path's wall clock of the current store (None on the stock path).
        self._clock: WallClock | None = None
        #: What this component's memories draw on: the mod's budget when the runtime shares
        #: one between the mod's components, else its own ``memory_mb``.
        self.budget: Final = budget or memory_budget(limits.memory_mb)
        self._table_elements = table_elements(limits.memory_mb * 1024 * 1024)
        self._memory = MemoryOwner(self.budget)
        #: Fresh instances started (1 after load; +1 after every trap that was recovered).
        self.starts = 0
        try:
            self._start()
        except BaseException:
            self.close()  # release the linker (and its raw callbacks) at once
            raise

    # -- lifecycle -------------------------------------------------------------------------
    def _new_store(self) -> wasmtime.Store:
        store = wasmtime.Store(self._engine.engine)
        # With host-allocated memories the cap is enforced (and seen) by HostMemory; the store
        # limiter would refuse first and hide the refusal.
        memory_size = -1 if self._engine.memory is not None else self.budget.cap
        store.set_limits(
            memory_size=memory_size,
            table_elements=self._table_elements,
            instances=MAX_INSTANCES,
            tables=MAX_TABLES,
            memories=MAX_MEMORIES,
        )
        if self._wasi:
            # No preopens, no environment, no arguments, no inherited stdio, no network.
            store.set_wasi(wasmtime.WasiConfig())
        store.set_fuel(max(self.limits.fuel, INSTANTIATE_FUEL))
        budget = self._engine.deadline_ticks(max(self.limits.timeout_ms, INSTANTIATE_TIMEOUT_MS))
        if self.fast:
            # Deadlines checked in an epoch callback: no per-call re-arming (see WallClock).
            self._clock = WallClock(self._engine, budget)
            self._clock.install(store)
            self._bindings.clock = self._clock
        else:
            store.set_epoch_deadline(budget)
            # Not installed in the store: only host functions read it (see HostBindings.clock).
            self._bindings.clock = WallClock(self._engine, budget)
        return store

    def _arm(self, store: wasmtime.Store) -> None:
        store.set_fuel(self.limits.fuel)
        store.set_epoch_deadline(self._deadline)

    def _start(self) -> None:
        """A fresh store and instance, then ``init``: after load and after every trap."""
        self._drop_store()
        # A fresh owner per store: the memories of a dropped store are freed against the old
        # one, whenever wasmtime gets to it, and never count against the new instance.
        self._memory = MemoryOwner(self.budget, peak=self._memory.peak)
        store = self._new_store()
        try:
            host_memory = self._engine.memory
            with host_memory.owning(self._memory) if host_memory else contextlib.nullcontext():
                instance: Instance = self._linker.instantiate(store, self._component)
        except wasmtime.WasmtimeError as exc:
            raise self._fault(exc, "instantiate") from exc
        funcs: dict[str, Func] = {}
        for name in (*WIT_EXPORTS, *WIT_RELOAD_EXPORTS):
            func = instance.get_func(store, name)
            if func is not None:
                funcs[name] = func
        self._store, self._funcs = store, funcs
        self._context = address(store._context())
        if self._clock is not None:
            self._clock.restart(self._deadline)  # instantiation is over: the mod's own limit
        elif isinstance(self._bindings.clock, WallClock):
            self._bindings.clock.budget = self._deadline
        if self.fast:
            self._fast = {
                n: FastExport(funcs[n], k, self._context, self.limits.fuel)
                for n, k in _EXPORT_PARAMS.items()
            }
        self.starts += 1
        self._call("init")

    def _drop_store(self) -> None:
        self._funcs, self._fast = {}, {}
        self._store = self._context = self._clock = self._bindings.clock = None

    def _fault(self, exc: BaseException, call: str) -> BaseException:
        parked, self._bindings.parked = self._bindings.parked, None
        if parked is not None:
            # A host function raised (a host bug, not the mod's): surface it as itself.
            return parked
        limits = self.limits.model_dump()
        refused, self._memory.refused = self._memory.refused, False
        trapped = "wasm trap" in str(exc) or "exceeds" in str(exc)
        if call == "instantiate" and not trapped and not refused:
            return ComponentLoadFailed(
                f"cannot instantiate {self.file}: {str(exc).strip().splitlines()[0]}",
                mod_id=self.mod_id,
                file=self.file,
                hint="build the component against wit/ (world modhost:mod/mod)",
            )
        return translate_trap(
            exc,
            mod_id=self.mod_id,
            file=self.file,
            call=call,
            limits=limits,
            memory_refused=refused,
        )

    # -- calls -----------------------------------------------------------------------------
    def _call(self, name: str, *args: Any) -> Any:
        if self._closed:
            raise SandboxClosed(f"component {self.file} of mod '{self.mod_id}' is closed")
        if self._store is None:
            self._start()
        store = self._store
        assert store is not None
        self._memory.refused = False
        try:
            fast = self._fast.get(name)
            if fast is not None and self._clock is not None:
                self._clock.stamp()
                fast(*args)
                result = None
            else:
                func = self._funcs[name]
                self._arm(store)
                if isinstance(self._bindings.clock, WallClock):
                    # The callback (fast) or the host functions (stock) judge this call.
                    self._bindings.clock.stamp()
                result = func(store, *args)
                func.post_return(store)
        except wasmtime.WasmtimeError as exc:
            # After a trap the instance may hold broken state: never call into it again.
            self._drop_store()
            raise self._fault(exc, name) from exc
        except HostCallTimeout as exc:
            self._drop_store()
            raise self._fault(exc, name) from exc
        except Exception as exc:
            # A Python error from a host function (stock path: re-raised by wasmtime-py): a
            # host bug, surfaced as itself; the instance is dropped all the same.
            self._drop_store()
            if exc is self._bindings.parked:
                self._bindings.parked = None
            raise
        return result

    def on_tick(self, dt: float) -> None:
        """Call ``on-tick(dt)`` under the limits (the hot path: called every tick).

        :raises ScriptFault: trap or limit (the instance restarts on the next call).
        """
        export = self._fast.get("on-tick")
        clock = self._clock
        if export is None or clock is None or self._closed:
            self._call("on-tick", float(dt))
            return
        self._memory.refused = False
        clock.started = clock.source.ticks  # WallClock.stamp, inlined: the hot path
        try:
            export.call_f64(dt)
        except wasmtime.WasmtimeError as exc:
            self._drop_store()
            raise self._fault(exc, "on-tick") from exc
        except Exception:
            self._drop_store()
            self._bindings.parked = None
            raise

    def on_event(self, name: str, payload: JSONValue) -> None:
        """Call ``on-event(name, payload-as-JSON-text)`` under the limits."""
        self._call("on-event", name, json.dumps(payload))

    @property
    def reloadable(self) -> bool:
        """Whether the component exports ``snapshot`` and ``restore``."""
        return all(n in self._funcs for n in WIT_RELOAD_EXPORTS)

    def snapshot(self) -> bytes | None:
        """The guest's state for a hot reload (None if it does not export ``snapshot``)."""
        if "snapshot" not in self._funcs:
            return None
        return bytes(self._call("snapshot"))

    def restore(self, state: bytes) -> None:
        """Hand a snapshot to the guest (no-op if it does not export ``restore``)."""
        if "restore" in self._funcs:
            self._call("restore", bytes(state))

    @property
    def memory_peak(self) -> int:
        """The most bytes the linear memories of one instance of this component held together
        (host-allocated memories only; 0 where the platform lets wasmtime allocate them)."""
        return self._memory.peak

    @property
    def fuel_left(self) -> int | None:
        """Fuel left after the last call (None when no instance is live)."""
        return None if self._store is None else self._store.get_fuel()

    # -- resources -------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Drop the instance, store and linker. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._drop_store()
        self._linker.close()

    def __enter__(self) -> WasmComponent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
