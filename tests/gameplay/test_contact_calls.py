"""A tick's contacts reach each mod as runs of calls: the same calls, in the same order, in
both tiers, and the process tier crosses to a mod's worker once per run, not per contact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from host_api import HostPolicy
from runtime import Host
from sandbox import ProcessSandbox

from ..conftest import MakeMod

TIERS = ["inprocess", "process"]

#: 8 pairs of touching balls, each pair's contact beginning on the first tick.
PAIRS = """
def on_load(ctx):
    for i in range(8):
        ctx.world.spawn("ball", (i * 4.0, 0.0, 0.0), collider={"shape": "sphere", "radius": 0.5})
        ctx.world.spawn("ball", (i * 4.0 + 0.9, 0.0, 0.0),
                        collider={"shape": "sphere", "radius": 0.5})
"""
LOGGER = """
def on_collision(ctx, other):
    ctx.log("%s %d-%d" % (MOD, ctx.entity.id, other.id))
    ctx.events.emit("hit", {"by": MOD, "entity": ctx.entity.id})
"""
FAULTY = """
def on_collision(ctx, other):
    if ctx.entity.id == 5:
        raise ValueError("bad ball")
    ctx.log("ok %d" % ctx.entity.id)
"""


def _host(mods_dir: Path, tier: str) -> Host:
    return Host(mods_dir, seed=3, policy=HostPolicy.model_validate({"sandbox": {"tier": tier}}))


LISTENER = """
seen = []

def on_load(ctx):
    ctx.events.listen("hit")

def on_event(ctx, event):
    seen.append("%s %d" % (event.payload["by"], event.payload["entity"]))

def on_tick(ctx, dt):
    if seen:
        ctx.log(", ".join(seen))
        seen.clear()
"""


def _two_mods(make_mod: MakeMod) -> None:
    make_mod("alpha", scripts={"main.py": PAIRS},
             entity_scripts={"ball": "MOD = 'alpha'\n" + LOGGER})  # fmt: skip
    make_mod("beta", entity_scripts={"ball": "MOD = 'beta'\n" + LOGGER})
    make_mod("gamma", scripts={"main.py": LISTENER})


@pytest.mark.parametrize("tier", TIERS)
def test_every_contact_calls_every_mod_that_scripts_the_kind_in_contact_order(
    make_mod: MakeMod, mods_dir: Path, tier: str
) -> None:
    _two_mods(make_mod)
    with _host(mods_dir, tier) as host:
        host.load()
        assert host.load_order == ("alpha", "beta", "gamma")
        host.step(3)
        logs = {m: host.report().mods[m].log for m in ("alpha", "beta", "gamma")}
    pairs = [(i * 2 + 1, i * 2 + 2) for i in range(8)]
    for mod in ("alpha", "beta"):
        assert logs[mod] == [
            line for a, b in pairs for line in (f"{mod} {a}-{b}", f"{mod} {b}-{a}")
        ]
    # Per contact: the lower id in alpha then beta, then the higher id in alpha then beta.
    # What the mods emitted reaches the bus per mod in load order, each in contact order.
    assert logs["gamma"] == [
        ", ".join(f"{m} {e}" for m in ("alpha", "beta") for a, b in pairs for e in (a, b))
    ]


def test_the_process_tier_crosses_once_per_run_of_one_mods_calls(
    make_mod: MakeMod, mods_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_mod("alpha", scripts={"main.py": PAIRS},
             entity_scripts={"ball": "MOD = 'alpha'\n" + LOGGER})  # fmt: skip
    crossings: list[list[str]] = []
    real = ProcessSandbox._batch

    def counted(self: ProcessSandbox, batch: list[Any]) -> list[Any]:
        crossings.append([hook for _, hook, _ in batch])
        return real(self, batch)

    monkeypatch.setattr(ProcessSandbox, "_batch", counted)
    with _host(mods_dir, "process") as host:
        host.load()
        crossings.clear()
        host.step(1)
        assert len(host.report().mods["alpha"].log) == 16
    collisions = [hooks for hooks in crossings if "on_collision" in hooks]
    assert collisions == [["on_collision"] * 16]


@pytest.mark.parametrize("tier", TIERS)
def test_a_faulting_call_in_a_run_leaves_the_rest_of_the_run(
    make_mod: MakeMod, mods_dir: Path, tier: str
) -> None:
    make_mod("alpha", scripts={"main.py": PAIRS}, entity_scripts={"ball": FAULTY})
    with _host(mods_dir, tier) as host:
        host.load()
        host.step(1)
        log = host.report().mods["alpha"].log
        errors = [d for d in host.diagnostics if d.severity == "error"]
    assert [d.code for d in errors] == ["SANDBOX_ERROR"]
    assert "bad ball" in errors[0].message
    assert log == [f"ok {i}" for i in range(1, 17) if i != 5]
