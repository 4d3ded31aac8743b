"""Record and replay: a run's seed, mod set and input, and a hash per tick to compare with.

``modhost run --record FILE`` attaches a :class:`Recorder`; ``modhost replay FILE`` runs
:func:`replay`. A replay file is one JSON document (:class:`ReplayFile`):

- ``seed``, ``hz``, ``ticks`` and the final ``world_hash`` of the recorded run;
- ``mods``: each loaded mod's id, version and digest (SHA-256 over its files, as signing
  computes it), in load order;
- ``inputs``: every input event applied, with its tick (the input-file format);
- ``frames``: one string per tick, the state at the end of that tick: for every entity in id
  order its id, a 64-bit digest of its state (kind, owner, tags, position and velocity bit for
  bit) and the index of its owner in ``mods``, packed little-endian, zlib-compressed, base64.

Replaying runs the same mods with the same seed and input and compares each tick's frame
with the recorded one. The first tick that differs is reported with the lowest entity id
whose state differs (or that exists on one side only) and the mod that owns it. Before
running, the mod set is compared: a mod that is missing, extra, or of another version or
digest stops the replay with ``REPLAY_MODS_DIFFER`` naming it (``allow_changed_mods`` runs
anyway, to find where the change shows).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from host_api import Diagnostic, DiagnosticCode, HostPolicy, ModhostError
from marketplace import hash_mod_folder

from ..core import Host, Stage
from ..gameplay import InputEvent, InputFileInvalid, check_event, load_input_file

FORMAT: Final = "modhost-replay"
VERSION: Final = 1

U64 = npt.NDArray[np.uint64]
_MUL: Final = np.uint64(0x9E3779B97F4A7C15)
_MUL2: Final = np.uint64(0xBF58476D1CE4E5B9)


class ReplayFileInvalid(ModhostError):
    """A replay file that cannot be read, or is not a modhost replay."""

    code = DiagnosticCode.REPLAY_FILE_INVALID


class RecordedMod(BaseModel):
    """One mod of the recorded run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str | None
    digest: str


class ReplayFile(BaseModel):
    """The replay document (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["modhost-replay"] = FORMAT
    version: Literal[1] = VERSION
    seed: int
    hz: int = Field(gt=0)
    ticks: int = Field(ge=0)
    world_hash: str
    mods: list[RecordedMod]
    #: The sandbox tier scripts ran in (tiers may order a script's writes differently).
    tier: str | None = None
    inputs: list[InputEvent]
    frames: list[str]


@dataclass(frozen=True)
class Frame:
    """The state at the end of one tick: ids ascending, their digests and owner indices."""

    ids: npt.NDArray[np.int64]
    digests: U64
    owners: npt.NDArray[np.int32]

    def encode(self) -> str:
        raw = (
            len(self.ids).to_bytes(8, "little")
            + self.ids.astype("<i8").tobytes()
            + self.digests.astype("<u8").tobytes()
            + self.owners.astype("<i4").tobytes()
        )
        return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> Frame:
        """:raises ValueError: not a frame."""
        try:
            raw = zlib.decompress(base64.b64decode(text, validate=True))
        except (binascii.Error, zlib.error) as exc:
            raise ValueError(f"frame is not base64 zlib data ({exc})") from None
        n = int.from_bytes(raw[:8], "little")
        if len(raw) != 8 + 20 * n:
            raise ValueError("frame has the wrong length")
        ids = np.frombuffer(raw, "<i8", n, 8).astype(np.int64)
        digests = np.frombuffer(raw, "<u8", n, 8 + 8 * n).astype(np.uint64)
        owners = np.frombuffer(raw, "<i4", n, 8 + 16 * n).astype(np.int32)
        return cls(ids, digests, owners)


@lru_cache(maxsize=256)
def _name_hashes(names: tuple[object, ...]) -> U64:
    """A stable 64-bit hash per interned name (tuples of tags joined), independent of
    interning order. Cached: the name tables rarely change from one tick to the next."""
    out = np.zeros(max(1, len(names)), dtype=np.uint64)
    for i, name in enumerate(names):
        text = "\x1f".join(name) if isinstance(name, tuple) else str(name)
        out[i] = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return out


def _mix(h: U64, v: U64) -> U64:
    """One round of a splitmix-style mix (uint64 arrays wrap silently)."""
    h = (h ^ v) * _MUL
    return (h ^ (h >> np.uint64(31))) * _MUL2


def frame_of(host: Host, mod_index: dict[str, int]) -> Frame:
    """The current world as a :class:`Frame`. Cost: O(entities), vectorised, plus one
    blake2b per distinct kind, owner and tag set."""
    world = host.world
    ids = world.ids.copy()
    labels = world.labels()
    h = _mix(np.full(len(ids), 0x6D6F64686F7374, dtype=np.uint64), ids.astype(np.uint64))
    for name in ("kind", "owner", "tags"):
        codes, names = labels[name]
        h = _mix(h, _name_hashes(names)[codes])
    # + 0.0 folds -0.0 into 0.0, as world_hash does.
    for column in (world.positions + 0.0, world.velocities + 0.0):
        bits = np.ascontiguousarray(column, dtype="<f8").view(np.uint64)
        for axis in range(3):
            h = _mix(h, bits[:, axis])
    owner_codes, owner_names = labels["owner"]
    table = np.array([mod_index.get(str(o), -1) for o in owner_names] or [-1], dtype=np.int32)
    return Frame(ids, h, table[owner_codes])


def mod_set(host: Host) -> list[RecordedMod]:
    """The loaded mods, in load order, with version and digest of their folders."""
    prep = host.preparation
    out = []
    for mod_id in host.load_order:
        candidate = None if prep is None else prep.candidates.get(mod_id)
        if candidate is None:
            continue
        digest = hash_mod_folder(candidate.folder, mod_id=mod_id).digest
        out.append(RecordedMod(id=mod_id, version=candidate.manifest.version, digest=digest))
    return out


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


def load_replay(path: Path) -> ReplayFile:
    """Read and check a replay file.

    :raises ReplayFileInvalid: unreadable, not JSON, not a modhost replay, a bad input event
        or frame, or frames that do not match ``ticks``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _invalid(path, f"cannot read it as JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _invalid(path, f'it is not a {FORMAT} file (no "format": "{FORMAT}")')
    try:
        doc = ReplayFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _invalid(path, f"{where}: {first['msg']}") from None
    try:
        for event in doc.inputs:
            check_event(event, where=str(path))
    except InputFileInvalid as exc:
        raise _invalid(path, exc.message) from None
    if len(doc.frames) != doc.ticks:
        raise _invalid(path, f"{len(doc.frames)} frames for {doc.ticks} ticks")
    for tick, text in enumerate(doc.frames, start=1):
        try:
            Frame.decode(text)
        except ValueError as exc:
            raise _invalid(path, f"frame of tick {tick}: {exc}") from None
    return doc


def _invalid(path: Path, reason: str) -> ReplayFileInvalid:
    return ReplayFileInvalid(
        f"replay file {path}: {reason}",
        hint="record one with 'modhost run --record FILE'",
        file=str(path),
    )


class Divergence(BaseModel):
    """Where a replay first differed from its recording."""

    model_config = ConfigDict(extra="forbid")

    tick: int
    #: The lowest entity id whose state differs.
    entity: int
    #: Its kind (from the replay, or None if it exists only in the recording).
    kind: str | None
    #: The mod that owns it.
    mod: str | None
    #: ``state`` (both have it), ``missing`` (recording only) or ``extra`` (replay only).
    difference: Literal["state", "missing", "extra"]


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


def first_difference(
    recorded: Frame,
    now: Frame,
    tick: int,
    mods: list[RecordedMod],
    kind_of: Callable[[int], Any],
    kind_before: Callable[[int], str | None] = lambda entity: None,
) -> Divergence | None:
    """The lowest-id difference between two frames of ``tick``, or None if they are equal.

    :param kind_of: the replay's entity view by id (None when it does not exist now).
    :param kind_before: an entity's kind at the end of the tick before, for one the replay
        despawned in ``tick`` (the recording keeps digests, not kinds).
    """
    if np.array_equal(recorded.ids, now.ids) and np.array_equal(recorded.digests, now.digests):
        return None
    all_ids = np.union1d(recorded.ids, now.ids)
    for entity in all_ids.tolist():  # stops at the first difference: the lowest id
        r = np.searchsorted(recorded.ids, entity)
        n = np.searchsorted(now.ids, entity)
        in_r = r < len(recorded.ids) and recorded.ids[r] == entity
        in_n = n < len(now.ids) and now.ids[n] == entity
        if in_r and in_n and recorded.digests[r] == now.digests[n]:
            continue
        owner = int(recorded.owners[r]) if in_r else int(now.owners[n])
        view = kind_of(entity)
        return Divergence(
            tick=tick,
            entity=int(entity),
            kind=kind_before(int(entity)) if view is None else view.kind,
            mod=mods[owner].id if 0 <= owner < len(mods) else (view.owner if view else None),
            difference="state" if in_r and in_n else ("missing" if in_r else "extra"),
        )
    return None


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
        if doc.tier is not None and doc.tier != host.policy.sandbox.tier:
            extra.append(_tier_diagnostic(doc.tier, host.policy.sandbox.tier))
        diverged = None
        ran = not changed or allow_changed_mods
        if ran:
            diverged = _run_and_compare(host, doc)
        if diverged is not None:
            extra.append(_diverged_diagnostic(diverged))
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
        before = _KindsBefore(host)
        host.step(1)
        recorded = Frame.decode(doc.frames[tick - 1])
        now = frame_of(host, index)
        found = first_difference(recorded, now, tick, doc.mods, host.world.get, before)
        if found is not None:
            return found
    return None


class _KindsBefore:
    """The replay world's entity kinds as they were when it was made: for an entity that is
    gone after the next tick, so ``diverged.kind`` still names it. Cost: O(entities) copies."""

    def __init__(self, host: Host) -> None:
        self._ids = host.world.ids.copy()
        self._codes, self._names = host.world.labels()["kind"]

    def __call__(self, entity: int) -> str | None:
        at = int(np.searchsorted(self._ids, entity))
        if at < len(self._ids) and self._ids[at] == entity:
            return str(self._names[self._codes[at]])
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
        message=f"recorded with the '{recorded}' sandbox tier, replayed with '{now}': "
        "the run may diverge",
        hint=f'replay under a policy with [sandbox] tier = "{recorded}"',
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


class RunIO:
    """What ``modhost run --input FILE --record FILE`` (and a window's keyboard) add to a run.

    Create it after ``host.load()``; it queues the input file, starts the recorder and, for a
    window, polls the keyboard and mouse once per tick (events land on the next tick, so a
    recording of a window run replays headless). :attr:`diagnostics` holds a bad input file;
    the caller should not run then. :meth:`finish` writes the recording.

    :param presenter: the run's presenter, if any (only a window is read).
    """

    def __init__(
        self,
        host: Host,
        *,
        input_file: Path | None,
        record: Path | None,
        presenter: object | None = None,
    ) -> None:
        self._host = host
        self._record = record
        self.diagnostics: list[Diagnostic] = []
        if input_file is not None:
            try:
                host.gameplay.input.queue(load_input_file(input_file))
            except InputFileInvalid as exc:
                self.diagnostics.append(exc.to_diagnostic())
        self._recorder = Recorder(host) if record is not None and not self.diagnostics else None
        if getattr(presenter, "mode", None) == "window":
            self._attach_window(presenter)

    def _attach_window(self, presenter: object) -> None:
        # The presenter keeps its Panda3D window private; reading input is the one other
        # thing that needs it, and only here, in a window run.
        window = getattr(presenter, "_output", None)
        if window is None:
            return
        from ..present import WindowInput

        source = WindowInput(window)
        state, world = self._host.gameplay.input, self._host.world

        def poll(dt: float) -> None:
            for kind, key, x, y in source.poll():
                xy = {"x": x, "y": y} if kind == "mouse_move" else {}
                state.queue_now(world.tick + 1, kind, key, **xy)  # type: ignore[arg-type]

        self._host.scheduler.add(Stage.INPUT, poll)

    def finish(self) -> list[Diagnostic]:
        """Write the recording, if any; problems come back as diagnostics."""
        if self._recorder is None or self._record is None:
            return []
        try:
            self._recorder.write(self._record)
        except ReplayFileInvalid as exc:
            return [exc.to_diagnostic()]
        return []
