"""The replay file: one JSON document (:class:`ReplayFile`), read and checked in one place.

- ``seed``, ``hz``, ``ticks`` and the final ``world_hash`` of the recorded run;
- ``mods``: each loaded mod's id, version and digest (SHA-256 over its files, as signing
  computes it), in load order;
- ``inputs``: every input event applied, with its tick (the input-file format);
- ``frames``: one string per tick, the state at the end of that tick: for every entity in id
  order its id, a 64-bit digest of its state (kind, owner, tags, position and velocity bit for
  bit) and the index of its owner in ``mods``, packed little-endian, zlib-compressed, base64.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from host_api import DiagnosticCode, ModhostError, UnsafeFile, read_regular

from ..gameplay import InputEvent, InputFileInvalid, check_event

FORMAT: Final = "modhost-replay"
VERSION: Final = 1

U64 = npt.NDArray[np.uint64]

#: Largest replay file read (a regular file; never a FIFO or device).
MAX_REPLAY_BYTES: Final = 1 << 30
#: Most JSON values a replay file may hold, counted by its separators before it is parsed
#: (a million ticks' frames and a million input events fit).
MAX_REPLAY_VALUES: Final = 8_000_000
#: Most entities one frame may list (a world of 50 mods at their entity cap).
MAX_FRAME_ENTITIES: Final = 1_000_000
#: A frame inflates to at most this many times its compressed size: recorded digests are
#: random bits and barely compress, so only a zlib bomb comes near it.
MAX_INFLATION: Final = 64


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
        """:raises ValueError: not a frame, or one that would inflate past its caps (a
        frame of more than :data:`MAX_FRAME_ENTITIES` entities, or more than
        :data:`MAX_INFLATION` times its compressed size: a zlib bomb)."""
        try:
            packed = base64.b64decode(text, validate=True)
            cap = min(8 + 20 * MAX_FRAME_ENTITIES, MAX_INFLATION * len(packed) + 1024)
            inflater = zlib.decompressobj()
            raw = inflater.decompress(packed, cap + 1)
        except (binascii.Error, zlib.error) as exc:
            raise ValueError(f"frame is not base64 zlib data ({exc})") from None
        if len(raw) > cap or inflater.unconsumed_tail:
            raise ValueError(f"frame inflates past {cap} bytes")
        n = int.from_bytes(raw[:8], "little")
        if len(raw) != 8 + 20 * n:
            raise ValueError("frame has the wrong length")
        ids = np.frombuffer(raw, "<i8", n, 8).astype(np.int64)
        digests = np.frombuffer(raw, "<u8", n, 8 + 8 * n).astype(np.uint64)
        owners = np.frombuffer(raw, "<i4", n, 8 + 16 * n).astype(np.int32)
        return cls(ids, digests, owners)


def load_replay(path: Path) -> ReplayFile:
    """Read and check a replay file.

    :raises ReplayFileInvalid: unreadable, not JSON, not a modhost replay, a bad input event
        or frame, or frames that do not match ``ticks``.
    """
    try:
        raw = read_regular(path, max_bytes=MAX_REPLAY_BYTES)
        # Bounded before parsing: a gigabyte of "0," is 500 million values, tens of GB once
        # parsed; a long real recording (frames are one string per tick) has a few million.
        if raw.count(b",") >= MAX_REPLAY_VALUES:
            raise _invalid(
                path,
                f"it holds more than {MAX_REPLAY_VALUES:,} JSON values (a replay has a frame "
                "per tick and a few values per input event)",
            )
        data = json.loads(raw.decode("utf-8"))
    except UnsafeFile as exc:
        raise _invalid(path, exc.message) from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
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
