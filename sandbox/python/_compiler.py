"""Compile a script: RestrictedPython's checks, our static rules, then instrumentation.

Two passes over the AST, both inside RestrictedPython's ``compile_restricted_exec``:

1. ``_checker.Checker`` (a ``RestrictingNodeTransformer``) keeps RestrictedPython's allow-list
   of node types and its name rules, and adds ours (forbidden attribute names, refused
   builtins, imports, classes ...). It does *not* insert RestrictedPython's run-time guards
   (``_getattr_``, ``_getitem_``, ``_getiter_``, ``_write_``, unpack guards): under our policy
   they protect nothing (every reachable object is safe to touch by any name the checker
   lets through; ``tests/security`` attacks each one), and they cost 11x on ``ctx``-heavy code.
2. ``_instrument.Instrumenter`` adds fuel (loops, comprehensions, calls) and routes growing
   operations through the allocation guards, with an inline fast path for numbers.

Every rejection carries its line number: the script is refused before it runs
(``SANDBOX_FORBIDDEN``).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from types import CodeType
from typing import Final

from RestrictedPython.compile import compile_restricted_exec

from . import _native
from ._checker import Checker
from ._expansion import CompileBudgetExceeded
from ._rss import release_free_memory
from ._source_limits import source_problem


@dataclass(frozen=True)
class ScriptProblem:
    """One reason a script was refused: a 1-based line (when known) and a message."""

    line: int | None
    message: str
    #: True when the script broke a compile cap (``SANDBOX_COMPILE_LIMIT``), not a rule.
    limit: bool = False


@dataclass(frozen=True)
class ScriptCheck:
    """The result of checking a script: compiled code, or every problem found."""

    code: CodeType | None
    errors: tuple[ScriptProblem, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    #: Bytes of bytecode in ``code`` and the function and class bodies it holds (0 without
    #: code): what the cache and a mod's compile budget count.
    bytecode: int = 0

    @property
    def ok(self) -> bool:
        """True when the script compiled and may run."""
        return self.code is not None and not self.errors

    @property
    def notes(self) -> tuple[ScriptProblem, ...]:
        """The warnings with their lines read out (what compiled but will not run)."""
        return tuple(_problem(text) for text in self.warnings)


_LINE = re.compile(r"^Line (\d+): (.*)$", re.S)
#: Sources at least this long (16 KiB) hand the compile's free memory back to the system.
TRIM_AFTER_BYTES: Final = 16 * 1024


def check_script(source: str, path: str = "<script>") -> ScriptCheck:
    """Check and compile ``source``; collect every problem instead of raising.

    The compile caps (``_source_limits``) come first, so neither the parser nor the cache
    ever holds a source over them. Then cached (a pure function of its arguments; code
    objects are immutable and each sandbox runs them in its own namespace): a hot reload
    recompiles every dependent of an edited mod, and only the edited script is new.

    :param source: the script text.
    :param path: its path relative to the mod folder (shown in tracebacks and diagnostics).
    """
    too_big = source_problem(source)
    if too_big is not None:
        return ScriptCheck(None, (ScriptProblem(too_big.line, too_big.message, limit=True),))
    # The compiled forms depend on whether the C checks are built (``_native``).
    key = (source, path, _native.FAST_OPS)
    check = _CACHE.get(key)
    if check is None:
        check = _checked(source, path)
        _CACHE.put(key, check, len(source) + check.bytecode)
    return check


def _bytecode_size(code: CodeType) -> int:
    """The bytes of bytecode in ``code`` and every function and class body it holds."""
    total, stack = 0, [code]
    while stack:
        current = stack.pop()
        total += len(current.co_code)
        stack.extend(c for c in current.co_consts if isinstance(c, CodeType))
    return total


class _CheckCache:
    """The most recently used checks, bounded by count and by the bytes of source and
    bytecode they hold (a check of a script at the caps holds about 250 KB of source and
    400 KB of bytecode, and its code objects several MB: counting entries alone let 256 of
    them stay resident)."""

    def __init__(self, entries: int, nbytes: int) -> None:
        self._entries, self._limit = entries, nbytes
        self._items: OrderedDict[tuple[str, str, bool], tuple[ScriptCheck, int]] = OrderedDict()
        self._lock = threading.Lock()  # mods may be compiled ahead on other threads
        self.held = 0

    def get(self, key: tuple[str, str, bool]) -> ScriptCheck | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: tuple[str, str, bool], check: ScriptCheck, weight: int) -> None:
        if weight > self._limit // 8:
            return  # never one entry crowding out most of the others
        with self._lock:
            old = self._items.pop(key, None)
            self.held -= old[1] if old else 0
            self._items[key] = (check, weight)
            self.held += weight
            while len(self._items) > self._entries or self.held > self._limit:
                _, (_, dropped) = self._items.popitem(last=False)
                self.held -= dropped

    def __len__(self) -> int:
        return len(self._items)


#: Checks kept for reloads: 256 scripts, 16 MiB of source and bytecode.
_CACHE: Final = _CheckCache(256, 16 * 1024 * 1024)


def _checked(source: str, path: str) -> ScriptCheck:
    try:
        result = compile_restricted_exec(source, filename=path, policy=Checker)
    except CompileBudgetExceeded as exc:
        return ScriptCheck(None, (ScriptProblem(exc.line, str(exc), limit=True),))
    except (RecursionError, MemoryError) as exc:
        # Past the nesting scan, only the compiler's own limits: still the script's fault.
        what = "nested too deeply" if isinstance(exc, RecursionError) else "too complex"
        return ScriptCheck(None, (ScriptProblem(None, f"the script is {what} to compile", True),))
    except (SyntaxError, ValueError, OverflowError) as exc:
        # Raised past RestrictedPython's own handling (null bytes, literals over a limit).
        line = exc.lineno if isinstance(exc, SyntaxError) else None
        return ScriptCheck(None, (ScriptProblem(line, _short(f"{type(exc).__name__}: {exc}")),))
    finally:
        if len(source) >= TRIM_AFTER_BYTES:
            # A large script's syntax trees peak at hundreds of MB, all freed by now.
            release_free_memory()
    problems = [_problem(text, hints=True) for text in result.errors]
    code = result.code if not problems else None
    size = _bytecode_size(code) if code is not None else 0
    return ScriptCheck(code, tuple(problems), tuple(result.warnings), bytecode=size)


def _problem(text: str, *, hints: bool = False) -> ScriptProblem:
    """One of the compiler's ``Line N: message`` texts (or a syntax error's) as a problem."""
    m = _LINE.match(text)
    if m is None:
        return ScriptProblem(_syntax_line(text), _short(text))
    message = m.group(2).strip()
    return ScriptProblem(int(m.group(1)), _short(_with_hint(message) if hints else message))


#: Characters of a problem's message kept (a syntax error quotes the script's own line).
MAX_PROBLEM_CHARS: Final = 300


def _short(text: str) -> str:
    if len(text) <= MAX_PROBLEM_CHARS:
        return text
    return text[:MAX_PROBLEM_CHARS] + f"... ({len(text)} characters)"


#: What to write instead of the constructs RestrictedPython's own checks refuse.
_NODE_HINTS: Final[dict[str, str]] = {
    "AsyncFunctionDef": "async def is not available in scripts; write a plain def (hooks run "
    "once per tick, there is no event loop)",
    "AsyncFor": "async for is not available in scripts; use a for loop",
    "AsyncWith": "async with is not available in scripts; use try/finally",
    "Await": "await is not available in scripts; call the function directly",
}
_NOT_ALLOWED: Final = re.compile(r"^(\w+) statements are not allowed\.$")


def _with_hint(message: str) -> str:
    m = _NOT_ALLOWED.match(message)
    if m is None:
        return message
    return _NODE_HINTS.get(m.group(1), f"{m.group(1)} is not available in scripts")


def _syntax_line(text: str) -> int | None:
    m = re.search(r"line (\d+)", text)
    return int(m.group(1)) if m else None
