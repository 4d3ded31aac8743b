"""The fast path's host functions: raw handlers that decode arguments and encode results.

Hand-written decoders for the functions a guest calls every tick (:func:`fast_handlers`), and
wasmtime-py's own converters around the stock binding for the rest (:func:`converted`). Both
answer exactly what ``_wasm_host.HostBindings`` answers; arguments larger than any call may
take are refused before they are converted (:func:`_oversized`).
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable
from typing import Any, Final

import numpy as np
from wasmtime import _ffi as ffi
from wasmtime.component import Variant
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

from ._wasm_capi import ADDRESS_SPACE
from ._wasm_host import HostBindings, HostErrorRecord
from ._wasm_values import (
    F32_ELEMS,
    K_F32,
    K_F64,
    K_LIST,
    K_STRING,
    K_U32,
    K_U64,
    U64_ELEMS,
    ListWriter,
    Val,
    ValueKindMismatch,
    expect_kind,
    read_f32_list,
    read_str,
    read_vec3,
    write_err,
    write_ok,
)

#: A raw handler: (context, func type, args address, results address) -> None.
RawHandler = Callable[[Any, int, int, int], None]

_PACK_U64_INTO = struct.Struct("<B7xQ").pack_into
_PACK_F64_INTO = struct.Struct("<B7xd").pack_into


def fast_handlers(bindings: HostBindings) -> dict[str, RawHandler]:
    """Hand-written decoders for the functions a guest calls every tick."""
    api = bindings.api

    def guarded(call: str, nargs: int, work: Callable[[Any, Any], None]) -> RawHandler:
        arg_array = Val * max(1, nargs)

        def handler(_ctx: Any, _ty: int, args: int, results: int) -> None:
            out = Val.from_address(results)
            try:
                work(arg_array.from_address(args), out)
            except ModFault as fault:
                write_err(out, *bindings.refused(call, fault))
            except ValueKindMismatch as exc:
                fault = BadArgument(
                    f"{call}: {exc}",
                    mod_id=api.mod_id,
                    hint="build the component against wit/ (world modhost:mod/mod)",
                )
                write_err(out, *bindings.refused(call, fault))

        return handler

    def log(args: Any, results: Any) -> None:
        # Only what the log keeps is decoded (a guest may pass megabytes).
        api.log(read_str(args[0], limit=4 * MAX_LOG_LINE))
        write_ok(results, None)

    def emit(args: Any, results: Any) -> None:
        expect_kind(args[1], K_STRING)
        if args[1].of.string.size > MAX_PAYLOAD_BYTES:  # refused before it is even copied
            raise PayloadTooLarge(
                f"event payload is longer than {MAX_PAYLOAD_BYTES} bytes",
                mod_id=api.mod_id,
                hint="send smaller payloads",
            )
        payload = parse_json_text(read_str(args[1]), mod_id=api.mod_id, what="event payload")
        api.emit(read_str(args[0]), payload)
        write_ok(results, None)

    floats = ListWriter(F32_ELEMS, K_F32)
    u64s = ListWriter(U64_ELEMS, K_U64)

    def positions_of(args: Any, results: Any) -> None:
        _, flat = api.positions_of(read_str(args[0]))
        inner = Val()
        floats.write(inner, np.frombuffer(flat, dtype=np.float32))
        write_ok(results, inner)

    def ids_of(args: Any, results: Any) -> None:
        ids, _ = api.positions_of(read_str(args[0]))
        inner = Val()
        u64s.write(inner, np.frombuffer(ids, dtype=np.int64))
        write_ok(results, inner)

    def set_positions_of(args: Any, results: Any) -> None:
        moved = api.set_positions_of(read_str(args[0]), read_f32_list(args[1]))
        inner = Val()
        inner.kind = K_U32
        inner.of.u32 = moved
        write_ok(results, inner)

    def set_position(args: Any, results: Any) -> None:
        expect_kind(args[0], K_U64)
        api.set_position(args[0].of.u64, read_vec3(args[1]))
        write_ok(results, None)

    def spawn(args: Any, results: Any) -> None:
        tags = args[3]
        expect_kind(tags, K_LIST)
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
        write_ok(results, inner)

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


def converted(fn: Callable[..., Any], name: str, bindings: HostBindings) -> RawHandler:
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
                    write_err(Val.from_address(results), *bindings.refused(name, refusal))
                    return
                pyargs = [t.convert_from_c(vals[i]) for i, (_, t) in enumerate(params)]
                value = fn(store, *pyargs)
                if isinstance(value, Variant) and value.tag == "err":
                    value = value.payload
                if isinstance(value, HostErrorRecord):
                    # Written by hand: the stock converters cannot lower an error for every
                    # result type (see RAW_ONLY_RESULTS).
                    write_err(Val.from_address(results), value.code, value.message)
                elif fty.result is not None:
                    fty.result.convert_to_c(store, value, ctypes.pointer(Val.from_address(results)))
        finally:
            store._invalidate()

    return handler
