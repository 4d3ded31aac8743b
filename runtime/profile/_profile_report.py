"""``modhost profile --json``: the profiler's figures as a stable, versioned document.

:data:`PROFILE_SCHEMA_VERSION` goes up when a field changes meaning or disappears; new
fields may be added without a bump (readers ignore what they do not know).
``modhost schema --profile`` prints the JSON Schema of :class:`ProfileReport`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from host_api import Diagnostic, UnsafeFile, read_regular
from sandbox import MAX_SOURCE_BYTES

from ..core import STAGE_ORDER
from ._profile import HOST_SIDE, HookTotal, Profiler

if TYPE_CHECKING:
    from ..core import Host

PROFILE_SCHEMA_VERSION: Final = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TickStats(_Model):
    """Tick wall time over the ticks still in the rolling window, in ms."""

    ticks: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    #: Jitter: standard deviation of tick time, and p95 of |tick - previous tick|.
    stdev_ms: float
    jitter_p95_ms: float


class Hotspot(_Model):
    """One hook (or stage) and where its time went, over the whole run."""

    mod: str
    stage: str
    #: ``on_tick``, ``on_event`` ..., a component export (``on-tick``), or ``(host)``: the
    #: mod's time outside its hooks (ctx objects, crossing to a worker, applying results).
    hook: str
    #: ``path:line`` of the hook's definition (``path`` for components), None for ``(host)``.
    script: str | None
    calls: int
    cpu_ms: float
    wall_ms: float
    fuel: int
    #: Share of all tick wall time spent here (0-1).
    share: float


class ModProfile(_Model):
    """One mod's time per tick (over the rolling window) and its host calls (whole run)."""

    p50_ms: float
    p95_ms: float
    cpu_p95_ms: float
    share: float
    capability_calls: dict[str, int]


class WindowSummary(_Model):
    """The latest full trend window of ``seconds`` simulated seconds, and its change from the
    window before it (None until two windows have run)."""

    seconds: float
    ticks: int
    tick_p50_ms: float
    tick_p95_ms: float
    mods_p95_ms: dict[str, float]
    previous_tick_p95_ms: float | None
    delta_tick_p95_ms: float | None
    delta_mods_p95_ms: dict[str, float]
    #: Mods whose p95 grew by more than ``[profile] trend_growth`` since the window before.
    grew: list[str]


class GcSummary(_Model):
    count: int
    total_ms: float
    max_ms: float


class ReloadStats(_Model):
    count: int
    p50_ms: float | None
    p95_ms: float | None


class ProfileReport(_Model):
    """``modhost profile --json``."""

    schema_version: Literal[1] = PROFILE_SCHEMA_VERSION
    ticks: int
    hz: int
    seed: int
    world_hash: str
    tick: TickStats
    #: Mean ms per tick, by stage.
    stages_ms: dict[str, float]
    #: Cold start by step, in ms (see the README for what each step covers).
    startup_ms: dict[str, float]
    startup_total_ms: float
    hotspots_by_cpu: list[Hotspot]
    hotspots_by_calls: list[Hotspot]
    mods: dict[str, ModProfile]
    #: Events emitted per name over the run.
    events: dict[str, int]
    #: Time spent delivering them to their listeners (every receiver's hooks), per name, ms.
    events_ms: dict[str, float] = Field(default_factory=dict)
    gc: GcSummary
    reloads: ReloadStats
    windows: list[WindowSummary]
    diagnostics: list[Diagnostic] = Field(default_factory=list)


def profile_json_schema() -> dict[str, object]:
    return ProfileReport.model_json_schema()


def build_profile(
    host: Host, *, top: int = 10, growth: float = 0.5, min_ms: float = 0.05
) -> ProfileReport:
    """The profile of ``host``'s run so far.

    :param top: hotspots listed per ranking.
    :param growth: trend threshold (fraction) for naming a mod in ``windows[].grew``.
    :param min_ms: ... and the least growth in ms that counts.
    """
    prof = host.profiler
    if prof is None:
        raise ValueError("the host runs without its profiler")
    totals = list(prof.hooks.values())
    lines = _HookLines(host)
    by_cpu = sorted(totals, key=lambda h: (-h.cpu_ns, h.mod, h.stage, h.hook))[:top]
    by_calls = sorted(
        (h for h in totals if h.hook != HOST_SIDE), key=lambda h: (-h.calls, -h.cpu_ns, h.mod)
    )[:top]
    spot = lambda h: _hotspot(h, prof.total_tick_ns, lines)  # noqa: E731
    window = prof.window(min(prof.ticks, prof.capacity))
    calls = prof.capability_calls()
    mods = {}
    for mod in prof.mods():
        wall, cpu = prof.mod_series(mod)
        mods[mod] = ModProfile(
            p50_ms=_pct(wall, 50),
            p95_ms=_pct(wall, 95),
            cpu_p95_ms=_pct(cpu, 95),
            share=0.0 if window is None else round(window.mod_share(mod), 4),
            capability_calls=calls.get(mod, {}),
        )
    stage_rows = prof.stage_ns if prof.ticks >= prof.capacity else prof.stage_ns[: prof.ticks]
    return ProfileReport(
        ticks=prof.ticks,
        hz=prof.hz,
        seed=host.seed,
        world_hash=host.world_hash(),
        tick=tick_stats(prof),
        stages_ms={
            str(s): round(float(stage_rows[:, i].mean()) / 1e6, 4) if len(stage_rows) else 0.0
            for i, s in enumerate(STAGE_ORDER)
        },
        startup_ms={k: round(v, 3) for k, v in prof.startup_ms.items()},
        startup_total_ms=round(sum(prof.startup_ms.values()), 3),
        hotspots_by_cpu=[spot(h) for h in by_cpu],
        hotspots_by_calls=[spot(h) for h in by_calls],
        mods=mods,
        events=dict(sorted(prof.events.items(), key=lambda kv: (-kv[1], kv[0]))),
        events_ms={
            k: round(ns / 1e6, 4)
            for k, ns in sorted(prof.events_ns.items(), key=lambda kv: (-kv[1], kv[0]))
        },
        gc=GcSummary(
            count=prof.gc.count,
            total_ms=round(prof.gc.total_ns / 1e6, 3),
            max_ms=round(prof.gc.max_ns / 1e6, 3),
        ),
        reloads=ReloadStats(
            count=len(prof.reloads_ms),
            p50_ms=_pct_ms(prof.reloads_ms, 50),
            p95_ms=_pct_ms(prof.reloads_ms, 95),
        ),
        windows=trend_windows(prof, growth=growth, min_ms=min_ms),
        diagnostics=list(host.diagnostics),
    )


def tick_stats(prof: Profiler) -> TickStats:
    """Tick time figures over the rolling window."""
    ticks = prof.last(prof.ticks)
    if not len(ticks):
        return TickStats(
            ticks=0, mean_ms=0, p50_ms=0, p95_ms=0, p99_ms=0, max_ms=0, stdev_ms=0, jitter_p95_ms=0
        )
    diff = np.abs(np.diff(ticks)) if len(ticks) > 1 else np.zeros(1)
    return TickStats(
        ticks=len(ticks),
        mean_ms=round(float(ticks.mean()) / 1e6, 4),
        p50_ms=_pct(ticks, 50),
        p95_ms=_pct(ticks, 95),
        p99_ms=_pct(ticks, 99),
        max_ms=round(float(ticks.max()) / 1e6, 4),
        stdev_ms=round(float(ticks.std()) / 1e6, 4),
        jitter_p95_ms=_pct(diff, 95),
    )


def trend_windows(prof: Profiler, *, growth: float, min_ms: float) -> list[WindowSummary]:
    """For each trend window: the latest full one, compared with the one before it."""
    out = []
    for seconds in prof.windows_s:
        n = max(1, round(seconds * prof.hz))
        latest = prof.window(n)
        if latest is None:
            continue
        before = prof.window(n, offset=n)
        mods = {m: round(latest.mod_p95_ms(m), 4) for m in latest.mods}
        deltas: dict[str, float] = {}
        grew = []
        if before is not None:
            for m, now in mods.items():
                was = before.mod_p95_ms(m)
                deltas[m] = round(now - was, 4)
                if now - was > max(min_ms, growth * was):
                    grew.append(m)
        prev = None if before is None else round(before.tick_p95_ms(), 4)
        out.append(
            WindowSummary(
                seconds=seconds,
                ticks=n,
                tick_p50_ms=_pct(latest.tick_ns, 50),
                tick_p95_ms=round(latest.tick_p95_ms(), 4),
                mods_p95_ms=mods,
                previous_tick_p95_ms=prev,
                delta_tick_p95_ms=None if prev is None else round(latest.tick_p95_ms() - prev, 4),
                delta_mods_p95_ms=deltas,
                grew=grew,
            )
        )
    return out


def _hotspot(h: HookTotal, total_tick_ns: int, lines: _HookLines) -> Hotspot:
    return Hotspot(
        mod=h.mod,
        stage=h.stage,
        hook=h.hook,
        script=lines.where(h.mod, h.path, h.hook),
        calls=h.calls,
        cpu_ms=round(h.cpu_ns / 1e6, 4),
        wall_ms=round(h.wall_ns / 1e6, 4),
        fuel=h.fuel,
        share=round(h.wall_ns / total_tick_ns, 4) if total_tick_ns and h.stage != "load" else 0.0,
    )


class _HookLines:
    """``path:line`` of a hook's ``def``, read from the mod's script (tier-independent)."""

    def __init__(self, host: Host) -> None:
        self._folders = {m: i.folder for m, i in host.instances.items()}
        self._cache: dict[tuple[str, str], dict[str, int]] = {}

    def where(self, mod: str, path: str, hook: str) -> str | None:
        if not path:
            return None
        if not path.endswith(".py"):
            return path
        defs = self._defs(mod, path)
        line = defs.get(hook)
        return path if line is None else f"{path}:{line}"

    def _defs(self, mod: str, path: str) -> dict[str, int]:
        key = (mod, path)
        if key not in self._cache:
            self._cache[key] = {}
            folder = self._folders.get(mod)
            try:
                # The mod's file, read again for line numbers: it is still the mod's input
                # (it may have changed since it loaded), so capped like a script.
                raw = (
                    read_regular(Path(folder) / path, max_bytes=MAX_SOURCE_BYTES) if folder else b""
                )
                tree = ast.parse(raw.decode("utf-8"))
            except (OSError, UnsafeFile, SyntaxError, ValueError, RecursionError, MemoryError):
                return self._cache[key]
            self._cache[key] = {
                n.name: n.lineno for n in tree.body if isinstance(n, ast.FunctionDef)
            }
        return self._cache[key]


def _pct(values: np.ndarray, q: float) -> float:  # type: ignore[type-arg]
    return round(float(np.percentile(values, q)) / 1e6, 4) if len(values) else 0.0


def _pct_ms(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


class TrendWatcher:
    """``run --watch``: at the end of each trend window (every size in ``[profile]
    windows_s``), name the mods whose p95 grew by more than the policy's threshold since the
    window before (one line each)."""

    def __init__(self, host: Host, say: Callable[[str], None]) -> None:
        self.host = host
        self.say = say
        policy = host.policy.profile
        self.growth = policy.trend_growth
        self.min_ms = policy.trend_min_ms
        self.windows: list[tuple[float, int]] = []

    def attach(self) -> TrendWatcher:
        prof = self.host.profiler
        if prof is not None:
            self.windows = [(s, max(1, round(s * prof.hz))) for s in prof.windows_s]
            prof.listeners.append(self._on_tick)
        return self

    def _on_tick(self, ticks: int) -> None:
        prof = self.host.profiler
        if prof is None:
            return
        for seconds, n in self.windows:
            if ticks % n:
                continue
            latest, before = prof.window(n), prof.window(n, offset=n)
            if latest is None or before is None:
                continue
            for mod in latest.mods:
                now, was = latest.mod_p95_ms(mod), before.mod_p95_ms(mod)
                if now - was > max(self.min_ms, self.growth * was):
                    self.say(
                        f"trend: {mod} p95 {was:.3f} ms -> {now:.3f} ms over the last "
                        f"{seconds:g} s (tick {self.host.tick})"
                    )
