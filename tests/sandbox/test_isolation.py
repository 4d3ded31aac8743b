"""Isolation: a hostile mod changes nothing of another mod, in the sandbox and in the host."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from host_api import HostAPI, HostPolicy, Limits, ScriptContext
from host_api.testing import FakeWorld, recording_api
from runtime import Host
from sandbox import ScriptFault, create_sandbox

from .conftest import make_rig

PATCHER = """
import math
len = lambda x: 0
math.sqrt = lambda x: -1.0

def on_tick(ctx, dt):
    ctx.state["patched"] = True
    return len([1, 2, 3])
"""
VICTIM = """
import math

def on_tick(ctx, dt):
    return (len([1, 2, 3]), math.sqrt(16.0))
"""


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_one_mod_cannot_patch_builtins_or_math_for_another(tier: str) -> None:
    world = FakeWorld()
    hostile = make_rig("hostile", tier=tier, world=world, limits=Limits(timeout_ms=2000))
    victim = make_rig("victim", tier=tier, world=world, limits=Limits(timeout_ms=2000))
    try:
        assert hostile.tick(hostile.load(PATCHER)) == 0
        assert victim.tick(victim.load(VICTIM)) == (3, 4.0)
        assert "patched" not in victim.ctx.state
    finally:
        hostile.sandbox.close()
        victim.sandbox.close()


def test_facade_classes_cannot_be_patched_through_an_instance() -> None:
    rig = make_rig(limits=Limits(timeout_ms=2000))
    module = rig.load("def on_tick(ctx, dt):\n    ctx.world.query = None\n")
    with pytest.raises(ScriptFault) as info:
        rig.tick(module)
    assert info.value.code == "SANDBOX_ERROR"
    other_api, other_world, _ = recording_api("other")
    other_world.add("probe")
    assert len(ScriptContext(other_api, {}, None).world.query()) == 1
    rig.sandbox.close()


class _BrokenWorld(FakeWorld):
    def query(self, *, kind: str | None = None, tag: str | None = None) -> list:  # type: ignore[override]
        raise RuntimeError(f"host bug holding {self!r}")


def test_a_host_bug_is_neither_catchable_nor_readable_by_the_script() -> None:
    api, world, _ = recording_api(world=_BrokenWorld())
    entity = world.add("probe")
    sandbox = create_sandbox("m", Limits(timeout_ms=2000), tier="inprocess")
    module = sandbox.load(
        "s.py",
        "def on_tick(ctx, dt):\n"
        "    try:\n"
        "        ctx.world.query()\n"
        "    except Exception as e:\n"
        "        ctx.state['leak'] = e.args\n",
    )
    ctx = ScriptContext(api, {}, entity)
    with pytest.raises(RuntimeError, match="host bug"):
        sandbox.call(module, "on_tick", ctx, 0.1)
    assert "leak" not in ctx.state
    assert isinstance(api, HostAPI)
    sandbox.close()


PEACEFUL = """
def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    ctx.entity.position = (x + dt, y + ctx.random.uniform(-0.1, 0.1), z)
"""
SPAWNER = """
def on_load(ctx):
    for i in range(5):
        ctx.world.spawn("walker", (float(i), 0.0, 0.0))
"""
HOSTILE = """
junk = []

def on_load(ctx):
    ctx.world.spawn("bomb", (0.0, 0.0, 0.0))

def on_tick(ctx, dt):
    ctx.log("x" * 500)
    ctx.events.emit("spam", {"n": 1})
    junk.append("y" * 2000000)
    while True:
        pass
"""
BOMB = """
def on_tick(ctx, dt):
    return getattr(ctx.entity, "__cl" + "ass__")
"""


def _others_hash(host: Host, hostile: str) -> str:
    views = [v for v in host.world.query() if v.owner != hostile]
    digest = hashlib.sha256()
    for v in sorted(views, key=lambda v: (v.owner, v.id)):
        digest.update(repr((v.owner, v.kind, v.position, v.velocity, v.tags)).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_other_mods_evolve_exactly_as_without_the_hostile_one(
    tier: str, tmp_path: Path, make_mod: object
) -> None:
    make = make_mod  # conftest fixture: writes mods/<id>/
    make("peaceful", scripts={"main.py": SPAWNER}, entity_scripts={"walker": PEACEFUL})  # type: ignore[operator]
    policy = HostPolicy.model_validate({"sandbox": {"tier": tier}})
    mods = tmp_path / "mods"
    with Host(mods, seed=7, policy=policy) as alone:
        alone.load()
        alone.step(30)
        expected = _others_hash(alone, "hostile")
    make("hostile", scripts={"main.py": HOSTILE}, entity_scripts={"bomb": BOMB})  # type: ignore[operator]
    with Host(mods, seed=7, policy=policy) as crowded:
        crowded.load()
        crowded.step(30)
        report = crowded.report()
        assert _others_hash(crowded, "hostile") == expected
    assert report.mods["hostile"].state == "quarantined"
    assert report.mods["peaceful"].state == "running"
    codes = {d.code for d in report.diagnostics if d.mod == "hostile"}
    assert "MOD_QUARANTINED" in codes


def test_attributes_set_on_a_modules_objects_stay_in_their_mod() -> None:
    # Every Python function and class a module offers is the mod's own copy (or refuses
    # attributes): what one mod sets on it, another never sees.
    from sandbox.python._stdlib import MODULES

    imports = "".join(f"import {m}\n" for m in MODULES)
    setter = make_rig("setter")
    reader = make_rig("reader")
    try:
        modules = {m: setter.sandbox._modules(m) for m in MODULES}  # type: ignore[attr-defined]
        targets = [
            f"{m}.{name}"
            for m, ns in modules.items()
            for name, value in vars(ns).items()
            if name in MODULES[m] and (callable(value) or isinstance(value, type))
        ]
        writes = "".join(
            f"    try:\n        {t}.probe_attr = 1\n    except (AttributeError, TypeError):\n"
            "        pass\n"
            for t in targets
        )
        setter.tick(setter.load(imports + "def on_tick(ctx, dt):\n" + writes))
        reads = "".join(f"    seen += hasattr({t}, 'probe_attr')\n" for t in targets)
        module = reader.load(imports + "def on_tick(ctx, dt):\n    seen = 0\n" + reads
                             + "    return seen\n")  # fmt: skip
        assert len(targets) > 100
        assert reader.tick(module) == 0
    finally:
        setter.sandbox.close()
        reader.sandbox.close()
