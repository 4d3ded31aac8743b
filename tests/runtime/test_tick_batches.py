"""A mod's whole tick is one batch: its mod scripts, then its entity scripts, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import HostPolicy
from runtime import Host
from sandbox import ProcessSandbox

MOVER = """
def on_load(ctx):
    ctx.state["id"] = ctx.world.spawn("probe", (0.0, 0.0, 0.0))

def on_tick(ctx, dt):
    ctx.world.set_position(ctx.state["id"], (float(ctx.tick), 0.0, 0.0))
"""
PROBE = """
def on_tick(ctx, dt):
    ctx.log("tick %d sees x=%g" % (ctx.tick, ctx.entity.position[0]))
"""


def _host(mods_dir: Path, tier: str) -> Host:
    return Host(mods_dir, policy=HostPolicy.model_validate({"sandbox": {"tier": tier}}))


@pytest.fixture
def mover(make_mod, mods_dir: Path) -> Path:  # type: ignore[no-untyped-def]
    make_mod("mover", scripts={"main.py": MOVER}, entity_scripts={"probe": PROBE})
    return mods_dir


def test_the_process_tier_crosses_once_per_mod_and_tick(
    mover: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    real = ProcessSandbox._batch

    def counted(self: ProcessSandbox, batch: list) -> list:  # type: ignore[type-arg]
        batches.append(len(batch))
        return real(self, batch)

    monkeypatch.setattr(ProcessSandbox, "_batch", counted)
    with _host(mover, "process") as host:
        host.load()
        batches.clear()
        host.step(3)
        # One round trip per tick, holding the mod script's call and the entity's.
        assert batches == [2, 2, 2]
        assert host.report().mods["mover"].state == "running"


@pytest.mark.parametrize(
    ("tier", "seen"),
    [
        # In process a write lands at once: the entity script sees this tick's move.
        ("inprocess", ["tick 1 sees x=1", "tick 2 sees x=2", "tick 3 sees x=3"]),
        # In a worker the mod's tick runs against the snapshot sent with its batch: the
        # entity script sees the world as it was when the mod's tick started.
        ("process", ["tick 1 sees x=0", "tick 2 sees x=1", "tick 3 sees x=2"]),
    ],
)
def test_entity_scripts_see_their_mod_scripts_writes_as_the_tier_says(
    mover: Path, tier: str, seen: list[str]
) -> None:
    with _host(mover, tier) as host:
        host.load()
        host.step(3)
        assert host.report().mods["mover"].log == seen
