"""Rollback protection records a version only once its load or reload has committed.

A reload that is rolled back must leave the rollback state file exactly as it was: the new
version never ran for good, so it is not "accepted", and the author may fix it and ship the
same version again.
"""

from __future__ import annotations

from pathlib import Path

from marketplace import sign_mod
from marketplace.signing._rollback import state_path
from runtime import Host

from .conftest import MakeMod, StrictSigning, rolled_back, write

BLOB = """
def on_tick(ctx, dt):
    ctx.state["n"] = ctx.state.get("n", 0) + 1
"""
SPAWNER = """
def on_load(ctx):
    ctx.world.spawn("blob", (0, 0, 0))
"""
#: Loads fine (so the load itself succeeds), then fails in on_reload: the reload rolls back.
ON_RELOAD_RAISES = """
def on_tick(ctx, dt):
    pass

def on_reload(ctx, old_state):
    raise ValueError("cannot migrate")
"""


def _bump(folder: Path, version: str) -> None:
    manifest = (folder / "mod.toml").read_text()
    old = next(line for line in manifest.splitlines() if line.startswith("version = "))
    write(folder / "mod.toml", manifest.replace(old, f'version = "{version}"'))


def test_a_rolled_back_reload_leaves_the_rollback_state_unchanged(
    make_mod: MakeMod, mods_dir: Path, tmp_path: Path, strict_signing: StrictSigning
) -> None:
    key, policy = strict_signing
    folder = make_mod("alpha", scripts={"main.py": SPAWNER}, entity_scripts={"blob": BLOB})
    sign_mod(folder, key)
    state = state_path(tmp_path / policy.data_dir)
    with Host(mods_dir, policy=policy, base_dir=tmp_path) as host:
        host.load()
        host.step(2)
        assert host.load_order == ("alpha",)
        recorded = state.read_bytes()  # startup load committed: 1.0.0 is recorded
        assert b"1.0.0" in recorded

        # A signed 1.1.0 whose on_reload fails: it loads, then the reload is rolled back.
        write(folder / "scripts" / "blob.py", ON_RELOAD_RAISES)
        _bump(folder, "1.1.0")
        sign_mod(folder, key)
        result = host.reload()
        assert result.rolled_back == ("alpha",)
        assert rolled_back(result)[0]["cause"] == "SANDBOX_ERROR"
        assert state.read_bytes() == recorded

        # Fixed and shipped again as the same 1.1.0 (other files): strict accepts it, since
        # the broken 1.1.0 was never recorded, and the committed reload records it.
        write(folder / "scripts" / "blob.py", BLOB.replace("+ 1", "+ 2"))
        sign_mod(folder, key)
        assert host.reload().reloaded == ("alpha",)
        assert state.read_bytes() != recorded
        assert b"1.1.0" in state.read_bytes()
        assert host.report().mods["alpha"].state == "running"
