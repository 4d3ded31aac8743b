"""How late ``timeout_ms`` stops a component call, and how fast hostile loads are refused.

Prints p50 / p95 over repeated runs, on both call paths (fast ffi path and stock wasmtime-py),
of how long after its ``timeout_ms`` a runaway call returned (``late``):

* a guest loop (no host calls): stopped by the epoch deadline (1 ms ticks);
* a host-call loop (each host call stalls 2 ms, or returns at once): stopped on the way out
  of the host call that crosses the deadline, by the real clock, so late by at most about one
  host call (the epoch ticker waits for the GIL while the guest keeps calling into Python: a
  deadline counted in its ticks came 3-5 times too late on a loaded machine);
* one stalled host call (30 ms, straight-line guest code): stopped when it returns, so late
  by what the host function took past the limit; the caps on host-call inputs (README
  "Limits") keep every host function short.

And the time from starting a load to the refusal, for the component corpus's compile bomb
(``WASM_COMPILE_LIMIT``, a child process under OS limits) and its 2 GiB sparse file.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from statistics import median

from host_api import WIT_HOST_SIGNATURES, Limits, ModhostError
from host_api.testing import FakeWorld, recording_api
from sandbox import COMPONENT_ATTACKS, WasmComponent, WasmEngine
from sandbox.audit._audit import run_component_attack
from sandbox.wasm._wasm_text import component

TIMEOUT_MS = 20
LIMITS = Limits(fuel=10_000_000_000, memory_mb=16, timeout_ms=TIMEOUT_MS)
RUNS = 21

_LOOP = """
  (core module $m
    (import "env" "memory" (memory 1))
    (import "host" "log" (func $log (param i32 i32 i32)))
    (data (i32.const 16) "x")
    (func (export "init"))
    (func (export "on-tick") (param f64) {body})
    (func (export "on-event") (param i32 i32 i32 i32)))
"""
CASES = {
    "guest loop": ("(loop $l (br $l))", 0.0),
    "host-call loop, 2 ms per call": (
        "(loop $l (call $log (i32.const 16) (i32.const 1) (i32.const 256)) (br $l))",
        0.002,
    ),
    "host-call loop, quick calls": (
        "(loop $l (call $log (i32.const 16) (i32.const 1) (i32.const 256)) (br $l))",
        0.0,
    ),
    "one 30 ms host call": ("(call $log (i32.const 16) (i32.const 1) (i32.const 256))", 0.030),
}


class _StallingWorld(FakeWorld):
    def __init__(self, stall: float) -> None:
        super().__init__()
        self.stall = stall

    def log(self, mod_id: str, message: str) -> None:
        if self.stall:  # none: the call returns at once, holding the GIL throughout
            time.sleep(self.stall)


def _late_ms(engine: WasmEngine, body: str, stall: float, *, fast: bool) -> list[float]:
    text = component(_LOOP.format(body=body), imports=WIT_HOST_SIGNATURES, lowered=("log",))
    compiled = engine.compile(text, name="stops")
    api, _, _ = recording_api("bench", world=_StallingWorld(stall))
    out = []
    with WasmComponent(engine, compiled, api, limits=LIMITS, file="s", fast=fast) as comp:
        for _ in range(RUNS):
            api.drain_diagnostics()
            start = time.perf_counter()
            with contextlib.suppress(ModhostError):
                comp.on_tick(1 / 60)
            out.append((time.perf_counter() - start) * 1000.0 - TIMEOUT_MS)
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    print(f"runaway call, timeout_ms={TIMEOUT_MS}, {RUNS} runs each")
    print(f"{'case':<32} {'path':<6} {'p50 ms late':>12} {'p95 ms late':>12}")
    with WasmEngine(progress=False) as engine:
        for name, (body, stall) in CASES.items():
            for fast in (True, False):
                late = _late_ms(engine, body, stall, fast=fast)
                path = "fast" if fast else "stock"
                print(f"{name:<32} {path:<6} {median(late):12.2f} {_p(late, 0.95):12.2f}")
        print(f"\n{'refused load':<32} {'code':<20} {'ms':>8}")
        for attack in COMPONENT_ATTACKS:
            if attack.kind != "load" or attack.file == "junk":
                continue
            with tempfile.TemporaryDirectory() as tmp:
                result = run_component_attack(attack, LIMITS, engine=engine, mod_root=Path(tmp))
            print(f"{attack.name:<32} {result.code or '-':<20} {result.ms:8.1f}")


if __name__ == "__main__":
    main()
