"""Host functions as raw C callbacks of a component linker, through one ctypes trampoline.

ctypes swallows exceptions raised inside raw callbacks (it prints them and returns 0), so the
trampoline catches everything: a refused call is already an ``err(host-error)`` value, and any
other exception is parked on the bindings and turned into a trap; the component re-raises the
parked exception as itself once the guest call returns. It also keeps the call's time limit
on the way into and out of every host function (see ``_wasm_clock.WallClock``).
"""

from __future__ import annotations

import ctypes
from typing import final

from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component import LinkerInstance

from ._wasm_capi import FINALIZER, TAGS
from ._wasm_clock import TIMEOUT_MESSAGE, now_ns
from ._wasm_decoders import RawHandler, converted, fast_handlers
from ._wasm_host import TAGGED_RESULTS, HostBindings, HostCallTimeout
from ._wasm_memory import new_error

#: The callback prototype with every pointer as a plain address: ctypes then builds no pointer
#: objects per call (the declared type has POINTER arguments, which cost a microsecond each).
_RAW_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_size_t,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_void_p,
    ctypes.c_size_t,
)

#: Handlers alive in some linker, by the ``env`` value wasmtime passes back. Entries are added
#: when a linker is built from one mod's bindings and removed by wasmtime's finalizer when that
#: linker is deleted; there are no default entries (this is the ctypes trampoline's lookup,
#: not a registry of host functions).
LIVE: dict[int, _Handler] = {}


@_RAW_CALLBACK
def _trampoline(env, context, ty, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
    handler = LIVE[env]
    clock = handler.bindings.clock
    # Time in host functions is the call's time too: past the limit, trap on the way in and
    # on the way out (a guest in straight-line code would otherwise never see its deadline).
    # On the way in the ticks suffice (WallClock.left, inlined: the guest ran without the
    # GIL, so the ticker kept up). On the way out the real clock decides: the ticker waits
    # for the GIL while the guest keeps calling into Python, so its ticks fall behind then.
    if clock is not None and clock.source.ticks - clock.started >= clock.budget:
        return new_error(TIMEOUT_MESSAGE)
    try:
        handler.fn(context, ty, args, results)
    except BaseException as exc:  # ctypes would swallow it: park, and trap the guest
        return handler.fail(exc)
    if clock is not None and now_ns() >= clock.wall_deadline:
        return new_error(TIMEOUT_MESSAGE)
    return 0


@FINALIZER
def _finalize(env):  # type: ignore[no-untyped-def]
    LIVE.pop(env, None)


_TRAMPOLINE = ctypes.cast(_trampoline, ffi.wasmtime_component_func_callback_t)


@final
class _Handler:
    """One host function's raw handler plus the bindings it parks exceptions on."""

    __slots__ = ("bindings", "fn", "name")

    def __init__(self, name: str, bindings: HostBindings, fn: RawHandler) -> None:
        self.name = name
        self.bindings = bindings
        self.fn = fn

    def fail(self, exc: BaseException) -> int:
        """Park ``exc`` for the component to re-raise; return the error that traps the guest."""
        if isinstance(exc, HostCallTimeout):  # the stock wrapper's deadline check
            return new_error(TIMEOUT_MESSAGE)
        self.bindings.parked = exc
        return new_error(f"host function {self.name} failed")


@final
class FastLinker:
    """The raw handlers of one linker (alive in ``LIVE`` until wasmtime finalizes them)."""

    def __init__(self) -> None:
        self.handlers: list[_Handler] = []


def add_fast_functions(
    host: LinkerInstance, bindings: HostBindings, *, only: frozenset[str] | None = None
) -> FastLinker:
    """Define the host functions on ``host`` through raw callbacks.

    :param only: define just these (the stock path's exceptions); all of them by default.
    :returns: the owner of the handlers; keep it as long as the linker.
    """
    owner = FastLinker()
    fast = fast_handlers(bindings)
    for name, stock in bindings.functions().items():
        if only is not None and name not in only:
            continue
        fn = fast.get(name)
        if fn is None or name in TAGGED_RESULTS:
            fn = converted(stock, name, bindings)
        handler = _Handler(name, bindings, fn)
        owner.handlers.append(handler)
        tag = next(TAGS)
        LIVE[tag] = handler
        encoded = name.encode("utf-8")
        err = ffi.wasmtime_component_linker_instance_add_func(
            host.ptr(),
            ctypes.create_string_buffer(encoded),
            len(encoded),
            _TRAMPOLINE,
            ctypes.c_void_p(tag),
            _finalize,
        )
        if err:
            raise WasmtimeError._from_ptr(err)
    return owner
