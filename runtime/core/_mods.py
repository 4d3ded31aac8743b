"""Loading one mod: manifest -> granted capabilities -> sandbox -> compiled scripts.

:func:`load_mod` turns a planned :class:`~resolver.ModCandidate` into a :class:`ModInstance`
and :meth:`ModInstance.close` releases it. The two are the whole lifecycle: startup loads each
mod in order through :func:`load_mod`, and hot reload closes an instance and loads it again
through the same function. :func:`start_load` is its optional first half: it reads a mod's
scripts and hands them to a new sandbox ahead of time, so a host loading many mods lets the
process tier's workers run their module bodies in parallel while it loads them in order.

Nothing a script should keep across reloads lives in the instance: ``ctx.state``
dicts are owned by the host and handed in.

Sandboxes are created in exactly one place, :func:`_make_sandbox`, so the execution tier
(in-process or out-of-process) is chosen there from the policy.

Component instances (WebAssembly) follow :class:`ComponentInstance`; :func:`_load_components`
is where the component engine plugs in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

from host_api import (
    AuditSink,
    Capability,
    Diagnostic,
    DiagnosticCode,
    EntityView,
    GameplayPort,
    HostAPI,
    HostPolicy,
    JSONValue,
    Limits,
    Manifest,
    ModhostError,
    ModStorage,
    ScriptContext,
    grant,
)
from resolver import ModCandidate
from sandbox import (
    ComponentRuntime,
    ScriptModule,
    ScriptRejected,
    ScriptSandbox,
    check_script,
    create_sandbox,
)

from ._script_files import read_scripts
from ._world import World


class ComponentInstance(Protocol):
    """A running WebAssembly component of one mod, as the components stage drives it.

    Each call runs under the mod's limits; a trap or limit raises a ``sandbox.ScriptFault``
    (e.g. ``GuestTrap``), which the host counts against the mod like a script fault.
    """

    def on_tick(self, dt: float) -> None:
        """Called once per tick in the components stage, in load order."""
        ...

    def on_event(self, name: str, payload: JSONValue) -> None:
        """Called in the events stage for each event, after the mod's scripts."""
        ...

    def close(self) -> None:
        """Release the store and instance. Idempotent."""
        ...


class ModLoadFailed(ModhostError):
    """A mod could not be loaded; ``diagnostics`` says every reason found."""

    def __init__(self, mod_id: str, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"mod '{mod_id}' failed to load", mod_id=mod_id)
        self.diagnostics = tuple(diagnostics)


@dataclass(eq=False)
class ModInstance:
    """One loaded mod: its sandbox, compiled scripts, components and host API.

    A context manager; :meth:`close` is idempotent.
    """

    manifest: Manifest
    folder: Path
    api: HostAPI
    sandbox: ScriptSandbox
    #: Mod scripts (no ``entity``), in manifest order.
    mod_scripts: tuple[ScriptModule, ...]
    #: Entity scripts by the kind they drive, each kind's in manifest order.
    entity_scripts: dict[str, tuple[ScriptModule, ...]]
    components: list[ComponentInstance] = field(default_factory=list)
    #: Findings at load that do not stop the mod (e.g. ``on_event`` without ``events.listen``).
    notes: tuple[Diagnostic, ...] = ()
    #: Cached ``ctx`` objects by entity id (``None``: the mod-script ctx).
    contexts: dict[int | None, ScriptContext] = field(default_factory=dict)
    closed: bool = False

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def tier(self) -> str:
        """The sandbox tier running the mod's scripts (``inprocess``, ``process``), or
        ``wasm`` for a mod that has only WebAssembly components (no script to run)."""
        if self.components and not self.mod_scripts and not self.entity_scripts:
            return "wasm"
        return self.sandbox.tier

    @property
    def listens(self) -> bool:
        """Whether events are delivered to this mod (it holds ``events.listen``)."""
        return Capability.EVENTS_LISTEN.value in self.api.granted

    def context(
        self, entity: EntityView | None, state: Callable[[], dict[str, Any]]
    ) -> ScriptContext:
        """The cached ``ctx`` for ``entity`` (or the mod ctx), built on first use.

        :param state: returns the host-owned state dict for this mod/entity.
        """
        key = None if entity is None else entity.id
        ctx = self.contexts.get(key)
        if ctx is None:
            ctx = self.contexts[key] = ScriptContext(self.api, state(), entity)
        return ctx

    def forget(self, entity_id: int) -> None:
        """Drop the cached ``ctx`` of a despawned entity (and what the sandbox keeps of it)."""
        self.contexts.pop(entity_id, None)
        self.sandbox.forget(entity_id)

    def close(self) -> None:
        """Close components and the sandbox. Idempotent."""
        if self.closed:
            return
        self.closed = True
        self.contexts.clear()
        for component in self.components:
            component.close()
        self.sandbox.close()

    def __enter__(self) -> ModInstance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(eq=False)
class StartedLoad:
    """A mod's sandbox with its scripts read and handed over (:func:`start_load`)."""

    candidate: ModCandidate
    sandbox: ScriptSandbox
    #: ``(path, source)`` of each script that could be read, in manifest order.
    readable: list[tuple[str, str]]
    #: Per manifest script entry: why it could not be read, or None (it is in ``readable``).
    unreadable: list[ModhostError | None]

    def close(self) -> None:
        """Release the sandbox of a start that will not be loaded. Idempotent."""
        self.sandbox.close()


def start_load(candidate: ModCandidate, policy: HostPolicy) -> StartedLoad:
    """Create the mod's sandbox, read its scripts and let the sandbox start loading them.

    The second half is :func:`load_mod` with ``started=``; a start not loaded must be
    closed. Never raises for what a mod can cause: unreadable scripts are reported by
    :func:`load_mod`.
    """
    manifest = candidate.manifest
    sandbox = _make_sandbox(manifest.id, effective_limits(manifest, policy), policy)
    readable, unreadable = read_scripts(candidate.folder.resolve(), manifest.scripts)
    started = StartedLoad(candidate, sandbox, readable, unreadable)
    try:
        sandbox.start_loading(readable)
    except BaseException:
        sandbox.close()
        raise
    return started


def effective_limits(manifest: Manifest, policy: HostPolicy) -> Limits:
    """The manifest's limit requests, capped by the policy."""
    return policy.limits.cap(manifest.limits)


def load_mod(
    candidate: ModCandidate,
    *,
    world: World,
    policy: HostPolicy,
    seed: int,
    audit: AuditSink | None = None,
    components: ComponentRuntime | None = None,
    gameplay: GameplayPort | None = None,
    started: StartedLoad | None = None,
) -> ModInstance:
    """Load one mod: grant its capabilities, create its sandbox, compile its scripts.

    :param components: the host's WebAssembly tier (its data folder also holds the mod's
        ``storage``); None runs no components and binds no store.
    :param gameplay: input, timers, HUD and colliders; None denies those calls.
    :param started: this candidate's :func:`start_load`, if it was started ahead (this
        call owns it from now on); None starts it here.

    Module bodies run now (inside the sandbox); ``on_load`` is the caller's to call, so it
    runs with the host's fault handling.

    :raises ModLoadFailed: a script is missing, rejected, or its module body faulted; every
        script is tried so all problems are reported at once.
    """
    manifest = candidate.manifest
    mod_id = manifest.id
    granted = grant(mod_id, manifest.capabilities, policy.capabilities.allowed_for(mod_id))
    data_dir = None if components is None else components.data_dir
    storage = None if data_dir is None else ModStorage.for_mod(data_dir, mod_id)
    api = HostAPI(
        granted,
        world,
        mod_root=candidate.folder,
        seed=seed,
        audit=audit,
        storage=storage,
        gameplay=gameplay,
    )
    if started is None or started.candidate is not candidate:
        if started is not None:
            started.close()
        started = start_load(candidate, policy)
    sandbox = started.sandbox
    try:
        mod_scripts, entity_scripts, problems = _load_scripts(started)
        running = [] if problems else _load_components(candidate, api, policy, components)
    except BaseException:
        sandbox.close()
        raise
    if problems:
        sandbox.close()
        raise ModLoadFailed(mod_id, problems)
    instance = ModInstance(
        manifest=manifest,
        folder=candidate.folder,
        api=api,
        sandbox=sandbox,
        mod_scripts=tuple(mod_scripts),
        entity_scripts={k: tuple(v) for k, v in entity_scripts.items()},
        components=running,
    )
    instance.notes = (*_script_notes(started), *_listen_notes(instance))
    sandbox.tick_api = api
    return instance


def _make_sandbox(mod_id: str, limits: Limits, policy: HostPolicy) -> ScriptSandbox:
    """The single place sandboxes are created; the tier comes from ``policy.sandbox.tier``."""
    return create_sandbox(mod_id, limits, tier=policy.sandbox.tier)


def _load_components(
    candidate: ModCandidate,
    api: HostAPI,
    policy: HostPolicy,
    components: ComponentRuntime | None,
) -> list[ComponentInstance]:
    """Instantiate the mod's ``[[components]]`` and run their ``init``.

    :raises ModLoadFailed: a component failed to compile, link or ``init``.
    """
    manifest = candidate.manifest
    if not manifest.components or components is None:
        return []
    try:
        return list(
            components.load(
                candidate.folder,
                manifest,
                api,
                limits=effective_limits(manifest, policy),
                wasi=policy.sandbox.wasi,
            )
        )
    except ModhostError as exc:
        raise ModLoadFailed(
            manifest.id, [_load_diagnostic(exc, manifest.id, exc.file or "mod.toml")]
        ) from exc


def _load_scripts(
    started: StartedLoad,
) -> tuple[list[ScriptModule], dict[str, list[ScriptModule]], list[Diagnostic]]:
    mod_scripts: list[ScriptModule] = []
    entity_scripts: dict[str, list[ScriptModule]] = {}
    problems: list[Diagnostic] = []
    candidate = started.candidate
    entries = candidate.manifest.scripts
    # Every script read was loaded together (one round trip to a process-tier worker per
    # mod); outcomes are matched back to entries in manifest order.
    loaded = iter(started.sandbox.load_many(started.readable))
    reported: set[int] = set()
    for entry, outcome in zip(entries, started.unreadable, strict=True):
        module = next(loaded) if outcome is None else outcome
        if isinstance(module, ModhostError):
            if id(module) not in reported:  # the entries past the count share one error
                reported.add(id(module))
                problems.append(_load_diagnostic(module, candidate.manifest.id, entry.path))
            continue
        if entry.entity is None:
            mod_scripts.append(module)
        else:
            entity_scripts.setdefault(entry.entity, []).append(module)
    return mod_scripts, entity_scripts, problems


def _load_diagnostic(exc: ModhostError, mod_id: str, path: str) -> Diagnostic:
    diag = exc.to_diagnostic()
    update: dict[str, Any] = {"mod": mod_id, "file": diag.file or path}
    if isinstance(exc, ScriptRejected) and not diag.hint:
        update["hint"] = "fix the script so it compiles under the sandbox"
    return diag.model_copy(update=update)


#: Notes per script at most (each names a skipped block; ``details`` counts them all).
MAX_SCRIPT_NOTES: Final = 5


def _script_notes(started: StartedLoad) -> list[Diagnostic]:
    """What the compiler skipped in the mod's scripts (a main guard), as notes."""
    notes = []
    mod_id = started.candidate.manifest.id
    for path, source in started.readable:
        # The check is cached: this is the same result the sandbox compiled from.
        found = check_script(source, path).notes
        # A script controls how many: a few say what is skipped, the rest are counted.
        for note in found[:MAX_SCRIPT_NOTES]:
            notes.append(
                Diagnostic(
                    code=DiagnosticCode.SANDBOX_SKIPPED,
                    severity="info",
                    message=note.message,
                    mod=mod_id,
                    file=path,
                    line=note.line,
                    hint="call what the block runs from on_load or a hook if the mod needs it",
                    details={"skipped_blocks": len(found)},
                )
            )
    return notes


def _listen_notes(instance: ModInstance) -> tuple[Diagnostic, ...]:
    # Input events and timers reach on_event without events.listen (runtime.gameplay._gameplay).
    direct = {Capability.INPUT_READ.value, Capability.TIMERS.value}
    if instance.listens or any(c in instance.api.granted for c in direct):
        return ()
    modules = list(instance.mod_scripts)
    for group in instance.entity_scripts.values():
        modules.extend(group)
    return tuple(
        Diagnostic(
            code=DiagnosticCode.CAPABILITY_DENIED,
            severity="warning",
            message=f"{m.path} defines on_event, but the mod does not hold 'events.listen'; "
            "it will receive no events",
            mod=instance.id,
            hint='add "events.listen" to capabilities in mod.toml (and make sure the '
            "policy grants it)",
            file=m.path,
            details={"capability": Capability.EVENTS_LISTEN.value},
        )
        for m in modules
        if "on_event" in m.hooks
    )
