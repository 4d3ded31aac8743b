"""Trace export: ``run --trace FILE.json`` (Chrome trace-event format) and ``--trace-csv``.

The JSON file opens in Perfetto (ui.perfetto.dev, "Open trace file") and in
``chrome://tracing``. Its layout:

- process "modhost stages": one track per stage, one slice per stage per tick (args: tick),
  and a "tick ms" counter;
- process "modhost mods": one track per mod, one slice per stage the mod ran in (named after
  the stage), and inside it one slice per hook with args ``mod``, ``hook``, ``script``,
  ``entities`` (calls in that slice) and ``fuel``. A mod's hooks run interleaved entity by
  entity; their slices are laid end to end inside the mod's slice, each as long as the sum
  of its calls;
- instant events (global scope) for reloads, faults, budget overruns and GC pauses.

Events are streamed to the file as they happen (fixed memory); after
:data:`MAX_TRACE_EVENTS` the trace stops with a ``trace truncated`` instant. The CSV file has
one row per tick: tick, tick_ms, one column per stage, one per mod loaded at the start (ms).
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import IO, Any, Final

from ..core import STAGE_ORDER
from ._profile import HookSample

#: Events written per trace before it is cut short (about 150 MB of JSON).
MAX_TRACE_EVENTS: Final = 1_000_000
_STAGES_PID: Final = 1
_MODS_PID: Final = 2


class ChromeTrace:
    """A Chrome trace-event JSON file, written as the run goes. :meth:`close` finishes it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] | None = path.open("w", encoding="utf-8")
        self._origin = time.perf_counter_ns()
        self._events = 0
        self._mods: dict[str, int] = {}
        self._fh.write('{"displayTimeUnit": "ms", "traceEvents": [\n')
        self._first = True
        self._meta(_STAGES_PID, None, "process_name", "modhost stages")
        self._meta(_MODS_PID, None, "process_name", "modhost mods")
        for tid, stage in enumerate(STAGE_ORDER, start=1):
            self._meta(_STAGES_PID, tid, "thread_name", f"stage: {stage}")
            self._meta(_STAGES_PID, tid, "thread_sort_index", tid)

    # -- the profiler's TraceSink ------------------------------------------------------------------
    def stage(self, stage: str, start_ns: int, end_ns: int, tick: int) -> None:
        tid = STAGE_ORDER.index(stage) + 1  # type: ignore[arg-type]
        self._slice(_STAGES_PID, tid, stage, start_ns, end_ns - start_ns, {"tick": tick})

    def mod_slice(
        self, mod: str, stage: str, start_ns: int, end_ns: int, hooks: list[HookSample]
    ) -> None:
        tid = self._mod_track(mod)
        self._slice(_MODS_PID, tid, stage, start_ns, end_ns - start_ns, {"mod": mod})
        cursor = start_ns
        for h in hooks:
            args = {
                "mod": mod,
                "hook": h.hook,
                "script": h.path,
                "entities": h.calls,
                "fuel": h.fuel,
            }
            self._slice(_MODS_PID, tid, h.hook, cursor, h.wall_ns, args)
            cursor += h.wall_ns

    def instant(self, name: str, at_ns: int, args: dict[str, Any]) -> None:
        self._write(
            {"name": name, "ph": "i", "s": "g", "ts": self._us(at_ns), "pid": _STAGES_PID,
             "tid": 0, "args": args}
        )  # fmt: skip

    def tick(self, tick: int, tick_ns: int, stages: list[int], mods: dict[str, int]) -> None:
        self._write(
            {"name": "tick ms", "ph": "C", "ts": self._us(time.perf_counter_ns()),
             "pid": _STAGES_PID, "args": {"ms": round(tick_ns / 1e6, 4)}}
        )  # fmt: skip

    def close(self) -> None:
        """Finish the JSON document. Idempotent."""
        if self._fh is None:
            return
        self._fh.write("\n]}\n")
        self._fh.close()
        self._fh = None

    # -- writing -----------------------------------------------------------------------------------
    def _mod_track(self, mod: str) -> int:
        tid = self._mods.get(mod)
        if tid is None:
            tid = self._mods[mod] = len(self._mods) + 1
            self._meta(_MODS_PID, tid, "thread_name", f"mod: {mod}")
        return tid

    def _slice(
        self, pid: int, tid: int, name: str, start_ns: int, dur_ns: int, args: dict[str, Any]
    ) -> None:
        self._write(
            {"name": name, "ph": "X", "ts": self._us(start_ns), "dur": round(dur_ns / 1e3, 3),
             "pid": pid, "tid": tid, "args": args}
        )  # fmt: skip

    def _meta(self, pid: int, tid: int | None, name: str, value: object) -> None:
        key = "sort_index" if name.endswith("sort_index") else "name"
        event: dict[str, Any] = {"name": name, "ph": "M", "pid": pid, "args": {key: value}}
        if tid is not None:
            event["tid"] = tid
        self._write(event)

    def _us(self, ns: int) -> float:
        return round((ns - self._origin) / 1e3, 3)

    def _write(self, event: dict[str, Any]) -> None:
        if self._fh is None or self._events > MAX_TRACE_EVENTS:
            return
        self._events += 1
        if self._events > MAX_TRACE_EVENTS:
            args = {"events": MAX_TRACE_EVENTS}
            event = {"name": "trace truncated", "ph": "i", "s": "g", "ts": event.get("ts", 0),
                     "pid": _STAGES_PID, "tid": 0, "args": args}  # fmt: skip
        self._fh.write(("" if self._first else ",\n") + json.dumps(event, separators=(",", ":")))
        self._first = False


class TickTable:
    """``--trace-csv``: one row per tick. Columns for mods are fixed by the first tick."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] | None = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh)
        self._mods: list[str] | None = None
        self._header = False

    def set_mods(self, mods: list[str]) -> None:
        """The mod columns, in load order (before the first tick)."""
        if self._mods is None:
            self._mods = list(mods)

    def tick(self, tick: int, tick_ns: int, stages: list[int], mods: dict[str, int]) -> None:
        if self._fh is None:
            return
        if self._mods is None:
            self._mods = sorted(mods)
        if not self._header:
            self._header = True
            self._csv.writerow(
                [
                    "tick",
                    "tick_ms",
                    *(f"{s}_ms" for s in STAGE_ORDER),
                    *(f"mod:{m}_ms" for m in self._mods),
                ]
            )
        self._csv.writerow(
            [
                tick,
                _ms(tick_ns),
                *(_ms(ns) for ns in stages),
                *(_ms(mods.get(m, 0)) for m in self._mods),
            ]
        )

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class TraceFanout:
    """Both files at once (the profiler holds one sink)."""

    def __init__(self, json_trace: ChromeTrace | None, table: TickTable | None) -> None:
        self.json = json_trace
        self.table = table

    def stage(self, stage: str, start_ns: int, end_ns: int, tick: int) -> None:
        if self.json is not None:
            self.json.stage(stage, start_ns, end_ns, tick)

    def mod_slice(
        self, mod: str, stage: str, start_ns: int, end_ns: int, hooks: list[HookSample]
    ) -> None:
        if self.json is not None:
            self.json.mod_slice(mod, stage, start_ns, end_ns, hooks)

    def instant(self, name: str, at_ns: int, args: dict[str, Any]) -> None:
        if self.json is not None:
            self.json.instant(name, at_ns, args)

    def tick(self, tick: int, tick_ns: int, stages: list[int], mods: dict[str, int]) -> None:
        if self.json is not None:
            self.json.tick(tick, tick_ns, stages, mods)
        if self.table is not None:
            self.table.tick(tick, tick_ns, stages, mods)

    def set_mods(self, mods: list[str]) -> None:
        """The CSV's mod columns (see :meth:`TickTable.set_mods`)."""
        if self.table is not None:
            self.table.set_mods(mods)

    def close(self) -> None:
        for sink in (self.json, self.table):
            if sink is not None:
                sink.close()


def open_trace(json_path: Path | None, csv_path: Path | None) -> TraceFanout | None:
    """The sink for ``--trace``/``--trace-csv`` (None when neither is given).

    :raises OSError: a file cannot be created (the CLI checked writability first).
    """
    if json_path is None and csv_path is None:
        return None
    table = None if csv_path is None else TickTable(csv_path)
    try:
        trace = None if json_path is None else ChromeTrace(json_path)
    except OSError:
        if table is not None:
            table.close()
        raise
    return TraceFanout(trace, table)


def _ms(ns: int) -> str:
    return f"{ns / 1e6:.4f}"
