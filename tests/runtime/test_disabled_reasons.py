"""A disabled mod's own report entry says why it is disabled, the same in check and run."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from runtime.cli._cli import build_app

#: The ``make_mod`` fixture of ``tests/conftest.py``.
MakeMod = Callable[..., Path]


def modhost_json(*args: str, cwd: Path) -> tuple[int, Any]:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(build_app(), [*args, "--json"])
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout)


def codes(entry: dict[str, Any]) -> list[str]:
    return [d["code"] for d in entry["diagnostics"]]


def test_mods_taken_down_by_a_missing_requirement_say_why(
    make_mod: MakeMod, mods_dir: Path
) -> None:
    make_mod("base")
    make_mod("needs-missing", extra='[dependencies]\nrequired = { "ghost" = ">=1.0" }\n')
    make_mod("needs-needy", extra='[dependencies]\nrequired = { "needs-missing" = "*" }\n')
    check_rc, checked = modhost_json("check", "--mods", str(mods_dir), cwd=mods_dir.parent)
    run_rc, ran = modhost_json(
        "run", "--headless", "--ticks", "2", "--mods", str(mods_dir), cwd=mods_dir.parent
    )
    assert check_rc == run_rc == 1
    for report in (checked, ran):
        needy = report["mods"]["needs-needy"]
        assert needy["state"] == "disabled"
        # Two levels down from the root cause: its entry carries the failure that took it down.
        assert "RESOLVE_MISSING_REQUIRED" in codes(needy)
        missing = next(d for d in needy["diagnostics"] if d["code"] == "RESOLVE_MISSING_REQUIRED")
        assert "needs-needy" in missing["details"]["disabled"]
        assert report["mods"]["needs-missing"]["diagnostics"]
        assert [d for d in report["mods"]["base"]["diagnostics"] if d["severity"] == "error"] == []
    # check and run agree word for word on every mod's entry.
    for mod_id in checked["mods"]:
        assert checked["mods"][mod_id]["diagnostics"] == ran["mods"][mod_id]["diagnostics"]


def test_a_dependent_of_a_mod_with_a_broken_manifest_says_why(
    make_mod: MakeMod, mods_dir: Path
) -> None:
    broken = make_mod("broken")
    (broken / "mod.toml").write_text('id = "broken"\nversion = "not a version"\n')
    make_mod("leaning", extra='[dependencies]\nrequired = { "broken" = "*" }\n')
    _, checked = modhost_json("check", "--mods", str(mods_dir), cwd=mods_dir.parent)
    _, ran = modhost_json(
        "run", "--headless", "--ticks", "1", "--mods", str(mods_dir), cwd=mods_dir.parent
    )
    for report in (checked, ran):
        assert report["mods"]["broken"]["state"] == "failed"
        leaning = report["mods"]["leaning"]
        assert leaning["state"] == "disabled"
        assert any(d["severity"] == "error" for d in leaning["diagnostics"]), leaning
    assert checked["mods"]["leaning"]["diagnostics"] == ran["mods"]["leaning"]["diagnostics"]


def test_check_names_the_failure_behind_each_skipped_mod(make_mod: MakeMod, mods_dir: Path) -> None:
    make_mod("needs-missing", extra='[dependencies]\nrequired = { "ghost" = ">=1.0" }\n')
    make_mod("needs-needy", extra='[dependencies]\nrequired = { "needs-missing" = "*" }\n')
    result = CliRunner().invoke(build_app(), ["check", "--mods", str(mods_dir)])
    assert result.exit_code == 1
    assert "x needs-missing: disabled (RESOLVE_MISSING_REQUIRED)" in result.stdout
    assert "x needs-needy: disabled (RESOLVE_MISSING_REQUIRED in needs-missing)" in result.stdout
