"""Manifest validation, driven by the good and bad cases in ``manifest_cases/``.

Each bad case starts with ``# expect: CODE | message part | hint part``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import ManifestInvalid, ManifestNotFound, load_manifest, parse_manifest

CASES = Path(__file__).parent / "manifest_cases"


def _cases(kind: str) -> list[Path]:
    return sorted((CASES / kind).glob("*.toml"))


@pytest.mark.parametrize("path", _cases("good"), ids=lambda p: p.stem)
def test_good_manifests_parse(path: Path) -> None:
    manifest = parse_manifest(path.read_text(), folder_name=path.stem)
    assert manifest.id
    assert str(manifest.parsed_version) == manifest.version


@pytest.mark.parametrize("path", _cases("bad"), ids=lambda p: p.stem)
def test_bad_manifests_explain_themselves(path: Path) -> None:
    text = path.read_text()
    code, message_part, hint_part = (
        s.strip() for s in text.splitlines()[0].removeprefix("# expect:").split("|")
    )
    with pytest.raises(ManifestInvalid) as info:
        parse_manifest(text, folder_name="demo")
    diags = info.value.diagnostics
    assert diags, "an invalid manifest must carry at least one diagnostic"
    assert all(d.code == code for d in diags)
    assert any(message_part in d.message for d in diags), [d.message for d in diags]
    assert any(hint_part in d.hint or hint_part in (d.file or "") for d in diags), [
        (d.hint, d.file) for d in diags
    ]
    assert all(d.mod == "demo" for d in diags)


def test_full_manifest_fields() -> None:
    m = parse_manifest((CASES / "good" / "full.toml").read_text(), folder_name="x")
    assert m.dependencies.soft_after == ("weather",)
    assert m.dependencies.conflicts == {"old-coins": "*"}
    assert m.scripts[0].entity == "coin" and m.scripts[1].entity is None
    assert "0.1.5" in m.host_range and "0.2.0" not in m.host_range


def test_manifest_is_frozen() -> None:
    m = parse_manifest((CASES / "good" / "minimal.toml").read_text(), folder_name="x")
    with pytest.raises(Exception, match="frozen"):
        m.id = "other"  # type: ignore[misc]


def test_unknown_key_points_at_its_line() -> None:
    text = (CASES / "bad" / "unknown_top_key.toml").read_text()
    with pytest.raises(ManifestInvalid) as info:
        parse_manifest(text, folder_name="demo")
    assert info.value.diagnostics[0].line == 5


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestNotFound) as info:
        load_manifest(tmp_path)
    assert info.value.to_diagnostic().code == "MANIFEST_NOT_FOUND"
    assert "modhost new mod" in info.value.hint


def test_thousands_of_problems_list_the_first_fifty_and_count_the_rest() -> None:
    # A hostile manifest of 20,000 unknown keys: each listed problem costs a close-match
    # search and a line of output, so the first ones are listed and the rest counted.
    text = 'id = "many"\nversion = "1.0.0"\nname = "Many"\n' + "".join(
        f"k{i} = 1\n" for i in range(20000)
    )
    with pytest.raises(ManifestInvalid) as info:
        parse_manifest(text, folder_name="many")
    diags = info.value.diagnostics
    assert len(diags) == 51
    assert "20000 problem(s)" in info.value.message
    assert diags[0].line == 4 and "k0" in diags[0].message
    assert diags[-1].message == "and 19950 more problem(s) not listed"
    assert all(d.code == "MANIFEST_INVALID" for d in diags)
