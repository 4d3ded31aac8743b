"""Data nested very deeply where CPython recurses in C without its recursion check: hashing
a tuple of tuples, freeing a slice of slices. The main thread's stack is raised so that what
a mod under its memory limit can build fits (``_stack``); in the process tier a worker that
still overflows dies and the fault names the signal."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from host_api import Limits
from sandbox.python._process_faults import crashed
from sandbox.python._stack import MAIN_STACK, grow_main_stack
from tests.compat.harness import Sandboxed

ROOT = Path(__file__).resolve().parents[2]
TIERS = ["inprocess", "process"]
#: Fuel and time enough to build 400,000 levels in one call, under the default 16 MB.
LIMITS = Limits(fuel=10_000_000, timeout_ms=20_000, memory_mb=16)

_HARD = resource.getrlimit(resource.RLIMIT_STACK)[1]
room = pytest.mark.skipif(
    _HARD != resource.RLIM_INFINITY and _HARD < MAIN_STACK,
    reason="the hard stack limit here leaves no room to raise the main thread's stack",
)

DEEP = [
    "x = ()\nfor i in range(400000):\n    x = (x,)\nreturn hash(x) == hash(x)",
    "x = ()\nfor i in range(400000):\n    x = (x, 1)\nreturn len({x: 1})",
    "s = slice(0)\nfor i in range(400000):\n    s = slice(s)\ns = None\nreturn 1",
    "class Grab:\n    def __getitem__(self, k):\n        return k\ng = Grab()\ns = None\n"
    "for i in range(400000):\n    s = g[s:]\nreturn 1",
]


@room
@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("body", DEEP)
def test_deep_tuples_and_slices_within_the_memory_limit_run(tier: str, body: str) -> None:
    source = "def on_tick(ctx, dt):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    box = Sandboxed(source, tier=tier, limits=LIMITS)
    try:
        assert box.call(0.0) in (True, 1)
    finally:
        box.close()


@room
def test_a_sandbox_raises_the_main_threads_stack() -> None:
    # A fresh interpreter: this one's limit was raised by the sandboxes of earlier tests.
    code = (
        "import resource\n"
        "from host_api import Limits\n"
        "from sandbox import create_sandbox\n"
        "before = resource.getrlimit(resource.RLIMIT_STACK)[0]\n"
        "create_sandbox('m', Limits(), tier='inprocess').close()\n"
        "print(before, resource.getrlimit(resource.RLIMIT_STACK)[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    before, after = int(out[0]), int(out[1])
    assert after == MAIN_STACK or (before == resource.RLIM_INFINITY and after == before)


def test_raising_the_stack_never_lowers_it() -> None:
    first = grow_main_stack()
    assert grow_main_stack() == first


def test_a_crashed_worker_names_its_signal() -> None:
    fault = crashed("m", 16, -11)
    assert "signal SIGSEGV" in str(fault) and "nested very deeply" in str(fault)
    assert "exit code 3" in str(crashed("m", 16, 3))
