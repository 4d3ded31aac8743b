"""Linear memories the host allocates itself, so a refused ``memory.grow`` is seen.

``Store.set_limits(memory_size=...)`` makes ``memory.grow`` past the limit return -1, and the
guest usually aborts right after (``unreachable``, a panic, a ``MemoryError``): wasmtime's C API
gives the host no way to tell that trap from any other. So, on Linux, the engine is given a
host memory creator (``wasmtime_config_host_memory_creator_set``): every linear memory is an
anonymous ``mmap`` reservation of the size wasmtime asks for (plus its guard region, never
accessible), of which the first ``size`` bytes are readable and writable. Growing past the
owning component's limit is refused *here*, which still returns -1 to the guest, and marks the
owner, so the trap that follows is reported as ``SANDBOX_MEMORY_LIMIT``.

Memories are attributed to the component being instantiated (:meth:`HostMemory.owning`, per
thread); components cannot create memories after instantiation. Callbacks run on the thread
that entered wasm and catch every exception (ctypes would swallow it).

There is one allocator per process (:func:`host_memory`), shared by every engine: wasmtime
calls back into it whenever a store is dropped, and Python's garbage collector gives no order
between a store and the objects that own the callbacks, so the callbacks must live as long as
the process.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, final

from wasmtime import Config
from wasmtime import _ffi as ffi

#: Whether this platform has the mmap/mprotect this module needs.
SUPPORTED: Final = sys.platform == "linux"

_PROT_NONE: Final = 0
_PROT_RW: Final = 0x1 | 0x2
_MAP_PRIVATE: Final = 0x02
_MAP_ANONYMOUS: Final = 0x20
_MAP_NORESERVE: Final = 0x4000
_MAP_FAILED: Final = ctypes.c_void_p(-1).value


@dataclass(eq=False)
class MemoryBudget:
    """Bytes one mod's linear memories may hold together (its ``memory_mb``), shared by all
    its components and every instance of them."""

    cap: int
    #: Bytes held now by the memories of every owner drawing on this budget.
    used: int = 0


@dataclass(eq=False)
class MemoryOwner:
    """One component instance's view of its memories: its budget, and whether it was hit."""

    #: What the owner's memories draw on (shared with the mod's other component instances).
    budget: MemoryBudget
    #: Bytes the owner's live memories hold now, summed.
    used: int = 0
    #: Set when a growth (or the initial size) was refused at the cap; reset per call.
    refused: bool = False
    #: The largest size any of the owner's memories reached, in bytes.
    peak: int = 0


@final
class _LinearMemory:
    __slots__ = ("base", "capacity", "mapped", "owner", "size")

    def __init__(
        self, base: int, mapped: int, capacity: int, size: int, owner: MemoryOwner
    ) -> None:
        #: Start of the reservation (page aligned).
        self.base = base
        #: Bytes reserved, guard region included (unmapped on finalize).
        self.mapped = mapped
        #: Bytes the memory may grow to without moving (the reservation without its guard).
        self.capacity = capacity
        #: Bytes currently accessible.
        self.size = size
        self.owner = owner


def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    ]
    libc.mprotect.restype = ctypes.c_int
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.munmap.restype = ctypes.c_int
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    return libc


def new_error(message: str) -> int:
    """A new ``wasmtime_error_t`` with ``message``, as the address a C callback returns to
    fail (wasmtime takes ownership)."""
    err = ffi.wasmtime_error_new(message.encode("utf-8"))
    return ctypes.cast(err, ctypes.c_void_p).value or 0


@final
class HostMemory:
    """The host memory creator of one engine. Install it on the engine's ``Config``.

    :param default_cap: the cap for memories created outside :meth:`owning` (there should be
        none; a generous value keeps such a memory working rather than failing).
    """

    def __init__(self, default_cap: int = 4 * 1024**3) -> None:
        self._libc = _libc()
        self._default = MemoryOwner(MemoryBudget(cap=default_cap))
        self._local = threading.local()
        self._memories: dict[int, _LinearMemory] = {}
        self._ids = itertools.count(1)
        # The C structures and callbacks must outlive the engine: keep them on the object.
        self._get = ffi.wasmtime_memory_get_callback_t(self._get_memory)
        self._grow = ffi.wasmtime_memory_grow_callback_t(self._grow_memory)
        self._free = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(self._finalize)
        self._new = ffi.wasmtime_new_memory_callback_t(self._new_memory)
        self._no_finalizer = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda _env: None)
        self._creator = ffi.wasmtime_memory_creator_t(None, self._new, self._no_finalizer)

    def install(self, config: Config) -> None:
        """Make ``config``'s engine allocate every linear memory through this object."""
        ffi.wasmtime_config_host_memory_creator_set(config.ptr(), ctypes.byref(self._creator))
        # Copy-on-write memory images need wasmtime's own mmap memories.
        config.memory_init_cow = False

    @contextlib.contextmanager
    def owning(self, owner: MemoryOwner) -> Iterator[None]:
        """Attribute memories created inside the block (an instantiation) to ``owner``."""
        previous = getattr(self._local, "owner", None)
        self._local.owner = owner
        try:
            yield
        finally:
            self._local.owner = previous

    @property
    def live(self) -> int:
        """Linear memories currently allocated (tests check they are freed)."""
        return len(self._memories)

    # -- callbacks (C ABI; must never raise) -----------------------------------------------
    def _new_memory(
        self,
        _env: Any,
        _ty: Any,
        minimum: int,
        maximum: int,
        reserved: int,
        guard: int,
        memory_ret: Any,
    ) -> int:
        try:
            owner = getattr(self._local, "owner", None) or self._default
            budget = owner.budget
            if budget.used + minimum > budget.cap:
                owner.refused = True
                return new_error(
                    f"memory minimum size of {minimum} bytes exceeds memory limits "
                    f"({budget.cap} bytes for all memories of the mod, {budget.used} in use)"
                )
            # A fixed reservation, so the memory never moves: what wasmtime asked for, or the
            # cap when it left the choice to us.
            span = reserved if reserved else min(max(budget.cap, minimum), maximum)
            base = self._libc.mmap(
                None,
                span + guard,
                _PROT_NONE,
                _MAP_PRIVATE | _MAP_ANONYMOUS | _MAP_NORESERVE,
                -1,
                0,
            )
            if base is None or base == _MAP_FAILED:
                return new_error(f"cannot reserve {span + guard} bytes for a linear memory")
            if minimum and self._libc.mprotect(base, minimum, _PROT_RW) != 0:
                self._libc.munmap(base, span + guard)
                return new_error("cannot map the initial linear memory")
            owner.used += minimum
            budget.used += minimum
            owner.peak = max(owner.peak, owner.used)
            tag = next(self._ids)
            self._memories[tag] = _LinearMemory(base, span + guard, span, minimum, owner)
            out = memory_ret.contents
            out.env = tag
            out.get_memory = self._get
            out.grow_memory = self._grow
            out.finalizer = self._free
            return 0
        except BaseException as exc:  # ctypes would swallow it
            return new_error(f"host memory creator failed: {exc!r}")

    def _get_memory(self, env: int, byte_size: Any, byte_capacity: Any) -> int:
        memory = self._memories[env]
        byte_size[0] = memory.size
        byte_capacity[0] = memory.capacity
        return memory.base

    def _grow_memory(self, env: int, new_size: int) -> int:
        try:
            memory = self._memories[env]
            owner = memory.owner
            grown = new_size - memory.size
            if owner.budget.used + grown > owner.budget.cap or new_size > memory.capacity:
                owner.refused = True
                return new_error(f"memory growth to {new_size} bytes refused at the limit")
            if new_size > memory.size and (
                self._libc.mprotect(memory.base, new_size, _PROT_RW) != 0
            ):
                return new_error("cannot map more linear memory")
            memory.size = new_size
            owner.used += grown
            owner.budget.used += grown
            owner.peak = max(owner.peak, owner.used)
            return 0
        except BaseException as exc:
            return new_error(f"host memory grow failed: {exc!r}")

    def _finalize(self, env: int) -> None:
        memory = self._memories.pop(env, None)
        if memory is not None:
            memory.owner.used -= memory.size
            memory.owner.budget.used -= memory.size
            self._libc.munmap(memory.base, memory.mapped)


_SHARED: HostMemory | None = None
_SHARED_LOCK = threading.Lock()


def host_memory() -> HostMemory:
    """The process-wide allocator (created on first use; see the module docstring)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = HostMemory()
        return _SHARED
