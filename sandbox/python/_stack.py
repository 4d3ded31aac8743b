"""Room on the main thread's C stack for what no recursion check sees.

CPython hashes a tuple's items recursively in C, and frees a ``slice`` holding a slice
recursively, without the interpreter's recursion check: ``x = (x,)`` 150,000 times and then
``hash(x)`` overflowed the usual 8 MB main-thread stack (the in-process host crashed; a
process-tier worker died). Linux grows the main thread's stack on demand up to the soft
``RLIMIT_STACK`` as it is *now*, and leaves at least 128 MB below it free for that at start,
so raising the soft limit to :data:`MAIN_STACK` makes room for about fourteen times the
depth: more than a mod with a memory limit under about 48 MB can build. Threads other than
the main one keep the stack they were started with.
"""

from __future__ import annotations

import threading
from typing import Final

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

#: The soft stack limit asked for (under the 128 MB the kernel keeps free below the stack).
MAIN_STACK: Final = 112 * 1024 * 1024


def grow_main_stack() -> int | None:
    """Raise the soft ``RLIMIT_STACK`` to :data:`MAIN_STACK` (never past the hard limit,
    never lower); the soft limit now in force, or None where there is none to raise."""
    if resource is None or threading.current_thread() is not threading.main_thread():
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    want = MAIN_STACK if hard == resource.RLIM_INFINITY else min(MAIN_STACK, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_STACK, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return soft
