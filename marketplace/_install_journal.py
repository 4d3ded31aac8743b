"""Crash safety of an install: the journal written before ``mods/`` is touched, the renames
that move staged folders in, and the recovery that finishes (or cleans up) a killed install."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from host_api import write_atomically

from ._install_request import MOD_ID
from ._install_stage import InstallProgress, Plan
from ._staging import fault_point
from .signing import VouchedKeys

#: The staging folder beside ``mods/`` (same file system, so moving in is a rename).
STAGING_NAME: Final = ".modhost-install"
_JOURNAL: Final = "journal.json"
_MAX_JOURNAL_BYTES: Final = 16 * 1024 * 1024


def recover_install(mods_dir: Path, vouched: VouchedKeys | None = None) -> list[str]:
    """Finish or clean up what a killed install left beside ``mods_dir``; return the ids of
    the mods it moved into place. Call it with the install lock held (:func:`install` does).

    With a journal the plan is finished: every staged folder still waiting is moved in (the
    old one moved aside first), an old folder whose replacement is gone is restored, and the
    journal's keys are recorded (again). Without one, nothing in ``mods_dir`` was touched
    and the staging folder is removed.
    """
    staging = mods_dir.resolve().parent / STAGING_NAME
    entries = read_journal(staging)
    finished: list[str] = []
    for entry in entries or ():
        mod_id = str(entry["mod"])
        target, new, old = mods_dir / mod_id, staging / "new" / mod_id, staging / "old" / mod_id
        if new.exists():
            if target.exists() and not old.exists():
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, old)
            if not target.exists():
                os.replace(new, target)
                finished.append(mod_id)
        elif not target.exists() and old.exists():
            os.replace(old, target)
        if vouched is not None and entry.get("vouch"):
            record_vouch(vouched, entry["vouch"])
    (staging / _JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    return finished


def record_vouch(vouched: VouchedKeys, entry: Mapping[str, str]) -> None:
    vouched.vouch(
        key_id=entry["key_id"],
        public_key=entry["public_key"],
        author=entry["author"],
        market=entry["market"],
        mod_id=entry["mod_id"],
    )


def write_journal(staging: Path, plan: Plan, vouches: list[dict[str, str] | None]) -> None:
    """The plan, durable before ``mods/`` is touched: from here on a killed install is
    finished by the next one instead of being undone."""
    entries = [
        {"mod": mod.mod_id, "move": folder is not None, "vouch": vouch}
        for (mod, folder), vouch in zip(plan, vouches, strict=True)
    ]
    text = json.dumps({"format": "modhost-install-journal", "mods": entries}, sort_keys=True)
    write_atomically(staging / _JOURNAL, text.encode(), prefix=".journal.", durable=True)


def read_journal(staging: Path) -> list[dict[str, Any]] | None:
    path = staging / _JOURNAL
    try:
        if path.lstat().st_size > _MAX_JOURNAL_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None  # no journal (or not ours): mods/ was not touched
    mods = data.get("mods") if isinstance(data, dict) else None
    if not isinstance(mods, list):
        return None
    return [m for m in mods if isinstance(m, dict) and MOD_ID.match(str(m.get("mod", "")))]


def commit(plan: Plan, mods_dir: Path, staging: Path, progress: InstallProgress | None) -> None:
    old = staging / "old"
    old.mkdir(exist_ok=True)
    for done, (mod, folder) in enumerate(plan, start=1):
        if folder is None:
            continue
        target = mods_dir / mod.mod_id
        if target.exists() or target.is_symlink():
            os.replace(target, old / mod.mod_id)
        fault_point("install-between-renames")
        os.replace(folder, target)
        if progress is not None:
            progress("install", done, len(plan))
    fault_point("install-moved")
