"""What every request handler works with: the configuration, per-thread stores, limits.

The store is not thread-safe (one connection), and FastAPI runs plain handlers on a thread
pool, so each pool thread opens its own store on first use; all are closed at shutdown.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from .._gates import Gate
from .._market import Marketplace
from .._package import DEFAULT_LIMITS, PackageLimits
from ..signing import SigningKey
from ..store import MarketStore, StoreConfigError, open_store
from ._accounts import Accounts
from ._changelog import create_changelog_table
from ._index import create_index_table
from ._ratelimit import RateLimiter, RateLimits
from ._workers import (
    EmbeddedGates,
    GateJobs,
    QueuedGates,
    WorkerSettings,
    create_jobs_table,
)

#: Roles that see every submission (authors see their own).
STAFF: Final = frozenset({"reviewer", "maintainer"})


@dataclass(frozen=True)
class ServerConfig:
    """How a marketplace server runs.

    :param store_url: the store (``sqlite:///...`` or ``postgresql://...``).
    :param gates: the validation gates; the contract's five when None.
    """

    store_url: str
    gates: Sequence[Gate] | None = None
    package_limits: PackageLimits = DEFAULT_LIMITS
    rate_limits: RateLimits = field(default_factory=RateLimits)
    #: Mark session cookies ``Secure`` (off only for plain-HTTP loopback development).
    secure_cookies: bool = True
    #: Longest a web session lives, in seconds.
    session_ttl_s: int = 8 * 3600
    #: The market's Ed25519 key, which signs the index (no index is served without one).
    market_key: SigningKey | None = None
    #: How long a signed index stays valid (clients refuse it after: freeze protection).
    index_ttl_s: float = 7 * 24 * 3600
    #: Where the gates run when a submission enters review: ``inline`` (in the request),
    #: ``embedded`` (a worker thread in this process) or ``queue`` (procrastinate on the
    #: PostgreSQL store, for ``modhost market worker`` processes).
    gate_worker: Literal["inline", "embedded", "queue"] = "inline"
    #: Attempts per gate job before it is recorded as a gate failure.
    gate_attempts: int = 3
    #: Longest one attempt may take (embedded worker) before it is abandoned.
    gate_timeout_s: float = 600.0


@dataclass
class Handle:
    """One thread's store, the marketplace over it, and the accounts in it."""

    store: MarketStore
    market: Marketplace
    accounts: Accounts


class ServerContext:
    """Shared by every request of one app: configuration, limiter, per-thread handles."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.limiter = RateLimiter(config.rate_limits)
        self.jobs = _gate_jobs(config)
        self._local = threading.local()
        self._opened: list[MarketStore] = []
        self._lock = threading.Lock()
        self._closed = False

    def handle(self) -> Handle:
        """This thread's handle, opened on first use.

        :raises StoreConfigError: the store cannot be opened, or is not a SQL store.
        """
        found: Handle | None = getattr(self._local, "handle", None)
        if found is not None:
            return found
        store = open_store(self.config.store_url)
        with self._lock:
            if self._closed:
                store.close()
                raise StoreConfigError("the server is shutting down", hint="retry later")
            self._opened.append(store)
        market = Marketplace(store, gates=self.config.gates, limits=self.config.package_limits)
        try:
            accounts = Accounts(store)
            create_index_table(accounts.store)
            create_jobs_table(accounts.store)
            create_changelog_table(accounts.store)
        except StoreConfigError:
            store.close()
            raise
        found = Handle(store, market, accounts)
        self._local.handle = found
        return found

    def close(self) -> None:
        """Stop the gate jobs and close every store any thread opened. Idempotent."""
        if self.jobs is not None:
            self.jobs.close()
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        for store in opened:
            store.close()


def worker_settings(config: ServerConfig) -> WorkerSettings:
    """The gate job settings a server's configuration implies."""
    return WorkerSettings(
        store_url=config.store_url,
        gates=config.gates,
        limits=config.package_limits,
        max_attempts=config.gate_attempts,
        job_timeout_s=config.gate_timeout_s,
    )


def _gate_jobs(config: ServerConfig) -> GateJobs | None:
    if config.gate_worker == "embedded":
        return EmbeddedGates(worker_settings(config))
    if config.gate_worker == "queue":
        return QueuedGates(worker_settings(config))
    return None
