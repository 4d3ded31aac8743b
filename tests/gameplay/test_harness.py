"""The ``modhost`` pytest plugin as a mod author meets it: installed with modhost, no set-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runtime.testing import ModhostFixture

AUTHOR_TEST = """
def test_my_mod(modhost):
    game = modhost.load("mods")
    game.press("space").step(2)
    assert game.assert_event("input.key_down", key="space").tick == 1
    game.step(100)
    assert game.hud["game/hits"].startswith("hits ")
    game.assert_no_errors()

def test_a_failing_expectation_says_what_was_seen(modhost):
    game = modhost.load("mods")
    game.step(50)
    game.assert_event("never.sent")
"""


def test_the_plugin_works_in_a_project_of_its_own(game_mod: Path, tmp_path: Path) -> None:
    project = game_mod.parent.parent
    (project / "test_author.py").write_text(AUTHOR_TEST, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_author.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "1 failed, 1 passed" in done.stdout, done.stdout + done.stderr
    assert "no event 'never.sent'" in done.stdout and "'shuffle'" in done.stdout


def test_load_only_some_mods_and_bad_folders(game_mod: Path, tmp_path: Path) -> None:
    fixture = ModhostFixture(tmp_path / "work")
    try:
        game = fixture.load(game_mod.parent, only=["game"], seed=2)
        assert game.host.load_order == ("game",)
        assert game.tick == 0 and game.count("ball") == 6
        game.run_until(lambda g: bool(g.events_named("collision")), max_ticks=2000)
        with pytest.raises(AssertionError, match="no mod folder 'nope'"):
            fixture.load(game_mod.parent, only=["nope"])
        with pytest.raises(AssertionError, match="does not exist"):
            fixture.load(tmp_path / "missing")
        with pytest.raises(AssertionError, match="still false after 3 ticks"):
            game.run_until(lambda g: False, max_ticks=3)
    finally:
        fixture.close()
