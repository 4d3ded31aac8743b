"""The attack corpus: every case is stopped, by the code it expects.

Two sources of cases, one parametrised test: the built-in corpus ``modhost sandbox audit`` runs
(``sandbox.audit._corpus``), and the script files in ``tests/security/cases/`` (each starts with
``# class: ...`` and ``# expect: CODE[, CODE]`` lines).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import Limits
from sandbox.audit import ATTACKS, Attack
from sandbox.audit._audit import run_attack

CASES_DIR = Path(__file__).parent / "cases"
#: Manifest-default fuel and memory; a generous timeout so that a loaded CI machine never
#: turns a fuel or memory case into a timeout (cases that expect only SANDBOX_TIMEOUT get the
#: manifest default of 5 ms).
LIMITS = Limits(timeout_ms=2000)
TIMEOUT_LIMITS = Limits()


def _file_case(path: Path) -> Attack:
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# ") or ":" not in line:
            break
        key, _, value = line[2:].partition(":")
        header[key.strip()] = value.strip()
    return Attack(
        name=f"file.{path.stem}",
        kind=header["class"],  # type: ignore[arg-type]
        summary=header.get("summary", path.stem),
        source=path.read_text(encoding="utf-8"),
        expect=tuple(code.strip() for code in header["expect"].split(",")),
        ticks=int(header.get("ticks", "1")),
    )


ALL_CASES = list(ATTACKS) + [_file_case(p) for p in sorted(CASES_DIR.glob("*.py"))]


def test_case_names_are_unique() -> None:
    names = [case.name for case in ALL_CASES]
    assert len(names) == len(set(names))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("attack", ALL_CASES, ids=lambda a: a.name)
def test_attack_is_stopped_by_its_code(attack: Attack, tmp_path: Path) -> None:
    (tmp_path / "mod.toml").write_text('id = "audit"\n', encoding="utf-8")
    limits = TIMEOUT_LIMITS if attack.expect == ("SANDBOX_TIMEOUT",) else LIMITS
    result = run_attack(attack, limits, tier="inprocess", mod_root=tmp_path)
    assert result.stopped, f"{attack.name} was not stopped"
    assert result.code in attack.expect, (result.code, result.message)
    if "SANDBOX_FORBIDDEN" in attack.expect and attack.kind == "escape":
        # Escapes decided statically are refused at load, with the line number.
        assert result.stage in ("load", "run")
