"""Fixtures for the profiler tests: a deliberately slow mod beside a cheap one."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from runtime.cli._cli import build_app

#: Burns about 20,000 fuel per call: the hotspot every test expects to find first.
SLOW = """\
# A deliberately slow mod script.


def on_tick(ctx, dt):
    total = 0
    for i in range(20000):
        total += i
    ctx.state["total"] = total
    ctx.events.emit("slow.tick", {"n": ctx.tick})
"""
CHEAP = """\
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
"""


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


Cli = Callable[..., Outcome]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """Run the ``modhost`` app in this process, from ``tmp_path``."""

    def run(*args: str) -> Outcome:
        previous = Path.cwd()
        os.chdir(tmp_path)
        try:
            result = CliRunner().invoke(build_app(), list(args))
        finally:
            os.chdir(previous)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def slow_world(make_mod: Callable[..., Path], mods_dir: Path) -> Path:
    """``mods/`` with ``slow`` (the hotspot) and ``cheap``; in-process tier (fast tests).

    Returns the folder holding ``mods/`` and ``modhost.toml``.
    """
    make_mod("slow", scripts={"main.py": SLOW})
    make_mod("cheap", scripts={"main.py": CHEAP})
    (mods_dir.parent / "modhost.toml").write_text('[sandbox]\ntier = "inprocess"\n')
    return mods_dir.parent
