"""marketplace.store: the submission store.

The submissions' model, their state machine, the store interface and its SQLite and
PostgreSQL drivers, and the marketplace's errors (the store is the lowest market layer, so
every other part can raise them).

May import: host_api, sqlite3, psycopg. Nothing else in ``marketplace``.
"""

__all__ = [
    "GRANTABLE_ROLES",
    "STORE_ENV",
    "TAKEN_STATES",
    "TRANSITIONS",
    "AuditRecord",
    "AuthorKey",
    "ConcurrentUpdate",
    "Finding",
    "Guard",
    "HistoryEntry",
    "InstallFailed",
    "InvalidTransition",
    "MarketBusy",
    "MarketError",
    "MarketForbidden",
    "MarketIOFailed",
    "MarketStore",
    "PackageUnsafe",
    "QuotaExceeded",
    "Role",
    "Rule",
    "SqlStore",
    "SqliteStore",
    "State",
    "StoreConfigError",
    "Submission",
    "SubmissionNotFound",
    "Tx",
    "ValidationFailed",
    "check_transition",
    "default_store_url",
    "open_store",
    "sha256_hex",
    "utc_now",
]

from ._errors import ConcurrentUpdate as ConcurrentUpdate
from ._errors import InstallFailed as InstallFailed
from ._errors import InvalidTransition as InvalidTransition
from ._errors import MarketBusy as MarketBusy
from ._errors import MarketError as MarketError
from ._errors import MarketForbidden as MarketForbidden
from ._errors import MarketIOFailed as MarketIOFailed
from ._errors import PackageUnsafe as PackageUnsafe
from ._errors import QuotaExceeded as QuotaExceeded
from ._errors import StoreConfigError as StoreConfigError
from ._errors import SubmissionNotFound as SubmissionNotFound
from ._errors import ValidationFailed as ValidationFailed
from ._model import AuditRecord as AuditRecord
from ._model import AuthorKey as AuthorKey
from ._model import Finding as Finding
from ._model import HistoryEntry as HistoryEntry
from ._model import Submission as Submission
from ._model import utc_now as utc_now
from ._open import STORE_ENV as STORE_ENV
from ._open import default_store_url as default_store_url
from ._open import open_store as open_store
from ._sql import SqlStore as SqlStore
from ._sqlite import SqliteStore as SqliteStore
from ._states import GRANTABLE_ROLES as GRANTABLE_ROLES
from ._states import TRANSITIONS as TRANSITIONS
from ._states import Role as Role
from ._states import Rule as Rule
from ._states import State as State
from ._states import check_transition as check_transition
from ._store import TAKEN_STATES as TAKEN_STATES
from ._store import Guard as Guard
from ._store import MarketStore as MarketStore
from ._store import Tx as Tx
from ._store import sha256_hex as sha256_hex
