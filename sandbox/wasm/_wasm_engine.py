"""The WebAssembly engine: one wasmtime ``Engine``, its epoch ticker and its artifact cache.

Every component instance of a host shares one :class:`WasmEngine`. The engine is configured
for the limits the host enforces per call: fuel (``consume_fuel``), wall clock (epoch
interruption, driven by one background ticker thread per engine) and a bounded wasm stack.
Memory is limited per store (``Store.set_limits``) by each instance.
"""

from __future__ import annotations

import errno
import importlib.metadata
import math
import os
import stat
import threading
from pathlib import Path
from typing import Final, final

import wasmtime
from wasmtime.component import Component

from ..base import SandboxClosed
from ._wasm_cache import ArtifactCache
from ._wasm_config import MAX_WASM_STACK as MAX_WASM_STACK
from ._wasm_config import engine_config as engine_config
from ._wasm_memory import SUPPORTED, host_memory

#: Milliseconds between epoch ticks; a deadline of ``timeout_ms`` is this many ticks or more.
EPOCH_INTERVAL_MS: Final = 1.0


def wasmtime_version() -> str:
    """The installed wasmtime-py version (part of every artifact key)."""
    return importlib.metadata.version("wasmtime")


#: Bytes a component file may have (a componentize-py guest is about 18 MB).
MAX_COMPONENT_BYTES: Final = 64 * 1024 * 1024


class ComponentFileRefused(Exception):
    """A component path that is not a regular file, or one over :data:`MAX_COMPONENT_BYTES`.

    :param too_large: refused for its size (a limit) rather than its kind.
    """

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def read_component_file(path: Path) -> bytes:
    """The bytes of ``path``, checked with ``fstat`` on the opened file before reading: never
    follows a link, never blocks on a FIFO, never reads more than the cap (a 2 GiB sparse file
    is refused without reading it)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ComponentFileRefused("it is a symbolic link") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ComponentFileRefused("it is not a regular file")
        if info.st_size > MAX_COMPONENT_BYTES:
            raise ComponentFileRefused(
                f"it has {info.st_size} bytes; components may have {MAX_COMPONENT_BYTES}",
                too_large=True,
            )
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(MAX_COMPONENT_BYTES + 1)
        if len(data) > MAX_COMPONENT_BYTES:
            raise ComponentFileRefused(
                f"it has more than {MAX_COMPONENT_BYTES} bytes", too_large=True
            )
        return data
    finally:
        os.close(fd)


@final
class WasmEngine:
    """A configured wasmtime engine with an epoch ticker and a compiled-artifact cache.

    A context manager with an idempotent :meth:`close` (stops the ticker); using a closed
    engine raises :class:`SandboxClosed`.

    :param cache_dir: where compiled artifacts are kept (``<data_dir>/wasm-cache``); None
        compiles every time.
    :param progress: show compile progress on stderr.
    """

    def __init__(self, *, cache_dir: Path | None = None, progress: bool = True) -> None:
        config = engine_config(host_memory=SUPPORTED)
        #: Linear memories allocated by the host, so a refused growth is seen (Linux); None
        #: elsewhere, where ``Store.set_limits`` alone enforces the memory limit.
        self.memory: Final = host_memory() if SUPPORTED else None
        if self.memory is not None:
            self.memory.install(config)
        # wasmtime's own cache stays off (its default): artifacts live in the host's data
        # folder, keyed by the host (see ArtifactCache).
        self.engine: Final = wasmtime.Engine(config)
        self.fingerprint: Final = (
            f"wasmtime-{wasmtime_version()}/fuel/epoch/stack={MAX_WASM_STACK}/component-model"
            f"/host-memory={self.memory is not None}"
        )
        self.cache: Final = ArtifactCache(
            cache_dir, self.fingerprint, progress=progress, host_memory=self.memory is not None
        )
        self._closed = False
        self._stop = threading.Event()
        #: Epoch ticks so far (an int written only by the ticker thread).
        self.ticks = 0
        self._ticker = threading.Thread(target=self._tick, name="wasm-epoch", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        # One ticker per engine: every store's deadline is counted in these ticks.
        interval = EPOCH_INTERVAL_MS / 1000
        while not self._stop.wait(interval):
            self.engine.increment_epoch()
            # Read by the fast path's epoch callback (``_wasm_clock.WallClock``): how many ticks
            # a call has used, without re-arming the store's deadline before every call.
            self.ticks += 1

    @staticmethod
    def deadline_ticks(timeout_ms: float) -> int:
        """Epoch ticks for a wall-clock budget of ``timeout_ms`` (at least 2: a deadline of one
        tick could expire at once if the ticker fires right after it is set)."""
        return max(2, math.ceil(timeout_ms / EPOCH_INTERVAL_MS) + 1)

    def compile(self, data: bytes | str, *, name: str) -> Component:
        """A compiled component from binary bytes or component-model text, via the cache.

        :raises wasmtime.WasmtimeError: not a valid component.
        """
        self._check_open()
        return self.cache.load(self.engine, data, name=name)

    def compile_file(self, path: Path) -> Component:
        """Compile (or fetch from the cache) the component at ``path`` (``.wasm`` or ``.wat``).

        The file is checked before it is read: a regular file (no link, FIFO or device) of at
        most :data:`MAX_COMPONENT_BYTES`.

        :raises ComponentFileRefused: not a regular file, or too large (``str(exc)`` says).
        :raises OSError: unreadable.
        """
        data = read_component_file(path)
        if path.suffix == ".wat":
            return self.compile(data.decode("utf-8", "replace"), name=path.name)
        return self.compile(data, name=path.name)

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxClosed("the WebAssembly engine is closed")

    def close(self) -> None:
        """Stop the epoch ticker. Idempotent. Instances must be closed first."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._ticker.join(timeout=1.0)

    def __enter__(self) -> WasmEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
