"""The fast call path: wasmtime's C API through wasmtime-py's own ``ffi``, argument arrays
prepared once, list<f32>/list<u64> moved with numpy.

The stock path (``Func.__call__`` and ``LinkerInstance.add_func``) asks wasmtime for the
function's type and converts every value through Python objects on every call: about 30 us
per component call and 14 us per host callback, and 60 ms for 30,000 floats. The fast path
keeps the same interface and the same semantics (``_wasm_host.HostBindings`` decides every
answer) but:

* calls exports with a pre-built ``wasmtime_component_val_t`` array and every C argument built
  once per store (:class:`FastExport`, here): a call is a refuel and the call, two C calls;
* keeps the wall-clock limit with an epoch-deadline callback per store instead of re-arming
  the deadline before every call, and reads the real clock each time a host function returns
  to the guest (``_wasm_clock.WallClock``: the epoch ticker waits for the GIL while a guest
  keeps calling into Python, so its ticks fall behind exactly then);
* registers host functions as raw C callbacks that read arguments and write results in place
  (``_wasm_callbacks.add_fast_functions``), with hand-written decoders for the hot functions
  and the stock converters for the rest (``_wasm_decoders``);
* views a list of component values as a numpy structured array to read or write the 4-byte
  float (or 8-byte int) of each element at once, and builds lists from an element array kept
  per host function (``_wasm_values.ListWriter``).

Its C functions come from a private handle on wasmtime's library (``_wasm_capi``).

Memory safety: raw callbacks accept any type, so ``_wasm_types`` checks every import and
export against the WIT at load, and only components with the exact WIT types reach this path.
The host never reads the guest's linear memory here: wasmtime lifts each argument (checking
every pointer and length against the memory's size) into host-side values before a callback
runs, and each decoder checks a value's kind before reading it
(``_wasm_values.ValueKindMismatch``). Arguments larger than any call may take are refused
before they are converted (``_wasm_decoders``).
"""

from __future__ import annotations

import ctypes
from typing import Any, final

from wasmtime import _ffi as ffi
from wasmtime.component import Func

from ._wasm_capi import CALL_UNTYPED, SET_FUEL_UNTYPED, raise_error
from ._wasm_capi import address as address  # what _wasm_component takes from here
from ._wasm_clock import BY_CONTEXT, NS_PER_TICK, CallDeadline, now_ns
from ._wasm_clock import WallClock as WallClock  # what _wasm_component takes from here
from ._wasm_values import K_F64, VAL_OFFSET, Val, write_str


@final
class FastExport:
    """Refuels the store and calls one export with every C argument prepared once (f64 and
    string parameters).

    :param func: the export, looked up on the instance.
    :param kinds: the parameter kinds, ``"f64"`` or ``"string"``, in order.
    :param context: the store context's address (see :func:`address`).
    :param fuel: the fuel every call starts with.

    Each call sets the real deadline of the store's :class:`WallClock` (found by
    ``context``), which host functions compare the real clock with when they return to the
    guest. Build it after the clock's last :meth:`WallClock.restart` (the mod's own budget).
    """

    __slots__ = (
        "_args",
        "_clock",
        "_f64",
        "_fuel",
        "_func",
        "_last",
        "_n",
        "_params",
        "_strings",
        "_wall_budget",
    )

    def __init__(self, func: Func, kinds: tuple[str, ...], context: int, fuel: int) -> None:
        self._func = func._func  # kept alive: the call passes its address
        self._n = len(kinds)
        self._params = (Val * max(1, len(kinds)))()
        self._strings = "string" in kinds
        clock = BY_CONTEXT.get(context)
        self._clock: CallDeadline = clock or CallDeadline()
        #: Real nanoseconds a call may take (the clock's budget; none without a clock).
        self._wall_budget = clock.budget * NS_PER_TICK if clock is not None else 0
        if kinds == ("f64",):
            self._params[0].kind = K_F64
        #: The f64 slot of a single-f64 export, written in place when the value changes.
        self._f64 = ctypes.c_double.from_buffer(self._params, VAL_OFFSET)
        self._last = 0.0
        # Every argument as a ctypes object built once, for C functions declared without
        # argtypes: ctypes then passes them as they are, where converting Python ints through
        # argtypes costs about 60 ns per argument on every call.
        ctx = ctypes.c_void_p(context)
        self._fuel = (ctx, ctypes.c_uint64(fuel))
        self._args = (
            ctypes.c_void_p(ctypes.addressof(self._func)),
            ctx,
            ctypes.c_void_p(ctypes.addressof(self._params)),
            ctypes.c_size_t(self._n),
            ctypes.c_void_p(None),
            ctypes.c_size_t(0),
        )

    def __call__(self, *args: Any) -> None:
        """Refuel, run the export and its post-return; raises ``WasmtimeError`` on a trap."""
        params = self._params
        if self._strings:
            for i in range(self._n):
                write_str(params[i], args[i])
        elif self._n:
            self._f64.value = self._last = args[0]
        self._clock.wall_deadline = now_ns() + self._wall_budget
        try:
            err = SET_FUEL_UNTYPED(*self._fuel)
            if err:
                raise_error(err)
            # No post-return call: these exports return nothing, and wasmtime (>= 36) runs a
            # function's post-return itself at the end of the call.
            err = CALL_UNTYPED(*self._args)
            if err:
                raise_error(err)
        finally:
            if self._strings:
                for i in range(self._n):
                    ffi.wasmtime_component_val_delete(ctypes.byref(params[i]))

    def call_f64(self, value: float) -> None:
        """Refuel and call a single-``f64`` export, in one Python frame (``on-tick``: the one
        call every component gets every tick, with the same ``dt`` at a fixed step). The wall
        clock is the store's :class:`WallClock` (stamp its ticks first; the real start is
        set here)."""
        self._clock.wall_deadline = now_ns() + self._wall_budget
        err = SET_FUEL_UNTYPED(*self._fuel)
        if err:
            raise_error(err)
        if value != self._last:
            self._f64.value = self._last = value
        err = CALL_UNTYPED(*self._args)
        if err:
            raise_error(err)
