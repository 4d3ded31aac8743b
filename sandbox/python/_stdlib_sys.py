"""The sandbox's ``sys``: the interpreter's constants a ported program reads, and nothing that
reaches the host (see ``_stdlib`` for the rules every namespace follows).

Algorithm code imports ``sys`` for ``sys.maxsize`` as "infinity", for ``sys.argv`` in a main
function it never calls here, or to raise the recursion limit before a deep search. Those
work; the interpreter's state (``modules``, ``path``, frames, tracing, standard streams,
``exc_info`` with its traceback) is left out.
"""

from __future__ import annotations

import sys as _sys
from types import SimpleNamespace
from typing import Any, Final

from ._stdlib_kit import Kit

#: Values copied from the host interpreter: numbers and immutable records of numbers.
_CONSTANTS: Final = (
    "byteorder", "float_info", "hexversion", "int_info", "maxsize", "maxunicode", "version_info",
)  # fmt: skip

SYS_NAMES: Final = (*_CONSTANTS, "argv", "exit", "getrecursionlimit", "setrecursionlimit")

#: Names left out of ``sys``, with the reason a script author reads.
SYS_LEFT_OUT: Final[dict[str, str]] = {
    "sys.stdout": "print() writes to the mod's log",
    "sys.stderr": "print() writes to the mod's log",
    "sys.stdin": "scripts have no terminal; read input through ctx.input",
    "sys.modules": "it holds the host's modules",
    "sys.path": "scripts import only the sandbox's modules",
    "sys.exc_info": "its traceback reaches the host's frames; use `except E as e`",
    "sys.exception": "its traceback reaches the host's frames; use `except E as e`",
    "sys.settrace": "tracing would run a script's function outside its fuel",
    "sys.setprofile": "tracing would run a script's function outside its fuel",
    "sys.getsizeof": "sizes are the host's business; the memory limit counts for you",
}


def sys_ns(kit: Kit) -> SimpleNamespace:
    def exit(*args: Any) -> None:
        raise RuntimeError("sys.exit(): scripts cannot stop the host; return from the hook")

    def getrecursionlimit() -> int:
        return _sys.getrecursionlimit()

    def setrecursionlimit(limit: Any) -> None:
        # Accepted so a ported search loads; the depth a script gets is the host's, and a
        # deeper recursion still ends in SANDBOX_RECURSION_LIMIT.
        if type(limit) is not int:
            raise TypeError("sys.setrecursionlimit() takes an int")
        if limit < 1:
            raise ValueError("recursion limit must be greater or equal than 1")

    return SimpleNamespace(
        **{name: getattr(_sys, name) for name in _CONSTANTS},
        argv=[kit.mod_id],
        exit=exit,
        getrecursionlimit=getrecursionlimit,
        setrecursionlimit=setrecursionlimit,
    )
