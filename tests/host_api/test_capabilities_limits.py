"""fs.read attacks, the storage quota, floods, and what crosses the boundary (types, copies)."""

from __future__ import annotations

import os
from array import array
from pathlib import Path

import pytest

from host_api import (
    ALL_CAPABILITIES,
    BadArgument,
    Budget,
    DiagnosticCode,
    FileAccessDenied,
    HostAPI,
    ModStorage,
    StorageQuotaExceeded,
    TickLimiter,
    grant,
)
from host_api.testing import FakeWorld

MAX = 1024 * 1024


def _api(root: Path, tmp_path: Path, **kwargs: object) -> tuple[HostAPI, FakeWorld, list]:
    world = FakeWorld()
    audit: list = []
    storage = kwargs.pop("storage", ModStorage(tmp_path / "s" / "m.json", mod_id="m"))
    api = HostAPI(
        grant("m", ALL_CAPABILITIES, ALL_CAPABILITIES),
        world,
        mod_root=root,
        seed=0,
        audit=audit.append,
        storage=storage,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    return api, world, audit


@pytest.fixture
def mod_root(tmp_path: Path) -> Path:
    root = tmp_path / "mod"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "ok.txt").write_bytes(b"fine")
    (tmp_path / "secret.txt").write_text("outside")
    return root


def test_fs_read_inside_works_and_is_audited(mod_root: Path, tmp_path: Path) -> None:
    api, _, audit = _api(mod_root, tmp_path)
    assert api.read_file("assets/ok.txt") == b"fine"
    assert [(a.capability, a.outcome) for a in audit] == [("fs.read", "allowed")]


@pytest.mark.parametrize(
    ("make", "path", "why"),
    [
        (None, "/etc/passwd", "absolute"),
        (None, "../secret.txt", "'..'"),
        (None, "assets/../../secret.txt", "'..'"),
        ("symlink_file", "assets/link.txt", "leaves the mod folder"),
        ("symlink_dir", "escape/secret.txt", "leaves the mod folder"),
        ("device", "assets/zero", "leaves the mod folder"),
        ("fifo", "assets/pipe", "not a regular file"),
        ("huge", "assets/huge.bin", f"larger than {MAX} bytes"),
        ("dir", "assets", "not a regular file"),
        (None, "", "non-empty string"),
        (None, "assets/ok.txt\x00", "non-empty string"),
    ],
)
def test_fs_read_attacks_are_refused(
    mod_root: Path, tmp_path: Path, make: str | None, path: str, why: str
) -> None:
    assets = mod_root / "assets"
    if make == "symlink_file":
        (assets / "link.txt").symlink_to(tmp_path / "secret.txt")
    elif make == "symlink_dir":
        (mod_root / "escape").symlink_to(tmp_path)
    elif make == "device":
        (assets / "zero").symlink_to("/dev/zero")
    elif make == "fifo":
        os.mkfifo(assets / "pipe")
    elif make == "huge":
        with (assets / "huge.bin").open("wb") as fh:
            fh.truncate(MAX + 1)  # sparse: costs no disk
    api, _, _ = _api(mod_root, tmp_path)
    with pytest.raises(FileAccessDenied) as info:
        api.read_file(path)
    diag = info.value.to_diagnostic()
    assert diag.code == DiagnosticCode.CAPABILITY_DENIED
    assert why in diag.message and diag.mod == "m" and diag.hint


def test_fs_read_of_a_real_device_node_inside_the_folder(mod_root: Path, tmp_path: Path) -> None:
    try:
        os.mknod(mod_root / "assets" / "null", 0o666 | 0o020000, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod needs root")
    api, _, _ = _api(mod_root, tmp_path)
    with pytest.raises(FileAccessDenied, match="not a regular file"):
        api.read_file("assets/null")


def test_storage_persists_across_runs(mod_root: Path, tmp_path: Path) -> None:
    api, _, _ = _api(mod_root, tmp_path)
    api.storage_set("score", {"best": 12})
    again, _, _ = _api(mod_root, tmp_path)
    assert again.storage_get("score") == {"best": 12}
    assert again.storage_keys() == ["score"]
    assert again.storage_delete("score") is True
    assert _api(mod_root, tmp_path)[0].storage_get("score") is None


def test_storage_quota_is_enforced_and_keeps_old_value(mod_root: Path, tmp_path: Path) -> None:
    store = ModStorage(tmp_path / "q.json", mod_id="m", quota=100)
    api, _, _ = _api(mod_root, tmp_path, storage=store)
    api.storage_set("a", "x" * 50)
    with pytest.raises(StorageQuotaExceeded) as info:
        api.storage_set("b", "y" * 60)
    assert info.value.to_diagnostic().code == DiagnosticCode.STORAGE_QUOTA_EXCEEDED
    assert api.storage_get("b") is None and api.storage_get("a") == "x" * 50
    assert ModStorage(tmp_path / "q.json", mod_id="m").get("b") is None


def test_storage_returns_copies(mod_root: Path, tmp_path: Path) -> None:
    api, _, _ = _api(mod_root, tmp_path)
    value = {"items": [1, 2]}
    api.storage_set("k", value)
    value["items"].append(3)
    got = api.storage_get("k")
    got["items"].append(4)  # type: ignore[index, union-attr]
    assert api.storage_get("k") == {"items": [1, 2]}


@pytest.mark.parametrize(
    ("call", "budget_kind"),
    [
        (lambda api: api.log("spam"), "log"),
        (lambda api: api.emit("spam", {"n": 1}), "events.emit"),
        (lambda api: api.storage_set("k", 1), "storage"),
    ],
)
def test_a_flood_is_throttled_with_one_diagnostic(
    mod_root: Path, tmp_path: Path, call: object, budget_kind: str
) -> None:
    limiter = TickLimiter({budget_kind: Budget(calls=10, bytes=10_000)})
    api, world, audit = _api(mod_root, tmp_path, limiter=limiter)
    for _ in range(1000):
        call(api)  # type: ignore[operator]
    diags = api.drain_diagnostics()
    assert [d.code for d in diags] == [DiagnosticCode.MOD_THROTTLED]
    assert diags[0].severity == "warning" and diags[0].mod == "m"
    assert [a.outcome for a in audit].count("throttled") == 1
    if budget_kind == "log":
        assert len(world.logs) == 10
    if budget_kind == "events.emit":
        assert len(world.events) == 10
    world.tick += 1  # a new tick, a fresh budget
    call(api)  # type: ignore[operator]
    assert api.drain_diagnostics() == []


def test_byte_budget_throttles_large_lines(mod_root: Path, tmp_path: Path) -> None:
    limiter = TickLimiter({"log": Budget(calls=1000, bytes=2000)})
    api, world, _ = _api(mod_root, tmp_path, limiter=limiter)
    for _ in range(10):
        api.log("x" * 999)  # log lines are capped at 1000 chars
    assert len(world.logs) == 2


def _nested(depth: int) -> list[object]:
    value: list[object] = [1]
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "payload",
    [
        {1: "non-string key"},
        {"deep": _nested(20)},
        ["x"] * 20_000,
        "s" * 70_000,
        object(),
        {"set": {1, 2}},
        b"bytes",
    ],
)
def test_payloads_are_checked(mod_root: Path, tmp_path: Path, payload: object) -> None:
    api, world, _ = _api(mod_root, tmp_path)
    with pytest.raises(BadArgument):
        api.emit("e", payload)
    assert world.events == []


class Sneaky(str):
    """A str subclass: exact-type checks must refuse it."""


@pytest.mark.parametrize(
    "call",
    [
        lambda api: api.spawn(Sneaky("coin")),
        lambda api: api.set_position(True, (0, 0, 0)),
        lambda api: api.set_position(1, (float("nan"), 0, 0)),
        lambda api: api.storage_set("k" * 300, 1),
        lambda api: api.set_positions_of("coin", [float("inf")] * 3),
        lambda api: api.set_positions_of("coin", [0.0] * 4),
        lambda api: api.set_positions_of("coin", "abc"),
    ],
)
def test_exact_types_in(mod_root: Path, tmp_path: Path, call: object) -> None:
    api, world, _ = _api(mod_root, tmp_path)
    world.add("coin")
    with pytest.raises(BadArgument):
        call(api)  # type: ignore[operator]


def test_bulk_positions_round_trip_as_copies(mod_root: Path, tmp_path: Path) -> None:
    api, world, _ = _api(mod_root, tmp_path)
    for i in range(5):
        world.add("coin", (float(i), 0.0, 0.0))
    world.add("rock", (9.0, 9.0, 9.0))
    ids, flat = api.positions_of("coin")
    assert list(ids) == [1, 2, 3, 4, 5] and flat[3::3].tolist() == [1.0, 2.0, 3.0, 4.0]
    flat[0] = 99.0  # a copy: the world does not change
    assert world.entities[1].position == (0.0, 0.0, 0.0)
    moved = api.set_positions_of("coin", array("f", [v + 1 for v in flat]))
    assert moved == 5
    assert world.entities[2].position == (2.0, 1.0, 1.0)
    assert world.entities[6].position == (9.0, 9.0, 9.0)


def test_all_finite_f32_checks_every_bit_pattern_class() -> None:
    import random
    import struct

    from host_api._values import all_finite_f32

    rng = random.Random(7)
    values = array("f", [1.5, -2.0, 3.0e38, -3.0e38, 0.0, 1e-40] * 500)
    assert all_finite_f32(values)
    for bad in (float("inf"), float("-inf"), float("nan")):
        for pos in (0, 1234, len(values) - 1):
            broken = array("f", values)
            broken[pos] = bad
            assert not all_finite_f32(broken)
    for _ in range(5000):
        (x,) = struct.unpack("<f", rng.randbytes(4))
        assert all_finite_f32(array("f", [x])) == (x == x and abs(x) != float("inf"))
