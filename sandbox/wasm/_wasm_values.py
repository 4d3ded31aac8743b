"""Component values in wasmtime's C layout: reading arguments and writing results in place.

The fast path's host functions read their arguments straight from the
``wasmtime_component_val_t`` array wasmtime passes, and write their results there. Each reader
checks a value's kind before reading it (:class:`ValueKindMismatch`); lists of f32 / u64 are
viewed as numpy structured arrays to move every element at once (:class:`ListWriter`).
"""

from __future__ import annotations

import ctypes
from array import array
from typing import Any, Final, final

import numpy as np
from wasmtime import _ffi as ffi

from ._wasm_capi import VALLIST_NEW

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


def expect_kind(val: Any, kind: int) -> None:
    if val.kind != kind:
        raise ValueKindMismatch(f"a value of kind {val.kind} where the WIT has kind {kind}")


def read_f32_list(val: Any) -> array[float]:
    """A copy of a ``list<f32>`` value as an ``array('f')`` (what ``HostAPI`` copies
    cheapest), filled by one strided numpy copy."""
    expect_kind(val, K_LIST)
    elems = _elements(val.of.list, F32_ELEMS)
    if len(elems) and not bool((elems["kind"] == K_F32).all()):
        expect_kind(val.of.list.data[0], K_F32)
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
        VALLIST_NEW(ctypes.addressof(out.of.list), n, elems.ctypes.data if n else None)


def read_vec3(val: Any) -> tuple[float, float, float]:
    """The x, y, z of a ``vec3`` record value."""
    expect_kind(val, K_RECORD)
    if val.of.record.size != 3:
        expect_kind(val, -1)
    rec = val.of.record.data
    for i in range(3):
        expect_kind(rec[i].val, K_F64)
    return (rec[0].val.of.f64, rec[1].val.of.f64, rec[2].val.of.f64)


def read_str(val: Any, limit: int = -1) -> str:
    """The text of a ``string`` value (its first ``limit`` bytes, whole characters only, when
    ``limit`` is not -1)."""
    if val.kind != K_STRING:
        expect_kind(val, K_STRING)
    s = val.of.string
    if 0 <= limit < s.size:
        return ctypes.string_at(s.data, limit).decode("utf-8", "ignore")
    return ctypes.string_at(s.data, s.size).decode("utf-8")


def write_str(out: Any, text: str) -> None:
    """Make ``out`` a string value (wasmtime owns the copy)."""
    out.kind = K_STRING
    out.of.string = ffi.str_to_capi(text)


def write_ok(res: Any, inner: Any | None) -> None:
    res.kind = K_RESULT
    res.of.result.is_ok = True
    res.of.result.val = (
        None if inner is None else ffi.wasmtime_component_val_new(ctypes.byref(inner))
    )


def write_err(res: Any, code: str, message: str) -> None:
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
