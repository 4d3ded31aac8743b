"""``modhost keygen``, ``sign`` and ``verify``: output, JSON and exit codes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runtime.cli._cli import build_app


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    runner = CliRunner()
    app = build_app()

    def run(*args: str, code: int = 0):  # type: ignore[no-untyped-def]
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result

    return run


def _keygen(cli, out: Path) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(cli("keygen", "--out", str(out), "--json").stdout)


def test_keygen_prints_the_id_and_paths_never_the_key(cli, tmp_path: Path) -> None:
    result = cli("keygen", "--out", str(tmp_path / "k"), "--name", "me")
    private = tmp_path / "k" / "me.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    body = "".join(private.read_text().splitlines()[1:-1])
    assert body not in result.output
    assert str(private) in result.output and str(tmp_path / "k" / "me.pub") in result.output
    assert "key id" in result.output


def test_keygen_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    _keygen(cli, tmp_path)
    result = cli("keygen", "--out", str(tmp_path), code=1)
    assert "SIGNING_KEY_EXISTS" in result.output and "pass --force" in result.output


def test_keygen_names_the_trust_entry_as_modhost_toml_reads_it(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the project folder, where modhost.toml is
    result = cli("keygen", "--out", "keys", "--name", "ada")
    assert '"keys/ada.pub"' in result.output and '"ada.pub"' not in result.output
    elsewhere = _keygen(cli, tmp_path.parent / f"{tmp_path.name}-keys")
    assert elsewhere["trusted_keys_entry"] == str(Path(elsewhere["public_key"]).resolve())


def test_keygen_inside_a_git_work_tree_keeps_the_private_key_out_of_it(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()  # what makes a folder a work tree, for this check
    monkeypatch.chdir(tmp_path)
    result = cli("keygen", "--out", "keys", "--name", "ada")
    assert "keys/.gitignore now lists ada.key" in result.output
    assert (tmp_path / "keys" / ".gitignore").read_text() == "/ada.key\n"
    doc = _keygen(cli, tmp_path / "keys")  # a second key: added, nothing listed twice
    assert doc["gitignore"] == str(tmp_path / "keys" / ".gitignore")
    assert (tmp_path / "keys" / ".gitignore").read_text() == "/ada.key\n/modhost.key\n"
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    assert _keygen(cli, outside)["gitignore"] is None
    assert not (outside / ".gitignore").exists()


def test_sign_then_verify_round_trip(cli, make_mod, tmp_path: Path) -> None:
    keys = _keygen(cli, tmp_path / "k")
    folder = make_mod()
    signed = json.loads(cli("sign", str(folder), "--key", keys["private_key"], "--json").stdout)
    assert signed["key_id"] == keys["key_id"] and signed["files"] == 3
    out = cli("verify", str(folder), "--trust", keys["public_key"], "--json").stdout
    report = json.loads(out)
    assert (report["status"], report["diagnostics"]) == ("valid", [])
    human = cli("verify", str(folder), "--trust", keys["key_id"]).output
    assert "valid: coins 1.0.0" in human


def test_verify_untrusted_missing_invalid(cli, make_mod, tmp_path: Path) -> None:
    keys = _keygen(cli, tmp_path / "k")
    folder = make_mod()
    report = json.loads(cli("verify", str(folder), "--json", code=1).stdout)
    assert report["status"] == "missing"
    assert report["diagnostics"][0]["code"] == "SIGNATURE_MISSING"
    cli("sign", str(folder), "--key", keys["private_key"])
    report = json.loads(cli("verify", str(folder), "--json", code=1).stdout)
    assert report["status"] == "untrusted"
    (folder / "scripts" / "coin.py").write_text("changed")
    (folder / "assets" / "data.bin").unlink()
    report = json.loads(cli("verify", str(folder), "--json", code=1).stdout)
    assert report["status"] == "invalid"
    assert report["diff"] == {
        "added": [],
        "removed": ["assets/data.bin"],
        "changed": ["scripts/coin.py"],
    }


def test_verify_uses_the_policy_next_to_the_mods_folder(cli, make_mod, tmp_path: Path) -> None:
    keys = _keygen(cli, tmp_path / "k")
    folder = make_mod()  # tmp_path/mods/coins
    cli("sign", str(folder), "--key", keys["private_key"])
    (tmp_path / "modhost.toml").write_text(
        '[signing]\nmode = "strict"\ntrusted_keys = ["k/modhost.pub"]\n'
    )
    assert json.loads(cli("verify", str(folder), "--json").stdout)["status"] == "valid"


def test_sign_with_bad_keys(cli, make_mod, tmp_path: Path) -> None:
    keys = _keygen(cli, tmp_path / "k")
    folder = make_mod()
    result = cli("sign", str(folder), "--key", keys["public_key"], "--json", code=1)
    (diag,) = json.loads(result.stdout)["diagnostics"]
    assert diag["code"] == "SIGNING_KEY_INVALID" and "public key" in diag["message"]
    Path(keys["private_key"]).chmod(0o640)
    report = json.loads(cli("sign", str(folder), "--key", keys["private_key"], "--json").stdout)
    assert [d["code"] for d in report["diagnostics"]] == ["SIGNING_KEY_INSECURE"]
    assert (folder / "mod.sig").is_file()


def test_sign_refuses_links_and_writes_nothing(cli, make_mod, tmp_path: Path) -> None:
    keys = _keygen(cli, tmp_path / "k")
    folder = make_mod()
    (folder / "shadow").symlink_to("/etc/shadow")
    result = cli("sign", str(folder), "--key", keys["private_key"], code=1)
    assert "PACKAGE_UNSAFE" in result.output and "outside the mod folder" in result.output
    assert not (folder / "mod.sig").exists()


def test_sign_reports_a_bad_manifest(cli, tmp_path: Path) -> None:
    keys = _keygen(cli, tmp_path / "k")
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "mod.toml").write_text("id = [")
    result = cli("sign", str(folder), "--key", keys["private_key"], "--json", code=1)
    assert json.loads(result.stdout)["diagnostics"][0]["code"] == "MANIFEST_INVALID"


def test_verify_reports_an_empty_trust_entry(cli, make_mod, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no modhost.toml here or beside the mods folder
    report = json.loads(cli("verify", str(make_mod()), "--trust", "", "--json", code=1).stdout)
    codes = [d["code"] for d in report["diagnostics"]]
    assert codes == ["POLICY_INVALID", "SIGNATURE_MISSING"]
