"""The sandbox's two C extensions, or what stands in for them where they are not built.

Both are optional (built by the install where a C compiler is present): without them scripts
run with the same results and fuel counts, only slower (the fuel stream is made of
``itertools``, and the compiler writes the checks inline where it would call the C ones).

- ``_fuel_stream``: the fuel stream and loops' fueled iterator (see ``_fuel``).
- ``_fast_ops``: the number cases of a guarded ``*`` (``_arith.FAST_MUL``) and small slice
  assignments (``_arith.FAST_GROW``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    from ._fuel_stream import Stream, fueled
except ImportError:  # pragma: no cover - built without a C compiler
    Stream = None  # type: ignore[assignment, misc]
    fueled = None  # type: ignore[assignment]

try:
    from ._fast_ops import Ops
except ImportError:  # pragma: no cover - built without a C compiler
    Ops = None  # type: ignore[assignment, misc]

#: Guarded operators take their C shortcuts (when built); tests turn it off to run without.
FAST_OPS: bool = Ops is not None


def fast_ops(
    mul: Callable[[Any, Any], Any], grow: Callable[[Any, Any], Any], small: int
) -> tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]:
    """``a * b`` and the value of ``target[i:j] = value`` for compiled code: their common
    cases in C, everything else through the guards ``mul`` and ``grow`` (the guards
    themselves where the extension is not built). ``small``: the items a slice assignment
    may hold in all without its guard."""
    if not FAST_OPS:
        return mul, grow
    ops = Ops(mul, grow, small)
    return ops.mul, ops.grow
