"""Every failure the issue lists rolls the affected mods back to the exact previous code and
state, reports ``RELOAD_ROLLED_BACK`` with the cause and what was restored, and the world
keeps ticking on the old code."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from host_api import HostPolicy
from marketplace import sign_mod
from runtime import Host

from .conftest import (
    BuildCounter,
    Drive,
    MakeMod,
    StrictSigning,
    logs,
    rolled_back,
    write,
)

Loaded = Callable[[], Host]

BLOB = """
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    ctx.log("v1 %d n=%d" % (ctx.entity.id, ctx.state["n"]))
"""
SPAWNER = """
def on_load(ctx):
    ctx.world.spawn("blob", (0, 0, 0), (1, 0, 0))
    ctx.world.spawn("blob", (5, 0, 0), (0, 1, 0))
"""
ON_RELOAD_RAISES = """
def on_tick(ctx, dt):
    ctx.log("v2")

def on_reload(ctx, old_state):
    ctx.state["n"] = -1000
    ctx.state["junk"] = [1, 2, 3]
    ctx.world.spawn("debris", (1, 2, 3))
    ctx.events.emit("reloading", {"id": ctx.entity.id})
    if ctx.entity.id == 2:
        raise ValueError("cannot migrate")
"""


def _breakers(folder: Path) -> dict[str, tuple[Callable[[], None], str]]:
    """name -> (the edit that breaks the mod, the cause code it must report)."""
    manifest = (folder / "mod.toml").read_text()
    blob = folder / "scripts" / "blob.py"
    return {
        "invalid manifest": (
            lambda: write(folder / "mod.toml", manifest + "\nbogus = 1\n"),
            "MANIFEST_INVALID",
        ),
        "syntax error": (
            lambda: write(blob, "def on_tick(ctx, dt)\n    pass\n"),
            "SANDBOX_FORBIDDEN",
        ),
        "forbidden construct": (
            lambda: write(blob, "import os\ndef on_tick(ctx, dt):\n    os.system('true')\n"),
            "SANDBOX_FORBIDDEN",
        ),
        "resolver failure": (
            lambda: write(
                folder / "mod.toml", manifest + '\n[dependencies]\nrequired = { ghost = "*" }\n'
            ),
            "RESOLVE_MISSING_REQUIRED",
        ),
        "on_reload raises": (lambda: write(blob, ON_RELOAD_RAISES), "SANDBOX_ERROR"),
    }


CASES = ["invalid manifest", "syntax error", "forbidden construct", "resolver failure"]


@pytest.mark.parametrize("case", [*CASES, "on_reload raises"])
def test_failure_rolls_back_to_the_exact_previous_code_and_state(
    case: str, make_mod: MakeMod, drive: Drive
) -> None:
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    make_mod(
        "fan",
        scripts={"main.py": "def on_tick(ctx, dt):\n    ctx.log('fan %d' % ctx.tick)\n"},
        extra='[dependencies]\nrequired = { alpha = "*" }\n',
    )
    host = drive.loaded()
    host.step(3)
    old = dict(host.instances)
    world = host.world_hash()
    diagnostics = len(host.diagnostics)
    edit, cause = _breakers(folder)[case]
    edit()

    result = drive.reload(host)

    assert result.rolled_back == ("alpha", "fan") and result.reloaded == ()
    [details] = rolled_back(result)
    assert details["cause"] == cause
    assert details["restored"] == ["alpha", "fan"]
    assert host.instances == old and all(host.instances[m] is old[m] for m in old)
    assert host.world_hash() == world
    assert host.load_order == ("alpha", "fan")
    assert {m.state for m in host.report().mods.values()} == {"running"}
    # Only the rollback itself was added: the cause is inside it, not loose in the report.
    assert [d.code for d in host.diagnostics[diagnostics:]] == ["RELOAD_ROLLED_BACK"]
    host.step(1)
    assert sorted(logs(host, "alpha")[-2:]) == ["v1 1 n=4", "v1 2 n=4"]
    assert logs(host, "fan")[-1] == "fan 4"
    assert host.report().kinds == {"blob": 2}


def test_rollback_report_names_the_cause_and_what_was_restored(
    make_mod: MakeMod, drive: Drive
) -> None:
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    host = drive.loaded()
    write(folder / "scripts" / "blob.py", "def on_tick(ctx, dt):\n    x = (\n")

    [diag] = drive.reload(host).diagnostics

    assert diag.code == "RELOAD_ROLLED_BACK" and diag.severity == "error" and diag.mod == "alpha"
    assert diag.file == "scripts/blob.py" and diag.line == 2
    assert "restored: alpha" in diag.message and diag.hint
    assert diag.cause and diag.cause[0].startswith("SANDBOX_FORBIDDEN: [alpha]")
    assert diag.details["causes"][0]["code"] == "SANDBOX_FORBIDDEN"
    assert diag in host.report().mods["alpha"].diagnostics


def test_a_rolled_back_edit_is_not_retried_until_the_folder_changes_again(
    make_mod: MakeMod, loaded: Loaded
) -> None:
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    host = loaded()
    write(folder / "scripts" / "blob.py", "def on_tick(ctx, dt)\n")
    assert host.reload().rolled_back == ("alpha",)
    assert not host.reload().changed
    write(folder / "scripts" / "blob.py", BLOB.replace("v1", "v3"))
    assert host.reload().reloaded == ("alpha",)
    host.step(1)
    assert sorted(logs(host, "alpha")[-2:]) == ["v3 1 n=1", "v3 2 n=1"]


def test_deleting_a_required_mod_rolls_back_and_keeps_it_running(
    make_mod: MakeMod, mods_dir: Path, drive: Drive
) -> None:

    make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    make_mod(
        "fan", scripts={"main.py": "x = 1\n"}, extra='[dependencies]\nrequired = { alpha = "*" }\n'
    )
    host = drive.loaded()
    world = host.world_hash()
    shutil.rmtree(mods_dir / "alpha")

    result = drive.reload(host)

    assert result.rolled_back == ("alpha", "fan")
    assert rolled_back(result)[0]["cause"] == "RESOLVE_MISSING_REQUIRED"
    assert host.load_order == ("alpha", "fan") and host.world_hash() == world


def test_a_new_broken_folder_is_reported_and_changes_nothing(
    make_mod: MakeMod, drive: Drive
) -> None:
    make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    host = drive.loaded()
    make_mod("newbie", scripts={"main.py": "import os\n"})

    result = drive.reload(host)

    assert result.rolled_back == ("newbie",)
    [details] = rolled_back(result)
    assert details["cause"] == "SANDBOX_FORBIDDEN" and details["restored"] == []
    assert host.load_order == ("alpha",) and "newbie" not in host.instances


def test_invalid_signature_under_strict_rolls_back(
    make_mod: MakeMod, mods_dir: Path, tmp_path: Path, strict_signing: StrictSigning
) -> None:
    key, policy = strict_signing
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    sign_mod(folder, key)
    with Host(mods_dir, policy=policy, base_dir=tmp_path) as host:
        host.load()
        assert host.load_order == ("alpha",)
        host.step(2)
        world = host.world_hash()
        # An edit without re-signing: the signature no longer matches the files.
        write(folder / "scripts" / "blob.py", BLOB.replace("v1", "v2"))

        result = host.reload()

        assert result.rolled_back == ("alpha",)
        assert rolled_back(result)[0]["cause"] == "SIGNATURE_INVALID"
        assert host.world_hash() == world
        # Signing the edit under a new version makes it loadable (strict refuses different
        # files under a version it already accepted).
        manifest = (folder / "mod.toml").read_text()
        write(folder / "mod.toml", manifest.replace('version = "1.0.0"', 'version = "1.0.1"'))
        sign_mod(folder, key)
        assert host.reload().reloaded == ("alpha",)
        host.step(1)
        assert sorted(logs(host, "alpha")[-2:]) == ["v2 1 n=3", "v2 2 n=3"]


def _component_mod(make_mod: MakeMod, wasm: bytes) -> Path:
    folder = make_mod("counter", scripts={}, extra='[[components]]\npath = "components/c.wasm"\n')
    (folder / "components").mkdir()
    (folder / "components" / "c.wasm").write_bytes(wasm)
    return folder


def _count(host: Host) -> int:
    [component] = host.instances["counter"].components
    state = component.snapshot()  # type: ignore[attr-defined]
    return int.from_bytes(state, "little")


def test_component_carries_its_state_through_snapshot_and_restore(
    make_mod: MakeMod, drive: Drive, build_counter: BuildCounter
) -> None:
    folder = _component_mod(make_mod, build_counter(step=1))
    host = drive.loaded()
    host.step(5)
    assert _count(host) == 5
    (folder / "components" / "c.wasm").write_bytes(build_counter(step=1000))

    assert drive.reload(host).reloaded == ("counter",)
    assert _count(host) == 5
    host.step(1)
    assert _count(host) == 1005


def test_component_trapping_in_init_rolls_back(
    make_mod: MakeMod, drive: Drive, build_counter: BuildCounter
) -> None:
    folder = _component_mod(make_mod, build_counter(step=1))
    host = drive.loaded()
    host.step(5)
    old = host.instances["counter"]
    (folder / "components" / "c.wasm").write_bytes(build_counter(step=1000, trap=True))

    result = drive.reload(host)

    assert result.rolled_back == ("counter",)
    assert rolled_back(result)[0]["cause"] == "WASM_TRAP"
    assert host.instances["counter"] is old
    host.step(1)
    assert _count(host) == 6


def test_a_new_mod_resolves_against_the_running_version_not_a_broken_one_on_disk(
    make_mod: MakeMod, mods_dir: Path, drive: Drive
) -> None:
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    host = drive.loaded()
    manifest = (folder / "mod.toml").read_text()
    write(folder / "mod.toml", manifest.replace('version = "1.0.0"', 'version = "oops"'))
    assert drive.reload(host).rolled_back == ("alpha",)
    make_mod(
        "newbie",
        scripts={"main.py": "def on_load(ctx):\n    ctx.log('up')\n"},
        extra='[dependencies]\nrequired = { alpha = ">=1.0,<2.0" }\n',
    )

    result = drive.reload(host)

    assert result.loaded == ("newbie",) and result.ok
    assert host.load_order == ("alpha", "newbie")
    assert host.report().mods["alpha"].version == "1.0.0"


def test_a_new_conflict_with_a_running_mod_rolls_back(make_mod: MakeMod, drive: Drive) -> None:
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    make_mod("beta", scripts={"main.py": "x = 1\n"})
    host = drive.loaded()
    manifest = (folder / "mod.toml").read_text()
    write(folder / "mod.toml", manifest + '\n[dependencies]\nconflicts = { beta = "*" }\n')

    result = drive.reload(host)

    assert "alpha" in result.rolled_back and not result.reloaded
    assert rolled_back(result)[0]["cause"] == "RESOLVE_CONFLICT"
    assert host.load_order == ("alpha", "beta")
    assert {m.state for m in host.report().mods.values()} == {"running"}


def test_rollback_restores_other_mods_entities_state_and_drops_queued_events(
    make_mod: MakeMod, drive: Drive
) -> None:
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    make_mod(
        "rocks",
        scripts={"main.py": "def on_load(ctx):\n    ctx.world.spawn('rock', (9, 9, 9))\n"},
        entity_scripts={
            "rock": """
            def on_tick(ctx, dt):
                ctx.state["age"] = ctx.state.get("age", 0) + 1
                ctx.log("rock age %d" % ctx.state["age"])
            """
        },
    )
    make_mod(
        "ears",
        scripts={"main.py": "def on_event(ctx, event):\n    ctx.log('heard ' + event.name)\n"},
    )
    host = drive.loaded()
    host.step(2)
    world = host.world_hash()
    write(
        folder / "scripts" / "blob.py",
        """
def on_tick(ctx, dt):
    pass

def on_reload(ctx, old_state):
    for rock in ctx.world.query("rock"):
        ctx.world.despawn(rock.id)
    ctx.events.emit("reloading", {})
    raise ValueError("no")
""",
    )

    assert drive.reload(host).rolled_back == ("alpha",)

    assert host.world_hash() == world
    host.step(1)
    assert logs(host, "rocks")[-1] == "rock age 3"
    assert logs(host, "ears") == []


def test_the_inprocess_tier_reloads_and_rolls_back_the_same_way(
    make_mod: MakeMod, mods_dir: Path
) -> None:
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    policy = HostPolicy.model_validate({"sandbox": {"tier": "inprocess"}})
    with Host(mods_dir, policy=policy) as host:
        host.load()
        assert host.report().mods["alpha"].tier == "inprocess"
        host.step(2)
        write(folder / "scripts" / "blob.py", BLOB.replace("v1", "v2"))
        assert host.reload().reloaded == ("alpha",)
        world = host.world_hash()
        write(folder / "scripts" / "blob.py", ON_RELOAD_RAISES)
        result = host.reload()
        assert result.rolled_back == ("alpha",)
        assert rolled_back(result)[0]["cause"] == "SANDBOX_ERROR"
        assert host.world_hash() == world
        host.step(1)
        assert sorted(logs(host, "alpha")[-2:]) == ["v2 1 n=3", "v2 2 n=3"]


TIMED = """
def on_load(ctx):
    ctx.state["timer"] = ctx.timers.every(1, "beat")

def on_event(ctx, event):
    ctx.log("%s at %d" % (event.name, ctx.tick))
"""


def test_rollback_restores_timers_and_deleting_a_mod_drops_them(
    make_mod: MakeMod, mods_dir: Path, drive: Drive
) -> None:
    capabilities = ("timers", "events.listen", "log")
    folder = make_mod("clock", scripts={"main.py": TIMED}, capabilities=capabilities)
    host = drive.loaded()
    host.step(2)
    assert logs(host, "clock") == ["beat at 1", "beat at 2"]
    write(
        folder / "scripts" / "main.py",
        TIMED
        + """
def on_reload(ctx, old_state):
    ctx.timers.cancel(ctx.state["timer"])
    ctx.timers.after(1, "stray")
    raise ValueError("no")
""",
    )

    assert drive.reload(host).rolled_back == ("clock",)
    host.step(2)
    assert logs(host, "clock") == [f"beat at {n}" for n in range(1, 5)]
    shutil.rmtree(folder)
    assert drive.reload(host).unloaded == ("clock",)
    assert host.gameplay.timers.mods() == set()
