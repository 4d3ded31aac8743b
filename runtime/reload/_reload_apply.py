"""Applying one planned reload group, and undoing it: the mechanics under ``_reload``.

:class:`Checkpoint` saves everything a reload may change on the :class:`~runtime.Host` and in
its per-mod records (:class:`~runtime.core.ModBook`, handed over in the reload's
:class:`~runtime.core.ReloadPort`);
:class:`Transaction` detaches the old instances, unloads deleted mods and loads the group in
load order through :meth:`Host.load_mod` (carrying components' snapshots, unseen entities and
``on_reload`` over for mods that were running). A failure raises :class:`ReloadFailed`, and
the caller puts the host back with :meth:`Checkpoint.restore`.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from host_api import Diagnostic, ModhostError, foreign_type

from ..core import ModBook, ModInstance, Preparation, ReloadPort, WorldCheckpoint

if TYPE_CHECKING:
    from ..core import Host


class ReloadFailed(ModhostError):
    """A step of a reload transaction failed; ``diagnostics`` are the causes (internal)."""

    def __init__(self, mod_id: str, causes: Iterable[Diagnostic]) -> None:
        self.causes = tuple(causes)
        super().__init__(f"reload of '{mod_id}' failed", mod_id=mod_id)


@dataclass
class Checkpoint:
    """Everything a reload may change, saved before it starts (see :meth:`restore`).

    ``ctx.state`` dicts are restored *in place*: the old instances' cached contexts hold the
    very same dict objects, so after a rollback they see the previous values.
    """

    instances: dict[str, ModInstance]
    preparation: Preparation | None
    order: list[str]
    states: dict[str, Any]
    versions: dict[str, str | None]
    ledgers: dict[str, Any]
    unseen: dict[str, list[int]]
    mod_state: dict[str, dict[str, Any]]
    entity_state: dict[str, dict[int, dict[str, Any]]]
    mod_values: dict[str, dict[str, Any]]
    entity_values: dict[str, dict[int, dict[str, Any]]]
    diagnostics: int
    world: WorldCheckpoint
    #: Timers, HUD items and colliders (``host.gameplay``), attribute by attribute.
    gameplay: dict[str, dict[str, Any]]
    snapshots: dict[tuple[str, int], bytes] = field(default_factory=dict)

    @classmethod
    def take(cls, host: Host, book: ModBook, mods: Iterable[str]) -> Checkpoint:
        """Save the host and its records. Cost: O(entities) for the world and the state
        maps, plus a deep copy of the ``ctx.state`` of the mods in ``mods``."""
        group = [m for m in mods if m in host.instances]
        host.sync_states(group)
        return cls(
            instances={m: host.instances[m] for m in group},
            preparation=host.preparation,
            order=list(book.order),
            states=dict(book.states),
            versions=dict(book.versions),
            ledgers=dict(book.ledgers),
            unseen={m: list(v) for m, v in book.unseen.items()},
            mod_state=dict(book.mod_state),
            entity_state={m: dict(v) for m, v in book.entity_state.items()},
            mod_values={m: _copy(book.mod_state[m]) for m in group if m in book.mod_state},
            entity_values={
                m: {e: _copy(s) for e, s in book.entity_state[m].items()}
                for m in group
                if m in book.entity_state
            },
            diagnostics=len(book.diagnostics),
            world=host.world.checkpoint(),
            gameplay={name: copy.deepcopy(vars(part)) for name, part in _gameplay(host)},
        )

    def old_mod_state(self, mod_id: str) -> dict[str, Any]:
        """A fresh copy of a mod's ``ctx.state`` as it was before the reload."""
        return _copy(self.mod_values.get(mod_id, {}))

    def old_entity_state(self, mod_id: str, entity_id: int) -> dict[str, Any]:
        """A fresh copy of an entity's ``ctx.state`` (for ``mod_id``) before the reload."""
        return _copy(self.entity_values.get(mod_id, {}).get(entity_id, {}))

    def restore(self, host: Host, book: ModBook) -> None:
        """Put the host back as it was at :meth:`take` (new instances must be closed first)."""
        host.instances.update(self.instances)
        host.preparation = self.preparation
        replace_items(book.order, self.order)
        _refill(book.states, self.states)
        _refill(book.versions, self.versions)
        _refill(book.ledgers, self.ledgers)
        _refill(book.unseen, self.unseen)
        _refill(book.mod_state, self.mod_state)
        _refill(book.entity_state, self.entity_state)
        for mod_id, values in self.mod_values.items():
            _refill(self.mod_state[mod_id], values)
        for mod_id, entities in self.entity_values.items():
            for entity_id, values in entities.items():
                _refill(self.entity_state[mod_id][entity_id], values)
        del book.diagnostics[self.diagnostics :]
        host.world.restore(self.world)
        for name, part in _gameplay(host):
            _refill(vars(part), copy.deepcopy(self.gameplay[name]))


class Transaction:
    """Apply one planned group (see ``_reload``, step 3). Raises, never reports.

    :param port: the host's records, contexts and stage boundary.
    :param mods: the group: every mod the reload loads again, loads, or unloads.
    :param prep: the plan to load them with (it becomes ``host.preparation``).
    :param checkpoint: taken just before; holds the old instances and the state copies.
    """

    def __init__(
        self,
        host: Host,
        port: ReloadPort,
        mods: set[str],
        prep: Preparation,
        checkpoint: Checkpoint,
    ) -> None:
        self.host = host
        self.port = port
        self.mods = mods
        self.prep = prep
        self.checkpoint = checkpoint

    def run(self) -> list[str]:
        """Detach, unload, load in order; returns the mods loaded (in load order).

        :raises ReloadFailed: with the causes; the caller rolls back.
        """
        host, old = self.host, self.checkpoint.instances
        self._snapshot_components()
        for mod_id in old:
            host.instances.pop(mod_id)
        host.preparation = self.prep
        self._despawn_deleted()
        loaded = [m for m in self.prep.order if m in self.mods]
        with contextlib.closing(host.loading_ahead(loaded)) as ahead:
            for mod_id in ahead:
                self._load(mod_id, old.get(mod_id))
        return loaded

    @functools.cached_property
    def _existed(self) -> set[int]:
        """Entity ids before the reload (computed once per group, not once per mod)."""
        return set(self.checkpoint.world.ids.tolist())

    def _snapshot_components(self) -> None:
        for mod_id, instance in self.checkpoint.instances.items():
            for n, component in enumerate(instance.components):
                snapshot = getattr(component, "snapshot", None)
                if snapshot is None:
                    continue
                try:
                    state = snapshot()
                except ModhostError as exc:
                    raise ReloadFailed(mod_id, [exc.to_diagnostic()]) from exc
                if state is not None:
                    self.checkpoint.snapshots[(mod_id, n)] = state

    def _despawn_deleted(self) -> None:
        host = self.host
        doomed = [m for m in self.checkpoint.instances if m not in self.prep.order]
        if not doomed:
            return
        for view in host.world.query():
            if view.owner in doomed:
                host.world.despawn(view.id)
        self.port.boundary()

    def _load(self, mod_id: str, old: ModInstance | None) -> None:
        host, book = self.host, self.port.book
        mark = len(book.diagnostics)
        if old is not None:
            # A reload starts a fresh fault ledger: fixing the bug is how a mod leaves
            # quarantine. The old ledger is in the checkpoint for a rollback.
            book.ledgers.pop(mod_id, None)
        # Not recorded for rollback protection yet: the reload may still roll back
        # (Reloader._commit records what it keeps).
        instance = host.load_mod(mod_id, on_load=old is None, record=False)
        if instance is None:
            raise ReloadFailed(mod_id, [d for d in book.diagnostics[mark:] if d.mod == mod_id])
        if old is not None:
            self._carry_over(mod_id, old, instance)

    def _carry_over(self, mod_id: str, old: ModInstance, new: ModInstance) -> None:
        """Components' snapshots, unseen entities and ``on_reload`` for a reloaded mod."""
        host, checkpoint, port = self.host, self.checkpoint, self.port
        self._restore_components(mod_id, old, new)
        # Entities this mod's scripts have not met yet get on_spawn on the next tick: the
        # ones still pending before the reload, those of kinds it newly scripts, and those
        # spawned during this reload. Everything else already had its on_spawn.
        unseen = set(checkpoint.unseen.get(mod_id, ()))
        for kind in new.entity_scripts:
            ids = host.world.ids_of_kind(kind).tolist()
            unseen.update(ids if kind not in old.entity_scripts else set(ids) - self._existed)
        port.book.unseen[mod_id] = sorted(unseen)
        for module in new.mod_scripts:
            if "on_reload" in module.hooks:
                ctx = port.calls.mod_ctx(new)
                self._call(new, module, ctx, checkpoint.old_mod_state(mod_id))
        for kind, modules in new.entity_scripts.items():
            hooked = [m for m in modules if "on_reload" in m.hooks]
            if not hooked:
                continue
            calls: list[tuple[Any, str, tuple[Any, ...]]] = []
            for entity_id in host.world.ids_of_kind(kind).tolist():
                if entity_id in unseen:
                    continue  # it meets the new code through on_spawn instead
                ctx = port.calls.entity_ctx(new, entity_id)
                for module in hooked:
                    old_state = checkpoint.old_entity_state(mod_id, entity_id)
                    calls.append((module, "on_reload", (ctx, old_state)))
            self._call_batch(new, calls)
        port.boundary()

    def _restore_components(self, mod_id: str, old: ModInstance, new: ModInstance) -> None:
        for n, component in enumerate(new.components):
            state = self.checkpoint.snapshots.get((mod_id, n))
            restore = getattr(component, "restore", None)
            if state is None or restore is None:
                continue
            try:
                restore(state)
            except ModhostError as exc:
                raise ReloadFailed(mod_id, [exc.to_diagnostic()]) from exc

    @staticmethod
    def _call(instance: ModInstance, module: Any, ctx: Any, old_state: dict[str, Any]) -> None:
        try:
            instance.sandbox.call(module, "on_reload", ctx, old_state)
        except ModhostError as exc:
            raise _reload_failed(instance, module.path, exc) from exc

    @staticmethod
    def _call_batch(instance: ModInstance, calls: list[tuple[Any, str, tuple[Any, ...]]]) -> None:
        """Entity ``on_reload`` calls in one batch (one round trip in the process tier); the
        first fault stops the batch and fails the reload."""
        faults: list[ModhostError] = []

        def stop(fault: ModhostError) -> bool:
            faults.append(fault)
            return False

        try:
            instance.sandbox.call_batch(calls, stop)
        except ModhostError as exc:
            faults.append(exc)
        if faults:
            path = calls[0][0].path if calls else ""
            raise _reload_failed(instance, path, faults[0]) from faults[0]


def _reload_failed(instance: ModInstance, path: str, exc: ModhostError) -> ReloadFailed:
    diag = exc.to_diagnostic()
    update: dict[str, Any] = {"mod": diag.mod or instance.id}
    if not diag.file:
        update["file"] = path
    return ReloadFailed(instance.id, [diag.model_copy(update=update)])


def _gameplay(host: Host) -> list[tuple[str, object]]:
    """The parts of ``host.gameplay`` mods change: timers, HUD items, colliders."""
    gameplay = host.gameplay
    return [("timers", gameplay.timers), ("hud", gameplay.hud), ("colliders", gameplay.colliders)]


def forget(host: Host, book: ModBook, mod_id: str) -> None:
    """Remove every trace of an unloaded mod from the host (nothing of it stays reachable):
    its state, ledger, log and timings in ``book``, its timers and HUD items in
    ``host.gameplay``."""
    host.gameplay.forget_mod(mod_id)
    book.forget(mod_id)


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a ``ctx.state`` dict (a shallow one if something in it is not plain
    data, e.g. a script's own object: deep-copying it would run its methods on the host)."""
    if foreign_type(value) is not None:
        return dict(value)
    try:
        return copy.deepcopy(value)
    except Exception:
        return dict(value)


def _refill(target: dict[Any, Any], values: dict[Any, Any]) -> None:
    """Make ``target`` equal to ``values`` without replacing the dict object."""
    target.clear()
    target.update(values)


def replace_items(target: list[Any], values: list[Any]) -> None:
    target[:] = values


def dedupe_tail(diagnostics: list[Diagnostic], mark: int) -> None:
    """Drop diagnostics added after ``mark`` that repeat an earlier one word for word
    (load notes and signature warnings are found again on every reload)."""
    mods = {d.mod for d in diagnostics[mark:]}
    seen = {d.model_dump_json() for d in diagnostics[:mark] if d.mod in mods}
    tail = []
    for diag in diagnostics[mark:]:
        key = diag.model_dump_json()
        if key not in seen:
            seen.add(key)
            tail.append(diag)
    diagnostics[mark:] = tail
