"""The sandbox's two C extensions, or what stands in for them where they are not built.

Both are optional (built by the install where a C compiler is present): without them the
same compiled scripts run with the same results and fuel counts, only slower.

- ``_fuel_stream``: the fuel stream and loops' fueled iterator (see ``_fuel``).
- ``_fast_ops``: the number cases of a guarded ``*`` (``_arith.FAST_MUL``).
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


def fast_mul(guard: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``a * b`` for compiled code: the number cases in C, everything else through ``guard``
    (the guard itself where the extension is not built)."""
    return Ops(guard).mul if FAST_OPS else guard  # type: ignore[no-any-return]
