"""The worker side of the process tier: a :class:`RestrictedSandbox` in its own process.

The host sends one message per tick (``batch``): the calls to make, in order, each with the
entity's snapshot and state. Scripts see an ordinary ``ctx``; behind it, :class:`RemoteAPI`
serves the entity's own fields from the snapshot, buffers writes (moves, emits, log lines,
despawns) into an ordered op list returned with the results, and asks the host (``rpc``) only
for what needs the live world (queries, spawns, files, storage, randomness). The host checks
every op again through the mod's real ``HostAPI``: it never trusts the worker.

Messages (tuples over a ``multiprocessing`` pipe):

- host -> worker: ``("assign", mod_id, limits)`` (first, once, never answered),
  ``("load", scripts)`` with one ``(path, code)`` per script (its code, compiled by the host's
  ``check_script``, marshalled; a mod's scripts travel together, in load order),
  ``("batch", tick, granted, calls)`` with one ``(path, hook, snapshot, state, args)`` per call,
  ``("tick", tick, granted, calls, kinds, forgotten, dt)``: a mod's whole tick (its mod calls as
  in ``batch``, then each entity kind as packed columns, see ``_worker_kinds.py``; the ids of
  entities gone since), ``("states", {id: state})`` (the host's copy, to a fresh worker),
  ``("pull",)`` (answered with ``("states", {id: state})``),
  ``("ret", value, queued_s)`` / ``("err", fault, queued_s)`` answering an rpc (``queued_s``:
  how long it waited for the host to come to this worker), ``("close",)`` (the host usually
  just closes its end instead: the worker ends at EOF as it does on ``close``).
- worker -> host: ``("ready",)`` (first, once booted), ``("loaded", hooks)`` /
  ``("fault", fault)`` (one per script of a ``load``, in order, each sent as soon as that
  module body has run), ``("rpc", name, args, kwargs, sent_at)``,
  ``("done", results)`` with one ``(fault | None, value, state, ops)`` per call,
  ``("ticked", results, kinds, figures, synced)`` answering a ``tick``.
"""

from __future__ import annotations

import marshal
import os
import pickle
import resource
import time
from multiprocessing.connection import Connection
from typing import Any, Final

from host_api import (
    EntityView,
    Limits,
    ModhostError,
    foreign_type,
)

from ..base import ScriptFault, ScriptRejected
from ._fuel import GC_PAUSES
from ._memory import NOT_PLAIN_HINT, not_plain_message
from ._remote_api import RemoteAPI
from ._restricted import RestrictedSandbox
from ._wire import FaultData, crossable, fault_data
from ._worker_kinds import plain_states, run_kinds, sync_share, ticked_reply

#: Address space the worker may use beyond what it had after start-up, on top of memory_mb.
AS_SLACK: Final = 96 * 1024 * 1024

#: Progress marker while a call's results are pickled (not script time).
POST_CALL: Final = -2.0
#: Exit status of a worker that ran out of address space outside a script call.
EXIT_MEMORY: Final = 3


#: The worker reads its CPU clock around one batch in this many (for the profiler's CPU
#: share): such a read can cost tens of microseconds.
CPU_SAMPLE_EVERY: Final = 32


def worker_main(conn: Connection, progress: Any) -> None:
    """Entry point of a worker process: warm up, wait for a mod, then serve only that mod.

    The first message names the mod (``("assign", mod_id, limits)``); until then the worker
    is a spare of the pool (``_pool.py``) that has run no mod code.
    """
    _warm_up()
    try:
        conn.send(("ready",))
        message = conn.recv()
    except (EOFError, OSError):
        return
    if message[0] != "assign":
        return
    _, mod_id, limits = message
    GC_PAUSES.progress = progress
    _serve(conn, mod_id, limits, progress)


#: The fixed script a spare compiles and runs once, so a mod's first load finds the
#: compiler, the builtins and the guards already warm.
_WARM_UP = """
def on_tick(ctx, dt):
    total = 0
    for i in range(8):
        total += i * dt
    return [total, str(total), {"k": total}]
"""


def _warm_up() -> None:
    sandbox = RestrictedSandbox("spare", Limits(timeout_ms=1000))
    try:
        module = sandbox.load("warm-up.py", _WARM_UP)
        sandbox.call(module, "on_tick", None, 0.5)
    except ModhostError:  # pragma: no cover - the fixed script cannot fault
        pass
    finally:
        sandbox.close()


def _serve(conn: Connection, mod_id: str, limits: Limits, progress: Any) -> None:
    """Apply the mod's OS limits, then answer the host until close."""
    _limit_resources(limits)
    sandbox = RestrictedSandbox(mod_id, limits)
    # Bulk growth in C is the address-space limit's job here; a whole walk of the mod's
    # data inside a call would count against the call's deadline and get the worker killed.
    sandbox.retained.watch(None)
    # The walk a call pays for runs after the script returned: on the post-call clock.
    sandbox.accounting_started = lambda: _started(progress, POST_CALL)
    modules: dict[str, Any] = {}
    api = RemoteAPI(conn, mod_id, progress, limits.timeout_ms)
    #: Each entity's ``ctx.state``, kept here between ticks (the host holds a copy).
    states: dict[int, dict[str, Any]] = {}
    batches = 0
    while True:
        try:
            message = conn.recv()
        except MemoryError:
            # The host sent more state than the address-space limit holds.
            os._exit(EXIT_MEMORY)
        except EOFError:
            return
        kind = message[0]
        if kind == "close":
            return
        if kind == "load":
            for path, code in message[1]:
                # Each module body runs under the same limits as a call, on its own clock.
                _started(progress, 0)
                try:
                    # The host checked and compiled the script (check_script); the worker runs
                    # it.
                    modules[path] = sandbox.load_code(path, marshal.loads(code))
                    reply: tuple[Any, ...] = ("loaded", sorted(modules[path].hooks))
                except (ScriptRejected, ScriptFault) as exc:
                    reply = ("fault", fault_data(exc))
                progress[0] = -1.0
                conn.send(reply)
        elif kind == "states":
            # The host's copy, after a restart: the worker's own (newer) copies start here.
            states.update(message[1])
        elif kind == "pull":
            conn.send_bytes(pickle.dumps(("states", plain_states(states, states))))
        elif kind == "tick":
            _, tick, granted, calls, kinds, forgotten, dt = message
            for entity_id in forgotten:
                states.pop(entity_id, None)
            api.grant(frozenset(granted))
            batches += 1
            sample = batches % CPU_SAMPLE_EVERY == 1
            cpu, wall = (time.thread_time_ns(), time.perf_counter_ns()) if sample else (0, 0)
            results, totals = _timed_calls(sandbox, modules, api, tick, calls, progress, states)
            ran = run_kinds(sandbox, modules, api, states, (tick, dt, kinds, len(calls)), totals)
            ratio = None
            if sample:
                spent = time.perf_counter_ns() - wall
                ratio = (time.thread_time_ns() - cpu) / spent if spent > 0 else None
            _started(progress, POST_CALL)
            synced = plain_states(states, sync_share(ran, tick))
            conn.send_bytes(ticked_reply(results, ran, (totals, ratio), synced))
            progress[0] = -1.0
        elif kind == "batch":
            _, tick, granted, calls = message
            api.grant(frozenset(granted))
            batches += 1
            sample = batches % CPU_SAMPLE_EVERY == 1
            cpu, wall = (time.thread_time_ns(), time.perf_counter_ns()) if sample else (0, 0)
            results, totals = _timed_calls(sandbox, modules, api, tick, calls, progress, states)
            ratio = None
            if sample:
                spent = time.perf_counter_ns() - wall
                ratio = (time.thread_time_ns() - cpu) / spent if spent > 0 else None
            figures = (totals, ratio)
            # Past the scripts: the host allows the results POST_CALL_S to cross, not timeout_ms.
            _started(progress, POST_CALL)
            conn.send_bytes(_pickled_results(results, figures))
            progress[0] = -1.0


def _started(progress: Any, index: float) -> None:
    """Record that call ``index`` starts now: wall clock and this thread's CPU clock.

    The index is written last: the host reads the index first, then the clocks.
    """
    progress[1] = time.perf_counter()
    progress[2] = time.thread_time()
    progress[0] = float(index)


def _one_call(
    sandbox: RestrictedSandbox,
    module: Any,
    hook: str,
    api: RemoteAPI,
    tick: int,
    index: int,
    call: tuple[Any, ...],
    progress: Any,
    states: dict[int, dict[str, Any]],
) -> tuple[FaultData | None, Any, Any, list[tuple[Any, ...]], str]:
    wire_view, state, args = call
    view = None if wire_view is None else EntityView(*wire_view)
    if view is not None:
        # The worker's copy of an entity's state is the newest; the host's seeds it.
        state = states.setdefault(view.id, state)
    api.begin(tick, view)
    ctx = api.context(view, state)
    _started(progress, index)
    fault: FaultData | None = None
    value = None
    try:
        value = sandbox.call(module, hook, ctx, *args)
    except ScriptFault as exc:
        fault = fault_data(exc)
    foreign = foreign_type(value) or foreign_type(state)
    if foreign is not None:
        # Pickling a script's object would run its methods (a list subclass's __iter__)
        # outside the call: refuse it before the results are pickled.
        return _not_plain(foreign, module.path), None, None, [], module.path
    return fault, value, state, api.ops, module.path


def _timed_calls(
    sandbox: RestrictedSandbox,
    modules: dict[str, Any],
    api: RemoteAPI,
    tick: int,
    calls: list[tuple[Any, ...]],
    progress: Any,
    states: dict[int, dict[str, Any]],
) -> tuple[list[Any], dict[tuple[str, str], list[int]]]:
    """Run a batch; also sum calls, wall time and fuel per (script, hook) for the profiler.

    Consecutive calls of one hook are timed as one run (one clock and fuel reading per run,
    two identity tests per call; equal names that are not the same object only split a run).
    """
    results = []
    totals: dict[tuple[str, str], list[int]] = {}
    clock, mark = time.perf_counter_ns, sandbox.fuel_mark
    run_path: str | None = None
    run_hook = ""
    first = i = 0
    started, fuel = clock(), mark()
    for i, (path, hook, view, state, args) in enumerate(calls):
        if path is not run_path or hook is not run_hook:
            if run_path is not None:
                now, spent = clock(), mark()
                _add(totals, (run_path, run_hook), i - first, now - started, spent - fuel)
                started, fuel = now, spent
            run_path, run_hook, first = path, hook, i
        results.append(
            _one_call(
                sandbox, modules[path], hook, api, tick, i, (view, state, args), progress, states
            )
        )
    if run_path is not None:
        _add(totals, (run_path, run_hook), i + 1 - first, clock() - started, mark() - fuel)
    return results, totals


def _add(totals: dict[tuple[str, str], list[int]], key: tuple[str, str], *figures: int) -> None:
    entry = totals.setdefault(key, [0, 0, 0])
    for i, value in enumerate(figures):
        entry[i] += value


def _not_plain(foreign: str, path: str) -> FaultData:
    return {
        "cls": "ScriptRaised",
        "code": "SANDBOX_ERROR",
        "message": not_plain_message(foreign, "ctx.state or the return value"),
        "hint": NOT_PLAIN_HINT,
        "file": path,
        "line": None,
        "details": {"type": foreign},
    }


def _pickled_results(results: list[Any], figures: Any = None) -> bytes:
    """``("done", results, figures)`` pickled; results that cannot cross become faults, one
    by one."""
    try:
        return pickle.dumps(("done", [r[:4] for r in results], figures))
    except Exception:
        return pickle.dumps(("done", [crossable(r) for r in results], figures))


def _limit_resources(limits: Limits) -> None:
    """OS limits: address space (memory_mb over the start-up size), no files written."""
    with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as fh:
        vm_bytes = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = vm_bytes + limits.memory_mb * 1024 * 1024 + AS_SLACK
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
