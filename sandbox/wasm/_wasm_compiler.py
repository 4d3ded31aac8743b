"""Compile an untrusted component in a short-lived child process under OS limits.

Compiling is work a component's author controls: 180 KB of nested blocks with results take
cranelift half a minute and nearly 2 GB. So the host never compiles a component of more than
:data:`IN_PROCESS_MAX` bytes itself: a child process (``python -m sandbox.wasm._wasm_compiler``)
builds an engine with the host's code-generation settings, compiles under ``RLIMIT_AS`` and
``RLIMIT_CPU`` and writes the serialized artifact; the host deserializes it (milliseconds).
A child that runs out of memory or CPU time, or past the wall-clock timeout, is
``WASM_COMPILE_LIMIT``; a component the compiler refuses is reported with the compiler's reason.

Limits grow with the component's size, so toolchain guests pass (an 18 MB componentize-py
guest: 28 s of CPU and 460 MB; a 12 MB componentize-js guest: 36 s and 640 MB) while a small
file that expands enormously does not:

* memory: :data:`COMPILE_MEMORY_BASE` + :data:`COMPILE_MEMORY_PER_BYTE` x size (address space);
* CPU (all compiler threads): :data:`COMPILE_CPU_BASE_S` + :data:`COMPILE_CPU_PER_MB_S` x MB;
* wall clock: :data:`COMPILE_WALL_FACTOR` x the CPU limit, plus :data:`COMPILE_WALL_MARGIN_S`
  (the child runs at a lower priority than the host; on a loaded machine it waits).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: Components up to this many bytes compile inside the host (too small to expand far: the
#: worst known shape, nested blocks with results, takes about 0.1 s at this size).
IN_PROCESS_MAX: Final = 8 * 1024
COMPILE_MEMORY_BASE: Final = 768 * 1024 * 1024
COMPILE_MEMORY_PER_BYTE: Final = 96
COMPILE_CPU_BASE_S: Final = 10
COMPILE_CPU_PER_MB_S: Final = 6.0
#: Wall-clock time a compile may take, as a multiple of its CPU limit (a loaded machine gives
#: the child a fraction of a core), plus a margin.
COMPILE_WALL_FACTOR: Final = 5.0
COMPILE_WALL_MARGIN_S: Final = 30.0
#: Exit status of a child whose compiler refused the component (its reason on stderr).
_INVALID: Final = 3


@dataclass(frozen=True)
class CompileLimits:
    """The OS limits one compile runs under."""

    memory_bytes: int
    cpu_seconds: int
    wall_seconds: float

    @classmethod
    def for_size(cls, size: int) -> CompileLimits:
        cpu = int(COMPILE_CPU_BASE_S + COMPILE_CPU_PER_MB_S * size / 1e6) + 1
        return cls(
            memory_bytes=COMPILE_MEMORY_BASE + COMPILE_MEMORY_PER_BYTE * size,
            cpu_seconds=cpu,
            wall_seconds=COMPILE_WALL_FACTOR * cpu + COMPILE_WALL_MARGIN_S,
        )


class CompileRefused(Exception):
    """The compiler refused the component (not a valid component); the message says why."""


class CompileOverLimit(Exception):
    """The compile ran out of memory, CPU time or wall-clock time."""

    def __init__(self, message: str, limits: CompileLimits) -> None:
        super().__init__(message)
        self.limits = limits


def compile_out_of_process(binary: bytes, *, host_memory: bool) -> bytes:
    """The serialized artifact of component ``binary``, compiled in a child under limits.

    :param host_memory: the host engine allocates memories itself (a code-generation setting
        the child must match, see ``_wasm_config.engine_config``).
    :raises CompileRefused: not a valid component.
    :raises CompileOverLimit: the compile hit a limit (the child is gone).
    """
    limits = CompileLimits.for_size(len(binary))
    with tempfile.TemporaryDirectory(prefix="modhost-compile-") as tmp:
        source, target = Path(tmp) / "in.wasm", Path(tmp) / "out.cwasm"
        source.write_bytes(binary)
        args = [sys.executable, "-m", "sandbox.wasm._wasm_compiler", str(source), str(target)]
        args += ["host-memory" if host_memory else "wasmtime-memory"]
        args += [str(limits.memory_bytes), str(limits.cpu_seconds)]
        try:
            # No preexec_fn (unsafe with the host's threads): the child limits itself first.
            done = subprocess.run(
                args,
                capture_output=True,
                timeout=limits.wall_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CompileOverLimit(
                f"compiling took longer than {limits.wall_seconds:g} s", limits
            ) from None
        if done.returncode == 0 and target.is_file():
            return target.read_bytes()
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if done.returncode == _INVALID:
            raise CompileRefused(reason[-1] if reason else "invalid component")
        raise CompileOverLimit(_why(done.returncode, limits), limits)


def _why(status: int, limits: CompileLimits) -> str:
    mb = limits.memory_bytes // (1024 * 1024)
    if status in (-9, -24):  # SIGKILL / SIGXCPU: the CPU limit
        return f"compiling used more than {limits.cpu_seconds} s of CPU time or {mb} MB"
    return f"compiling needed more than {mb} MB of memory (or {limits.cpu_seconds} s of CPU)"


def _limit_self(memory_bytes: int, cpu_seconds: int) -> None:
    """In the child, before anything else: the OS limits, and a lower priority than the
    host."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(5)


def _main(argv: list[str]) -> int:
    source, target, memory, memory_bytes, cpu_seconds = argv
    _limit_self(int(memory_bytes), int(cpu_seconds))
    import wasmtime
    from wasmtime.component import Component

    from ._wasm_config import engine_config

    engine = wasmtime.Engine(engine_config(host_memory=memory == "host-memory"))
    try:
        component = Component(engine, Path(source).read_bytes())
    except wasmtime.WasmtimeError as exc:
        print(str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid", file=sys.stderr)
        return _INVALID
    Path(target).write_bytes(bytes(component.serialize()))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
