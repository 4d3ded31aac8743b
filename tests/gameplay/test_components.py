"""WebAssembly components reach input, timers, the HUD and colliders through the WIT world."""

from __future__ import annotations

from pathlib import Path

from host_api import DiagnosticCode
from runtime import Host

ROOT = Path(__file__).resolve().parents[2]
WAT = Path(__file__).with_name("fixtures") / "gameplay.wat"
CAPS = ["world.read", "world.spawn", "input.read", "timers", "ui.write", "log"]

RUNNER = """
def on_load(ctx):
    ctx.world.spawn("runner", (-3.0, 0.0, 0.0), (3.0, 0.0, 0.0),
                    collider={"shape": "sphere", "radius": 0.25})
"""


def test_a_component_uses_timers_input_hud_and_a_trigger(  # type: ignore[no-untyped-def]
    make_mod, mods_dir: Path, wat_component
) -> None:
    folder = make_mod(
        "wat",
        capabilities=tuple(CAPS),
        extra='[[components]]\npath = "components/gameplay.wasm"\n',
    )
    (folder / "components").mkdir()
    wat_component(WAT, folder / "components" / "gameplay.wasm", ROOT / "wit", world="mod")
    make_mod("runner", scripts={"main.py": RUNNER})
    with Host(mods_dir) as host:
        host.load()
        assert host.state_of("wat") == "running", host.diagnostics
        hud = lambda: host.snapshot().hud.get("wat/event")  # noqa: E731
        host.step(29)
        # The runner (3 units/s from x=-3) reaches the zone (radius 1 + 0.25) around tick 35.
        assert hud() is None
        host.step(1)
        assert hud() == "ping"
        host.step(10)
        assert hud() == "trigger.enter"
        host.gameplay.input.queue_now(host.tick + 1, "key_down", "space")
        host.step(1)
        # The input stage delivered input.key_down to on-event first, then on-tick saw it held.
        assert hud() == "held"
        codes = [d.code for d in host.diagnostics if d.mod == "wat"]
    assert codes.count(DiagnosticCode.INPUT_UNKNOWN_KEY) == 1
