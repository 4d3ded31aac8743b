"""The compiled-artifact cache: compile a component once, deserialize it on every later start.

Compiling a language-runtime component takes seconds (an 18 MB componentize-py guest about
7 s), while ``Component.deserialize_file`` of its serialized artifact takes milliseconds. An
artifact is keyed by the SHA-256 of the component's bytes *and* a fingerprint of the engine
(wasmtime version and the engine settings that change generated code), so a wasmtime upgrade
or a settings change can never load stale machine code. Files are written atomically; a file
that fails to deserialize (truncated, foreign) is removed and the component recompiled.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import wasmtime
from wasmtime.component import Component

from host_api import write_atomically

from ._wasm_compiler import IN_PROCESS_MAX, CompileRefused, compile_out_of_process

#: Suffix of artifact files (ignored by git: ``*.cwasm``).
ARTIFACT_SUFFIX: Final = ".cwasm"


@dataclass
class CacheStats:
    """What the cache did since it was created (tests and reports read these)."""

    hits: int = 0
    misses: int = 0
    #: Artifacts that failed to deserialize and were rebuilt.
    rebuilt: int = 0
    #: Seconds spent compiling (misses only).
    compile_seconds: float = 0.0


class ArtifactCache:
    """Serialized components on disk, keyed by content hash and engine fingerprint.

    :param directory: where artifacts live; None disables the cache (always compile).
    :param fingerprint: identifies the engine's code generation (version + settings).
    :param progress: show a spinner on stderr while a compile runs.
    """

    def __init__(
        self,
        directory: Path | None,
        fingerprint: str,
        *,
        progress: bool = True,
        host_memory: bool = False,
    ) -> None:
        self.directory: Final = directory
        self.fingerprint: Final = fingerprint
        self.progress = progress
        #: The engine allocates memories itself (the compiler child must generate code alike).
        self.host_memory: Final = host_memory
        self.stats = CacheStats()

    def key(self, data: bytes | str) -> str:
        """The artifact key of component bytes ``data`` under this engine."""
        digest = hashlib.sha256()
        digest.update(self.fingerprint.encode("utf-8"))
        digest.update(b"\0")
        raw = data.encode("utf-8") if isinstance(data, str) else data
        digest.update(hashlib.sha256(raw).digest())
        return digest.hexdigest()

    def artifact_path(self, data: bytes | str) -> Path | None:
        """Where the artifact of ``data`` lives (or would live)."""
        if self.directory is None:
            return None
        return self.directory / f"{self.key(data)}{ARTIFACT_SUFFIX}"

    def load(self, engine: wasmtime.Engine, data: bytes | str, *, name: str) -> Component:
        """The compiled component for ``data``: from the cache, or compiled (and stored).

        :param data: a binary component, or component-model text (WAT).

        :param name: shown in the progress line while compiling.
        :raises wasmtime.WasmtimeError: ``data`` is not a valid component.
        :raises CompileOverLimit: compiling hit its time or memory limit (see
            ``_wasm_compiler``).
        """
        path = self.artifact_path(data)
        if path is not None and path.is_file():
            try:
                component = Component.deserialize_file(engine, str(path))
            except wasmtime.WasmtimeError:
                path.unlink(missing_ok=True)
                self.stats.rebuilt += 1
            else:
                self.stats.hits += 1
                return component
        self.stats.misses += 1
        component = self._compile(engine, data, name)
        if path is not None:
            write_atomically(path, bytes(component.serialize()), prefix=".artifact-")
        return component

    def _compile(self, engine: wasmtime.Engine, data: bytes | str, name: str) -> Component:
        started = time.perf_counter()
        label = f"compiling {name} ({len(data) / 1e6:.1f} MB) with wasmtime"
        big = len(data) > 1_000_000
        if self.progress and big and sys.stderr.isatty():
            # rich refreshes the spinner from its own thread; the compile releases the GIL.
            from rich.console import Console

            with Console(stderr=True).status(label):
                component = self._build(engine, data)
        else:
            if self.progress and big:
                print(f"modhost: {label} ...", file=sys.stderr, flush=True)
            component = self._build(engine, data)
        elapsed = time.perf_counter() - started
        self.stats.compile_seconds += elapsed
        if self.progress and elapsed > 0.5:
            print(f"modhost: {label}: {elapsed:.1f} s (cached for next time)", file=sys.stderr)
        return component

    def _build(self, engine: wasmtime.Engine, data: bytes | str) -> Component:
        """Compile: small components here, the rest in a child process under OS limits."""
        binary = wasmtime.wat2wasm(data) if isinstance(data, str) else data
        if len(binary) <= IN_PROCESS_MAX:
            return Component(engine, binary)
        try:
            artifact = compile_out_of_process(binary, host_memory=self.host_memory)
        except CompileRefused as exc:
            raise wasmtime.WasmtimeError(str(exc)) from None
        return Component.deserialize(engine, artifact)
