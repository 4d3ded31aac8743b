"""Opening a store from a URL: the one place that knows which backend a URL means."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from ._errors import StoreConfigError
from ._store import MarketStore

#: Environment variable naming the store when ``--store`` is not given.
STORE_ENV: Final = "MODHOST_MARKET_URL"
#: The default store, relative to the working directory.
DEFAULT_STORE: Final = Path(".modhost") / "market" / "market.db"


def default_store_url() -> str:
    """``$MODHOST_MARKET_URL`` or the SQLite file under ``.modhost/market/``."""
    return os.environ.get(STORE_ENV) or f"sqlite://{DEFAULT_STORE.resolve()}"


def open_store(url: str | None = None) -> MarketStore:
    """Open the store a URL names.

    ``sqlite:///abs/path.db`` (also ``sqlite:////abs/path.db``), ``sqlite:rel/path.db`` or a
    bare file path: SQLite.
    ``postgresql://...`` or ``postgres://...``: PostgreSQL. ``None``: :func:`default_store_url`.

    :raises StoreConfigError: unknown scheme, or the backend cannot open it.
    """
    url = url or default_store_url()
    if url.startswith(("postgresql://", "postgres://")):
        from ._postgres import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite:"):
        rest = url.removeprefix("sqlite:").removeprefix("//")
        # sqlite:///abs and sqlite:////abs both mean /abs; sqlite:rel means ./rel.
        path = Path("/" + rest.lstrip("/")) if rest.startswith("/") else Path(rest)
    elif "://" in url:
        raise StoreConfigError(
            f"unknown store URL scheme in '{url}'",
            hint="use sqlite:///path/market.db or postgresql://user@host/db",
        )
    else:
        path = Path(url)
    from ._sqlite import SqliteStore

    return SqliteStore(path)
