"""The fast call path: wasmtime's C API through wasmtime-py's own ``ffi``, argument arrays
prepared once, list<f32>/list<u64> moved with numpy.

The stock path (``Func.__call__`` and ``LinkerInstance.add_func``) asks wasmtime for the
function's type and converts every value through Python objects on every call: about 30 us
per component call and 14 us per host callback, and 60 ms for 30,000 floats. This module
keeps the same interface and the same semantics (``_wasm_host.HostBindings`` decides every
answer) but:

* calls exports with a pre-built ``wasmtime_component_val_t`` array (:class:`FastExport`);
* registers host functions as raw C callbacks that read arguments and write results in place
  (:func:`add_fast_functions`), with hand-written decoders for the hot functions and the stock
  converters for the rest;
* views a list of component values as a numpy structured array to read or write the 4-byte
  float (or 8-byte int) of each element at once.

ctypes swallows exceptions raised inside raw callbacks (it prints them and returns 0), so
every callback catches everything: a refused call becomes an ``err(host-error)`` value, and any
other exception is parked on the bindings and turned into a trap; the component re-raises the
parked exception as itself once the guest call returns.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any, Final, final

import numpy as np
from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component import Func, LinkerInstance
from wasmtime.component._types import FuncType

from host_api import ModFault

from ._wasm_host import TAGGED_RESULTS, HostBindings

Val = ffi.wasmtime_component_val_t
VAL_SIZE: Final = ctypes.sizeof(Val)
#: Offset of the value union inside ``wasmtime_component_val_t``.
VAL_OFFSET: Final = Val.of.offset

K_F32: Final = ffi.WASMTIME_COMPONENT_F32.value
K_F64: Final = ffi.WASMTIME_COMPONENT_F64.value
K_U32: Final = ffi.WASMTIME_COMPONENT_U32.value
K_U64: Final = ffi.WASMTIME_COMPONENT_U64.value
K_STRING: Final = ffi.WASMTIME_COMPONENT_STRING.value
K_LIST: Final = ffi.WASMTIME_COMPONENT_LIST.value
K_RECORD: Final = ffi.WASMTIME_COMPONENT_RECORD.value
K_RESULT: Final = ffi.WASMTIME_COMPONENT_RESULT.value

#: One list element seen as (kind, float32) / (kind, uint64).
F32_ELEMS: Final = np.dtype(
    {
        "names": ["kind", "v"],
        "formats": [np.uint8, np.float32],
        "offsets": [0, VAL_OFFSET],
        "itemsize": VAL_SIZE,
    }
)
U64_ELEMS: Final = np.dtype(
    {
        "names": ["kind", "v"],
        "formats": [np.uint8, np.uint64],
        "offsets": [0, VAL_OFFSET],
        "itemsize": VAL_SIZE,
    }
)


# -- values ------------------------------------------------------------------------------------
def _elements(vlist: Any, dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    n = vlist.size
    if n == 0:
        return np.zeros(0, dtype=dtype)
    addr = ctypes.cast(vlist.data, ctypes.c_void_p).value
    return np.frombuffer((ctypes.c_char * (n * VAL_SIZE)).from_address(addr), dtype=dtype)


def read_f32_list(val: Any) -> np.ndarray[Any, Any]:
    """A float32 copy of a ``list<f32>`` value."""
    return _elements(val.of.list, F32_ELEMS)["v"].copy()


def write_list(out: Any, values: np.ndarray[Any, Any], dtype: np.dtype[Any], kind: int) -> None:
    """Make ``out`` a list value holding ``values`` (each element of ``kind``)."""
    out.kind = K_LIST
    ffi.wasmtime_component_vallist_new_uninit(ctypes.byref(out.of.list), len(values))
    if len(values):
        elems = _elements(out.of.list, dtype)
        elems["kind"] = kind
        elems["v"] = values


def read_str(val: Any) -> str:
    """The text of a ``string`` value."""
    s = val.of.string
    return ctypes.string_at(s.data, s.size).decode("utf-8")


def write_str(out: Any, text: str) -> None:
    """Make ``out`` a string value (wasmtime owns the copy)."""
    out.kind = K_STRING
    out.of.string = ffi.str_to_capi(text)


def _ok(results: Any, inner: Any | None) -> None:
    res = results[0]
    res.kind = K_RESULT
    res.of.result.is_ok = True
    res.of.result.val = (
        None if inner is None else ffi.wasmtime_component_val_new(ctypes.byref(inner))
    )


def _err(results: Any, code: str, message: str) -> None:
    inner = Val()
    inner.kind = K_RECORD
    ffi.wasmtime_component_valrecord_new_uninit(ctypes.byref(inner.of.record), 2)
    for i, (name, text) in enumerate((("code", code), ("message", message))):
        entry = inner.of.record.data[i]
        entry.name = ffi.str_to_capi(name)
        write_str(entry.val, text)
    res = results[0]
    res.kind = K_RESULT
    res.of.result.is_ok = False
    res.of.result.val = ffi.wasmtime_component_val_new(ctypes.byref(inner))


# -- host functions ----------------------------------------------------------------------------
#: A raw handler: (context, func type, args, results) -> None.
RawHandler = Callable[[Any, Any, Any, Any], None]


@ffi.wasmtime_component_func_callback_t  # type: ignore[misc]
def _trampoline(env, context, ty, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
    # ``env`` is the id of a live _Handler owned by the FastLinker; nothing else is reachable.
    handler: _Handler = ctypes.cast(env, ctypes.py_object).value
    return handler.run(context, ty, args, results)


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _no_finalizer(env):  # type: ignore[no-untyped-def]
    # The handler's lifetime is the FastLinker's (it keeps a reference); nothing to free.
    return None


@final
class _Handler:
    """One host function's raw handler plus the bindings it parks exceptions on."""

    __slots__ = ("bindings", "fn", "name")

    def __init__(self, name: str, bindings: HostBindings, fn: RawHandler) -> None:
        self.name = name
        self.bindings = bindings
        self.fn = fn

    def run(self, context: Any, ty: Any, args: Any, results: Any) -> int:
        try:
            self.fn(context, ty, args, results)
        except BaseException as exc:  # ctypes would swallow it: park, and trap the guest
            self.bindings.parked = exc
            err = ffi.wasmtime_error_new(f"host function {self.name} failed".encode())
            return ctypes.cast(err, ctypes.c_void_p).value or 0
        return 0


def _fast_handlers(bindings: HostBindings) -> dict[str, RawHandler]:
    """Hand-written decoders for the functions a guest calls every tick."""
    api = bindings.api

    def guarded(call: str, work: Callable[[Any, Any], None]) -> RawHandler:
        def handler(_ctx: Any, _ty: Any, args: Any, results: Any) -> None:
            try:
                work(args, results)
            except ModFault as fault:
                _err(results, *bindings.refused(call, fault))

        return handler

    def log(args: Any, results: Any) -> None:
        api.log(read_str(args[0]))
        _ok(results, None)

    def emit(args: Any, results: Any) -> None:
        from ._wasm_host import parse_json_text

        payload = parse_json_text(read_str(args[1]), mod_id=api.mod_id, what="event payload")
        api.emit(read_str(args[0]), payload)
        _ok(results, None)

    def positions_of(args: Any, results: Any) -> None:
        _, flat = api.positions_of(read_str(args[0]))
        inner = Val()
        write_list(inner, np.frombuffer(flat, dtype=np.float32), F32_ELEMS, K_F32)
        _ok(results, inner)

    def ids_of(args: Any, results: Any) -> None:
        ids, _ = api.positions_of(read_str(args[0]))
        inner = Val()
        write_list(inner, np.frombuffer(ids, dtype=np.int64).astype(np.uint64), U64_ELEMS, K_U64)
        _ok(results, inner)

    def set_positions_of(args: Any, results: Any) -> None:
        flat = read_f32_list(args[1])
        moved = api.set_positions_of(read_str(args[0]), memoryview(flat))
        inner = Val()
        inner.kind = K_U32
        inner.of.u32 = moved
        _ok(results, inner)

    def set_position(args: Any, results: Any) -> None:
        rec = args[1].of.record.data
        api.set_position(args[0].of.u64, (rec[0].val.of.f64, rec[1].val.of.f64, rec[2].val.of.f64))
        _ok(results, None)

    def tick(_ctx: Any, _ty: Any, _args: Any, results: Any) -> None:
        results[0].kind = K_U64
        results[0].of.u64 = api.tick

    def random(_ctx: Any, _ty: Any, _args: Any, results: Any) -> None:
        results[0].kind = K_F64
        results[0].of.f64 = api.random()

    return {
        "log": guarded("log", log),
        "emit": guarded("emit", emit),
        "positions-of": guarded("positions-of", positions_of),
        "ids-of": guarded("ids-of", ids_of),
        "set-positions-of": guarded("set-positions-of", set_positions_of),
        "set-position": guarded("set-position", set_position),
        "tick": tick,
        "random": random,
    }


def _converted(fn: Callable[..., Any]) -> RawHandler:
    """A raw handler for a less frequent function: wasmtime-py's own value converters around
    the stock binding (same answers, no per-function decoder to maintain)."""

    def handler(context: Any, ty_raw: Any, args: Any, results: Any) -> None:
        from wasmtime import StoreContext

        store = StoreContext(context)
        try:
            with FuncType._from_ptr(ty_raw, owner=store) as fty:
                params = [t.convert_from_c(args[i]) for i, (_, t) in enumerate(fty.params)]
                value = fn(store, *params)
                if fty.result is not None:
                    fty.result.convert_to_c(store, value, results)
        finally:
            store._invalidate()

    return handler


@final
class FastLinker:
    """Keeps the raw handlers of one linker alive for as long as the linker lives."""

    def __init__(self) -> None:
        self.handlers: list[_Handler] = []


def add_fast_functions(host: LinkerInstance, bindings: HostBindings) -> FastLinker:
    """Define every host function on ``host`` through raw callbacks.

    :returns: the owner of the handlers; keep it as long as the linker.
    """
    owner = FastLinker()
    fast = _fast_handlers(bindings)
    for name, stock in bindings.functions().items():
        fn = fast.get(name)
        if fn is None or name in TAGGED_RESULTS:
            fn = _converted(stock)
        handler = _Handler(name, bindings, fn)
        owner.handlers.append(handler)
        raw = name.encode("utf-8")
        err = ffi.wasmtime_component_linker_instance_add_func(
            host.ptr(),
            ctypes.create_string_buffer(raw),
            len(raw),
            _trampoline,
            ctypes.c_void_p(id(handler)),
            _no_finalizer,
        )
        if err:
            raise WasmtimeError._from_ptr(err)
    return owner


# -- exports -----------------------------------------------------------------------------------
@final
class FastExport:
    """Calls one export with an argument array prepared once (f64 and string parameters).

    :param func: the export, looked up on the instance.
    :param kinds: the parameter kinds, ``"f64"`` or ``"string"``, in order.
    """

    __slots__ = ("_func", "_kinds", "_params", "_ref")

    def __init__(self, func: Func, kinds: tuple[str, ...]) -> None:
        self._func = func._func
        self._ref = ctypes.byref(self._func)
        self._kinds = kinds
        self._params = (Val * max(1, len(kinds)))()

    def __call__(self, context: Any, *args: Any) -> None:
        """Run the export and its post-return; raises ``WasmtimeError`` on a trap."""
        params = self._params
        strings = False
        for i, kind in enumerate(self._kinds):
            if kind == "f64":
                params[i].kind = K_F64
                params[i].of.f64 = args[i]
            else:
                write_str(params[i], args[i])
                strings = True
        try:
            err = ffi.wasmtime_component_func_call(
                self._ref, context, params, len(self._kinds), None, 0
            )
            if err:
                raise WasmtimeError._from_ptr(err)
            err = ffi.wasmtime_component_func_post_return(self._ref, context)
            if err:
                raise WasmtimeError._from_ptr(err)
        finally:
            if strings:
                for i, kind in enumerate(self._kinds):
                    if kind == "string":
                        ffi.wasmtime_component_val_delete(ctypes.byref(params[i]))


def arm(context: Any, fuel: int, deadline_ticks: int) -> None:
    """A fresh fuel budget and epoch deadline for the next call (two C calls)."""
    err = ffi.wasmtime_context_set_fuel(context, fuel)
    if err:
        raise WasmtimeError._from_ptr(err)
    ffi.wasmtime_context_set_epoch_deadline(context, deadline_ticks)
