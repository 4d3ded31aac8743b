"""The docs site builds with --strict, and its reference pages come from the code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from host_api import DiagnosticCode

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


def test_every_diagnostic_code_is_in_the_reference(site: Path) -> None:
    page = (site / "reference" / "diagnostics" / "index.html").read_text(encoding="utf-8")
    missing = [code.value for code in DiagnosticCode if code.value not in page]
    assert missing == []


def test_cli_reference_lists_every_command(site: Path) -> None:
    page = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    for command in ("modhost run", "modhost check", "modhost market submit", "modhost sandbox"):
        assert command in page


def test_schema_pages_carry_the_models(site: Path) -> None:
    manifest = (site / "reference" / "mod-toml" / "index.html").read_text(encoding="utf-8")
    assert "softAfter" in manifest and "capabilities" in manifest
    reports = (site / "reference" / "reports" / "index.html").read_text(encoding="utf-8")
    assert "world_hash" in reports and "load_order" in reports


def test_strict_build_fails_on_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [the missing page](missing.md).\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nstrict: true\n")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode != 0
    assert "missing.md" in result.stderr
