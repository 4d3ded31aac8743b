"""The collision stage's calls into mods, planned in contact order and made in runs.

A tick's contacts are turned into calls first (``on_collision`` / ``on_event`` per entity
script, ``on_event`` per owner component), in the order the stage documents; then the calls
are made, consecutive script calls to the same mod as one batch. The order of calls is
unchanged; what batching changes is the cost: the process tier crosses to a mod's worker
once per run instead of once per contact (a few hundred contacts in a tick were a few
hundred round trips).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from ..core import Event

if TYPE_CHECKING:
    from sandbox import ScriptModule

    from ..core import ModCalls, ModInstance

Call = tuple["ScriptModule", str, tuple[Any, ...]]


@dataclass
class _Step:
    instance: ModInstance
    #: Script calls (a run of them), or None for the event to the mod's components.
    calls: list[Call] | None
    event: Event | None = None


@dataclass
class ContactCalls:
    """Calls planned in order; :meth:`make` makes them (see the module docs)."""

    steps: list[_Step] = field(default_factory=list)

    def scripts(self, instance: ModInstance, calls: list[Call]) -> None:
        """Script calls of ``instance``, joined to the run before when it is the same mod's."""
        last = self.steps[-1] if self.steps else None
        if last is not None and last.instance is instance and last.calls is not None:
            last.calls.extend(calls)
        else:
            self.steps.append(_Step(instance, calls))

    def components(self, instance: ModInstance, event: Event) -> None:
        """``event`` to ``instance``'s components."""
        self.steps.append(_Step(instance, None, event))

    def make(self, calls: ModCalls, to_components: Any) -> None:
        """Make every planned call; a mod quarantined by a fault gets none of the rest."""
        for step in self.steps:
            instance = step.instance
            if calls.quarantined(instance.id):
                continue
            if step.calls is None:
                to_components(instance, step.event)
                continue
            batch = step.calls
            calls.timed(
                instance,
                lambda inst, batch=batch: inst.sandbox.call_batch(
                    batch, partial(calls.fault_goes_on, inst)
                ),
            )
