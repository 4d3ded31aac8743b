"""Hot reload through ``Host.reload`` with the watcher off: the same code path the watcher
drives, with real mod folders, the real sandbox, resolver and world."""

from __future__ import annotations

import gc
import shutil
import weakref
from collections.abc import Callable
from pathlib import Path

from runtime import Host

from .conftest import WAIT_S, Drive, MakeMod, logs, write

Loaded = Callable[[], Host]

BLOB_V1 = """
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
    ctx.log("v1 %d n=%d" % (ctx.entity.id, ctx.state["n"]))
"""
BLOB_V2 = """
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 10
    ctx.log("v2 %d n=%d" % (ctx.entity.id, ctx.state["n"]))

def on_reload(ctx, old_state):
    ctx.state["from"] = old_state["n"]
    ctx.log("reload %d from n=%d" % (ctx.entity.id, old_state["n"]))
"""
SPAWNER = """
def on_load(ctx):
    ctx.world.spawn("blob", (0, 0, 0), (1, 0, 0))
    ctx.world.spawn("blob", (5, 0, 0), (0, 1, 0))
    ctx.state["loads"] = ctx.state.get("loads", 0) + 1
"""


def _alpha(make_mod: MakeMod, **kwargs: object) -> Path:
    return make_mod(
        "alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB_V1}, **kwargs
    )


def _bystander(make_mod: MakeMod) -> Path:
    return make_mod(
        "bystander",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.world.spawn("rock", (9, 9, 0), (0, 0, 1))

            def on_tick(ctx, dt):
                ctx.state["ticks"] = ctx.state.get("ticks", 0) + 1
            """
        },
    )


def test_script_edit_runs_new_code_next_tick_and_keeps_state(
    make_mod: MakeMod, drive: Drive
) -> None:
    alpha = _alpha(make_mod)
    _bystander(make_mod)
    host = drive.loaded()
    host.step(3)
    other = host.instances["bystander"]
    before = host.world_hash()
    write(alpha / "scripts" / "blob.py", BLOB_V2)

    result = drive.reload(host)

    assert result.reloaded == ("alpha",) and result.ok and result.tick == 3
    # Entities, positions and other mods are untouched; on_load did not run again.
    assert host.world_hash() == before
    assert host.instances["bystander"] is other
    assert sorted(logs(host, "alpha")[-2:]) == ["reload 1 from n=3", "reload 2 from n=3"]
    host.step(1)
    assert sorted(logs(host, "alpha")[-2:]) == ["v2 1 n=13", "v2 2 n=13"]
    assert host.report().kinds == {"blob": 2, "rock": 1}
    assert host.report().mods["alpha"].state == "running"


def test_mod_script_on_reload_gets_a_copy_of_the_old_state(make_mod: MakeMod, drive: Drive) -> None:
    folder = make_mod("alpha", scripts={"main.py": SPAWNER})
    host = drive.loaded()
    write(
        folder / "scripts" / "main.py",
        SPAWNER
        + """
def on_reload(ctx, old_state):
    old_state["loads"] = 99
    ctx.log("kept %d, old %d" % (ctx.state["loads"], old_state["loads"]))
""",
    )
    assert host.reload().reloaded == ("alpha",)
    # ctx.state is the kept dict itself; old_state is a copy the script may change freely.
    assert logs(host, "alpha")[-1] == "kept 1, old 99"
    assert host.report().kinds == {"blob": 2}


def test_new_entity_kind_meets_new_code_through_on_spawn(make_mod: MakeMod, drive: Drive) -> None:
    folder = _alpha(make_mod)
    host = drive.loaded()
    host.step(1)
    write(folder / "scripts" / "blob.py", BLOB_V1)
    write(
        folder / "scripts" / "main.py",
        SPAWNER + "\ndef on_reload(ctx, old_state):\n    ctx.world.spawn('blob', (1, 1, 1))\n",
    )
    assert drive.reload(host).reloaded == ("alpha",)
    host.step(1)
    # The blob spawned by on_reload is new to the scripts: its count starts at 1.
    assert "v1 3 n=1" in logs(host, "alpha")
    assert "v1 1 n=2" in logs(host, "alpha")


def test_dependents_reload_in_load_order_and_others_stay(make_mod: MakeMod, drive: Drive) -> None:
    base = make_mod("base", scripts={"main.py": "def on_tick(ctx, dt):\n    pass\n"})
    make_mod(
        "needs", scripts={"main.py": "x = 1\n"}, extra='[dependencies]\nrequired = { base = "*" }\n'
    )
    make_mod(
        "likes",
        scripts={"main.py": "x = 1\n"},
        extra='[dependencies]\noptional = { needs = "*" }\n',
    )
    make_mod("other", scripts={"main.py": "x = 1\n"})
    host = drive.loaded()
    untouched = host.instances["other"]
    write(base / "scripts" / "main.py", "def on_tick(ctx, dt):\n    ctx.log('new')\n")

    result = drive.reload(host)

    assert result.reloaded == ("base", "needs", "likes")
    assert host.instances["other"] is untouched
    assert (
        host.load_order.index("base")
        < host.load_order.index("needs")
        < host.load_order.index("likes")
    )


def test_manifest_edit_reorders_by_new_relations(make_mod: MakeMod, drive: Drive) -> None:
    make_mod("aa", scripts={"main.py": "x = 1\n"})
    zz = make_mod("zz", scripts={"main.py": "x = 1\n"})
    host = drive.loaded()
    assert host.load_order == ("aa", "zz")
    text = (zz.parent / "aa" / "mod.toml").read_text()
    write(zz.parent / "aa" / "mod.toml", text + '[dependencies]\nsoftAfter = ["zz"]\n')

    result = drive.reload(host)

    assert result.reloaded == ("aa",)
    assert host.load_order == ("zz", "aa")


def test_new_folder_loads_against_the_running_set(make_mod: MakeMod, drive: Drive) -> None:
    _alpha(make_mod)
    host = drive.loaded()
    host.step(2)
    make_mod(
        "newbie",
        scripts={
            "main.py": """
            def on_load(ctx):
                ctx.log('hello')
                ctx.world.spawn('leaf', (0, 0, 0))
            """
        },
        extra='[dependencies]\nrequired = { alpha = ">=1.0" }\n',
    )

    result = drive.reload(host)

    assert result.loaded == ("newbie",) and result.reloaded == ()
    assert host.load_order == ("alpha", "newbie")
    assert logs(host, "newbie") == ["hello"]
    assert host.report().kinds == {"blob": 2, "leaf": 1}


def test_new_folder_enables_a_mod_that_was_missing_it(make_mod: MakeMod, drive: Drive) -> None:
    make_mod(
        "waits", scripts={"main.py": "x = 1\n"}, extra='[dependencies]\nrequired = { core = "*" }\n'
    )
    host = drive.loaded()
    assert host.state_of("waits") == "disabled"
    make_mod("core", scripts={"main.py": "x = 1\n"})

    result = drive.reload(host)

    assert result.loaded == ("core", "waits")
    assert host.state_of("waits") == "running"


def test_deleted_folder_unloads_cleanly(make_mod: MakeMod, mods_dir: Path, drive: Drive) -> None:
    _alpha(make_mod)
    make_mod(
        "chatty",
        scripts={
            "main.py": "def on_tick(ctx, dt):\n    ctx.events.emit('ping', {'t': ctx.tick})\n"
        },
    )
    make_mod(
        "ears",
        scripts={"main.py": "def on_event(ctx, event):\n    ctx.log('heard %s' % event.name)\n"},
    )
    host = drive.loaded()
    host.step(3)
    instance = weakref.ref(host.instances["ears"])
    shutil.rmtree(mods_dir / "ears")

    result = drive.reload(host)
    host.step(3)

    assert result.unloaded == ("ears",)
    assert "ears" not in host.report().mods and "ears" not in host.load_order
    gc.collect()
    assert instance() is None, "something still holds the unloaded mod"
    shutil.rmtree(mods_dir / "alpha")
    assert drive.reload(host).unloaded == ("alpha",)
    host.step(1)
    assert host.report().kinds == {}
    assert all(v.owner != "alpha" for v in host.world.query())


def test_unchanged_save_reloads_nothing_unless_forced(make_mod: MakeMod, loaded: Loaded) -> None:
    folder = _alpha(make_mod)
    host = loaded()
    write(folder / "scripts" / "blob.py", BLOB_V1)
    (folder / "scripts" / ".blob.py.swp").write_bytes(b"vim swap")
    assert not host.reload().changed
    assert host.reload(["alpha"], force=True).reloaded == ("alpha",)


def test_fixing_a_quarantined_mod_runs_it_again(make_mod: MakeMod, drive: Drive) -> None:
    folder = make_mod("flaky", scripts={"main.py": "def on_tick(ctx, dt):\n    1 / 0\n"})
    host = drive.loaded()
    host.step(8)
    assert host.state_of("flaky") == "quarantined"
    write(folder / "scripts" / "main.py", "def on_tick(ctx, dt):\n    ctx.log('fine')\n")

    assert drive.reload(host).reloaded == ("flaky",)
    host.step(1)
    assert host.state_of("flaky") == "running"
    assert host.report().mods["flaky"].faults == 0
    assert logs(host, "flaky")[-1] == "fine"


def test_a_broken_mod_does_not_hold_back_an_unrelated_edit(make_mod: MakeMod, drive: Drive) -> None:
    good = make_mod("good", scripts={"main.py": "x = 1\n"})
    bad = make_mod("bad", scripts={"main.py": "x = 1\n"})
    host = drive.loaded()
    write(good / "scripts" / "main.py", "def on_tick(ctx, dt):\n    ctx.log('good v2')\n")
    write(bad / "scripts" / "main.py", "def on_tick(ctx, dt)\n    pass\n")

    result = drive.reload(host)

    assert result.reloaded == ("good",) and result.rolled_back == ("bad",)
    host.step(1)
    assert logs(host, "good") == ["good v2"]


def test_deleting_a_mod_that_never_loaded_removes_it_from_the_report(
    make_mod: MakeMod, mods_dir: Path, drive: Drive
) -> None:
    make_mod("alpha", scripts={"main.py": SPAWNER})
    make_mod("broken", manifest='id = "broken"\nname = "B"\nversion = "1.0.0"\nbogus = 1\n')
    host = drive.loaded()
    assert host.report().mods["broken"].state == "failed"
    shutil.rmtree(mods_dir / "broken")

    if drive.watcher is None:
        host.reload()
    else:
        # Nothing loads or unloads, so wait for the batch itself, not for a changed result.
        assert drive.watcher.wait(WAIT_S) == {"broken"}
        host.reload({"broken"})

    assert "broken" not in host.report().mods
    assert host.load_order == ("alpha",)


def test_the_overlay_and_history_show_the_last_reload(make_mod: MakeMod, loaded: Loaded) -> None:
    folder = _alpha(make_mod)
    host = loaded()
    assert "reload" not in host.snapshot().overlay
    write(folder / "scripts" / "blob.py", BLOB_V2)
    ok = host.reload()
    assert host.snapshot().overlay["reload"] == ok.summary()
    assert ok.summary().startswith("reloaded alpha (")
    write(folder / "scripts" / "blob.py", "import os\n")
    failed = host.reload()
    assert host.snapshot().overlay["reload"].startswith("ROLLED BACK alpha (")
    assert host.reloads == (ok, failed)


def test_an_edit_that_lifts_a_conflict_loads_the_mod_it_kept_out(
    make_mod: MakeMod, drive: Drive
) -> None:
    alpha = make_mod("alpha", scripts={"main.py": "x = 1\n"})
    make_mod(
        "beta",
        scripts={"main.py": "def on_load(ctx):\n    ctx.log('beta up')\n"},
        extra='[dependencies]\nconflicts = { alpha = "<2.0" }\n',
    )
    host = drive.loaded()
    assert host.state_of("beta") == "disabled"
    manifest = (alpha / "mod.toml").read_text()
    write(alpha / "mod.toml", manifest.replace('version = "1.0.0"', 'version = "2.0.0"'))

    result = drive.reload(host)

    assert result.reloaded == ("alpha",) and result.loaded == ("beta",)
    assert host.state_of("beta") == "running" and logs(host, "beta") == ["beta up"]


def test_a_renamed_folder_reloads_the_mod_and_a_new_id_replaces_the_old(
    make_mod: MakeMod, mods_dir: Path, drive: Drive
) -> None:
    _alpha(make_mod)
    host = drive.loaded()
    host.step(2)
    (mods_dir / "alpha").rename(mods_dir / "alpha-2")

    result = drive.reload(host)

    assert result.reloaded == ("alpha",) and result.ok
    assert host.instances["alpha"].folder.name == "alpha-2"
    assert host.report().kinds == {"blob": 2}
    manifest = mods_dir / "alpha-2" / "mod.toml"
    write(manifest, manifest.read_text().replace('id = "alpha"', 'id = "omega"'))

    result = drive.reload(host)

    assert result.loaded == ("omega",) and result.unloaded == ("alpha",)
    assert host.load_order == ("omega",)
    assert "alpha" not in host.report().mods
    assert host.report().kinds == {"blob": 2}  # omega's on_load spawned its own
    assert all(v.owner == "omega" for v in host.world.query())


BLOB_SYSTEM = """
def on_system(ctx, dt, rows):
    for s in rows.states:
        s["n"] = s.get("n", 0) + 100
    ctx.log("system n=%s" % sorted(s["n"] for s in rows.states))
"""


def test_an_entity_script_can_become_a_system_and_back_and_keeps_state(
    make_mod: MakeMod, drive: Drive
) -> None:
    alpha = _alpha(make_mod)
    host = drive.loaded()
    host.step(2)
    write(alpha / "scripts" / "blob.py", BLOB_SYSTEM)
    assert drive.reload(host).reloaded == ("alpha",)
    host.step(1)
    assert logs(host, "alpha")[-1] == "system n=[102, 102]"
    write(alpha / "scripts" / "blob.py", BLOB_V1)
    assert drive.reload(host).reloaded == ("alpha",)
    host.step(1)
    assert sorted(logs(host, "alpha")[-2:]) == ["v1 1 n=103", "v1 2 n=103"]
    assert host.report().mods["alpha"].state == "running"
