"""Record and replay: equal hashes over thousands of ticks, divergence, bad files, mod sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from host_api import DiagnosticCode
from runtime import Host
from runtime.replay import RunIO, replay
from runtime.replay._file import Frame, load_replay

from .conftest import write_input

TICKS = 2400


def _record(mods_dir: Path, out: Path, inputs: Path | None, ticks: int = TICKS) -> str:
    with Host(mods_dir, seed=11) as host:
        host.load()
        io = RunIO(host, input_file=inputs, record=out)
        assert io.diagnostics == []
        host.step(ticks)
        assert io.finish() == []
        return host.world_hash()


@pytest.fixture
def recording(game_mod: Path, mods_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    inputs = write_input(
        tmp_path / "input.jsonl",
        [
            {"tick": 100, "type": "key_down", "key": "space"},
            {"tick": 400, "type": "key_up", "key": "space"},
            {"tick": 900, "type": "mouse_move", "x": 0.5, "y": -0.25},
            {"tick": 1500, "type": "key_down", "key": "space"},
            {"tick": 1530, "type": "key_up", "key": "space"},
        ],
    )
    out = tmp_path / "run.replay.json"
    return out, _record(mods_dir, out, inputs)


def test_replay_reproduces_every_tick_and_the_world_hash(
    recording: tuple[Path, str], mods_dir: Path
) -> None:
    path, world_hash = recording
    doc = load_replay(path)
    assert doc.ticks == TICKS and len(doc.inputs) == 5 and doc.seed == 11
    assert [m.id for m in doc.mods] == ["game"]
    report = replay(path, mods_dir)
    assert report.same, report.diagnostics
    assert report.world_hash == world_hash == report.recorded_world_hash
    assert report.ticks == TICKS
    assert not [d for d in report.diagnostics if d.severity == "error"]


def test_the_run_really_had_collisions_timers_and_triggers(game_mod: Path, mods_dir: Path) -> None:
    with Host(mods_dir, seed=11) as host:
        host.load()
        seen: dict[str, int] = {}
        host.gameplay.observers.append(lambda e: seen.__setitem__(e.name, seen.get(e.name, 0) + 1))
        host.step(TICKS)
    assert seen["collision"] > 10
    assert seen["cooled"] > 5 and seen["shuffle"] == TICKS // 45
    assert seen["trigger.enter"] > 3 and seen["trigger.exit"] > 3


def test_a_changed_mod_stops_the_replay_and_is_named(
    recording: tuple[Path, str], game_mod: Path, mods_dir: Path
) -> None:
    path, _ = recording
    ball = game_mod / "scripts" / "ball.py"
    ball.write_text(ball.read_text() + "\n# edited\n", encoding="utf-8")
    report = replay(path, mods_dir)
    assert not report.same and report.ticks == 0
    assert report.world_hash == ""  # no replayed world to give a hash of
    (diag,) = [d for d in report.diagnostics if d.code == DiagnosticCode.REPLAY_MODS_DIFFER]
    assert diag.mod == "game" and diag.severity == "error"
    assert "digest" in diag.message and "pass --allow-changed-mods" in diag.hint
    allowed = replay(path, mods_dir, allow_changed_mods=True)
    (diag,) = [d for d in allowed.diagnostics if d.code == DiagnosticCode.REPLAY_MODS_DIFFER]
    assert diag.severity == "warning"
    assert "pass --allow-changed-mods" not in diag.hint
    assert allowed.world_hash


SPAWNER = """
def on_load(ctx):
    ctx.state["id"] = ctx.world.spawn("ball", (0.0, 0.0, 0.0))

def on_tick(ctx, dt):
    if ctx.tick == GONE:
        ctx.world.despawn(ctx.state["id"])
"""


def test_an_entity_gone_only_in_the_replay_is_named_with_its_kind(
    make_mod, mods_dir: Path, tmp_path: Path
) -> None:
    folder = make_mod("solo", scripts={"main.py": SPAWNER.replace("GONE", "-1")})
    out = tmp_path / "solo.replay.json"
    code, text = _cli("run", "--mods", str(mods_dir), "--headless", "--ticks", "20",
                      "--record", str(out))  # fmt: skip
    assert code == 0, text
    (folder / "scripts" / "main.py").write_text(SPAWNER.replace("GONE", "5"))
    report = replay(out, mods_dir, allow_changed_mods=True)
    assert report.diverged is not None
    assert (report.diverged.tick, report.diverged.difference) == (5, "missing")
    assert report.diverged.kind == "ball" and report.diverged.mod == "solo"
    code, text = _cli("replay", str(out), "--mods", str(mods_dir))
    assert code == 1 and "not replayed" in text and "world hash" not in text


def test_divergence_names_the_first_tick_entity_and_mod(
    recording: tuple[Path, str], game_mod: Path, mods_dir: Path
) -> None:
    path, _ = recording
    ball = game_mod / "scripts" / "ball.py"
    # Entity 4 takes a different turn on tick 777; nothing else changes before that.
    ball.write_text(
        ball.read_text() + "\nbase_tick = on_tick\n\ndef on_tick(ctx, dt):\n"
        "    base_tick(ctx, dt)\n"
        "    if ctx.tick == 777 and ctx.entity.id == 4:\n"
        "        ctx.entity.velocity = (0.0, 0.0, 0.0)\n",
        encoding="utf-8",
    )
    report = replay(path, mods_dir, allow_changed_mods=True)
    assert report.diverged is not None, report.diagnostics
    assert (report.diverged.tick, report.diverged.entity, report.diverged.mod) == (777, 4, "game")
    assert report.diverged.kind == "ball" and report.diverged.difference == "state"
    assert report.ticks == 777 and not report.same
    codes = [d.code for d in report.diagnostics]
    assert DiagnosticCode.REPLAY_DIVERGED in codes
    assert DiagnosticCode.REPLAY_MODS_DIFFER in codes


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("not json", "JSON"),
        ('{"format": "something-else"}', "not a modhost-replay"),
        ('{"format": "modhost-replay", "version": 1}', "seed"),
    ],
)
def test_bad_replay_files_are_diagnostics(
    text: str, needle: str, tmp_path: Path, mods_dir: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    report = replay(path, mods_dir)
    (diag,) = report.diagnostics
    assert diag.code == DiagnosticCode.REPLAY_FILE_INVALID and needle in diag.message
    assert diag.hint


def test_tampered_frames_and_inputs_are_refused(
    recording: tuple[Path, str], mods_dir: Path, tmp_path: Path
) -> None:
    path, _ = recording
    doc = json.loads(path.read_text())
    doc["frames"][3] = "!!"
    bad = tmp_path / "frames.json"
    bad.write_text(json.dumps(doc))
    (diag,) = replay(bad, mods_dir).diagnostics
    assert diag.code == DiagnosticCode.REPLAY_FILE_INVALID and "frame of tick 4" in diag.message
    doc = json.loads(path.read_text())
    doc["inputs"][0]["key"] = "hyperspace"
    bad.write_text(json.dumps(doc))
    (diag,) = replay(bad, mods_dir).diagnostics
    assert diag.code == DiagnosticCode.REPLAY_FILE_INVALID and "hyperspace" in diag.message


def test_a_frame_that_would_inflate_past_its_caps_is_refused() -> None:
    import base64
    import zlib

    # A zlib bomb: 100 MB of zeros in about 100 KB, claiming 5 million entities.
    raw = (5_000_000).to_bytes(8, "little") + bytes(100_000_000)
    with pytest.raises(ValueError, match="inflates past"):
        Frame.decode(base64.b64encode(zlib.compress(raw, 9)).decode())
    # The same entity count spelled honestly (random digests) is over the entity cap too.
    header = (2_000_000).to_bytes(8, "little")
    with pytest.raises(ValueError, match="inflates past"):
        Frame.decode(base64.b64encode(zlib.compress(header + bytes(20) * 1000, 9)).decode())


def test_a_replay_file_that_is_not_a_regular_file_is_refused(
    tmp_path: Path, mods_dir: Path
) -> None:
    import os

    fifo = tmp_path / "run.replay.json"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    (diag,) = replay(fifo, mods_dir).diagnostics
    assert diag.code == DiagnosticCode.REPLAY_FILE_INVALID
    assert diag.hint


def test_frames_round_trip() -> None:
    import numpy as np

    frame = Frame(
        np.array([1, 5, 9], dtype=np.int64),
        np.array([3, 2**64 - 1, 0], dtype=np.uint64),
        np.array([0, 1, -1], dtype=np.int32),
    )
    again = Frame.decode(frame.encode())
    assert again.ids.tolist() == [1, 5, 9] and again.digests.tolist() == [3, 2**64 - 1, 0]
    assert again.owners.tolist() == [0, 1, -1]


def _cli(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from runtime.cli._cli import build_app

    result = CliRunner().invoke(build_app(), list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_record_and_replay_from_the_command_line(
    game_mod: Path, mods_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cli.replay.json"
    code, text = _cli("run", "--mods", str(mods_dir), "--headless", "--ticks", "200",
                      "--seed", "5", "--record", str(out), "--json")  # fmt: skip
    assert code == 0, text
    run_hash = json.loads(text)["world_hash"]
    code, text = _cli("replay", str(out), "--mods", str(mods_dir), "--json")
    report = json.loads(text)
    assert code == 0 and report["same"] and report["world_hash"] == run_hash
    assert report["ticks"] == report["ticks_recorded"] == 200 and report["seed"] == 5
    (game_mod / "scripts" / "zone.py").write_text("def on_event(ctx, event):\n    pass\n")
    code, text = _cli("replay", str(out), "--mods", str(mods_dir), "--json")
    report = json.loads(text)
    assert code == 1 and report["mods_changed"] == {
        "game": "same version, different files (digest differs)"
    }
    code, text = _cli("replay", str(out), "--mods", str(mods_dir))
    assert code == 1 and "REPLAY_MODS_DIFFER" in text and "game" in text
    code, _ = _cli("replay", str(tmp_path / "missing.json"), "--mods", str(mods_dir))
    assert code == 2


def test_a_replay_under_the_other_sandbox_tier_gives_the_same_world(
    recording: tuple[Path, str], mods_dir: Path
) -> None:
    from host_api import HostPolicy

    path, world_hash = recording
    recorded = load_replay(path).tier
    other = "process" if recorded == "inprocess" else "inprocess"
    policy = HostPolicy.model_validate({"sandbox": {"tier": other}})
    report = replay(path, mods_dir, policy=policy)
    assert report.same, report.diagnostics
    assert report.world_hash == world_hash
    assert not [d for d in report.diagnostics if "recorded_tier" in d.details]


def test_a_diverged_replay_under_the_other_tier_names_both_tiers(
    recording: tuple[Path, str], game_mod: Path, mods_dir: Path
) -> None:
    from host_api import HostPolicy

    path, _ = recording
    ball = game_mod / "scripts" / "ball.py"
    ball.write_text(
        ball.read_text() + "\nbase_tick = on_tick\n\ndef on_tick(ctx, dt):\n"
        "    base_tick(ctx, dt)\n"
        "    if ctx.tick == 50:\n"
        "        ctx.entity.velocity = (0.0, 0.0, 0.0)\n",
        encoding="utf-8",
    )
    recorded = load_replay(path).tier
    other = "process" if recorded == "inprocess" else "inprocess"
    policy = HostPolicy.model_validate({"sandbox": {"tier": other}})
    report = replay(path, mods_dir, policy=policy, allow_changed_mods=True)
    assert not report.same
    (diag,) = [d for d in report.diagnostics if d.details.get("recorded_tier") == recorded]
    assert diag.severity == "warning" and other in diag.message and "time limit" in diag.message


def test_a_replay_file_of_too_many_values_is_refused_before_it_is_parsed(
    tmp_path: Path, mods_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runtime.replay import _file

    # Millions of tiny values parse to many times their bytes (a gigabyte of "0," would be
    # tens of GB); the count of separators refuses them first.
    monkeypatch.setattr(_file, "MAX_REPLAY_VALUES", 1000)
    path = tmp_path / "wide.json"
    path.write_text('{"format": "modhost-replay", "frames": [' + "0," * 1000 + "0]}")
    parsed: list[object] = []
    monkeypatch.setattr(_file.json, "loads", lambda text: parsed.append(text))
    (diag,) = replay(path, mods_dir).diagnostics
    assert diag.code == DiagnosticCode.REPLAY_FILE_INVALID and "1,000 JSON values" in diag.message
    assert parsed == []  # never parsed
