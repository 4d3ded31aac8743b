"""Every validation gate failing on purpose, and approval refused while any gate failed."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from host_api import DiagnosticCode
from marketplace import (
    InvalidTransition,
    Marketplace,
    PackageUnsafe,
    SigningKey,
    State,
    ValidationFailed,
    pack_bytes,
)

from .conftest import store_directly

MakeMod = Callable[..., Path]


def _review(market: Marketplace, package: bytes, author: str = "ada") -> list[tuple[str, str]]:
    return _review_stored(market, market.submit(package, actor=author).id, author)


def _review_stored(
    market: Marketplace, submission_id: int, author: str = "ada"
) -> list[tuple[str, str]]:
    sub = market.request_review(submission_id, actor=author)
    assert sub.state == State.REVIEW
    with pytest.raises(ValidationFailed) as info:
        market.approve(sub.id, actor="rex")
    assert info.value.to_diagnostic().code == DiagnosticCode.MARKET_VALIDATION_FAILED
    assert market.store.get(sub.id).state == State.REVIEW
    return [(f.gate, f.code) for f in sub.findings if f.severity == "error"]


def test_a_clean_mod_passes_every_fast_gate(market: Marketplace, make_mod: MakeMod) -> None:
    sub = market.submit(pack_bytes(make_mod()), actor="ada")
    sub = market.request_review(sub.id, actor="ada")
    assert sub.gates_passed and sub.findings == ()
    assert market.approve(sub.id, actor="rex").state == State.APPROVED


def test_manifest_schema(market: Marketplace, make_mod: MakeMod) -> None:
    bad = 'id = "coin"\nname = "Coin"\nversion = "1.0.0"\nhots = "*"\n'
    folder = make_mod(manifest=bad, key=None)
    errors = _review(market, pack_bytes(folder))
    assert ("manifest", DiagnosticCode.MANIFEST_INVALID) in errors


def test_tampered_file(market: Marketplace, make_mod: MakeMod) -> None:
    folder = make_mod()
    (folder / "scripts" / "main.py").write_text("def on_tick(ctx, dt):\n    pass\n")
    assert _review(market, pack_bytes(folder)) == [("signature", "SIGNATURE_INVALID")]


def test_unsigned(market: Marketplace, make_mod: MakeMod) -> None:
    assert _review(market, pack_bytes(make_mod(key=None))) == [("signature", "SIGNATURE_MISSING")]


def test_wrong_key(market: Marketplace, make_mod: MakeMod, eve_key: SigningKey) -> None:
    errors = _review(market, pack_bytes(make_mod(key=eve_key)))
    assert errors == [("signature", "SIGNATURE_UNTRUSTED")]
    sub = market.store.submissions()[-1]
    assert eve_key.key_id in sub.findings[0].message


def test_author_without_a_registered_key(market: Marketplace, make_mod: MakeMod) -> None:
    folder = make_mod("lamp")
    assert _review(market, pack_bytes(folder), author="bo") == [
        ("signature", "SIGNATURE_UNTRUSTED")
    ]


def test_downgrade_and_same_version(
    market: Marketplace, make_mod: MakeMod, publish_mod: Callable[[Path], int]
) -> None:
    publish_mod(make_mod("coin", "1.2.0"))
    assert _review(market, pack_bytes(make_mod("coin", "1.1.0"))) == [
        ("version", DiagnosticCode.MARKET_VERSION_NOT_NEWER)
    ]
    assert _review(market, pack_bytes(make_mod("coin", "1.2.0"))) == [
        ("version", DiagnosticCode.MARKET_VERSION_NOT_NEWER)
    ]


def test_host_range_and_missing_dependency(market: Marketplace, make_mod: MakeMod) -> None:
    folder = make_mod(host=">=9.0", requires={"core-items": ">=1.0"})
    assert sorted(_review(market, pack_bytes(folder))) == [
        ("version", DiagnosticCode.HOST_VERSION_MISMATCH),
        ("version", DiagnosticCode.RESOLVE_MISSING_REQUIRED),
    ]


def test_dependency_published_in_range_passes(
    market: Marketplace, make_mod: MakeMod, publish_mod: Callable[[Path], int]
) -> None:
    publish_mod(make_mod("core-items", "1.4.0"))
    sub = market.submit(pack_bytes(make_mod(requires={"core-items": ">=1.0,<2"})), actor="ada")
    assert market.request_review(sub.id, actor="ada").gates_passed


def _zip_with(entry: str, data: bytes, mode: int, folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
        info = zipfile.ZipInfo(entry)
        info.create_system = 3
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("entry", "data", "mode"),
    [
        ("../../escape.py", b"x", stat.S_IFREG | 0o644),
        ("scripts/link.py", b"/etc/passwd", stat.S_IFLNK | 0o777),
        ("assets/bomb.bin", b"\0" * (16 * 1024 * 1024), stat.S_IFREG | 0o644),
    ],
    ids=["zip-slip", "symlink", "zip-bomb"],
)
def test_unsafe_package(
    market: Marketplace, make_mod: MakeMod, entry: str, data: bytes, mode: int
) -> None:
    package = _zip_with(entry, data, mode, make_mod())
    with pytest.raises(PackageUnsafe) as refused:
        market.submit(package, actor="ada")
    assert refused.value.to_diagnostic().code == DiagnosticCode.PACKAGE_UNSAFE
    assert market.store.submissions() == []
    # A package already in the store (stored before a limit it breaks) is refused by the
    # package gate at review.
    sub = store_directly(market.store, package, "coin", "1.0.0", "ada")
    errors = _review_stored(market, sub.id)
    assert set(errors) == {("package", DiagnosticCode.PACKAGE_UNSAFE)}
    sub = market.store.submissions()[-1]
    skipped = [f.gate for f in sub.findings if f.severity == "info"]
    assert skipped == ["signature"]


def test_every_finding_is_shown_at_once(
    market: Marketplace,
    make_mod: MakeMod,
    publish_mod: Callable[[Path], int],
    eve_key: SigningKey,
) -> None:
    publish_mod(make_mod("coin", "2.0.0"))
    folder = make_mod("coin", "1.0.0", host=">=5", requires={"nope": "*"}, key=eve_key)
    assert sorted(_review(market, pack_bytes(folder))) == [
        ("signature", "SIGNATURE_UNTRUSTED"),
        ("version", DiagnosticCode.HOST_VERSION_MISMATCH),
        ("version", DiagnosticCode.MARKET_VERSION_NOT_NEWER),
        ("version", DiagnosticCode.RESOLVE_MISSING_REQUIRED),
    ]


def test_self_approval_is_refused(market: Marketplace, make_mod: MakeMod) -> None:
    market.grant_role("ada", "reviewer", actor="mia")
    sub = market.submit(pack_bytes(make_mod()), actor="ada")
    market.request_review(sub.id, actor="ada")
    with pytest.raises(InvalidTransition, match="cannot approve their own"):
        market.approve(sub.id, actor="ada")
    assert [h.to_state for h in market.history(sub.id)] == [State.DRAFT, State.REVIEW]


def test_changes_requested_then_a_new_package(market: Marketplace, make_mod: MakeMod) -> None:
    sub = market.submit(pack_bytes(make_mod(key=None)), actor="ada")
    market.request_review(sub.id, actor="ada")
    market.request_changes(sub.id, actor="rex", reason="please sign it")
    with pytest.raises(InvalidTransition, match="only with a new package"):
        market.move(sub.id, State.DRAFT, actor="ada")
    fixed = market.revise(sub.id, pack_bytes(make_mod()), actor="ada")
    assert (fixed.state, fixed.gates_passed) == (State.DRAFT, None)
    assert market.request_review(sub.id, actor="ada").gates_passed
    assert market.approve(sub.id, actor="rex").state == State.APPROVED
    steps = [(h.to_state, h.actor) for h in market.history(sub.id)]
    assert steps == [
        (State.DRAFT, "ada"),
        (State.REVIEW, "ada"),
        (State.CHANGES_REQUESTED, "rex"),
        (State.DRAFT, "ada"),
        (State.REVIEW, "ada"),
        (State.APPROVED, "rex"),
    ]


def test_a_version_taken_after_the_gates_ran_cannot_be_approved(
    market: Marketplace, make_mod: MakeMod
) -> None:
    package = pack_bytes(make_mod("coin", "1.0.0"))
    first = market.submit(package, actor="ada")
    second = market.submit(package, actor="ada")
    for sub in (first, second):
        assert market.request_review(sub.id, actor="ada").gates_passed
    market.approve(first.id, actor="rex")
    with pytest.raises(ValidationFailed, match=r"not higher than 1\.0\.0"):
        market.approve(second.id, actor="rex")
