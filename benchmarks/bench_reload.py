"""Hot reload: latency from a file write to the first tick running the new code, and memory.

The world runs as ``modhost run --watch`` runs it: a real ``ModWatcher``
on a temporary ``mods/`` folder, ticks paced at 60 Hz, changes reloaded between ticks. Each
sample saves a file the way an editor does (temp file, rename) and measures, with the clock
read outside the mods, until the end of the first tick after the reload (for the script
edit, the bench also checks that this tick logged the new code's marker). Two edits:

``script``
    a leaf mod's script (nothing depends on it): one mod reloads.
``manifest``
    the manifest of ``core``, which 10 mods require: 11 mods reload, in load order.

Each latency is split into *detect* (write -> the watcher hands the batch over: the
``step`` quiet period and the OS), *reload* (:meth:`Host.reload`) and *tick* (waiting for the
next paced tick and running it). Target: p95 under 100 ms (the AstraWeave plan's: 500 ms).

Both sandbox tiers are measured: ``inprocess`` and ``process`` (the policy default, a
worker process per mod; every reloaded mod takes a warm spare worker from the pool, see
``sandbox/python/_pool.py``).

Baseline, measured in the same run: a cold start of the same folder (``Host`` + ``load``),
what a restart would cost instead of a reload.

Memory, after 500 reload cycles (script edits, a manifest edit every 10th cycle, a broken
edit rolled back every 7th) against after 10, back to back with no pause: growth beyond
noise means something of the replaced versions stays reachable. ``inprocess``: the resident
set of this process. ``process``: the proportional set size (shared pages split between the
processes sharing them) of this process plus every live worker, and the number of live
workers (the mods' own, the pool's spares and retired ones not yet ended): old workers must
not pile up even when reloads never pause.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from host_api import HostPolicy
from runtime import Host
from runtime.gameplay._heap import settle_heap
from runtime.reload._watcher import ModWatcher

#: Samples per edit, per sandbox tier.
SAMPLES = {"inprocess": (60, 60), "process": (60, 60)}
#: Ticks between two samples. Under the process tier every reloaded mod takes a new worker
#: from the pool of warm spares, which refills in the background (one boot at a time, about
#: 10 ms each); samples half a second apart (a person saving) let it refill, as it does
#: between real saves.
SETTLE = {"inprocess": 3, "process": 30}
CYCLES = 500
#: Seconds the process tier's pool gets before a memory reading, so each reading sees the
#: same set of workers (the mods' own and a full pool of spares), not a passing burst.
POOL_SETTLE_S = 1.5
DEPENDENTS = 10
HZ_DT = 1 / 60
WAIT_S = 60.0

_MOD_SCRIPT = """\
def on_load(ctx):
    for i in range(3):
        ctx.world.spawn("{kind}", (i * 1.5, {row}, 0.5), (0.1, 0.0, 0.0), ["bench"])

def on_tick(ctx, dt):
    ctx.state["ticks"] = ctx.state.get("ticks", 0) + 1
    if ctx.tick % 30 == 0:
        ctx.log("{tag} alive at %d" % ctx.tick)
"""
_ENTITY_SCRIPT = """\
def on_spawn(ctx):
    ctx.state["home"] = ctx.entity.position

def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    hx, hy, hz = ctx.state["home"]
    far = abs(x - hx)
    if far > 3:
        ctx.entity.velocity = (-ctx.entity.velocity[0], 0.0, 0.0)
    if far > ctx.state.get("far", 0.0):
        ctx.state["far"] = far

def on_reload(ctx, old_state):
    ctx.state["reloads"] = old_state.get("reloads", 0) + 1
"""


def _write(path: Path, text: str) -> None:
    """Save like an editor: write a temp file, then rename it over the original."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _manifest(mod_id: str, *, requires: str | None = None, description: str = "bench") -> str:
    text = (
        f'id = "{mod_id}"\nname = "{mod_id}"\nversion = "1.0.0"\n'
        f'description = "{description}"\n'
        'capabilities = ["world.read", "world.write", "world.spawn", "log"]\n\n'
        '[[scripts]]\npath = "scripts/main.py"\n\n'
        f'[[scripts]]\nentity = "{mod_id}-unit"\npath = "scripts/unit.py"\n'
    )
    if requires:
        text += f'\n[dependencies]\nrequired = {{ {requires} = ">=1.0" }}\n'
    # As the example mods do: a per-call limit that a busy CI machine does not trip.
    return text + "\n[limits]\ntimeout_ms = 50\n"


def _mod(mods: Path, mod_id: str, row: int, *, requires: str | None = None) -> None:
    folder = mods / mod_id
    _write(folder / "mod.toml", _manifest(mod_id, requires=requires))
    script = _MOD_SCRIPT.format(kind=f"{mod_id}-unit", row=row, tag=mod_id)
    _write(folder / "scripts" / "main.py", script)
    _write(folder / "scripts" / "unit.py", _ENTITY_SCRIPT)


def _make_mods(root: Path) -> Path:
    """``core``, 10 mods that require it, and an independent ``leaf``."""
    mods = root / "mods"
    _mod(mods, "core", 0)
    for n in range(1, DEPENDENTS + 1):
        _mod(mods, f"dep-{n:02d}", n, requires="core")
    _mod(mods, "leaf", DEPENDENTS + 1)
    return mods


def _leaf_edit(mods: Path, n: int) -> str:
    """Edit the leaf's script so its new code logs ``marker`` on every tick."""
    marker = f"leaf-v{n}"
    script = _MOD_SCRIPT.format(kind="leaf-unit", row=DEPENDENTS + 1, tag="leaf")
    _write(mods / "leaf" / "scripts" / "main.py", script + f"    ctx.log('{marker}')\n")
    return marker


def _core_edit(mods: Path, n: int) -> str:
    """Edit core's manifest (its description): core and its 10 dependents reload."""
    marker = f"core-v{n}"
    _write(mods / "core" / "mod.toml", _manifest("core", description=marker))
    return marker


class _Clock:
    """The paced tick loop of ``run --watch``, timing each edit until its marker shows."""

    def __init__(self, host: Host, watcher: ModWatcher) -> None:
        self.host = host
        self.watcher = watcher
        self.seen: dict[str, float] = {}
        self.next_tick = time.perf_counter()
        self.start = self.detected = self.reloaded = 0.0
        self.count = 0

    def log(self, mod_id: str, line: str) -> None:
        self.seen.setdefault(line, time.perf_counter())

    def sample(self, edit: Callable[[], str], mods: int) -> tuple[float, float, float]:
        """(total, detect, reload) in seconds for one edit that reloads ``mods`` mods.

        Total ends when the first tick after the reload has run (the new code ran in it).
        """
        self.start = time.perf_counter()
        self.detected = self.reloaded = 0.0
        self.count = 0
        edit()
        while self.count < mods:
            if time.perf_counter() - self.start > WAIT_S:
                raise RuntimeError("the edit was never reloaded")
            self._tick()
        self._tick()  # the first tick after the reload runs the new code
        return time.perf_counter() - self.start, self.detected - self.start, self.reloaded

    def _tick(self) -> None:
        """Wait for the next tick as ``run --watch`` does (reloading meanwhile), run it."""
        self.next_tick += HZ_DT
        while True:
            folders = self.watcher.wait(max(0.0, self.next_tick - time.perf_counter()))
            if folders:
                self.detected = self.detected or time.perf_counter()
                result = self.host.reload(folders)
                self.reloaded += result.duration_ms / 1000
                self.count += len(result.reloaded)
                if result.rolled_back:
                    raise RuntimeError(result.diagnostics[0].render())
            if time.perf_counter() >= self.next_tick:
                break
        self.next_tick = max(self.next_tick, time.perf_counter() - HZ_DT)
        self.host.step(1)

    def settle(self, ticks: int) -> None:
        self.count = 0
        for _ in range(ticks):
            self._tick()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _policy(tier: str) -> HostPolicy:
    return HostPolicy.model_validate({"sandbox": {"tier": tier}})


def _latencies(root: Path, tier: str) -> dict[str, list[tuple[float, float, float]]]:
    mods = _make_mods(root)
    clock: _Clock
    host = Host(mods, policy=_policy(tier), seed=1, log=lambda m, line: clock.log(m, line))
    out: dict[str, list[tuple[float, float, float]]] = {"script": [], "manifest": []}
    with host, ModWatcher(mods) as watcher:
        host.load()
        settle_heap()  # as run --watch does before it starts ticking in real time
        clock = _Clock(host, watcher)
        clock.settle(10)
        scripts, manifests = SAMPLES[tier]
        for n in range(scripts):
            marker = f"leaf-v{n}"
            out["script"].append(clock.sample(partial(_leaf_edit, mods, n), 1))
            if marker not in clock.seen:
                raise RuntimeError(f"the tick after the reload did not run '{marker}'")
            clock.settle(SETTLE[tier])
        for n in range(manifests):
            out["manifest"].append(clock.sample(partial(_core_edit, mods, n), DEPENDENTS + 1))
            clock.settle(SETTLE[tier])
        _check_clean(host)
    return out


def _cold_start(root: Path, tier: str) -> float:
    mods = _make_mods(root)
    best = float("inf")
    for _ in range(5 if tier == "inprocess" else 2):
        start = time.perf_counter()
        with Host(mods, policy=_policy(tier), seed=1) as host:
            host.load()
            host.step(1)
            best = min(best, time.perf_counter() - start)
    return best


def _check_clean(host: Host) -> None:
    """The bench mods must not fault: a fault would measure the fault ladder, not reloads."""
    errors = [
        d for d in host.diagnostics if d.severity == "error" and d.code != "RELOAD_ROLLED_BACK"
    ]
    if errors:
        raise RuntimeError(errors[0].render())


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: the peak is the best the standard library offers
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pss_mb(pid: int) -> float:
    """A process's proportional set size in MiB (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _footprint(tier: str) -> tuple[float, int]:
    """(MiB, live workers): RSS of this process, or PSS of it and its workers."""
    if tier == "inprocess":
        return _rss_mb(), 0
    workers = multiprocessing.active_children()
    total = _pss_mb(os.getpid()) + sum(_pss_mb(w.pid) for w in workers if w.pid)
    return total, len(workers)


def _memory(root: Path, tier: str) -> tuple[dict[int, tuple[float, int]], int]:
    """Footprint after 10, 250 and 500 reload cycles, and the rollbacks among them."""
    mods = _make_mods(root)
    seen: dict[int, tuple[float, int]] = {}
    rollbacks = 0
    with Host(mods, policy=_policy(tier), seed=1) as host:
        host.load()
        for n in range(1, CYCLES + 1):
            if n % 7 == 0:
                _write(mods / "leaf" / "scripts" / "main.py", f"def on_tick(ctx, dt)\n# {n}\n")
            elif n % 10 == 0:
                _core_edit(mods, n)
            else:
                _leaf_edit(mods, n)
            result = host.reload()
            rollbacks += bool(result.rolled_back)
            host.step(2)
            if n in (10, CYCLES // 2, CYCLES):
                if tier != "inprocess":
                    time.sleep(POOL_SETTLE_S)  # retired workers end, the spares refill
                gc.collect()
                seen[n] = _footprint(tier)
        _check_clean(host)
    return seen, rollbacks


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs = {
            tier: (_cold_start(root / f"cold-{tier}", tier), _latencies(root / tier, tier))
            for tier in SAMPLES
        }
        memory = {tier: _memory(root / f"memory-{tier}", tier) for tier in SAMPLES}
    print(
        f"{'tier':<10}{'edit':<10}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'detect p50':>12}"
        f"{'reload p50':>12}{'p95/100ms':>11}{'reload/cold':>13}"
    )
    for tier, (cold, samples) in runs.items():
        for name, rows in samples.items():
            total = [r[0] * 1e3 for r in rows]
            detect = [r[1] * 1e3 for r in rows]
            reload = [r[2] * 1e3 for r in rows]
            p95 = _pct(total, 0.95)
            print(
                f"{tier:<10}{name:<10}{len(rows):>4}{statistics.median(total):>9.1f}{p95:>9.1f}"
                f"{statistics.median(detect):>12.1f}{statistics.median(reload):>12.1f}"
                f"{p95 / 100:>11.2f}{statistics.median(reload) / (cold * 1e3):>13.2f}"
            )
    for tier, (cold, _) in runs.items():
        print(
            f"baseline ({tier}): cold start of the same 12 mods, Host + load + 1 tick: "
            f"{cold * 1e3:.1f} ms"
        )
    for tier, (seen, rollbacks) in memory.items():
        what = "RSS" if tier == "inprocess" else "PSS of host + workers"
        first, middle, last = (seen[n] for n in (10, CYCLES // 2, CYCLES))
        workers = "" if tier == "inprocess" else (
            f"; live workers {first[1]}, {middle[1]}, {last[1]}"
        )  # fmt: skip
        print(
            f"memory ({tier}): {what} after 10 cycles {first[0]:.1f} MiB, after {CYCLES // 2} "
            f"{middle[0]:.1f} MiB, after {CYCLES} {last[0]:.1f} MiB (ratio "
            f"{last[0] / first[0]:.3f}{workers}; {rollbacks} of the cycles rolled back)"
        )


if __name__ == "__main__":
    main()
