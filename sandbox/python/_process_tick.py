"""A mod's whole tick in one round trip to its process-tier worker.

:class:`TickRoundTrip` is the part of :class:`~sandbox.python._process.ProcessSandbox` that
sends a :class:`~sandbox.base.TickWork` (mod calls, then entity kinds as packed columns) in
one ``tick`` message, and applies the worker's one ``ticked`` answer: faults and ops in call
order, each kind's writes for the host to check, and a rolling share of the entity states
(the host's copy). It uses the sandbox's worker plumbing (``_ensure_worker``, ``_send``,
``_serve``, ``_apply``, ``_rebuild``) and its fields.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

from host_api import HostAPI, ModFault, ModhostError

from ..base import KindWork, ScriptFault, TickWork
from ._process_wire import apply_op, entity_in_tick, refresh, refusal, wire_call, wire_kind
from ._wire import fault_data
from ._worker_kinds import plain_states


class TickRoundTrip:
    """Mixed into ``ProcessSandbox``: :meth:`start_tick`, :meth:`finish_tick` and the entity
    states the worker keeps (:meth:`forget`, :meth:`pull_states`)."""

    _work: TickWork | None
    _tick_fault: ScriptFault | None
    _tick_conn: Connection | None
    _seeded: Connection | None
    _forgotten: list[int]
    _host_bug: Exception | None
    _stuck: int
    tick_api: Any
    mod_id: str

    # -- a mod's tick in one round trip ---------------------------------------------------------
    def start_tick(self, work: TickWork) -> None:
        """Send the whole tick to the worker now (it runs while the host collects other
        mods); :meth:`finish_tick` serves its rpcs and applies its results."""
        self._check_open()
        self._drop_pending()
        self._work, self._tick_fault, self._tick_conn = work, None, None
        api = self.tick_api
        try:
            conn = self._ensure_worker()
            if self._seeded is not conn:
                # A fresh worker: the host's copy of the states (rolling, see SYNC_EVERY).
                self._send(conn, ("states", plain_states(work.states, work.states)))
                self._seeded = conn
            forgotten, self._forgotten = self._forgotten, []
            calls = [(m.path, h, *wire_call(a[0], a)) for m, h, a in work.mod_calls]
            kinds = [wire_kind(k) for k in work.kinds]
            granted = tuple(api.granted) if api is not None else ()
            self._send(conn, ("tick", work.tick, granted, calls, kinds, forgotten, work.dt))
            self._tick_conn = conn
        except ScriptFault as fault:
            self._tick_fault = fault

    def finish_tick(self, on_fault: Callable[[ModFault], bool]) -> TickWork | None:
        work, self._work = self._work, None
        if work is None:
            return None
        if self._tick_fault is not None or self._tick_conn is None:
            on_fault(self._tick_fault or self._crashed())
            return work
        api = self.tick_api
        self._stuck = 0
        try:
            reply = self._serve(self._tick_conn, api, partial(entity_in_tick, work))
        except ScriptFault as fault:
            # The worker was killed (or died) in the middle: the tick's results went with
            # it; the stuck call gets the fault. States fall back to the host's copy.
            on_fault(fault)
            return work
        bug, self._host_bug = self._host_bug, None
        if bug is not None:
            raise bug
        parts = _reply_parts(reply, work)
        if parts is None:
            # Only a broken worker answers out of shape: it is treated as crashed.
            on_fault(self._crashed())
            return work
        call_results, kind_results, synced = parts
        refresh(work.states, synced)
        for (module, _, args), result in zip(work.mod_calls, call_results, strict=True):
            outcome = self._apply(module.path, api, args[0], result)
            if isinstance(outcome, ScriptFault) and not on_fault(outcome):
                return work
        for kind, result in zip(work.kinds, kind_results, strict=True):
            if not self._apply_kind(api, kind, result, on_fault):
                return work
        return work

    def _apply_kind(
        self,
        api: HostAPI | None,
        kind: KindWork,
        result: tuple[Any, ...],
        on_fault: Callable[[ModFault], bool],
    ) -> bool:
        stream, *writes = result if type(result) is tuple else ((),)
        own: set[int] | None = None
        for entry in stream if type(stream) is list else ():
            if type(entry) is not tuple or not entry:
                continue
            if entry[0] == "fault":
                data = entry[1] if len(entry) == 2 and type(entry[1]) is dict else None
                fault = self._rebuild(data or refusal(self.mod_id, "fault"), "")
                if not on_fault(fault):
                    return False
                continue
            if entry and entry[0] == "emit" and len(entry) == 4:
                # The source entity must be one this batch ran for (never the worker's claim
                # about another one).
                own = set(kind.ids) if own is None else own
                source = entry[3] if type(entry[3]) is int and entry[3] in own else None
            else:
                source = None
            try:
                apply_op(api, entry, source)
            except ModhostError as exc:
                if not on_fault(self._rebuild(fault_data(exc), "")):
                    return False
            except (TypeError, ValueError):
                # A malformed op (only a broken worker sends one): refused, like an rpc.
                if not on_fault(self._rebuild(refusal(self.mod_id, str(entry[0])), "")):
                    return False
        if len(writes) == 4 and all(type(w) is bytes for w in writes):
            # Checked by the host before the world takes them (the worker is not trusted).
            kind.moved_mask, kind.moved, kind.steered_mask, kind.steered = writes
        return True

    def forget(self, entity_id: int) -> None:
        self._forgotten.append(entity_id)

    def pull_states(self, into: dict[int, dict[str, Any]]) -> None:
        """Copy the worker's entity states into ``into`` (the host's copy), now.

        Called before a reload and when a test reads an entity's state. A worker that does
        not answer in time leaves ``into`` as it was.
        """
        if self._conn is None or self._proc is None or not self._proc.is_alive():
            return
        try:
            self._send(self._conn, ("pull",))
            message = self._wait(self._conn, deadline=self._kill_after())
        except ScriptFault:
            return
        if message[0] == "states":
            refresh(into, message[1])


def _reply_parts(reply: Any, work: TickWork) -> tuple[list[Any], list[Any], Any] | None:
    """``(call results, kind results, synced states)`` of a ``ticked`` reply, or None when it
    does not have the shape of one for ``work`` (one result per call and per kind)."""
    if type(reply) is not tuple or len(reply) != 5:
        return None
    _, calls, kinds, _, synced = reply
    if type(calls) is not list or len(calls) != len(work.mod_calls):
        return None
    if type(kinds) is not list or len(kinds) != len(work.kinds):
        return None
    return calls, kinds, synced
