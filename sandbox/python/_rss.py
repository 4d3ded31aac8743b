"""The process's resident memory, read cheaply: the backstop for what no guard counts.

The guards size every allocation that can grow a value past a few KiB in one step, and the
retained-memory walk bounds what a mod keeps. What neither sees is many *small* values built
within one call and dropped at its end: ``[list(range(400)) for _ in range(10**5)]`` is
100,000 allocations of 3 KiB each (320 MB under a 16 MB limit, returned as one ``len``). The
process tier's address-space limit stops it; in process, the meter reads the resident set
size every :data:`CHECK_EVERY` seconds of a call's CPU time (at a chunk refill, so it costs
about a microsecond per check) and trips ``SANDBOX_MEMORY_LIMIT`` once the call has grown it
by more than the mod's limit plus :func:`transient_slack`.

Linux only (``/proc/self/statm``); elsewhere :func:`open_rss` returns None and the backstop
is off (the tiers table in ``docs/security.md`` says so).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from collections.abc import Callable
from typing import Final

#: CPU seconds of a call between two reads (the first read, the call's baseline, waits this
#: long too: short calls never read).
CHECK_EVERY: Final = 0.0005
_PAGE: Final = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def transient_slack(memory_mb: int) -> int:
    """Bytes a call may grow the process by past its mod's ``memory_mb``: interpreter and
    allocator overhead (free lists, arenas that are not returned) is not the script's data."""
    return max(16, memory_mb // 2) * 1024 * 1024


def open_rss() -> Callable[[], int] | None:
    """A function reading this process's resident set size in bytes, or None where the
    system does not expose it."""
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        return None

    def rss() -> int:
        # Second field: resident pages. One pread of a kept descriptor, no file object.
        return int(os.pread(fd, 64, 0).split()[1]) * _PAGE

    try:
        rss()
    except (OSError, ValueError, IndexError):
        os.close(fd)
        return None
    return rss


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc
        return None
    return trim  # type: ignore[no-any-return]


def release_free_memory() -> None:
    """Hand the allocator's free pages back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). Called after work with a large transient peak (compiling the largest
    scripts: hundreds of MB of syntax trees): the backstop counts the *growth* of the
    process, and memory the allocator kept free would be reused by a call unseen."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
