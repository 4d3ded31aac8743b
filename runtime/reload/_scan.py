"""What one reload reads from disk: each folder's fingerprint and discovery's verdict on it,
each computed at most once per reload."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from host_api import Manifest

from ..core import Discovery, discover, mod_folders
from ._watcher import folder_fingerprint

if TYPE_CHECKING:
    from ..core import Host


@dataclass
class Verdict:
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


class Scan:
    """What one reload reads from disk: fingerprints and discovery verdicts, each of a
    folder computed at most once per reload."""

    def __init__(self, host: Host, base_dir: Path | None) -> None:
        self._host = host
        self._base_dir = base_dir
        self._verdicts: dict[str, Verdict | None] = {}
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

    def of(self, name: str) -> Verdict | None:
        """The folder ``name`` as discovery judges it now; None if it is not a mod folder."""
        if name not in self._verdicts:
            self._verdicts[name] = self._judge(name)
        return self._verdicts[name]

    def _judge(self, name: str) -> Verdict | None:
        host = self._host
        folder = host.mods_dir / name
        if not folder.is_dir():
            return None
        found = discover(host.mods_dir, host.policy, base_dir=self._base_dir, only={name})
        if not found.candidates and not found.failed:
            return None
        return Verdict(folder, found)
