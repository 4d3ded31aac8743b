"""The gameplay toolkit inside a host: the port mods reach it through, and its two stages.

:class:`Gameplay` owns the parts (input, timers, HUD and camera, colliders) and implements
:class:`host_api.GameplayPort`, so every mod's ``HostAPI`` (Python ``ctx`` and WebAssembly
host functions alike) reaches the same objects. :class:`GameplayStages` delivers what they
produce, through the host's own call path (faults, timing and the fault ladder apply):

``input`` stage (first in a tick)
    the input events due this tick (``input.key_down`` ...), in queue order, each to every
    running mod holding ``input.read`` in load order (mod scripts, then entity scripts in
    ascending id, then components), exactly like bus events; then the timers due, in
    (due tick, timer id) order, each to its owner only.
``collisions`` stage (after integration)
    contacts that ended, then contacts that began, each list sorted by (lower id, higher id).
    A contact between two solid colliders calls ``on_collision(ctx, other)`` on the lower id
    and then the higher id, in every mod that scripts the entity's kind (load order), once
    when the contact begins. A contact with a trigger sends the trigger ``trigger.enter`` /
    ``trigger.exit`` through ``on_event`` (payload ``{"trigger", "other", "kind"}``). The
    owner mod's components get the same as ``on_event("collision" | "trigger.enter" |
    "trigger.exit", json)``. The calls are planned first and made in runs, one batch per
    run of calls to the same mod (``_contact_calls``).

Every event delivered here (and every bus event, see :mod:`runtime.core._events_stage`) is
passed to :attr:`Gameplay.observers`, which is how ``runtime.testing`` and the recorder see
them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from host_api import (
    Capability,
    Collider,
    Diagnostic,
    DiagnosticCode,
    EntityView,
    JSONValue,
    RayHit,
    Vec3,
)

from ..core import Event, World, copy_payload, for_receiver
from ._collisions import MAX_CONTACTS, Colliders, Contact
from ._contact_calls import ContactCalls
from ._hud import Hud
from ._input import InputState
from ._overlaps import MAX_CANDIDATES
from ._queries import within_radius
from ._timers import Timer, Timers

if TYPE_CHECKING:
    from ..core import ModCalls, ModInstance

#: The ``event.source`` of events the host makes (input, collisions).
HOST_SOURCE = "host"

Observer = Callable[[Event], None]


class Gameplay:
    """Input, timers, HUD and colliders of one host; a :class:`host_api.GameplayPort`.

    :param world: the host's world.
    :param report: where warnings raised without an exception go (``TIMER_LIMIT``).
    """

    def __init__(self, world: World, report: Callable[[Diagnostic], None]) -> None:
        self.world = world
        self.input = InputState()
        self.timers = Timers(lambda: world.tick, report)
        self.hud = Hud()
        self.colliders = Colliders()
        self.report = report
        #: Mods already told their colliders piled up (one warning per mod and run).
        self.crowded_mods: set[str] = set()
        #: Called with every event delivered to mods, in delivery order.
        self.observers: list[Observer] = []

    def observe(self, event: Event) -> None:
        """Pass ``event`` to every observer."""
        for observer in self.observers:
            observer(event)

    def forget_entity(self, entity_id: int) -> None:
        """A despawned entity: its timers and collider go."""
        self.timers.forget_entity(entity_id)
        self.colliders.forget(entity_id)

    def forget_mod(self, mod_id: str) -> None:
        """A mod that went away: its timers and HUD items go."""
        self.timers.forget_mod(mod_id)
        self.hud.forget_mod(mod_id)

    # -- GameplayPort ---------------------------------------------------------------------
    def is_down(self, button: str) -> bool:
        return self.input.is_down(button)

    def mouse(self) -> tuple[float, float]:
        return self.input.mouse()

    def timer_add(
        self,
        mod_id: str,
        entity: int | None,
        delay: int,
        period: int | None,
        name: str,
        payload: JSONValue,
    ) -> int | None:
        return self.timers.add(mod_id, entity, delay, period, name, payload)

    def timer_cancel(self, mod_id: str, timer_id: int) -> bool:
        return self.timers.cancel(mod_id, timer_id)

    def set_collider(self, mod_id: str, entity_id: int, collider: Collider | None) -> None:
        if self._owner(entity_id) == mod_id:
            self.colliders.set(entity_id, collider)

    def _owner(self, entity_id: int) -> str | None:
        view = self.world.get(entity_id)
        if view is not None:
            return view.owner
        pending = self.world.commands.pending_spawn(entity_id)
        return None if pending is None else pending.owner

    def hud_set(self, mod_id: str, key: str, text: str | None) -> None:
        self.hud.set(mod_id, key, text)

    def camera_target(self, mod_id: str, target: int | Vec3 | None) -> None:
        self.hud.set_camera_target(mod_id, target)

    def raycast(self, origin: Vec3, direction: Vec3, max_distance: float) -> list[RayHit]:
        return self.colliders.raycast(self.world, origin, direction, max_distance)

    def within_radius(self, centre: Vec3, radius: float, kind: str | None) -> list[int]:
        return within_radius(self.world, centre, radius, kind)


class GameplayStages:
    """The ``input`` and ``collisions`` stages of one host (see the module docstring).

    :param calls: the running mods and the host's path into their code.
    :param gameplay: the parts whose events the stages deliver.
    """

    def __init__(self, calls: ModCalls, gameplay: Gameplay) -> None:
        self._calls = calls
        self._gameplay = gameplay

    # -- input and timers -----------------------------------------------------------------
    def input_stage(self, dt: float) -> None:
        calls, gameplay = self._calls, self._gameplay
        tick = calls.world.tick
        self._prune()
        delivered = gameplay.input.begin_tick(tick)
        if delivered:
            receivers = [i for i in calls.active() if Capability.INPUT_READ.value in i.api.granted]
            ids: dict[str, list[int]] = {}
            for item in delivered:
                event = Event(item.name, item.event.payload(), HOST_SOURCE, None, tick)
                gameplay.observe(event)
                for instance in receivers:
                    if not calls.quarantined(instance.id):
                        calls.timed(instance, partial(calls.deliver, event=event, ids=ids))
        for timer in gameplay.timers.due(tick):
            self._fire(timer, tick)

    def _prune(self) -> None:
        """Forget timers and HUD items of mods that are no longer loaded (deleted folders)."""
        gameplay, instances = self._gameplay, self._calls.instances
        gone = (gameplay.timers.mods() | gameplay.hud.mods()) - instances.keys()
        for mod_id in sorted(gone):
            gameplay.forget_mod(mod_id)

    def _fire(self, timer: Timer, tick: int) -> None:
        calls = self._calls
        instance = calls.instances.get(timer.mod)
        if instance is None or not calls.runs_on(timer.mod, tick):
            return
        event = Event(timer.name, copy_payload(timer.payload), timer.mod, timer.entity, tick)
        self._gameplay.observe(event)
        calls.timed(instance, lambda inst: self._to_owner(inst, timer.entity, event))

    def _to_owner(self, instance: ModInstance, entity: int | None, event: Event) -> None:
        """Deliver ``event`` to one entity's scripts of ``instance`` (or its mod scripts),
        then to its components."""
        calls = self._calls
        if entity is None:
            modules = [m for m in instance.mod_scripts if "on_event" in m.hooks]
            ctx = calls.mod_ctx(instance) if modules else None
        else:
            view = calls.world.get(entity)
            scripted = () if view is None else instance.entity_scripts.get(view.kind, ())
            modules = [m for m in scripted if "on_event" in m.hooks]
            ctx = calls.entity_ctx(instance, entity) if modules else None
        if ctx is not None:
            for module in modules:
                calls.call(instance, module, "on_event", ctx, for_receiver(event))
        self._to_components(instance, event)

    def _to_components(self, instance: ModInstance, event: Event) -> None:
        for component in instance.components:
            payload = copy_payload(event.payload)
            self._calls.guard(instance, partial(component.on_event, event.name, payload))

    # -- collisions -----------------------------------------------------------------------
    def collisions_stage(self, dt: float) -> None:
        colliders = self._gameplay.colliders
        changes = colliders.step(self._calls.world)
        if colliders.crowded is not None:
            self._crowded(colliders.crowded)
        if not (changes.ended or changes.began):
            return
        views: dict[int, EntityView | None] = {}
        plan = ContactCalls()
        active = self._calls.active()
        for contact in changes.ended:
            self._contact(contact, "trigger.exit", views, plan, active)
        for contact in changes.began:
            self._contact(contact, "trigger.enter", views, plan, active)
        plan.make(self._calls, self._to_components)

    def _crowded(self, entity_id: int) -> None:
        """Warn the mod whose entity is at the centre of a pile, once per run."""
        view = self._calls.world.get(entity_id)
        owner = None if view is None else view.owner
        told = self._gameplay.crowded_mods
        if owner is None or owner in told:
            return
        told.add(owner)
        self._gameplay.report(
            Diagnostic(
                code=DiagnosticCode.MOD_ENTITY_LIMIT,
                severity="warning",
                message=f"colliders piled up around entity {entity_id}: more than "
                f"{MAX_CONTACTS} contacts (or {MAX_CANDIDATES} candidate pairs) in one tick; "
                "the rest are ignored while it lasts",
                mod=owner,
                hint="spread colliders out, or give fewer entities colliders",
                details={"entity": entity_id, "max_contacts": MAX_CONTACTS},
            )
        )

    def _contact(
        self,
        contact: Contact,
        name: str,
        views: dict[int, EntityView | None],
        plan: ContactCalls,
        active: list[ModInstance],
    ) -> None:
        a, b = contact.a, contact.b
        for entity_id in (a, b):
            if entity_id not in views:
                views[entity_id] = self._calls.world.get(entity_id)
        if not (contact.a_trigger or contact.b_trigger):
            if name == "trigger.enter":
                self._collide(a, b, views, plan, active)
                self._collide(b, a, views, plan, active)
            return
        for trigger, other, is_trigger in ((a, b, contact.a_trigger), (b, a, contact.b_trigger)):
            if is_trigger and views[trigger] is not None:
                other_view = views[other]
                payload = {
                    "trigger": trigger,
                    "other": other,
                    "kind": None if other_view is None else other_view.kind,
                }
                event = Event(name, payload, HOST_SOURCE, other, self._calls.world.tick)
                self._gameplay.observe(event)
                self._to_entity(trigger, views, event, None, plan, active)

    def _collide(
        self,
        entity: int,
        other: int,
        views: dict[int, EntityView | None],
        plan: ContactCalls,
        active: list[ModInstance],
    ) -> None:
        view, other_view = views[entity], views[other]
        if view is None or other_view is None:
            return
        payload = {"entity": entity, "other": other, "kind": other_view.kind}
        event = Event("collision", payload, HOST_SOURCE, other, self._calls.world.tick)
        self._gameplay.observe(event)
        self._to_entity(entity, views, event, other_view, plan, active)

    def _to_entity(
        self,
        entity: int,
        views: dict[int, EntityView | None],
        event: Event,
        other: EntityView | None,
        plan: ContactCalls,
        active: list[ModInstance],
    ) -> None:
        """Plan ``on_collision(ctx, other)`` (``other`` given) or ``on_event(ctx, event)`` on
        every mod's scripts of the entity's kind, in load order; then the owner's components
        get ``on_event``."""
        calls = self._calls
        view = views[entity]
        assert view is not None
        hook = "on_event" if other is None else "on_collision"
        for instance in active:
            if calls.quarantined(instance.id):
                continue
            modules = [m for m in instance.entity_scripts.get(view.kind, ()) if hook in m.hooks]
            ctx = calls.entity_ctx(instance, entity) if modules else None
            if ctx is not None:
                # Each receiver gets its own payload copy, as on the event bus.
                plan.scripts(
                    instance,
                    [
                        (m, hook, (ctx, for_receiver(event) if other is None else other))
                        for m in modules
                    ],
                )
            if instance.id == view.owner and instance.components:
                plan.components(instance, event)
