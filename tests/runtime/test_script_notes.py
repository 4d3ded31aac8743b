"""What the compiler skips in a script (a ported file's main guard) is told as a note, with
its line, by ``modhost check`` and the host; the mod loads and runs."""

from __future__ import annotations

from pathlib import Path

from host_api import HostPolicy
from runtime import Host
from runtime.core._mods import MAX_SCRIPT_NOTES

from ..conftest import MakeMod
from .test_cli import json_of, modhost

PORTED = """\
def area(w, h):
    return w * h


def on_load(ctx):
    ctx.log("area %d" % area(3, 4))


if __name__ == "__main__":
    print(area(5, 6))
"""


def test_a_skipped_main_guard_is_a_note_at_its_line(make_mod: MakeMod, mods_dir: Path) -> None:
    make_mod("ported", scripts={"main.py": PORTED})
    policy = HostPolicy.model_validate({"sandbox": {"tier": "inprocess"}})
    with Host(mods_dir, policy=policy) as host:
        host.load()
        host.step(1)
        notes = [d for d in host.diagnostics if d.code == "SANDBOX_SKIPPED"]
        assert host.report().mods["ported"].log == ["area 12"]
    [note] = notes
    assert note.severity == "info" and note.mod == "ported"
    assert (note.file, note.line) == ("scripts/main.py", 9)
    assert "never runs in a mod" in note.message and note.hint


def test_check_lists_the_note_and_still_passes(make_mod: MakeMod, mods_dir: Path) -> None:
    make_mod("ported", scripts={"main.py": PORTED})
    result = modhost("check", "--json", "--mods", str(mods_dir))
    assert result.returncode == 0
    report = json_of(result)
    codes = [(d["code"], d["severity"], d.get("line")) for d in report["diagnostics"]]
    assert ("SANDBOX_SKIPPED", "info", 9) in codes


def test_a_script_without_a_main_guard_has_no_note(make_mod: MakeMod, mods_dir: Path) -> None:
    make_mod("plain", scripts={"main.py": "def on_load(ctx):\n    pass\n"})
    with Host(mods_dir) as host:
        host.load()
        assert not [d for d in host.diagnostics if d.code == "SANDBOX_SKIPPED"]


def test_a_script_full_of_main_guards_gets_a_bounded_number_of_notes(
    make_mod: MakeMod, mods_dir: Path
) -> None:
    guards = "".join(f'if __name__ == "__main__":\n    print({i})\n' for i in range(400))
    make_mod("noisy", scripts={"main.py": "def on_load(ctx):\n    pass\n" + guards})
    with Host(mods_dir) as host:
        host.load()
        notes = [d for d in host.diagnostics if d.code == "SANDBOX_SKIPPED"]
    assert len(notes) == MAX_SCRIPT_NOTES
    assert [n.line for n in notes] == [3, 5, 7, 9, 11]
    assert {n.details["skipped_blocks"] for n in notes} == {400}
