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
    sent: list[str] = []
    real = ProcessSandbox._send

    def counted(self: ProcessSandbox, conn, message: tuple) -> None:  # type: ignore[no-untyped-def, type-arg]
        sent.append(message[0])
        real(self, conn, message)

    monkeypatch.setattr(ProcessSandbox, "_send", counted)
    with _host(mover, "process") as host:
        host.load()
        sent.clear()
        host.step(3)
        # One message per tick, holding the mod script's call and the entity batch (the
        # host's copy of the states goes once, to the fresh worker, before the first).
        assert [m for m in sent if m != "states"] == ["tick", "tick", "tick"]
        assert host.report().mods["mover"].state == "running"


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_entity_scripts_read_the_world_as_the_stage_began_in_both_tiers(
    mover: Path, tier: str
) -> None:
    # Entity batches read the world as it was when the scripts stage began, in both tiers
    # (so process-tier workers can run at once and both tiers make the same world): the
    # mod script's move of this tick shows on the next.
    seen = ["tick 1 sees x=0", "tick 2 sees x=1", "tick 3 sees x=2"]
    with _host(mover, tier) as host:
        host.load()
        host.step(3)
        assert host.report().mods["mover"].log == seen
