"""``storage``: a per-mod key-value store that persists across runs, under a byte quota.

One JSON file per mod (``<data_dir>/storage/<mod id>.json``), rewritten atomically (write to
a temporary file, then ``os.replace``) on every change, so a crash leaves either the old or
the new content, never half of each. The host binds the file to the mod when it builds the
mod's :class:`HostAPI`; a mod never names it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from ._atomic import write_atomically
from ._diagnostics import DiagnosticCode
from ._errors import ModFault
from ._world_port import JSONValue

#: Default bytes a mod may keep (keys plus JSON-encoded values).
DEFAULT_QUOTA: Final = 256 * 1024
#: Keys a mod may keep.
MAX_KEYS: Final = 4096


class StorageQuotaExceeded(ModFault):
    """A ``storage`` write would take the mod past its quota."""

    code = DiagnosticCode.STORAGE_QUOTA_EXCEEDED


def _cost(key: str, encoded: str) -> int:
    return len(key.encode("utf-8")) + len(encoded.encode("utf-8"))


class ModStorage:
    """The persistent key-value store of one mod.

    :param path: the JSON file backing the store (created on first write).
    :param mod_id: the owner, named in every fault.
    :param quota: bytes the mod may keep, keys plus JSON-encoded values.
    """

    def __init__(self, path: Path, *, mod_id: str, quota: int = DEFAULT_QUOTA) -> None:
        self.path: Final = path
        self.mod_id: Final = mod_id
        self.quota: Final = quota
        self._data: dict[str, str] = self._load()
        self._used = sum(_cost(k, v) for k, v in self._data.items())

    def _load(self) -> dict[str, str]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError):
            # A damaged file is the host's problem to report, not a reason to crash the mod;
            # the mod starts empty and the next write replaces the file.
            return {}
        if not isinstance(raw, dict):
            return {}
        return {k: json.dumps(v) for k, v in raw.items() if isinstance(k, str)}

    @classmethod
    def for_mod(cls, data_dir: Path, mod_id: str, *, quota: int = DEFAULT_QUOTA) -> ModStorage:
        """The store of ``mod_id`` under the host's data folder (``storage/<mod id>.json``)."""
        return cls(data_dir / "storage" / f"{mod_id}.json", mod_id=mod_id, quota=quota)

    @property
    def used(self) -> int:
        """Bytes currently used against the quota."""
        return self._used

    def get(self, key: str) -> JSONValue:
        """A fresh copy of the value under ``key``, or None."""
        encoded = self._data.get(key)
        return None if encoded is None else json.loads(encoded)

    def keys(self) -> list[str]:
        """The keys, sorted."""
        return sorted(self._data)

    def set(self, key: str, value: JSONValue) -> int:
        """Store ``value`` (already checked and copied by the caller) under ``key``.

        :returns: the bytes this write added (its cost, for the per-tick budget).
        :raises StorageQuotaExceeded: the store would exceed its quota or key count.
        """
        encoded = json.dumps(value, separators=(",", ":"), allow_nan=False)
        old = self._data.get(key)
        new_used = self._used - (0 if old is None else _cost(key, old)) + _cost(key, encoded)
        if new_used > self.quota or (old is None and len(self._data) >= MAX_KEYS):
            raise StorageQuotaExceeded(
                f"storage.set('{key[:40]}') refused: {new_used} bytes would exceed the "
                f"quota of {self.quota} bytes ({MAX_KEYS} keys at most)",
                mod_id=self.mod_id,
                hint="delete keys you no longer need, or store smaller values",
                details={"capability": "storage", "quota": self.quota, "used": self._used},
            )
        self._data[key] = encoded
        self._used = new_used
        self._write()
        return _cost(key, encoded)

    def delete(self, key: str) -> bool:
        """Remove ``key``; True when it existed."""
        old = self._data.pop(key, None)
        if old is None:
            return False
        self._used -= _cost(key, old)
        self._write()
        return True

    def _write(self) -> None:
        body = "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in sorted(self._data.items())) + "}"
        write_atomically(self.path, body.encode("utf-8"), prefix=".storage-")
