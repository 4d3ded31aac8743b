"""Hot reload as a transaction: load the new versions, or put the old ones back exactly.

:class:`Reloader` is the engine behind :meth:`runtime.Host.reload` (the one reload call, used
by ``modhost run --watch``, tests and tools alike). One reload:

1. **What changed.** The mod folders named by the watcher (or, with no names, every folder
   whose content fingerprint differs from what was last loaded). A save that changed nothing
   reloads nothing.
2. **Plan.** Each changed folder is a seed: the mod it held, the mod it holds now, and every
   running mod that depends on either (``required`` or ``optional``, transitively), so no mod
   keeps references to a replaced one. Seeds whose closures overlap form one *group*; each
   group is its own transaction, so a broken mod does not hold back an unrelated edit. A
   group is planned with :func:`~runtime.core._prepare.plan_discovery` (the resolver, exactly as
   at startup) over the group's folders as they are on disk now (re-validated, signatures
   re-checked under the active policy) and every other mod as it is *running* (a mod whose
   last reload was rolled back is planned as the version that runs, not the broken one on
   disk). A mod outside the group whose fate the new plan changes (a new conflict disables
   it, a new folder enables it) joins the group.
3. **Apply**, in the new load order: old instances of the group are detached (not closed),
   deleted mods' entities despawn, and every planned mod of the group loads through
   :meth:`Host.load_mod`, the same path as startup. A mod that was running gets its
   components' ``snapshot`` handed to the new components' ``restore``, keeps every
   ``ctx.state`` dict (the same objects), and has ``on_reload(ctx, old_state)`` called for
   its mod scripts and for each entity its entity scripts drive (``old_state`` is a copy of
   the state as it was before the reload; ``ctx.state`` is the kept state itself). A new mod
   gets ``on_load`` as at startup.
4. **Commit or roll back.** On success the old instances are closed and deleted mods leave
   no trace (state, ledger, logs, listeners). On any failure (a manifest that no longer
   validates, a script the sandbox rejects, a resolver failure, a signature the policy
   refuses, ``on_reload`` raising, a component trapping in ``init`` or ``restore``) the new
   instances are closed and the host is put back exactly as it was: the old instances (never
   closed, so the exact previous code), every ``ctx.state`` value, fault ledgers, the world
   (entities, ids, queued events) and the diagnostics list. One ``RELOAD_ROLLED_BACK``
   diagnostic says what failed (the cause chain) and what was restored.

Hot reload is "close then load through the same path as startup" (STYLE 9), with the close
deferred to the commit: closing first would leave nothing to roll back to, because the files
on disk are already the new ones.

Reloads run on the world thread between two ticks (the watcher only reports folder names),
so the world simply pauses for the few milliseconds a reload takes and keeps ticking after.

This module runs the reload; :mod:`runtime.reload._scan` reads the folders,
:mod:`runtime.reload._groups` forms the groups, and :mod:`runtime.reload._reload_apply` applies
and undoes. Together they are the host's reload engine and work on the host's instances and
per-mod records (:class:`~runtime.core.ModBook`: order, states, versions, ledgers,
``ctx.state`` dicts, unseen entities, diagnostics), handed over in a
:class:`~runtime.core.ReloadPort`; :class:`~runtime.reload._reload_apply.Checkpoint` lists every
field saved and restored.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from host_api import Diagnostic, Manifest
from resolver import ModCandidate

from ..core import Discovery, Preparation, mod_folders, plan_discovery
from ._groups import Group, closure, dependents, merge, rolled_back, why_not_planned
from ._reload_apply import Checkpoint, ReloadFailed, Transaction, dedupe_tail, forget, replace_items
from ._result import Outcome, ReloadResult
from ._scan import Scan
from ._watcher import folder_fingerprint

if TYPE_CHECKING:
    from ..core import Host, ReloadPort

#: Reload results kept for the overlay and tools (:attr:`Reloader.history`).
HISTORY: Final = 20
#: Rounds of "the plan changed the fate of a mod outside the group" before giving up.
MAX_PLAN_ROUNDS: Final = 8


class Reloader:
    """Reload transactions for one :class:`~runtime.Host` (see the module docstring).

    :param host: the host whose mods it reloads.
    :param port: what a reload rewrites of the host (its per-mod records) and uses of it.
    """

    def __init__(self, host: Host, port: ReloadPort) -> None:
        self._host = host
        self._port = port
        self._book = port.book
        #: Fingerprint of each folder as last handled (loaded, or tried and rolled back).
        self._seen: dict[str, bytes | None] = {}
        #: Fingerprint of the folder each running mod was loaded from.
        self._loaded: dict[str, bytes | None] = {}
        #: The last reloads, newest last (for the overlay and tools).
        self.history: deque[ReloadResult] = deque(maxlen=HISTORY)

    # -- what changed ----------------------------------------------------------------------
    def remember(self) -> None:
        """Record every folder as handled (called once the host has loaded)."""
        host = self._host
        self._seen = {f.name: folder_fingerprint(f) for f in mod_folders(host.mods_dir)}
        self._loaded = {m: self._seen.get(i.folder.name) for m, i in host.instances.items()}

    def changed_folders(self, scan: Scan | None = None) -> set[str]:
        """Folders whose content differs from what was last handled (new and deleted too)."""
        scan = scan or Scan(self._host, self._port.base_dir)
        names = {f.name for f in scan.folders()} | set(self._seen)
        return {n for n in names if scan.print(n) != self._seen.get(n)}

    def _folder_names(self, names: Iterable[str]) -> set[str]:
        """Folder names for ``names`` (folder names, or ids of loaded mods)."""
        host = self._host
        out = set()
        for name in names:
            instance = host.instances.get(name)
            if not (host.mods_dir / name).is_dir() and instance is not None:
                out.add(instance.folder.name)
            else:
                out.add(name)
        return out

    # -- the reload ------------------------------------------------------------------------
    def reload(self, names: Iterable[str] | None = None, *, force: bool = False) -> ReloadResult:
        """Reload what changed; see :meth:`runtime.Host.reload` for the contract."""
        start = time.perf_counter()
        host = self._host
        scan = Scan(host, self._port.base_dir)
        if names is None:
            folders = self.changed_folders(scan)
        else:
            folders = self._folder_names(names)
            if not force:
                folders = {f for f in folders if scan.print(f) != self._seen.get(f)}
        outcome = Outcome()
        tick = host.world.tick
        if folders:
            for group in self._groups(folders, scan):
                self._run_group(group, scan, outcome)
                # A new mod whose group rolled back stays out of the later groups' plans.
                scan.skip.update(m for m in outcome.rolled_back if m not in host.instances)
            self._seen.update({f: scan.print(f) for f in folders})
        result = outcome.result(tick, (time.perf_counter() - start) * 1000)
        if result.changed:
            self.history.append(result)
        return result

    def _groups(self, folders: set[str], scan: Scan) -> list[Group]:
        """The transactions for ``folders``: seeds closed over dependents, overlaps merged."""
        host = self._host
        seeds: list[Group] = []
        for name in sorted(folders):
            mods = {m for m, i in host.instances.items() if i.folder.name == name}
            verdict = scan.of(name)
            if verdict is not None and verdict.mod_id is not None:
                mods.add(verdict.mod_id)
            seeds.append(Group(mods=mods, folders={name}))
        users = dependents(self._manifests(folders, scan))
        for group in seeds:
            group.mods |= closure(group.mods, users)
        return merge(seeds)

    def _manifests(self, folders: set[str], scan: Scan) -> dict[str, Manifest]:
        """The manifest of every known mod for the dependency graph: running mods as they
        run, unless their folder is among ``folders``; every other folder as it is on disk."""
        host = self._host
        out: dict[str, Manifest] = {}
        held = set()
        for mod_id, instance in host.instances.items():
            if instance.folder.name not in folders:
                out[mod_id] = instance.manifest
                held.add(instance.folder.name)
        for folder in scan.folders():
            verdict = None if folder.name in held else scan.of(folder.name)
            if verdict is not None and verdict.manifest is not None:
                out.setdefault(verdict.manifest.id, verdict.manifest)
        return out

    def _clean(self, mod_id: str, scan: Scan) -> bool:
        """Whether a running mod's folder still holds exactly what it was loaded from."""
        folder = self._host.instances[mod_id].folder.name
        loaded = self._loaded.get(mod_id)
        return loaded is not None and loaded == scan.print(folder)

    def _run_group(self, group: Group, scan: Scan, outcome: Outcome) -> None:
        host = self._host
        running = set(host.instances)
        prep = self._plan(group, scan)
        failures = self._refusals(group, prep, scan)
        if failures:
            outcome.fail(self._rolled_back(group, failures, running))
            return
        checkpoint = Checkpoint.take(host, self._book, group.mods)
        try:
            loaded = Transaction(host, self._port, group.mods, prep, checkpoint).run()
        except ReloadFailed as exc:
            self._undo(group, checkpoint)
            outcome.fail(self._rolled_back(group, exc.causes, running))
            return
        except BaseException:
            # A host bug: still never lose the world, then let the bug surface as itself.
            self._undo(group, checkpoint)
            raise
        self._commit(group, prep, checkpoint, scan)
        gone = [m for m in checkpoint.instances if m not in host.instances]
        new_diags = self._book.diagnostics[checkpoint.diagnostics :]
        outcome.ok(loaded, checkpoint.instances, gone, new_diags)

    # -- planning --------------------------------------------------------------------------
    def _plan(self, group: Group, scan: Scan) -> Preparation:
        """Plan with the group from disk and everything else as it runs; grow the group
        with every mod whose fate the new plan changes, and plan again."""
        host = self._host
        before = set(() if host.preparation is None else host.preparation.order)
        prep = self._plan_once(group, scan)
        for _ in range(MAX_PLAN_ROUNDS):
            after = set(prep.order)
            moved = before ^ after | (set(host.instances) - after)
            extra = {m for m in moved if m not in group.mods and m not in scan.skip}
            if not extra:
                break
            group.mods |= closure(extra, dependents(self._manifests(set(), scan)))
            prep = self._plan_once(group, scan)
        group.prep = prep
        return prep

    def _plan_once(self, group: Group, scan: Scan) -> Preparation:
        """One plan: running mods as they run (outside the group, or in it with an
        untouched folder), every other folder as discovery judges it now."""
        host = self._host
        candidates: list[ModCandidate] = []
        failed: dict[str, tuple[Diagnostic, ...]] = {}
        notes: list[Diagnostic] = []
        held: set[str] = set()
        group.on_disk = set()
        for mod_id, instance in host.instances.items():
            name = instance.folder.name
            if mod_id in group.mods and (name in group.folders or not self._clean(mod_id, scan)):
                continue
            candidates.append(ModCandidate(manifest=instance.manifest, folder=instance.folder))
            held.add(name)
            if instance.folder.is_dir():
                group.on_disk.add(mod_id)
        for folder in scan.folders():
            verdict = None if folder.name in held else scan.of(folder.name)
            if verdict is None or verdict.mod_id in scan.skip:
                continue
            group.on_disk.add(str(verdict.mod_id))
            candidates.extend(verdict.found.candidates)
            for key, diags in verdict.found.failed.items():
                failed[key if key not in failed else f"{key}@{folder.name}"] = diags
            notes.extend(d for d in verdict.found.notes if d not in notes)
        return plan_discovery(
            Discovery(candidates=tuple(candidates), failed=failed, notes=tuple(notes))
        )

    def _refusals(self, group: Group, prep: Preparation, scan: Scan) -> list[Diagnostic]:
        """Why the plan cannot be applied: a running mod of the group that would stop
        (other than by its folder being deleted), or a changed folder whose mod cannot load."""
        host = self._host
        causes: list[Diagnostic] = []
        changed = {v.mod_id for f in group.folders if (v := scan.of(f)) is not None}
        for mod_id in sorted(group.mods):
            if mod_id in prep.order:
                continue
            deleted = mod_id in host.instances and mod_id not in group.on_disk
            if deleted or (mod_id not in host.instances and mod_id not in changed):
                continue
            causes.extend(why_not_planned(prep, mod_id))
        return causes

    # -- commit and undo -------------------------------------------------------------------
    def _commit(self, group: Group, prep: Preparation, checkpoint: Checkpoint, scan: Scan) -> None:
        host, book = self._host, self._book
        for mod_id, old in checkpoint.instances.items():
            book.diagnostics.extend(old.api.drain_diagnostics())
            old.close()
            if mod_id not in host.instances:
                forget(host, book, mod_id)
                self._loaded.pop(mod_id, None)
        for mod_id in group.mods:
            instance = host.instances.get(mod_id)
            if instance is not None:
                self._loaded[mod_id] = scan.print(instance.folder.name)
                if instance is not checkpoint.instances.get(mod_id):
                    host.record_accepted(instance)  # the reload commits: now it counts
            elif (state := prep.states.get(mod_id)) == "failed" or state == "disabled":
                book.states[mod_id] = state
            candidate = prep.candidates.get(mod_id)
            if candidate is not None:
                book.versions[mod_id] = candidate.manifest.version
        for mod_id in [m for m in book.states if m not in prep.candidates]:
            if mod_id not in host.instances:
                forget(host, book, mod_id)  # a failed or disabled mod whose folder is gone
        replace_items(book.order, [*prep.order, *(m for m in book.order if m not in prep.order)])
        live = set(host.world.ids.tolist())
        for mod_id in group.mods:
            states = book.entity_state.get(mod_id)
            if states:
                for entity_id in [e for e in states if e not in live]:
                    del states[entity_id]
        dedupe_tail(book.diagnostics, checkpoint.diagnostics)

    def _undo(self, group: Group, checkpoint: Checkpoint) -> None:
        host = self._host
        for mod_id in group.mods:
            instance = host.instances.get(mod_id)
            if instance is not None and checkpoint.instances.get(mod_id) is not instance:
                instance.close()
                host.instances.pop(mod_id)
        checkpoint.restore(host, self._book)

    def _rolled_back(
        self, group: Group, causes: Iterable[Diagnostic], running: set[str]
    ) -> tuple[tuple[str, ...], Diagnostic]:
        """Record the ``RELOAD_ROLLED_BACK`` diagnostic of a failed group."""
        diag = rolled_back(group, causes, running, self._host.world.tick)
        self._book.diagnostics.append(diag)
        return tuple(sorted(group.mods)), diag
