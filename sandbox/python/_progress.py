"""A worker's record of which call is running and since when, for the host's kill check.

The host reads ``progress`` (shared memory: index, wall-clock start, CPU start) while it
waits; the worker writes it at each call's start. At game scale a kind's batch makes one
call per entity, so the entity loop (``RestrictedSandbox.tick_rows``) writes a
:class:`RowMarker`'s record inline instead of calling it.
"""

from __future__ import annotations

import time
from typing import Any, Final, final

#: The worker re-reads its CPU clock at a call's start at most this often (seconds): a
#: thread-clock read costs as much as a small call. The host's kill check may so count up
#: to this much of the previous calls' CPU time against a call; its margin covers it.
CPU_MARK_S: Final = 0.001


@final
class RowMarker:
    """Marks the start of each row's call: its index (the tick's calls before the kind, plus
    the row) always, the clocks at most every :data:`CPU_MARK_S`.

    :param progress: the worker's shared record (index, wall clock, CPU clock).
    :param offset: the index of the kind's first row among the tick's calls.
    """

    __slots__ = ("last", "offset", "progress")

    def __init__(self, progress: Any, offset: int) -> None:
        self.progress = progress
        self.offset = offset
        #: When the clocks were last written (``time.perf_counter``).
        self.last = 0.0

    def __call__(self, row: int) -> None:
        now = time.perf_counter()
        if now - self.last > CPU_MARK_S:
            self.last = now
            self.progress[2] = time.thread_time()
            self.progress[1] = now
        self.progress[0] = self.offset + row
