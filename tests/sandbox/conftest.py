"""Helpers for the sandbox tests: a sandbox, a world and a ctx over the test doubles."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from textwrap import dedent
from typing import Any

import pytest

from host_api import HostAPI, Limits, ScriptContext
from host_api.testing import FakeWorld, recording_api
from sandbox import ScriptModule, ScriptSandbox, create_sandbox
from sandbox.python._checker import Checker


@dataclass
class Rig:
    """One mod's sandbox over a fake world, with an entity ``ctx``."""

    sandbox: ScriptSandbox
    api: HostAPI
    world: FakeWorld
    ctx: ScriptContext

    def load(self, source: str, path: str = "scripts/s.py") -> ScriptModule:
        return self.sandbox.load(path, dedent(source))

    def tick(self, module: ScriptModule, dt: float = 0.5) -> Any:
        return self.sandbox.call(module, "on_tick", self.ctx, dt)


def make_rig(
    mod_id: str = "test-mod",
    *,
    limits: Limits | None = None,
    tier: str = "inprocess",
    world: FakeWorld | None = None,
) -> Rig:
    api, world, _ = recording_api(mod_id, world=world)
    entity = world.add("probe", (1.0, 2.0, 3.0), owner=mod_id)
    sandbox = create_sandbox(mod_id, limits or Limits(timeout_ms=1000), tier=tier)
    return Rig(sandbox, api, world, ScriptContext(api, {}, entity))


@pytest.fixture
def rig() -> Iterator[Rig]:
    r = make_rig()
    yield r
    r.sandbox.close()


def stepping_clock(step: float) -> Callable[[], float]:
    """A fake clock that advances ``step`` seconds every time it is read."""
    now = [0.0]

    def read() -> float:
        now[0] += step
        return now[0]

    return read


def compiles_direct(call: str) -> bool:
    """Whether ``call`` compiles to the builtin itself (``_bmin_``, ``_bint_`` ...)."""
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(f"def f(xs, g):\n    return {call}\n"))
    assert not errors
    return any(
        isinstance(n, ast.Name) and n.id.startswith("_b") and n.id.endswith("_")
        for n in ast.walk(tree)
    )
