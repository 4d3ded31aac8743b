"""The fast call path: wasmtime's C API through wasmtime-py's own ``ffi``, argument arrays
prepared once, list<f32>/list<u64> moved with numpy.

The stock path (``Func.__call__`` and ``LinkerInstance.add_func``) asks wasmtime for the
function's type and converts every value through Python objects on every call: about 30 us
per component call and 14 us per host callback, and 60 ms for 30,000 floats. This module
keeps the same interface and the same semantics (``_wasm_host.HostBindings`` decides every
answer) but:

* calls exports with a pre-built ``wasmtime_component_val_t`` array and every C argument built
  once per store (:class:`FastExport`): a call is a refuel and the call, two C calls;
* keeps the wall-clock limit with an epoch-deadline callback per store (:class:`WallClock`)
  instead of re-arming the deadline before every call, and reads the real clock each time a
  host function returns to the guest (the epoch ticker waits for the GIL while a guest keeps
  calling into Python, so its ticks fall behind exactly then);
* registers host functions as raw C callbacks that read arguments and write results in place
  (:func:`add_fast_functions`), with hand-written decoders for the hot functions and the stock
  converters for the rest;
* views a list of component values as a numpy structured array to read or write the 4-byte
  float (or 8-byte int) of each element at once, and builds lists from an element array kept
  per host function (:class:`ListWriter`).

Memory safety: raw callbacks accept any type, so ``_wasm_types`` checks every import and
export against the WIT at load, and only components with the exact WIT types reach this path.
The host never reads the guest's linear memory here: wasmtime lifts each argument (checking
every pointer and length against the memory's size) into host-side values before a callback
runs, and each decoder checks a value's kind before reading it (:class:`ValueKindMismatch`).
Arguments larger than any call may take are refused before they are converted
(:func:`_oversized`).

ctypes swallows exceptions raised inside raw callbacks (it prints them and returns 0), so
every callback catches everything: a refused call becomes an ``err(host-error)`` value, and any
other exception is parked on the bindings and turned into a trap; the component re-raises the
parked exception as itself once the guest call returns.
"""

from __future__ import annotations

import ctypes
import struct
import sys
import time
from array import array
from collections.abc import Callable
from typing import Any, Final, Protocol, final

import numpy as np
from wasmtime import WasmtimeError
from wasmtime import _bindings as raw
from wasmtime import _ffi as ffi
from wasmtime.component import Func, LinkerInstance, Variant
from wasmtime.component._types import FuncType

from host_api import (
    MAX_LOG_LINE,
    MAX_PAYLOAD_BYTES,
    MAX_TAGS,
    BadArgument,
    ModFault,
    PayloadTooLarge,
    parse_json_text,
)

from ._wasm_engine import EPOCH_INTERVAL_MS
from ._wasm_host import TAGGED_RESULTS, HostBindings, HostCallTimeout, HostErrorRecord
from ._wasm_memory import new_error

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


class ValueKindMismatch(Exception):
    """A value of another kind than the function's WIT type where a decoder expected one.

    Unreachable once ``_wasm_types`` checked the component's imports at load; kept so that a
    decoder never reads a value's bytes as something they are not (a number as an address).
    The handler answers it as a refused call (``SANDBOX_ERROR``).
    """


def _expect(val: Any, kind: int) -> None:
    if val.kind != kind:
        raise ValueKindMismatch(f"a value of kind {val.kind} where the WIT has kind {kind}")


def read_f32_list(val: Any) -> array[float]:
    """A copy of a ``list<f32>`` value as an ``array('f')`` (what ``HostAPI`` copies
    cheapest), filled by one strided numpy copy."""
    _expect(val, K_LIST)
    elems = _elements(val.of.list, F32_ELEMS)
    if len(elems) and not bool((elems["kind"] == K_F32).all()):
        _expect(val.of.list.data[0], K_F32)
    out = array("f", _ZERO_F32) * len(elems)
    if len(elems):
        np.frombuffer(out, dtype=np.float32)[:] = elems["v"]
    return out


_ZERO_F32: Final = array("f", [0.0])


@final
class ListWriter:
    """Writes list values of one scalar element kind, reusing one element array.

    ``wasmtime_component_vallist_new_uninit`` costs about 8 ns per element (240 us for 30,000
    floats) before anything is written; ``wasmtime_component_vallist_new`` copies an element
    array in one pass (about 1.5 ns per element). Scalar elements own nothing, so the array
    built here (kinds written once, values per call) can be handed over again and again.

    :param dtype: the element view (:data:`F32_ELEMS` or :data:`U64_ELEMS`).
    :param kind: the elements' value kind (``K_F32`` ...).
    """

    __slots__ = ("_dtype", "_elems", "_kind")

    def __init__(self, dtype: np.dtype[Any], kind: int) -> None:
        self._dtype = dtype
        self._kind = kind
        self._elems = np.zeros(0, dtype=dtype)

    def write(self, out: Any, values: np.ndarray[Any, Any]) -> None:
        """Make ``out`` a list value holding ``values`` (wasmtime owns the new list)."""
        n = len(values)
        if len(self._elems) != n:
            self._elems = np.zeros(n, dtype=self._dtype)
            self._elems["kind"] = self._kind
        elems = self._elems
        elems["v"] = values
        out.kind = K_LIST
        _VALLIST_NEW(ctypes.addressof(out.of.list), n, elems.ctypes.data if n else None)


def read_vec3(val: Any) -> tuple[float, float, float]:
    """The x, y, z of a ``vec3`` record value."""
    _expect(val, K_RECORD)
    if val.of.record.size != 3:
        _expect(val, -1)
    rec = val.of.record.data
    for i in range(3):
        _expect(rec[i].val, K_F64)
    return (rec[0].val.of.f64, rec[1].val.of.f64, rec[2].val.of.f64)


def read_str(val: Any, limit: int = -1) -> str:
    """The text of a ``string`` value (its first ``limit`` bytes, whole characters only, when
    ``limit`` is not -1)."""
    if val.kind != K_STRING:
        _expect(val, K_STRING)
    s = val.of.string
    if 0 <= limit < s.size:
        return ctypes.string_at(s.data, limit).decode("utf-8", "ignore")
    return ctypes.string_at(s.data, s.size).decode("utf-8")


def write_str(out: Any, text: str) -> None:
    """Make ``out`` a string value (wasmtime owns the copy)."""
    out.kind = K_STRING
    out.of.string = ffi.str_to_capi(text)


def _ok(res: Any, inner: Any | None) -> None:
    res.kind = K_RESULT
    res.of.result.is_ok = True
    res.of.result.val = (
        None if inner is None else ffi.wasmtime_component_val_new(ctypes.byref(inner))
    )


def _err(res: Any, code: str, message: str) -> None:
    inner = Val()
    inner.kind = K_RECORD
    ffi.wasmtime_component_valrecord_new_uninit(ctypes.byref(inner.of.record), 2)
    for i, (name, text) in enumerate((("code", code), ("message", message))):
        entry = inner.of.record.data[i]
        entry.name = ffi.str_to_capi(name)
        write_str(entry.val, text)
    res.kind = K_RESULT
    res.of.result.is_ok = False
    res.of.result.val = ffi.wasmtime_component_val_new(ctypes.byref(inner))


# -- host functions ----------------------------------------------------------------------------
#: A raw handler: (context, func type, args address, results address) -> None.
RawHandler = Callable[[Any, int, int, int], None]

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
_LIVE: dict[int, _Handler] = {}
_TAGS = iter(range(1, 2**62))


@_RAW_CALLBACK
def _trampoline(env, context, ty, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
    handler = _LIVE[env]
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
    if clock is not None and _now_ns() >= clock.wall_deadline:
        return new_error(TIMEOUT_MESSAGE)
    return 0


_FINALIZER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


@_FINALIZER
def _finalize(env):  # type: ignore[no-untyped-def]
    _LIVE.pop(env, None)


_TRAMPOLINE = ctypes.cast(_trampoline, ffi.wasmtime_component_func_callback_t)
_PACK_U64_INTO = struct.Struct("<B7xQ").pack_into
_PACK_F64_INTO = struct.Struct("<B7xd").pack_into

#: The process's address space as one writable byte view, so a callback writes a 16-byte
#: result with one ``struct.pack_into`` at the address wasmtime passed (about 0.1 us) instead of
#: a ``ctypes.memmove`` foreign call (about 0.4 us). It is exactly as unchecked as ``memmove``
#: with a raw address: only ever written at addresses wasmtime hands to a callback.
#: ``sys.maxsize`` bytes: every address a 64-bit process can hand out.
ADDRESS_SPACE: Final = memoryview((ctypes.c_char * sys.maxsize).from_address(0)).cast("B")


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


def _fast_handlers(bindings: HostBindings) -> dict[str, RawHandler]:
    """Hand-written decoders for the functions a guest calls every tick."""
    api = bindings.api

    def guarded(call: str, nargs: int, work: Callable[[Any, Any], None]) -> RawHandler:
        arg_array = Val * max(1, nargs)

        def handler(_ctx: Any, _ty: int, args: int, results: int) -> None:
            out = Val.from_address(results)
            try:
                work(arg_array.from_address(args), out)
            except ModFault as fault:
                _err(out, *bindings.refused(call, fault))
            except ValueKindMismatch as exc:
                fault = BadArgument(
                    f"{call}: {exc}",
                    mod_id=api.mod_id,
                    hint="build the component against wit/ (world modhost:mod/mod)",
                )
                _err(out, *bindings.refused(call, fault))

        return handler

    def log(args: Any, results: Any) -> None:
        # Only what the log keeps is decoded (a guest may pass megabytes).
        api.log(read_str(args[0], limit=4 * MAX_LOG_LINE))
        _ok(results, None)

    def emit(args: Any, results: Any) -> None:
        _expect(args[1], K_STRING)
        if args[1].of.string.size > MAX_PAYLOAD_BYTES:  # refused before it is even copied
            raise PayloadTooLarge(
                f"event payload is longer than {MAX_PAYLOAD_BYTES} bytes",
                mod_id=api.mod_id,
                hint="send smaller payloads",
            )
        payload = parse_json_text(read_str(args[1]), mod_id=api.mod_id, what="event payload")
        api.emit(read_str(args[0]), payload)
        _ok(results, None)

    floats = ListWriter(F32_ELEMS, K_F32)
    u64s = ListWriter(U64_ELEMS, K_U64)

    def positions_of(args: Any, results: Any) -> None:
        _, flat = api.positions_of(read_str(args[0]))
        inner = Val()
        floats.write(inner, np.frombuffer(flat, dtype=np.float32))
        _ok(results, inner)

    def ids_of(args: Any, results: Any) -> None:
        ids, _ = api.positions_of(read_str(args[0]))
        inner = Val()
        u64s.write(inner, np.frombuffer(ids, dtype=np.int64))
        _ok(results, inner)

    def set_positions_of(args: Any, results: Any) -> None:
        moved = api.set_positions_of(read_str(args[0]), read_f32_list(args[1]))
        inner = Val()
        inner.kind = K_U32
        inner.of.u32 = moved
        _ok(results, inner)

    def set_position(args: Any, results: Any) -> None:
        _expect(args[0], K_U64)
        api.set_position(args[0].of.u64, read_vec3(args[1]))
        _ok(results, None)

    def spawn(args: Any, results: Any) -> None:
        tags = args[3]
        _expect(tags, K_LIST)
        if tags.of.list.size > MAX_TAGS:  # refused before a single tag is read
            raise PayloadTooLarge(
                f"an entity may have at most {MAX_TAGS} tags ({tags.of.list.size} given)",
                mod_id=api.mod_id,
                hint="use fewer tags; keep per-entity data in ctx.state",
                details={"what": "tags", "limit": MAX_TAGS},
            )
        names = [read_str(tags.of.list.data[i]) for i in range(tags.of.list.size)]
        entity_id = api.spawn(read_str(args[0]), read_vec3(args[1]), read_vec3(args[2]), names)
        inner = Val()
        inner.kind = K_U64
        inner.of.u64 = entity_id
        _ok(results, inner)

    def tick(_ctx: Any, _ty: int, _args: int, results: int) -> None:
        _PACK_U64_INTO(ADDRESS_SPACE, results, K_U64, api.tick)

    def random(_ctx: Any, _ty: int, _args: int, results: int) -> None:
        _PACK_F64_INTO(ADDRESS_SPACE, results, K_F64, api.random())

    return {
        "log": guarded("log", 1, log),
        "emit": guarded("emit", 2, emit),
        "positions-of": guarded("positions-of", 1, positions_of),
        "ids-of": guarded("ids-of", 1, ids_of),
        "set-positions-of": guarded("set-positions-of", 2, set_positions_of),
        "set-position": guarded("set-position", 2, set_position),
        "spawn": guarded("spawn", 4, spawn),
        "tick": tick,
        "random": random,
    }


#: Lists a converted function may be passed, at most (checked before any element is converted).
_LIST_CAPS: Final[dict[str, int]] = {"spawn": MAX_TAGS}


def _oversized(name: str, vals: Any, count: int, mod_id: str) -> PayloadTooLarge | None:
    """A refusal if an argument is larger than any call of ``name`` may take: strings past
    :data:`MAX_PAYLOAD_BYTES`, lists past :data:`_LIST_CAPS`. Checked on the raw values,
    before the stock converters build a Python object per element."""
    for i in range(count):
        val = vals[i]
        if val.kind == K_STRING and val.of.string.size > MAX_PAYLOAD_BYTES:
            what, cap = "a string argument", MAX_PAYLOAD_BYTES
        elif val.kind == K_LIST and val.of.list.size > _LIST_CAPS.get(name, MAX_PAYLOAD_BYTES):
            what, cap = "a list argument", _LIST_CAPS.get(name, MAX_PAYLOAD_BYTES)
        else:
            continue
        return PayloadTooLarge(
            f"{name}: {what} is larger than {cap}",
            mod_id=mod_id,
            hint="pass less data in one call",
            details={"what": what, "limit": cap},
        )
    return None


def _converted(fn: Callable[..., Any], name: str, bindings: HostBindings) -> RawHandler:
    """A raw handler for a less frequent function: wasmtime-py's own value converters around
    the stock binding (same answers, no per-function decoder to maintain)."""
    from wasmtime import StoreContext

    def handler(context: int, ty_raw: int, args: int, results: int) -> None:
        ctx = ctypes.cast(context, ctypes.POINTER(ffi.wasmtime_context_t))
        ty = ctypes.cast(ty_raw, ctypes.POINTER(ffi.wasmtime_component_func_type_t))
        store = StoreContext(ctx)
        try:
            with FuncType._from_ptr(ty, owner=store) as fty:
                params = fty.params
                vals = (Val * max(1, len(params))).from_address(args or 0) if params else ()
                refusal = _oversized(name, vals, len(params), bindings.api.mod_id)
                if refusal is not None:
                    _err(Val.from_address(results), *bindings.refused(name, refusal))
                    return
                pyargs = [t.convert_from_c(vals[i]) for i, (_, t) in enumerate(params)]
                value = fn(store, *pyargs)
                if isinstance(value, Variant) and value.tag == "err":
                    value = value.payload
                if isinstance(value, HostErrorRecord):
                    # Written by hand: the stock converters cannot lower an error for every
                    # result type (see RAW_ONLY_RESULTS).
                    _err(Val.from_address(results), value.code, value.message)
                elif fty.result is not None:
                    fty.result.convert_to_c(store, value, ctypes.pointer(Val.from_address(results)))
        finally:
            store._invalidate()

    return handler


@final
class FastLinker:
    """The raw handlers of one linker (alive in ``_LIVE`` until wasmtime finalizes them)."""

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
    fast = _fast_handlers(bindings)
    for name, stock in bindings.functions().items():
        if only is not None and name not in only:
            continue
        fn = fast.get(name)
        if fn is None or name in TAGGED_RESULTS:
            fn = _converted(stock, name, bindings)
        handler = _Handler(name, bindings, fn)
        owner.handlers.append(handler)
        tag = next(_TAGS)
        _LIVE[tag] = handler
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


# -- exports -----------------------------------------------------------------------------------
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
        clock = _BY_CONTEXT.get(context)
        self._clock: _CallStart = clock or _CallStart()
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
        self._clock.wall_deadline = _now_ns() + self._wall_budget
        try:
            err = _SET_FUEL_UNTYPED(*self._fuel)
            if err:
                _raise(err)
            # No post-return call: these exports return nothing, and wasmtime (>= 36) runs a
            # function's post-return itself at the end of the call.
            err = _CALL_UNTYPED(*self._args)
            if err:
                _raise(err)
        finally:
            if self._strings:
                for i in range(self._n):
                    ffi.wasmtime_component_val_delete(ctypes.byref(params[i]))

    def call_f64(self, value: float) -> None:
        """Refuel and call a single-``f64`` export, in one Python frame (``on-tick``: the one
        call every component gets every tick, with the same ``dt`` at a fixed step). The wall
        clock is the store's :class:`WallClock` (stamp its ticks first; the real start is
        set here)."""
        self._clock.wall_deadline = _now_ns() + self._wall_budget
        err = _SET_FUEL_UNTYPED(*self._fuel)
        if err:
            _raise(err)
        if value != self._last:
            self._f64.value = self._last = value
        err = _CALL_UNTYPED(*self._args)
        if err:
            _raise(err)


def _prototype(name: str, restype: Any, *argtypes: Any) -> Any:
    # A private handle on the same library: its function objects get address-only argument
    # types (ints in, no pointer objects), without touching the ones wasmtime-py configured.
    fn = _LIB[name]
    if argtypes:  # none: the caller passes ready-made ctypes objects
        fn.argtypes = argtypes
    fn.restype = restype
    return fn


_LIB = ctypes.CDLL(raw.dll._name)  # type: ignore[attr-defined]
_VP = ctypes.c_void_p
#: Declared without argtypes: callers pass ctypes objects they built once (see FastExport).
_CALL_UNTYPED = _prototype("wasmtime_component_func_call", _VP)
_SET_FUEL_UNTYPED = _prototype("wasmtime_context_set_fuel", _VP)
_SET_DEADLINE = _prototype("wasmtime_context_set_epoch_deadline", None, _VP, ctypes.c_uint64)
_VALLIST_NEW = _prototype("wasmtime_component_vallist_new", None, _VP, ctypes.c_size_t, _VP)
_ERROR_PTR = ctypes.POINTER(ffi.wasmtime_error_t)


def _raise(err: int) -> None:
    raise WasmtimeError._from_ptr(ctypes.cast(err, _ERROR_PTR))


def address(pointer: Any) -> int:
    """The address a ctypes pointer holds (e.g. a store's context)."""
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


# -- wall clock --------------------------------------------------------------------------------
#: ``wasmtime_update_deadline_kind_t``: keep running, with a new deadline.
_DEADLINE_CONTINUE: Final = 0
_EPOCH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p
)
_PACK_DEADLINE_INTO = struct.Struct("<Q").pack_into
#: Clocks alive in some store, by the ``env`` value wasmtime passes back (removed by the
#: store's finalizer).
_CLOCKS: dict[int, WallClock] = {}
#: The same clocks by their store context's address, where a :class:`FastExport` finds its own.
_BY_CONTEXT: dict[int, WallClock] = {}
#: The text of a wall-clock trap: ``_wasm_errors`` maps "wasm trap: interrupt" to
#: ``SANDBOX_TIMEOUT``, the same as wasmtime's own epoch trap on the stock path.
TIMEOUT_MESSAGE: Final = "wasm trap: interrupt (the call ran past its wall-clock limit)"
#: The real clock calls are timed with (``perf_counter_ns``: about 50 ns, no system call).
_now_ns: Final = time.perf_counter_ns
#: Nanoseconds of real time per epoch tick: a call's real budget is its tick budget in ns.
NS_PER_TICK: Final = round(EPOCH_INTERVAL_MS * 1_000_000)


class TickSource(Protocol):
    """Where the epoch ticks are counted (``WasmEngine.ticks``)."""

    ticks: int


class _CallStart:
    """Where a :class:`FastExport` without a clock sets its calls' real deadline (nothing
    reads it)."""

    __slots__ = ("wall_deadline",)

    def __init__(self) -> None:
        self.wall_deadline = 0


@final
class WallClock(_CallStart):
    """A store's wall-clock limit without re-arming the epoch deadline before every call.

    The stock path calls ``set_epoch_deadline`` before every call (a C call each time).
    Instead, the store gets an epoch-deadline callback once; a call only notes the tick it
    started at (:meth:`stamp`, a Python attribute write). When the epoch reaches the store's
    deadline, wasmtime asks the callback, which traps if the current call has used its budget
    and otherwise moves the deadline to where this call's budget ends. The deadline therefore
    never fires later than ``budget`` ticks after the current call started; it may fire
    earlier (a deadline left over from an earlier call), which only costs one callback.

    The ticks fall behind while the guest keeps calling into Python: the ticker thread then
    waits for the GIL, about 5 ms per tick, so a loop of host calls ran for 3-5 times its
    limit. Host functions therefore compare the real clock with the call's real deadline
    when they return to the guest: ``budget`` ticks of real time after the call started
    (:meth:`expired`).

    :param source: the engine whose ticker counts the ticks.
    :param budget: ticks a call may use (``WasmEngine.deadline_ticks``).
    """

    __slots__ = ("_context", "budget", "deadline", "source", "started")

    def __init__(self, source: TickSource, budget: int) -> None:
        super().__init__()
        self.source = source
        self.budget = budget
        self.started = source.ticks
        #: The real time (``perf_counter_ns``) the current call's budget ends at.
        self.wall_deadline = _now_ns() + budget * NS_PER_TICK
        #: The tick the store's epoch deadline was last set to (as this clock counts ticks);
        #: never later than ``started + budget``.
        self.deadline = self.started + budget
        self._context = 0

    def stamp(self) -> None:
        """The current call starts now."""
        self.started = self.source.ticks
        self.wall_deadline = _now_ns() + self.budget * NS_PER_TICK

    def left(self) -> int:
        """Ticks the current call has left (0 or less: out of time)."""
        return self.budget - (self.source.ticks - self.started)

    def expired(self) -> bool:
        """Whether the current call has used its budget, by the real clock or by the ticks."""
        return _now_ns() >= self.wall_deadline or self.source.ticks - self.started >= self.budget

    def install(self, store: Any) -> None:
        """Put this clock in charge of ``store``'s epoch deadline (once per store)."""
        tag = next(_TAGS)
        _CLOCKS[tag] = self
        self._context = address(store._context())
        _BY_CONTEXT[self._context] = self
        _SET_EPOCH_CALLBACK(address(store.ptr()), _ON_DEADLINE, tag, _FORGET_CLOCK)
        self.restart(self.budget)

    def forget(self) -> None:
        """The store is gone: a later store at the same address finds its own clock."""
        if _BY_CONTEXT.get(self._context) is self:
            del _BY_CONTEXT[self._context]

    def restart(self, budget: int) -> None:
        """Give calls from now on ``budget`` ticks, and set the store's deadline to match:
        after instantiation's longer budget, a deadline left where it was would let the next
        call run far past its own limit."""
        self.budget = budget
        self.stamp()
        _SET_DEADLINE(self._context, budget)
        self.deadline = self.started + budget

    def extend(self) -> int:
        """At the store's deadline: ticks until this call's budget ends (0 or less: trap)."""
        left = self.left()
        if left > 0:
            self.deadline = self.source.ticks + left
        return left


@_EPOCH_CALLBACK
def _on_deadline(_context, env, delta, kind):  # type: ignore[no-untyped-def]
    try:
        left = _CLOCKS[env].extend()
        if left <= 0:
            return new_error(TIMEOUT_MESSAGE)
        _PACK_DEADLINE_INTO(ADDRESS_SPACE, delta, left)
        ADDRESS_SPACE[kind] = _DEADLINE_CONTINUE
        return 0
    except BaseException:  # ctypes would swallow it; an unknown store must not run on
        return new_error(TIMEOUT_MESSAGE)


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _forget_clock(env):  # type: ignore[no-untyped-def]
    clock = _CLOCKS.pop(env, None)
    if clock is not None:
        clock.forget()


_ON_DEADLINE = _on_deadline
_FORGET_CLOCK = _forget_clock
_SET_EPOCH_CALLBACK = _prototype(
    "wasmtime_store_epoch_deadline_callback", None, _VP, _EPOCH_CALLBACK, _VP, _FINALIZER
)
