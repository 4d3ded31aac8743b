"""The one place where errors from outside the marketplace become marketplace errors.

The store backends translate their drivers' errors themselves (``SqlStore._using``) and the
package reader translates :mod:`zipfile`'s (``_package.ZIP_ERRORS``). What can still escape
a command (a file that cannot be read or written, a driver error outside a transaction) is
translated here, by the command line's error boundary, so that no marketplace failure is
ever reported as ``HOST_INTERNAL_ERROR``.
"""

from __future__ import annotations

import sqlite3
import zipfile
import zlib

from .store import MarketError, MarketIOFailed, PackageUnsafe


def as_market_error(exc: BaseException) -> MarketError | None:
    """The marketplace error for a foreign exception, or None when it is not one of the
    kinds a marketplace command can meet (a bug, which should surface as itself)."""
    if isinstance(exc, MarketError):
        return exc
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return PackageUnsafe(f"the package cannot be read: {exc}", mod_id="(unknown)")
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return MarketIOFailed(
            f"{where}{exc.strerror or exc}",
            hint="check the path, the free disk space and the permissions",
        )
    if isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg"):
        return MarketIOFailed(
            f"the store failed: {exc}".strip(),
            hint="check the store URL, the disk, and that the database server is reachable",
        )
    return None
