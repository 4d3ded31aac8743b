"""A script the compiler refused, as the fault the host records."""

from __future__ import annotations

from types import CodeType
from typing import Final

from host_api import DiagnosticCode

from ..base import ScriptRejected
from ._compiler import ScriptCheck
from ._source_limits import MAX_LINE_CHARS, MAX_NESTING, MAX_SOURCE_BYTES, MAX_TOKENS


def compiled(mod_id: str, path: str, check: ScriptCheck) -> CodeType:
    """The code of a script that passed :func:`check_script`.

    :raises ScriptRejected: ``SANDBOX_FORBIDDEN`` with the first problem's line, and every
        problem in ``details``; ``SANDBOX_COMPILE_LIMIT`` when the source is over a compile
        cap (``_source_limits``).
    """
    if check.ok and check.code is not None:
        return check.code
    first = check.errors[0] if check.errors else None
    message = first.message if first else "could not compile"
    more = len(check.errors) - 1
    if first is not None and first.limit:
        raise compile_limit(mod_id, path, first.line, message)
    raise ScriptRejected(
        # The file and line travel as fields (rendered once, as "(path:line)").
        message + (f" (and {more} more problem{'s' * (more > 1)})" if more > 0 else ""),
        mod_id=mod_id,
        file=path,
        line=first.line if first else None,
        hint="remove the construct the sandbox forbids (names starting with '_', "
        "introspection attributes, imports other than math, classes ...) or fix the syntax",
        details={"problems": [{"line": p.line, "message": p.message} for p in check.errors]},
    )


def compile_limit(mod_id: str, path: str, line: int | None, message: str) -> ScriptRejected:
    """``SANDBOX_COMPILE_LIMIT``: the script is over a compile cap (see ``_source_limits``)."""
    rejected = ScriptRejected(
        message,
        mod_id=mod_id,
        file=path,
        line=line,
        hint=f"keep scripts under {MAX_SOURCE_BYTES // 1024} KiB and {MAX_TOKENS} tokens, "
        f"lines under {MAX_LINE_CHARS} characters and nesting under {MAX_NESTING} levels: "
        "split long expressions with intermediate variables, big scripts into several, and "
        "put large data in assets read with ctx.fs.read",
    )
    rejected.code = DiagnosticCode.SANDBOX_COMPILE_LIMIT
    return rejected


#: The most bytecode one mod's scripts may compile to in all (about five scripts at the
#: compiled-size cap, or two hundred ordinary ones): compiling is host time, and the code
#: stays in the host's memory while the mod runs.
MAX_MOD_BYTECODE: Final = 2 * 1024 * 1024


class CompileBudget:
    """What one mod's scripts have compiled to so far (one per sandbox, so per load)."""

    def __init__(self, mod_id: str) -> None:
        self.mod_id = mod_id
        self.used = 0

    def compiled(self, path: str, check: ScriptCheck) -> CodeType:
        """:func:`compiled`, charged to the mod: past :data:`MAX_MOD_BYTECODE` in all, the
        script is refused with ``SANDBOX_COMPILE_LIMIT`` (the ones before it stay loaded)."""
        code = compiled(self.mod_id, path, check)
        size = check.bytecode
        if self.used + size > MAX_MOD_BYTECODE:
            rejected = compile_limit(
                self.mod_id,
                path,
                None,
                f"the mod's scripts compile to more than {MAX_MOD_BYTECODE // 1024} KiB of "
                f"bytecode in all ({self.used // 1024} KiB before this one, {size // 1024} KiB "
                "in it)",
            )
            rejected.hint = (
                "a mod's scripts share one compile budget: move data out of code (assets "
                "read with ctx.fs.read) or split the mod"
            )
            raise rejected
        self.used += size
        return code
