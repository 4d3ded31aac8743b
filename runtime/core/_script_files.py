"""Reading a mod's script files, under the per-script cap and the per-mod ones.

The host reads every script a mod lists before it compiles any (a process-tier worker gets
them in one message), and compiling costs host time: so how many scripts a mod may list
(:data:`MAX_SCRIPTS_PER_MOD`) and how much source they may hold in all
(:data:`MAX_MOD_SOURCE_BYTES`) are bounded before anything is read past them; the sandbox
then caps what they compile to in all (``sandbox.python._rejections.CompileBudget``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from host_api import DiagnosticCode, ModhostError, ScriptEntry, UnsafeFile, read_regular
from sandbox import MAX_SOURCE_BYTES

#: The most scripts one mod may list, and the most source they may hold in all.
MAX_SCRIPTS_PER_MOD: Final = 256
MAX_MOD_SOURCE_BYTES: Final = 4 * 1024 * 1024


def _too_many_scripts(count: int) -> ModhostError:
    return ModhostError(
        f"the mod lists {count} scripts; at most {MAX_SCRIPTS_PER_MOD} are loaded",
        code=DiagnosticCode.SANDBOX_COMPILE_LIMIT,
        hint="merge small scripts: several hooks and kinds can share one file",
    )


def _read_script(folder: Path, relative: str, room: int = MAX_MOD_SOURCE_BYTES) -> str:
    """The text of script ``relative`` of the mod in ``folder`` (already resolved), if it
    fits the script cap and the ``room`` left of the mod's source budget."""
    path = (folder / relative).resolve()
    if folder not in path.parents:
        raise ModhostError(
            f"script '{relative}' resolves outside the mod folder",
            code=DiagnosticCode.MOD_FILE_MISSING,
            hint="keep scripts inside the mod folder (no symlinks out of it)",
        )
    cap = max(0, min(MAX_SOURCE_BYTES, room))
    try:
        return read_regular(path, max_bytes=cap).decode("utf-8")
    except UnsafeFile as exc:
        if "limit" not in exc.details:
            raise ModhostError(
                f"cannot read script '{relative}': {exc.message}", code=exc.code, hint=exc.hint
            ) from None
        if cap < MAX_SOURCE_BYTES:
            raise ModhostError(
                f"cannot read script '{relative}': the mod's scripts hold more than "
                f"{MAX_MOD_SOURCE_BYTES // (1024 * 1024)} MiB of source in all",
                code=DiagnosticCode.SANDBOX_COMPILE_LIMIT,
                hint="put data in assets read with ctx.fs.read, or split the mod",
            ) from None
        raise ModhostError(
            f"cannot read script '{relative}': {exc.message}",
            code=DiagnosticCode.SANDBOX_COMPILE_LIMIT,
            hint=f"keep scripts under {MAX_SOURCE_BYTES // 1024} KiB (put data in assets)",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModhostError(
            f"cannot read script '{relative}': {exc}",
            code=DiagnosticCode.MOD_FILE_MISSING,
            hint="make sure the file exists and is UTF-8 text",
        ) from exc


def read_scripts(
    folder: Path, entries: Sequence[ScriptEntry]
) -> tuple[list[tuple[str, str]], list[ModhostError | None]]:
    """``(path, source)`` of each script that could be read, in manifest order; and per
    entry, why it could not be read, or None. The entries past the count share one error
    (reported once)."""
    readable: list[tuple[str, str]] = []
    unreadable: list[ModhostError | None] = []
    room = MAX_MOD_SOURCE_BYTES
    too_many = _too_many_scripts(len(entries))
    for index, entry in enumerate(entries):
        if index >= MAX_SCRIPTS_PER_MOD:
            unreadable.append(too_many)
            continue
        try:
            text = _read_script(folder, entry.path, room)
        except ModhostError as exc:
            unreadable.append(exc)
            continue
        room -= len(text.encode("utf-8"))
        readable.append((entry.path, text))
        unreadable.append(None)
    return readable, unreadable
