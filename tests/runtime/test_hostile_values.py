"""Values a script can make but the host cannot take: ints too large for a float, for JSON or
for text, data nested too deeply to show, and strings that are not valid Unicode (lone
surrogates). Each is refused in the script's call with a fault (never raised in host code),
or shown escaped where it is only shown; in both tiers the host keeps ticking and its report
can still be written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from host_api import HostPolicy
from runtime import Host

TIERS = ("inprocess", "process")
CAPABILITIES = (
    "world.read",
    "world.write",
    "world.spawn",
    "log",
    "events.emit",
    "ui.write",
    "timers",
    "storage",
    "fs.read",
)
SPAWNER = """
def on_load(ctx):
    for i in range(3):
        ctx.world.spawn('dot', (float(i), 0.0, 0.0))
"""
#: Twenty times the interpreter's recursion limit deep: host code that recursed over it would
#: fail. (100,000 levels took the module body past the default 5 ms limit on a loaded machine,
#: so the load faulted before any tick could try the data.)
DEEP = "deep = []\nfor i in range(20000):\n    deep = [deep]\n"

#: (a statement run in an entity's on_tick, what the fault says).
REFUSED = [
    ("ctx.world.set_position(ctx.entity.id, (10 ** 400, 0, 0))", "position must be finite"),
    ("ctx.world.set_velocity(ctx.entity.id, (0, -10 ** 400, 0))", "velocity must be finite"),
    ("ctx.entity.position = (10 ** 400, 0, 0)", "position must be finite"),
    ("ctx.entity.velocity = [0, 0, 10 ** 400]", "velocity must be finite"),
    ("ctx.world.spawn('dot', (10 ** 400, 0, 0))", "position must be finite"),
    ("ctx.world.spawn('dot', (0, 0, 0), (0, 0, -10 ** 400))", "velocity must be finite"),
    ("ctx.world.raycast((10 ** 400, 0, 0), (1, 0, 0))", "origin must be finite"),
    ("ctx.world.raycast((0, 0, 0), (1, 10 ** 400, 0))", "direction must be finite"),
    ("ctx.world.within_radius((0, 10 ** 400, 0), 5.0)", "centre must be finite"),
    ("ctx.ui.camera_target((10 ** 400, 0, 0))", "camera target must be finite"),
    ("ctx.log(10 ** 5000)", "cannot be shown as text"),
    ("ctx.log([1, 2, 10 ** 5000])", "cannot be shown as text"),
    ("ctx.events.emit('e', 10 ** 5000)", "outside the 64-bit range"),
    ("ctx.events.emit('e', {'n': [2 ** 64]})", "outside the 64-bit range"),
    ("ctx.storage.set('k', -(2 ** 63) - 1)", "outside the 64-bit range"),
    ("ctx.random.randint(5, 1)", "randint needs two ints with low <= high"),
    ("ctx.random.randint(0.5, 2)", "randint needs two ints with low <= high"),
    ("ctx.events.emit('e\\ud800', 1)", "event name is not valid Unicode text"),
    ("ctx.events.emit('e', ['a\\udfff'])", "a string in the event payload is not valid"),
    ("ctx.events.emit('e', {chr(0xD800): 1})", "a key in the event payload is not valid"),
    ("ctx.storage.set('k\\ud800', 1)", "storage key is not valid Unicode text"),
    ("ctx.storage.get('k\\ud800')", "storage key is not valid Unicode text"),
    ("ctx.world.spawn('dot\\ud800', (0, 0, 0))", "kind is not valid Unicode text"),
    ("ctx.world.spawn('dot', (0, 0, 0), tags=('t\\ud800',))", "tag is not valid Unicode text"),
    ("ctx.world.query('dot', 't\\ud800')", "tag is not valid Unicode text"),
    ("ctx.ui.set_text('k', 'x\\ud800')", "HUD text is not valid Unicode text"),
    ("ctx.ui.set_text('k\\ud800', 'x')", "HUD key is not valid Unicode text"),
    ("ctx.timers.after(1, 'n\\ud800')", "timer name is not valid Unicode text"),
]
#: Shown, not refused: the line reaches the log with the surrogate escaped.
SHOWN = ["ctx.log('a\\ud800b')", "print('a\\ud800b')", "ctx.log(['a\\ud800b'])"]


def _host(mods_dir: Path, tier: str) -> Host:
    return Host(mods_dir, seed=2, policy=HostPolicy.model_validate({"sandbox": {"tier": tier}}))


def _dots(make_mod, mods_dir: Path, tier: str, statement: str, prelude: str = "") -> Host:  # type: ignore[no-untyped-def]
    """A host (not yet loaded) whose three dots each run ``statement`` every tick."""
    make_mod(
        "numbers",
        scripts={"main.py": SPAWNER},
        entity_scripts={"dot": prelude + f"def on_tick(ctx, dt):\n    {statement}\n"},
        capabilities=CAPABILITIES,
    )
    return _host(mods_dir, tier)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(("statement", "message"), REFUSED)
def test_a_value_the_host_cannot_take_faults_the_call(
    make_mod, mods_dir: Path, tier: str, statement: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    with _dots(make_mod, mods_dir, tier, statement) as host:
        host.load()
        before = [tuple(v.position) for v in host.world.query(kind="dot")]
        host.step(2)
        assert host.tick == 2
        faults = [d for d in host.diagnostics if d.code.startswith("SANDBOX")]
        assert faults, statement
        assert faults[0].code == "SANDBOX_ERROR", faults[0]
        assert message in faults[0].message
        assert [tuple(v.position) for v in host.world.query(kind="dot")] == before
        json.loads(host.report().model_dump_json())


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("statement", SHOWN)
def test_a_log_line_that_is_not_valid_unicode_is_shown_escaped(
    make_mod, mods_dir: Path, tier: str, statement: str
) -> None:  # type: ignore[no-untyped-def]
    with _dots(make_mod, mods_dir, tier, statement) as host:
        host.load()
        host.step(1)
        report = json.loads(host.report().model_dump_json())
    assert report["mods"]["numbers"]["log"]
    assert all("a\\ud800b" in line for line in report["mods"]["numbers"]["log"])


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("path", ["'a\\ud800'", "'a\\udc80.txt'", "'x' * 100000"])
def test_a_refused_path_is_quoted_short_and_printable(
    make_mod, mods_dir: Path, tier: str, path: str
) -> None:  # type: ignore[no-untyped-def]
    with _dots(make_mod, mods_dir, tier, f"ctx.fs.read({path})") as host:
        host.load()
        host.step(2)
        denied = [d for d in host.diagnostics if d.code == "CAPABILITY_DENIED"]
        assert denied and len(denied[0].message) < 300
        json.loads(host.report().model_dump_json())


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "statement", ["ctx.log(deep)", "ctx.events.emit('e', deep)", "ctx.storage.set('k', deep)"]
)
def test_data_nested_too_deeply_is_refused_without_host_recursion(
    make_mod, mods_dir: Path, tier: str, statement: str
) -> None:  # type: ignore[no-untyped-def]
    with _dots(make_mod, mods_dir, tier, statement, prelude=DEEP) as host:
        host.load()
        host.step(2)
        assert host.tick == 2
        faults = [d for d in host.diagnostics if d.mod == "numbers" and "tick" in d.details]
        refusals = {
            "SANDBOX_ERROR",
            "SANDBOX_RECURSION_LIMIT",
            "MOD_PAYLOAD_LIMIT",
            "MOD_THROTTLED",
        }
        assert faults and {d.code for d in faults} <= refusals, faults
