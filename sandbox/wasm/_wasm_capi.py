"""The fast path's own handle on wasmtime's C library, and the raw memory it writes results to.

A private ``CDLL`` on the library wasmtime-py loaded: its function objects get address-only
argument types (or none at all), without touching the ones wasmtime-py configured. Used by
the fast call path (``_wasm_fast``, ``_wasm_callbacks``, ``_wasm_clock``, ``_wasm_values``).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any, Final

from wasmtime import WasmtimeError
from wasmtime import _bindings as raw
from wasmtime import _ffi as ffi


def prototype(name: str, restype: Any, *argtypes: Any) -> Any:
    """The C function ``name`` of the private handle, declared with ``restype`` and
    ``argtypes`` (address-only: ints in, no pointer objects; none: the caller passes
    ready-made ctypes objects)."""
    fn = _LIB[name]
    if argtypes:  # none: the caller passes ready-made ctypes objects
        fn.argtypes = argtypes
    fn.restype = restype
    return fn


_LIB = ctypes.CDLL(raw.dll._name)  # type: ignore[attr-defined]
VP = ctypes.c_void_p
#: Declared without argtypes: callers pass ctypes objects they built once (see FastExport).
CALL_UNTYPED = prototype("wasmtime_component_func_call", VP)
SET_FUEL_UNTYPED = prototype("wasmtime_context_set_fuel", VP)
SET_DEADLINE = prototype("wasmtime_context_set_epoch_deadline", None, VP, ctypes.c_uint64)
VALLIST_NEW = prototype("wasmtime_component_vallist_new", None, VP, ctypes.c_size_t, VP)
_ERROR_PTR = ctypes.POINTER(ffi.wasmtime_error_t)


def raise_error(err: int) -> None:
    """Raise the ``wasmtime_error_t`` at ``err`` (a C call's failure) as ``WasmtimeError``."""
    raise WasmtimeError._from_ptr(ctypes.cast(err, _ERROR_PTR))


def address(pointer: Any) -> int:
    """The address a ctypes pointer holds (e.g. a store's context)."""
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


#: The prototype of the finalizer wasmtime calls with a callback's ``env`` when it drops it.
FINALIZER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
#: The ``env`` tags of raw callbacks and clocks (each registers what wasmtime passes back).
TAGS = iter(range(1, 2**62))

#: The process's address space as one writable byte view, so a callback writes a 16-byte
#: result with one ``struct.pack_into`` at the address wasmtime passed (about 0.1 us) instead of
#: a ``ctypes.memmove`` foreign call (about 0.4 us). It is exactly as unchecked as ``memmove``
#: with a raw address: only ever written at addresses wasmtime hands to a callback.
#: ``sys.maxsize`` bytes: every address a 64-bit process can hand out.
ADDRESS_SPACE: Final = memoryview((ctypes.c_char * sys.maxsize).from_address(0)).cast("B")
