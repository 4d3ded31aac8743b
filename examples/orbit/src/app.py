"""The orbit mod: a WebAssembly component written in Python, built with componentize-py.

Three "orbiter" entities circle the arena's centre. Each tick the guest reads the positions of
all its orbiters with one host call and writes them back with another (the bulk operations of
the WIT), so the cost does not grow with per-entity host calls. The number of runs is kept in
the mod's persistent storage; coin pickups announced by other mods are counted.

Build (from the repository root): ``make components``, which runs
``componentize-py -d wit -w mod componentize --stub-wasi -p examples/orbit/src app
-o examples/orbit/components/orbit.wasm``.
"""

import json
import math

import wit_world
from componentize_py_types import Err
from wit_world.imports import host

KIND = "orbiter"
RADIUS = 6.0
SPEED = 0.8  # radians per second

# componentize-py may build a fresh WitWorld for each export call: state lives in the module.
# (The host restarts a trapped instance with init, which resets it.)
STATE = {"angle": 0.0, "pickups": 0}


def spot(i: int) -> tuple[float, float]:
    """Where orbiter ``i`` is at the current angle."""
    a = STATE["angle"] + i * 2.0 * math.pi / 3.0
    return RADIUS * math.cos(a), RADIUS * math.sin(a)


class WitWorld(wit_world.WitWorld):
    """The exports of world ``mod``: init, on-tick and on-event."""

    def init(self) -> None:
        STATE["angle"], STATE["pickups"] = 0.0, 0
        runs = json.loads(host.storage_get("runs")) or 0
        host.storage_set("runs", json.dumps(runs + 1))
        for i in range(3):
            x, y = spot(i)
            origin = host.Vec3(0.0, 0.0, 0.0)
            host.spawn(KIND, host.Vec3(x, y, 1.0), origin, ["orbit"])
        host.log(f"orbit online (run {runs + 1}), written in Python")

    def on_tick(self, dt: float) -> None:
        STATE["angle"] += SPEED * dt
        flat = host.positions_of(KIND)
        for i in range(len(flat) // 3):
            flat[3 * i], flat[3 * i + 1] = spot(i)
        host.set_positions_of(KIND, flat)

    def on_event(self, name: str, payload: str) -> None:
        if name != "coin.collected":
            return
        STATE["pickups"] += 1
        try:
            host.log(f"saw pickup {STATE['pickups']}: {json.loads(payload)}")
        except Err as err:
            # Throttled or denied calls come back as host-error values, never as a crash.
            print(err.value.code)
