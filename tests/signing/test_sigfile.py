"""``mod.sig``: deterministic writing, strict parsing of every kind of bad file."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest

from marketplace import SIGFILE_NAME, SignatureInvalid, sign_mod, verify_mod
from marketplace.signing._sigfile import MAX_SIGFILE_BYTES, parse_sigfile

from .conftest import read_sigfile_json, write_sigfile_json


def _signed(make_mod, key) -> tuple[Path, dict]:  # type: ignore[no-untyped-def]
    folder = make_mod()
    sign_mod(folder, key)
    return folder, read_sigfile_json(folder)


def test_signing_is_deterministic(make_mod, key) -> None:
    folder = make_mod()
    first = sign_mod(folder, key).dumps()
    assert (folder / SIGFILE_NAME).read_bytes() == first
    second = sign_mod(folder, key).dumps()
    other_folder = make_mod("copy")
    third = sign_mod(other_folder, key).dumps()
    assert first == second == third


def test_written_file_round_trips(make_mod, key) -> None:
    folder, raw = _signed(make_mod, key)
    parsed = parse_sigfile((folder / SIGFILE_NAME).read_bytes(), mod_id="coins")
    assert parsed.key_id == key.key_id
    assert parsed.mod.id == "coins" and parsed.mod.version == "1.0.0"
    assert sorted(raw) == [
        "algorithm", "digest", "files", "format", "format_version", "key_id", "mod",
        "public_key", "signature",
    ]  # fmt: skip


def _set(path: str, value: object) -> Callable[[dict], dict]:
    def edit(doc: dict) -> dict:
        *parents, last = path.split(".")
        target = doc
        for p in parents:
            target = target[p]
        target[last] = value
        return doc

    return edit


def _drop(name: str) -> Callable[[dict], dict]:
    return lambda doc: {k: v for k, v in doc.items() if k != name}


#: (case id, edit of the parsed JSON, expected reason)
JSON_EDITS: list[tuple[str, Callable[[dict], dict], str]] = [
    ("missing-field", _drop("signature"), "schema"),
    ("extra-field", _set("comment", "hi"), "schema"),
    ("wrong-type", _set("format_version", "1"), "unsupported-version"),
    ("future-version", _set("format_version", 2), "unsupported-version"),
    ("not-ours", _set("format", "minisign"), "not-a-signature"),
    ("other-algorithm", _set("algorithm", "rsa"), "schema"),
    ("bad-base64", _set("signature", "!!!not base64!!!"), "schema"),
    ("short-signature", _set("signature", base64.b64encode(b"x" * 63).decode()), "schema"),
    ("key-id-mismatch", _set("key_id", "0" * 32), "schema"),
    ("list-tampered", lambda d: {**d, "files": {**d["files"], "mod.toml": "0" * 64}}, "schema"),
    ("path-escape", _set("files", {"../x": "0" * 64}), "schema"),
    ("mod-id-bad", _set("mod.id", "Not An Id"), "schema"),
]


@pytest.mark.parametrize(("case", "edit", "reason"), JSON_EDITS, ids=[c[0] for c in JSON_EDITS])
def test_malformed_json_is_invalid_with_a_reason(make_mod, key, case, edit, reason) -> None:
    folder, raw = _signed(make_mod, key)
    write_sigfile_json(folder, edit(raw))
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert isinstance(found.problem, SignatureInvalid)
    assert found.problem.details["reason"] == reason
    assert found.problem.hint
    assert found.problem.mod_id == "coins"


#: (case id, bytes written over mod.sig, expected reason)
RAW_CASES: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("empty", lambda b: b"", "empty"),
    ("whitespace", lambda b: b"  \n", "empty"),
    ("truncated", lambda b: b[: len(b) // 2], "not-json"),
    ("binary-garbage", lambda b: bytes(range(256)) * 8, "not-text"),
    ("oversized", lambda b: b" " * (MAX_SIGFILE_BYTES + 1) + b, "oversized"),
    ("json-array", lambda b: b"[1, 2, 3]", "not-a-signature"),
    ("nan", lambda b: b'{"format": NaN}', "not-json"),
    (
        "duplicate-key",
        lambda b: b.replace(
            b'"algorithm": "ed25519",', b'"algorithm": "ed25519", "algorithm": "x",'
        ),
        "not-json",
    ),
]


@pytest.mark.parametrize(("case", "mangle", "reason"), RAW_CASES, ids=[c[0] for c in RAW_CASES])
def test_bad_bytes_are_invalid_with_a_reason(make_mod, key, case, mangle, reason) -> None:
    folder, _ = _signed(make_mod, key)
    good = (folder / SIGFILE_NAME).read_bytes()
    (folder / SIGFILE_NAME).write_bytes(mangle(good))
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.problem is not None
    diag = found.problem.to_diagnostic()
    assert diag.code == "SIGNATURE_INVALID"
    assert diag.details["reason"] == reason
    assert diag.file == SIGFILE_NAME and diag.hint and diag.mod == "coins"


def test_mod_sig_that_is_a_folder_is_invalid(make_mod, key) -> None:
    folder = make_mod()
    (folder / SIGFILE_NAME).mkdir()
    found = verify_mod(folder, trusted=[key.public_key])
    assert found.status == "invalid"
    assert found.problem is not None and found.problem.details["reason"] == "not-a-file"
