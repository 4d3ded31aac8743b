"""Per-account and per-address rate limits on the expensive or guessable actions.

A fixed budget per sliding window, kept in memory (one server process owns its counters;
behind several processes each enforces its own share). Each action is limited twice: by the
account acting (when there is one) and by the client address, so one address cannot spray
many accounts and one account cannot spread over many addresses.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ._errors import RateLimited

#: The kinds of request that are limited.
ACTIONS: Final = ("login", "submit", "search")


@dataclass(frozen=True)
class RateLimits:
    """Requests allowed per ``window_s`` seconds, per account and per address."""

    login: int = 10
    submit: int = 20
    search: int = 120
    window_s: float = 60.0
    #: How many distinct keys are remembered before the oldest windows are dropped.
    max_keys: int = 100_000


class RateLimiter:
    """Counts requests per ``(action, key)`` in a sliding window. Thread-safe.

    :param limits: the budgets.
    :param clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, limits: RateLimits, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, action: str, *keys: str) -> None:
        """Count one ``action`` for each key (``acct:NAME``, ``addr:IP``).

        :raises RateLimited: one of the keys is over its budget; nothing is counted then.
        """
        budget = int(getattr(self.limits, action))
        now = self._clock()
        with self._lock:
            windows = [self._window(action, key, now) for key in keys]
            for key, window in zip(keys, windows, strict=True):
                if len(window) >= budget:
                    wait = max(0.0, window[0] + self.limits.window_s - now)
                    raise RateLimited(
                        f"too many {action} requests from {key.split(':', 1)[0]} "
                        f"'{key.split(':', 1)[1]}': {budget} per {self.limits.window_s:g} s",
                        hint=f"retry in {wait:.0f} s",
                        details={"action": action, "retry_after_s": round(wait, 1)},
                    )
            for window in windows:
                window.append(now)

    def _window(self, action: str, key: str, now: float) -> deque[float]:
        window = self._hits.get((action, key))
        if window is None:
            if len(self._hits) >= self.limits.max_keys:
                self._hits.clear()
            window = self._hits[(action, key)] = deque()
        while window and window[0] <= now - self.limits.window_s:
            window.popleft()
        return window
