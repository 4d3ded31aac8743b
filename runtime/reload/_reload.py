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

This module plans; :mod:`runtime.reload._reload_apply` applies and undoes. Together they are the
host's reload engine and work on :class:`~runtime.Host`'s bookkeeping (instances, order,
states, versions, ledgers, ``ctx.state`` dicts, unseen entities, diagnostics) directly;
:class:`~runtime.reload._reload_apply.Checkpoint` lists every field saved and restored.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from host_api import Diagnostic, DiagnosticCode, Manifest
from resolver import ModCandidate

from ..core import Discovery, ModInstance, Preparation, discover, mod_folders, plan_discovery
from ._reload_apply import Checkpoint, ReloadFailed, Transaction, dedupe_tail, forget, replace_items
from ._watcher import folder_fingerprint

if TYPE_CHECKING:
    from ..core import Host, ReloadPort

#: Reload results kept for the overlay and tools (:attr:`Reloader.history`).
HISTORY: Final = 20
#: Rounds of "the plan changed the fate of a mod outside the group" before giving up.
MAX_PLAN_ROUNDS: Final = 8


@dataclass(frozen=True)
class ReloadResult:
    """What one :meth:`Host.reload` did. Empty when nothing had changed."""

    #: Mods loaded again with their state kept, in load order.
    reloaded: tuple[str, ...] = ()
    #: Mods loaded for the first time (new folders, mods a change made loadable).
    loaded: tuple[str, ...] = ()
    #: Mods removed because their folder was deleted.
    unloaded: tuple[str, ...] = ()
    #: Mods whose reload was rolled back (they run as before, or stay not loaded).
    rolled_back: tuple[str, ...] = ()
    #: One ``RELOAD_ROLLED_BACK`` per failed group, plus new findings of the loads.
    diagnostics: tuple[Diagnostic, ...] = ()
    #: The last tick that ran before the reload (the new code runs from the next one).
    tick: int = 0
    #: Wall time the reload took, in milliseconds.
    duration_ms: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether anything was reloaded, loaded, unloaded or rolled back."""
        return bool(self.reloaded or self.loaded or self.unloaded or self.rolled_back)

    @property
    def ok(self) -> bool:
        """True when nothing was rolled back."""
        return not self.rolled_back

    def summary(self) -> str:
        """One line for the terminal and the overlay."""
        parts = []
        for verb, mods in (
            ("reloaded", self.reloaded),
            ("loaded", self.loaded),
            ("unloaded", self.unloaded),
            ("ROLLED BACK", self.rolled_back),
        ):
            if mods:
                parts.append(f"{verb} {', '.join(mods)}")
        text = "; ".join(parts) or "nothing changed"
        return f"{text} ({self.duration_ms:.0f} ms, tick {self.tick})"


@dataclass
class _Verdict:
    """Discovery's judgement of one folder as it is on disk now."""

    folder: Path
    found: Discovery

    @property
    def mod_id(self) -> str | None:
        if self.found.candidates:
            return self.found.candidates[0].manifest.id
        return next(iter(self.found.failed), None)

    @property
    def manifest(self) -> Manifest | None:
        return self.found.candidates[0].manifest if self.found.candidates else None


@dataclass
class _Group:
    """One transaction: the mods it reloads and the plan it loads them with."""

    mods: set[str]
    folders: set[str]
    prep: Preparation | None = None
    #: Mod ids some folder holds now (a running mod not among them was deleted).
    on_disk: set[str] = field(default_factory=set)


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

    def changed_folders(self, scan: _Scan | None = None) -> set[str]:
        """Folders whose content differs from what was last handled (new and deleted too)."""
        scan = scan or _Scan(self._host, self._port.base_dir)
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
        scan = _Scan(host, self._port.base_dir)
        if names is None:
            folders = self.changed_folders(scan)
        else:
            folders = self._folder_names(names)
            if not force:
                folders = {f for f in folders if scan.print(f) != self._seen.get(f)}
        outcome = _Outcome()
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

    def _groups(self, folders: set[str], scan: _Scan) -> list[_Group]:
        """The transactions for ``folders``: seeds closed over dependents, overlaps merged."""
        host = self._host
        seeds: list[_Group] = []
        for name in sorted(folders):
            mods = {m for m, i in host.instances.items() if i.folder.name == name}
            verdict = scan.of(name)
            if verdict is not None and verdict.mod_id is not None:
                mods.add(verdict.mod_id)
            seeds.append(_Group(mods=mods, folders={name}))
        dependents = _dependents(self._manifests(folders, scan))
        for group in seeds:
            group.mods |= _closure(group.mods, dependents)
        return _merge(seeds)

    def _manifests(self, folders: set[str], scan: _Scan) -> dict[str, Manifest]:
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

    def _clean(self, mod_id: str, scan: _Scan) -> bool:
        """Whether a running mod's folder still holds exactly what it was loaded from."""
        folder = self._host.instances[mod_id].folder.name
        loaded = self._loaded.get(mod_id)
        return loaded is not None and loaded == scan.print(folder)

    def _run_group(self, group: _Group, scan: _Scan, outcome: _Outcome) -> None:
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
    def _plan(self, group: _Group, scan: _Scan) -> Preparation:
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
            group.mods |= _closure(extra, _dependents(self._manifests(set(), scan)))
            prep = self._plan_once(group, scan)
        group.prep = prep
        return prep

    def _plan_once(self, group: _Group, scan: _Scan) -> Preparation:
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

    def _refusals(self, group: _Group, prep: Preparation, scan: _Scan) -> list[Diagnostic]:
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
            causes.extend(_why_not_planned(prep, mod_id))
        return causes

    # -- commit and undo -------------------------------------------------------------------
    def _commit(
        self, group: _Group, prep: Preparation, checkpoint: Checkpoint, scan: _Scan
    ) -> None:
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

    def _undo(self, group: _Group, checkpoint: Checkpoint) -> None:
        host = self._host
        for mod_id in group.mods:
            instance = host.instances.get(mod_id)
            if instance is not None and checkpoint.instances.get(mod_id) is not instance:
                instance.close()
                host.instances.pop(mod_id)
        checkpoint.restore(host, self._book)

    def _rolled_back(
        self, group: _Group, causes: Iterable[Diagnostic], running: set[str]
    ) -> tuple[tuple[str, ...], Diagnostic]:
        """Record the ``RELOAD_ROLLED_BACK`` diagnostic of a failed group."""
        causes = tuple(causes) or (_internal_cause(group),)
        first = causes[0]
        restored = sorted(m for m in group.mods if m in running)
        attempted = sorted(group.mods)
        what = ", ".join(restored) if restored else "nothing (none of them was running)"
        diag = Diagnostic(
            code=DiagnosticCode.RELOAD_ROLLED_BACK,
            message=f"reload of {', '.join(attempted)} rolled back: {first.code}"
            + (f" in {first.mod}" if first.mod else "")
            + f": {first.message}; restored: {what}",
            mod=first.mod or attempted[0],
            hint=first.hint or "fix the problem and save again; the previous version keeps running",
            file=first.file,
            line=first.line,
            cause=tuple(_cause_line(c) for c in causes),
            details={
                "cause": first.code,
                "causes": [c.model_dump(mode="json") for c in causes],
                "restored": restored,
                "attempted": attempted,
                "tick": self._host.world.tick,
            },
        )
        self._book.diagnostics.append(diag)
        return tuple(attempted), diag


class _Scan:
    """What one reload reads from disk: fingerprints and discovery verdicts, each of a
    folder computed at most once per reload."""

    def __init__(self, host: Host, base_dir: Path | None) -> None:
        self._host = host
        self._base_dir = base_dir
        self._verdicts: dict[str, _Verdict | None] = {}
        self._prints: dict[str, bytes | None] = {}
        self._folders: list[Path] | None = None
        #: Mods left out of planning (new mods whose reload rolled back earlier in this one).
        self.skip: set[str] = set()

    def folders(self) -> list[Path]:
        """The mod folders of ``mods/`` (listed once per reload)."""
        if self._folders is None:
            self._folders = mod_folders(self._host.mods_dir)
        return self._folders

    def print(self, name: str) -> bytes | None:
        """The fingerprint of folder ``name`` (None when it is gone)."""
        if name not in self._prints:
            self._prints[name] = folder_fingerprint(self._host.mods_dir / name)
        return self._prints[name]

    def of(self, name: str) -> _Verdict | None:
        """The folder ``name`` as discovery judges it now; None if it is not a mod folder."""
        if name not in self._verdicts:
            self._verdicts[name] = self._judge(name)
        return self._verdicts[name]

    def _judge(self, name: str) -> _Verdict | None:
        host = self._host
        folder = host.mods_dir / name
        if not folder.is_dir():
            return None
        found = discover(host.mods_dir, host.policy, base_dir=self._base_dir, only={name})
        if not found.candidates and not found.failed:
            return None
        return _Verdict(folder, found)


class _Outcome:
    """Collects what the groups of one reload did."""

    def __init__(self) -> None:
        self.reloaded: list[str] = []
        self.loaded: list[str] = []
        self.unloaded: list[str] = []
        self.rolled_back: list[str] = []
        self.diagnostics: list[Diagnostic] = []

    def ok(
        self,
        loaded: list[str],
        old: dict[str, ModInstance],
        gone: list[str],
        diagnostics: Iterable[Diagnostic],
    ) -> None:
        self.reloaded += [m for m in loaded if m in old]
        self.loaded += [m for m in loaded if m not in old]
        self.unloaded += sorted(gone)
        self.diagnostics += diagnostics

    def fail(self, rolled: tuple[tuple[str, ...], Diagnostic]) -> None:
        mods, diag = rolled
        self.rolled_back += mods
        self.diagnostics.append(diag)

    def result(self, tick: int, duration_ms: float) -> ReloadResult:
        return ReloadResult(
            reloaded=tuple(self.reloaded),
            loaded=tuple(self.loaded),
            unloaded=tuple(self.unloaded),
            rolled_back=tuple(self.rolled_back),
            diagnostics=tuple(self.diagnostics),
            tick=tick,
            duration_ms=duration_ms,
        )


# -- helpers -------------------------------------------------------------------------------
def _dependents(manifests: dict[str, Manifest]) -> dict[str, set[str]]:
    """Mod id -> the mods that require or optionally use it."""
    out: dict[str, set[str]] = {}
    for mod_id, manifest in manifests.items():
        deps = manifest.dependencies
        for target in (*deps.required, *deps.optional):
            out.setdefault(target, set()).add(mod_id)
    return out


def _closure(seeds: Iterable[str], dependents: dict[str, set[str]]) -> set[str]:
    """``seeds`` and everything that depends on them, transitively."""
    out: set[str] = set()
    todo = list(seeds)
    while todo:
        mod_id = todo.pop()
        if mod_id not in out:
            out.add(mod_id)
            todo.extend(dependents.get(mod_id, ()))
    return out


def _merge(groups: list[_Group]) -> list[_Group]:
    """Merge groups that share a mod (each mod is reloaded by exactly one transaction)."""
    merged: list[_Group] = []
    for group in groups:
        for other in [g for g in merged if g.mods & group.mods]:
            merged.remove(other)
            group.mods |= other.mods
            group.folders |= other.folders
        merged.append(group)
    return sorted(merged, key=lambda g: sorted(g.folders))


def _why_not_planned(prep: Preparation, mod_id: str) -> Iterator[Diagnostic]:
    """The error diagnostics that keep ``mod_id`` out of the plan."""
    found = False
    for diag in prep.diagnostics:
        if diag.severity != "error":
            continue
        if diag.mod == mod_id or mod_id in diag.details.get("disabled", ()):
            found = True
            yield diag
    if not found:
        yield Diagnostic(
            code=DiagnosticCode.RESOLVE_MISSING_REQUIRED,
            message=f"mod '{mod_id}' is no longer in the load plan",
            mod=mod_id,
            hint="run 'modhost check' to see why it cannot load",
        )


def _internal_cause(group: _Group) -> Diagnostic:
    return Diagnostic(
        code=DiagnosticCode.HOST_INTERNAL_ERROR,
        message=f"reload of {', '.join(sorted(group.mods))} failed without a reason",
        hint="report this as a modhost bug",
    )


def _cause_line(diag: Diagnostic) -> str:
    where = f" ({diag.file}:{diag.line})" if diag.file and diag.line else ""
    where = where or (f" ({diag.file})" if diag.file else "")
    mod = f"[{diag.mod}] " if diag.mod else ""
    return f"{diag.code}: {mod}{diag.message}{where}"
