"""Which marketplace a ``modhost market`` command talks to: a local store or a server.

``--server URL`` (on ``modhost market``), else an ``http(s)://`` ``--store`` or
``$MODHOST_MARKET_URL``: the server's API with the token ``modhost market login`` saved.
Anything else (``sqlite:///...``, ``postgresql://...``, a path, nothing): the store itself,
opened locally as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final, cast

from marketplace import STORE_ENV, Marketplace, open_store, parse_public_key

if TYPE_CHECKING:
    from marketplace.client import IndexTrust

_SCHEMES: Final = ("http://", "https://")
_server: ContextVar[str | None] = ContextVar("modhost_market_server", default=None)


def set_server(url: str | None) -> None:
    """Remember ``modhost market --server URL`` for the command that follows."""
    _server.set(url.rstrip("/") if url else None)


def remote_url(store_url: str | None = None) -> str | None:
    """The server URL in effect, or None for a local store."""
    for candidate in (_server.get(), store_url, os.environ.get(STORE_ENV)):
        if candidate:
            return candidate.rstrip("/") if candidate.startswith(_SCHEMES) else None
    return None


def index_trust(url: str) -> IndexTrust | None:
    """The market key trusted for ``url`` ('trust-market') and the newest index version
    seen there; each newer verified index raises that floor (rollback protection)."""
    from marketplace.client import IndexTrust, server_entry, update_server

    entry = server_entry(url)
    if not entry.get("market_key"):
        return None

    def seen(version: int) -> None:
        if version > int(server_entry(url).get("index_version", 0)):
            update_server(url, {"index_version": version})

    return IndexTrust(
        key=parse_public_key(str(entry["market_key"]), source=f"the market key of {url}"),
        min_version=int(entry.get("index_version", 0)),
        on_verified=seen,
    )


@contextmanager
def open_market(store_url: str | None) -> Iterator[Marketplace]:
    """A local :class:`Marketplace` over the store, or a :class:`RemoteMarket` (which has
    the methods the CLI calls on a Marketplace, so every command runs unchanged)."""
    url = remote_url(store_url)
    if url is None:
        with open_store(store_url) as store:
            yield Marketplace(store)
        return
    # httpx is imported only when a server is used: local commands start without it.
    from marketplace.client import MarketClient, RemoteMarket, token_for

    remote = RemoteMarket(MarketClient(url, token_for(url)), index_trust(url))
    try:
        yield cast(Marketplace, remote)
    finally:
        remote.close()
