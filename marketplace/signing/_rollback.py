"""Rollback protection: the highest version (and its digest) the host accepted, per mod id.

The state lives in ``<data_dir>/signing/accepted.json``::

    {"format": "modhost-accepted-versions", "format_version": 1,
     "mods": {"coins": {"version": "1.2.0", "digest": "<hex>", "key_id": "<hex>"}}}

Writes are atomic (a temp file in the same folder, fsync, rename, fsync of the folder) and
serialised between processes by an advisory lock on ``accepted.json.lock``, so two hosts
starting at once never lose a record or leave a half-written file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Final, Literal

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._sigerrors import RollbackStateInvalid
from ._statefile import locked, read_capped, write_state

STATE_FILE: Final = Path("signing") / "accepted.json"
_MAX_STATE_BYTES: Final = 16 * 1024 * 1024


class AcceptedVersion(BaseModel):
    """What the host accepted for one mod id."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    version: Annotated[str, Field(min_length=1, max_length=64)]
    digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    key_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]

    @property
    def parsed_version(self) -> Version:
        """``version`` as a comparable :class:`~packaging.version.Version`."""
        return Version(self.version)


class _State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    format: Literal["modhost-accepted-versions"] = "modhost-accepted-versions"
    format_version: Literal[1] = 1
    mods: dict[str, AcceptedVersion] = Field(default_factory=dict)


class AcceptedVersions:
    """The accepted-versions state file of one host data folder.

    :param path: the state file (see :func:`state_path`); its folder is created on first write.
    """

    def __init__(self, path: Path) -> None:
        #: The JSON state file.
        self.path: Final = path

    def load(self) -> dict[str, AcceptedVersion]:
        """Every record. A missing file means none.

        :raises RollbackStateInvalid: the file exists but is unreadable or malformed.
        """
        data = read_capped(self.path, _MAX_STATE_BYTES, self._bad)
        if data is None:
            return {}
        try:
            state = _State.model_validate_json(data)
            for record in state.mods.values():
                _ = record.parsed_version
        except (ValidationError, InvalidVersion) as exc:
            raise self._bad(f"it is not a valid state file ({str(exc).splitlines()[0]})") from exc
        return dict(state.mods)

    def get(self, mod_id: str) -> AcceptedVersion | None:
        """The record for ``mod_id``, if any. :raises RollbackStateInvalid: see :meth:`load`."""
        return self.load().get(mod_id)

    def record(self, mod_id: str, version: str, digest: str, key_id: str) -> AcceptedVersion:
        """Record that the host accepted ``mod_id`` at ``version`` with ``digest``.

        A higher version replaces the record; the same version replaces its digest (the
        caller only gets here when the policy allowed that); a lower version (an allowed
        downgrade) keeps the highest record. Returns the record now stored.

        :raises RollbackStateInvalid: the existing file is malformed (it is left untouched).
        """
        new = AcceptedVersion(version=version, digest=digest, key_id=key_id)
        with self._locked():
            records = self.load()
            old = records.get(mod_id)
            if old is not None and new.parsed_version < old.parsed_version:
                return old
            records[mod_id] = new
            self._write(_State(mods=dict(sorted(records.items()))))
        return new

    def forget(self, mod_id: str) -> bool:
        """Drop the record for ``mod_id`` (an operator's explicit reset). True if one existed."""
        with self._locked():
            records = self.load()
            if records.pop(mod_id, None) is None:
                return False
            self._write(_State(mods=records))
        return True

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        return locked(self.path)

    def _write(self, state: _State) -> None:
        write_state(self.path, state, prefix=".accepted.")

    def _bad(self, why: str) -> RollbackStateInvalid:
        return RollbackStateInvalid(
            f"the accepted-versions file {self.path} is unusable: {why}",
            file=str(self.path),
            hint="restore it from a backup, or delete it to forget every accepted version "
            "(this also resets rollback protection)",
        )


def state_path(data_dir: Path) -> Path:
    """The state file inside a host data folder."""
    return data_dir / STATE_FILE
