"""A killed ``request-review`` or ``install`` leaves nothing the next command does not clean
up or finish.

The commands run as real child processes; ``MODHOST_MARKET_FAULT=<step>`` makes the child
kill itself with SIGKILL at that named step (the dangerous points: right after the package
was unpacked for the gates, after an install staged its packages, and between the two
renames that replace an installed mod).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from host_api import load_manifest
from marketplace import Marketplace, State, install, open_store, pack_bytes

from .conftest import run_modhost

MakeMod = Callable[..., Path]


def _modhost(
    *args: str, store: str, fault: str | None = None, staging: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODHOST_MARKET_")}
    if fault:
        env["MODHOST_MARKET_FAULT"] = fault
    if staging:
        env["MODHOST_MARKET_STAGING"] = str(staging)
    return run_modhost("market", *args, "--store", store, "--json", env=env)


def _doc(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


def test_a_killed_request_review_leaves_no_folder_behind(
    store_url: str, market: Marketplace, make_mod: MakeMod, tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    sub = market.submit(pack_bytes(make_mod(extra={"assets/big.txt": "x" * 100_000})), actor="ada")
    killed = _modhost(
        "request-review", str(sub.id), "--as", "ada",
        store=store_url, fault="gates-extracted", staging=staging,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    left = sorted(p.name for p in staging.iterdir())
    assert len(left) == 2 and any(name.endswith(".lock") for name in left)
    unpacked = next(p for p in staging.iterdir() if p.is_dir())
    assert (unpacked / "coin" / "assets" / "big.txt").is_file()
    assert market.store.get(sub.id).state == State.DRAFT  # the kill changed nothing

    # The next command that unpacks anything sweeps the dead command's folder.
    market.staging = staging
    assert market.request_review(sub.id, actor="ada").state == State.REVIEW
    assert list(staging.iterdir()) == []


def _publish(market: Marketplace, folder: Path) -> None:
    sub = market.submit(pack_bytes(folder), actor="ada")
    market.request_review(sub.id, actor="ada")
    market.approve(sub.id, actor="rex")
    market.publish(sub.id, actor="mia")


def _upgrade_pending(market: Marketplace, make_mod: MakeMod, host: Path) -> Path:
    """coin 1.0.0 installed in host/mods, and 1.1.0 published."""
    mods = host / "mods"
    _publish(market, make_mod("coin", "1.0.0"))
    install(market.store, {"coin": "*"}, mods)
    _publish(market, make_mod("coin", "1.1.0", extra={"assets/new.txt": "new"}))
    return mods


def test_an_upgrade_killed_between_its_renames_is_finished_next_time(
    store_url: str, market: Marketplace, make_mod: MakeMod, tmp_path: Path
) -> None:
    mods = _upgrade_pending(market, make_mod, tmp_path / "host")
    killed = _modhost(
        "install", "coin", "--mods", str(mods), store=store_url, fault="install-between-renames"
    )
    assert killed.returncode == -signal.SIGKILL
    # The dangerous point: the old folder is moved aside, the new one not yet in place.
    assert not (mods / "coin").exists()
    staging = tmp_path / "host" / ".modhost-install"
    assert (staging / "journal.json").is_file()
    assert (staging / "new" / "coin" / "assets" / "new.txt").is_file()

    # Any next install (here of nothing new) finishes the killed one first.
    done = _doc(_modhost("install", "coin", "--mods", str(mods), store=store_url))
    assert [(m["mod"], m["version"], m["action"]) for m in done["installed"]] == [
        ("coin", "1.1.0", "unchanged")
    ]
    assert load_manifest(mods / "coin").version == "1.1.0"
    assert (mods / "coin" / "assets" / "new.txt").read_text() == "new"
    assert not staging.exists()
    vouched = json.loads(
        (tmp_path / "host" / ".modhost" / "signing" / "market-keys.json").read_text()
    )
    assert [v["mods"] for v in vouched["keys"].values()] == [["coin"]]


def test_an_install_killed_before_touching_mods_is_cleaned_up(
    store_url: str, market: Marketplace, make_mod: MakeMod, tmp_path: Path
) -> None:
    mods = _upgrade_pending(market, make_mod, tmp_path / "host")
    killed = _modhost(
        "install", "coin", "--mods", str(mods), store=store_url, fault="install-staged"
    )
    assert killed.returncode == -signal.SIGKILL
    assert load_manifest(mods / "coin").version == "1.0.0"  # untouched
    staging = tmp_path / "host" / ".modhost-install"
    assert (staging / "new" / "coin").is_dir() and not (staging / "journal.json").exists()

    with open_store(store_url) as store:
        [done] = install(store, {"coin": "*"}, mods)
    assert (done.version, done.action) == ("1.1.0", "upgraded")
    assert load_manifest(mods / "coin").version == "1.1.0"
    assert not staging.exists()
