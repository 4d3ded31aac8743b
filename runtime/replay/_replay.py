"""Record and replay: a run's seed, mod set and input, and a hash per tick to compare with.

``modhost run --record FILE`` attaches a :class:`Recorder`; ``modhost replay FILE`` runs
:func:`replay`.

Replaying runs the same mods with the same seed and input and compares each tick's frame
with the recorded one. The first tick that differs is reported with the lowest entity id
whose state differs (or that exists on one side only) and the mod that owns it. Before
running, the mod set is compared: a mod that is missing, extra, or of another version or
digest stops the replay with ``REPLAY_MODS_DIFFER`` naming it (``allow_changed_mods`` runs
anyway, to find where the change shows).

The file format is in :mod:`._file`, the per-tick frames in :mod:`._frames`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from host_api import Diagnostic, DiagnosticCode, HostPolicy

from ..core import Host, Stage
from ..gameplay import InputEvent
from ._file import Frame, RecordedMod, ReplayFile, ReplayFileInvalid, load_replay
from ._frames import Divergence, KindsBefore, first_difference, frame_of, mod_set


class Recorder:
    """Records a host's run: attach after ``host.load()``, then :meth:`write` at the end.

    Registers itself in the ``presentation`` stage, so it sees each tick's final state and
    the input events applied in it. Cost per tick: one :func:`frame_of` and a zlib pass.
    """

    def __init__(self, host: Host) -> None:
        self._host = host
        self.mods = mod_set(host)
        self._index = {m.id: i for i, m in enumerate(self.mods)}
        self.inputs: list[InputEvent] = []
        self.frames: list[str] = []
        self._start = host.tick
        host.scheduler.add(Stage.PRESENTATION, self._capture)

    def _capture(self, dt: float) -> None:
        self.inputs.extend(d.event for d in self._host.gameplay.input.current)
        self.frames.append(frame_of(self._host, self._index).encode())

    def document(self) -> ReplayFile:
        """The replay of everything recorded so far."""
        host = self._host
        return ReplayFile(
            seed=host.seed,
            hz=host.scheduler.hz,
            ticks=len(self.frames),
            world_hash=host.world_hash(),
            mods=self.mods,
            tier=host.policy.sandbox.tier,
            inputs=self.inputs,
            frames=self.frames,
        )

    def write(self, path: Path) -> Path:
        """Write the replay file (parents created).

        :raises ModhostError: the file cannot be written (``HOST_INTERNAL_ERROR`` is wrong
            here, so the code says what: ``REPLAY_FILE_INVALID``).
        """
        text = self.document().model_dump_json(exclude_none=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise ReplayFileInvalid(
                f"cannot write the replay file {path}: {exc}",
                hint="pass --record a path in a folder you can write to",
            ) from None
        return path


class ReplayReport(BaseModel):
    """``modhost replay --json``."""

    model_config = ConfigDict(extra="forbid")

    replay: str
    seed: int
    #: Ticks in the recording, and ticks replayed (fewer when it stopped early).
    ticks_recorded: int
    ticks: int
    #: The replayed world's hash; empty when nothing was replayed (a bad file, changed mods).
    world_hash: str
    recorded_world_hash: str
    #: True when every tick matched and the final hashes are equal.
    same: bool
    #: Mods that differ from the recording (``id: reason``); a replay stops unless allowed.
    mods_changed: dict[str, str]
    diverged: Divergence | None
    diagnostics: list[Diagnostic]


def compare_mods(recorded: list[RecordedMod], current: list[RecordedMod]) -> dict[str, str]:
    """``mod id -> what differs`` between two mod sets (missing, extra, version, digest)."""
    old = {m.id: m for m in recorded}
    new = {m.id: m for m in current}
    changed: dict[str, str] = {}
    for mod_id in sorted(old.keys() | new.keys()):
        a, b = old.get(mod_id), new.get(mod_id)
        if b is None:
            changed[mod_id] = "recorded but not loaded now"
        elif a is None:
            changed[mod_id] = "loaded now but not in the recording"
        elif a.version != b.version:
            changed[mod_id] = f"version {a.version} recorded, {b.version} now"
        elif a.digest != b.digest:
            changed[mod_id] = "same version, different files (digest differs)"
    return changed


def replay(
    path: Path,
    mods_dir: Path,
    *,
    policy: HostPolicy | None = None,
    base_dir: Path | None = None,
    allow_changed_mods: bool = False,
    log: Callable[[str, str], None] | None = None,
) -> ReplayReport:
    """Replay ``path`` against the mods in ``mods_dir`` and compare tick by tick.

    Never raises for user-caused problems: a bad file, a changed mod set and a divergence
    are diagnostics in the report (``REPLAY_FILE_INVALID``, ``REPLAY_MODS_DIFFER``,
    ``REPLAY_DIVERGED``).
    """
    try:
        doc = load_replay(path)
    except ReplayFileInvalid as exc:
        return ReplayReport(
            replay=str(path), seed=0, ticks_recorded=0, ticks=0, world_hash="",
            recorded_world_hash="", same=False, mods_changed={}, diverged=None,
            diagnostics=[exc.to_diagnostic()],
        )  # fmt: skip
    with Host(
        mods_dir, policy=policy, seed=doc.seed, hz=doc.hz, base_dir=base_dir, log=log
    ) as host:
        host.load()
        changed = compare_mods(doc.mods, mod_set(host))
        extra = _changed_diagnostics(changed, stop=not allow_changed_mods)
        diverged = None
        ran = not changed or allow_changed_mods
        if ran:
            diverged = _run_and_compare(host, doc)
        if diverged is not None:
            extra.append(_diverged_diagnostic(diverged))
            if doc.tier is not None and doc.tier != host.policy.sandbox.tier:
                # Both tiers make the same world; a time limit is where they may differ.
                extra.append(_tier_diagnostic(doc.tier, host.policy.sandbox.tier))
        # Not replayed: there is no replayed world whose hash could be compared.
        world_hash = host.world_hash() if ran else ""
        return ReplayReport(
            replay=str(path),
            seed=doc.seed,
            ticks_recorded=doc.ticks,
            ticks=host.tick,
            world_hash=world_hash,
            recorded_world_hash=doc.world_hash,
            same=diverged is None and not changed and world_hash == doc.world_hash,
            mods_changed=changed,
            diverged=diverged,
            diagnostics=[*host.diagnostics, *extra],
        )


def _run_and_compare(host: Host, doc: ReplayFile) -> Divergence | None:
    host.gameplay.input.queue(doc.inputs)
    index = {m.id: i for i, m in enumerate(doc.mods)}
    for tick in range(1, doc.ticks + 1):
        before = KindsBefore(host)
        host.step(1)
        recorded = Frame.decode(doc.frames[tick - 1])
        now = frame_of(host, index)
        found = first_difference(recorded, now, tick, doc.mods, host.world.get, before)
        if found is not None:
            return found
    return None


def _changed_diagnostics(changed: dict[str, str], *, stop: bool) -> list[Diagnostic]:
    return [
        Diagnostic(
            code=DiagnosticCode.REPLAY_MODS_DIFFER,
            severity="error" if stop else "warning",
            message=f"mod '{mod_id}' differs from the recording: {reason}"
            + ("; not replayed" if stop else ""),
            mod=mod_id,
            hint=(
                "replay with the mods the run was recorded with, or pass "
                "--allow-changed-mods to see where the change shows"
                if stop
                else "replayed anyway (--allow-changed-mods): a REPLAY_DIVERGED error names "
                "the first tick the change shows in; none means it did not change the run"
            ),
            details={"reason": reason},
        )
        for mod_id, reason in changed.items()
    ]


def _tier_diagnostic(recorded: str, now: str) -> Diagnostic:
    return Diagnostic(
        code=DiagnosticCode.REPLAY_MODS_DIFFER,
        severity="warning",
        message=f"recorded with the '{recorded}' sandbox tier, replayed with '{now}': both "
        "tiers make the same world, except where a call ran into its time limit",
        hint=f'replay under a policy with [sandbox] tier = "{recorded}" to rule that out',
        details={"recorded_tier": recorded, "tier": now},
    )


def _diverged_diagnostic(d: Divergence) -> Diagnostic:
    what = {
        "state": "has a different state",
        "missing": "exists only in the recording",
        "extra": "exists only in the replay",
    }[d.difference]
    kind = f" ({d.kind})" if d.kind else ""
    return Diagnostic(
        code=DiagnosticCode.REPLAY_DIVERGED,
        message=f"the replay diverged at tick {d.tick}: entity {d.entity}{kind} of mod "
        f"'{d.mod}' {what}",
        mod=d.mod,
        hint="look for nondeterminism in that mod (wall-clock time, unseeded randomness, "
        "iteration over sets) or for a change since the recording",
        details=d.model_dump(),
    )
