"""The host's per-mod bookkeeping: everything about a mod that outlives its instance.

A mod instance is closed and loaded again on every hot reload; what must survive that (its
place in the load order, its state in the report, its ``ctx.state`` dicts, its fault ledger,
its log and timings, and the diagnostics of the run) lives in one :class:`ModBook` per host.
The host's stages read and write it, the report is built from it, and a reload
transaction saves and restores it field by field (:class:`runtime.reload` ``Checkpoint``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from host_api import Diagnostic, HostPolicy

from ._faults import FaultLedger, Rung
from ._prepare import Preparation
from ._report import ModState

#: Log lines kept per mod for the report.
LOG_LINES_KEPT: Final = 20


@dataclass(eq=False)
class ModBook:
    """Per-mod records of one host, keyed by mod id. The containers are never replaced (a
    reload rollback refills them in place), so holding one of them is safe.

    :param policy: the host policy (its ``[faults]`` thresholds make each ledger).
    """

    policy: HostPolicy
    #: Every mod that was loaded or tried, in load order (quarantined and failed ones too).
    order: list[str] = field(default_factory=list)
    #: ``running``, ``quarantined``, ``failed`` or ``disabled`` per mod.
    states: dict[str, ModState] = field(default_factory=dict)
    #: The version the current plan has for each mod (None when its manifest was unreadable).
    versions: dict[str, str | None] = field(default_factory=dict)
    #: The fault ladder of each mod that loaded.
    ledgers: dict[str, FaultLedger] = field(default_factory=dict)
    #: The mod scripts' ``ctx.state`` per mod.
    mod_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Each entity's ``ctx.state`` per mod and entity id.
    entity_state: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    #: Entities of a mod's scripted kinds it has not run a hook for yet (``on_spawn`` next).
    unseen: dict[str, list[int]] = field(default_factory=dict)
    #: The last :data:`LOG_LINES_KEPT` lines each mod logged.
    logs: dict[str, deque[str]] = field(default_factory=dict)
    #: Host wall time spent in each mod's hooks, in nanoseconds.
    mod_ns: dict[str, int] = field(default_factory=dict)
    #: Every diagnostic of the run, in the order it happened.
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def enter(self, mod_id: str) -> None:
        """A mod about to load: into the load order, with a fault ledger (both kept)."""
        if mod_id not in self.order:
            self.order.append(mod_id)
        if mod_id not in self.ledgers:
            self.ledgers[mod_id] = FaultLedger(mod_id, self.policy)

    def failed(self, mod_id: str, diagnostics: Iterable[Diagnostic]) -> None:
        """A mod that failed to load, and why."""
        self.states[mod_id] = "failed"
        self.diagnostics.extend(diagnostics)

    def note_scripted(self, mod_id: str, ids: Iterable[Iterable[int]]) -> None:
        """A mod just loaded, whose scripted kinds hold ``ids``: the entities it never ran a
        hook for get ``on_spawn``; after a reload the ones it already knows (they have state)
        do not get it again."""
        known = self.entity_state.get(mod_id, {})
        self.unseen[mod_id] = sorted(int(i) for kind in ids for i in kind if int(i) not in known)

    def settle(self, mod_id: str) -> None:
        """A running mod whose ledger reached quarantine is ``quarantined`` from now on."""
        ledger = self.ledgers.get(mod_id)
        if ledger is not None and ledger.quarantined and self.states.get(mod_id) == "running":
            self.states[mod_id] = "quarantined"

    def escalate(self, mod_id: str, rung: Rung, *, tick: int) -> None:
        """Step the mod up its fault ladder for a reason other than a fault (a budget
        overrun); a mod that never loaded has no ladder to step."""
        ledger = self.ledgers.get(mod_id)
        if ledger is not None:
            self.diagnostics.extend(ledger.escalate(rung, tick=tick))
            self.settle(mod_id)

    def note_plan(self, prep: Preparation, *, stop: bool) -> None:
        """Record a startup plan: its diagnostics, each mod's version, and the state of each
        mod that will not load (every planned one too when ``stop``: they are ``disabled``)."""
        self.diagnostics.extend(prep.diagnostics)
        for mod_id, state in prep.states.items():
            candidate = prep.candidates[mod_id]
            self.versions[mod_id] = None if candidate is None else candidate.manifest.version
            if state != "planned" or stop:
                self.states[mod_id] = "disabled" if state == "planned" else state

    def log(self, mod_id: str, line: str) -> None:
        """Keep ``line`` among the mod's last log lines."""
        self.logs.setdefault(mod_id, deque(maxlen=LOG_LINES_KEPT)).append(line)

    def forget(self, mod_id: str) -> None:
        """Remove every record of a mod that went away for good (its folder was deleted)."""
        for table in (
            self.states,
            self.versions,
            self.ledgers,
            self.mod_state,
            self.entity_state,
            self.unseen,
            self.logs,
            self.mod_ns,
        ):
            table.pop(mod_id, None)
        if mod_id in self.order:
            self.order.remove(mod_id)
