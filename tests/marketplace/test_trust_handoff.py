"""The trust hand-off: a mod installed from the marketplace loads under a strict policy on
the player's host, without copying keys by hand, and only that mod.

End to end with real signatures and real processes: the author signs, the market publishes,
``modhost market install`` verifies against the author's registered key and records it in
the host's trust store; then ``modhost run --strict --headless`` loads it, ``modhost verify``
names the market that vouched for the key, and a mod the same key signed but that was not
installed from the market stays untrusted.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from marketplace import Marketplace, SigningKey

from .conftest import run_modhost

MakeMod = Callable[..., Path]
STRICT = '[signing]\nmode = "strict"\n'


def _modhost(*args: str, cwd: Path) -> tuple[int, Any, str]:
    proc = run_modhost(*args, cwd=cwd)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        doc = None
    return proc.returncode, doc, proc.stdout + proc.stderr


def _run(host: Path, *extra: str) -> tuple[int, Any]:
    code, report, out = _modhost(
        "run", "--headless", "--ticks", "20", "--json", "--mods", str(host / "mods"), *extra,
        cwd=host,
    )  # fmt: skip
    assert report is not None, out
    return code, report


def _codes(report: dict[str, Any], mod: str) -> list[str]:
    return [d["code"] for d in report["mods"][mod]["diagnostics"]]


def test_installed_mods_load_under_strict_without_copying_keys(
    store_url: str,
    market: Marketplace,
    make_mod: MakeMod,
    publish_mod: Callable[[Path], int],
    ada_key: SigningKey,
    tmp_path: Path,
) -> None:
    folder = make_mod("coin", "1.0.0")
    publish_mod(folder)

    # A player who copies the signed folder by hand gets SIGNATURE_UNTRUSTED under strict.
    by_hand = tmp_path / "by-hand"
    (by_hand / "mods").mkdir(parents=True)
    (by_hand / "modhost.toml").write_text(STRICT)
    shutil.copytree(folder, by_hand / "mods" / "coin")
    code, report = _run(by_hand, "--strict")
    assert code == 1 and _codes(report, "coin") == ["SIGNATURE_UNTRUSTED"]

    # Installed from the market, the same mod loads under --strict.
    host = tmp_path / "host"
    host.mkdir()
    (host / "modhost.toml").write_text(STRICT)
    code, installed, out = _modhost(
        "market", "install", "coin", "--mods", "mods", "--store", store_url, "--json", cwd=host
    )
    assert code == 0, out
    assert installed["installed"][0]["key_id"] == ada_key.key_id
    code, report = _run(host, "--strict")
    assert code == 0, report
    assert report["mods"]["coin"]["state"] == "running"
    assert _codes(report, "coin") == []

    # verify says which market vouched for the key.
    code, verified, out = _modhost("verify", "mods/coin", "--json", cwd=host)
    assert code == 0, out
    assert verified["status"] == "valid"
    assert verified["vouched_by"]["author"] == "ada"
    # Named after the store, without the user name or the connection options.
    name = verified["vouched_by"]["market"]
    assert name.split(":")[0] == store_url.split(":")[0] and "@" not in name and "?" not in name
    code, _, out = _modhost("verify", "mods/coin", cwd=host)
    assert code == 0 and "vouched for by market" in out and "of ada" in out

    # The key is trusted for the mods the market vouched for, not for anything it signed.
    shutil.copytree(make_mod("other", "1.0.0"), host / "mods" / "other")
    code, report = _run(host)
    assert report["mods"]["coin"]["state"] == "running"
    assert report["mods"]["other"]["state"] == "failed"
    assert _codes(report, "other") == ["SIGNATURE_UNTRUSTED"]
