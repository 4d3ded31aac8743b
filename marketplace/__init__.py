"""marketplace: packaging, signing and trust, the submission store and its state machine,
validation gates, and install.

May import: host_api, sandbox, resolver, the standard library, cryptography (only in
``_signing.py``), sqlite3, psycopg. Never ``runtime``: the smoke run starts the host as a
separate process.
"""

__all__ = [
    # Submission pipeline (store, state machine, packages, gates).
    "DEFAULT_LIMITS",
    "PACKAGE_SUFFIX",
    "SIGFILE_NAME",
    "STORE_ENV",
    "TRANSITIONS",
    "AcceptedVersion",
    "AcceptedVersions",
    "AuditRecord",
    "AuthorKey",
    "ConcurrentUpdate",
    "FileDiff",
    "Finding",
    "Gate",
    "GateSubject",
    "HistoryEntry",
    "IndexEntry",
    "IndexRejected",
    "InstallFailed",
    "InstalledMod",
    "InvalidTransition",
    "ManifestGate",
    "MarketBusy",
    "MarketError",
    "MarketForbidden",
    "MarketIOFailed",
    "MarketStore",
    "Marketplace",
    "ModDigest",
    "PackageGate",
    "PackageLimits",
    "PackageUnsafe",
    "PublicKey",
    "PublishedReleases",
    "QuotaExceeded",
    "Role",
    "RollbackStateInvalid",
    "SigFile",
    "SignatureCheck",
    "SignatureChecker",
    "SignatureGate",
    "SignatureInvalid",
    "SignatureMissing",
    "SignatureRollback",
    "SignatureStatus",
    "SignatureUntrusted",
    "SignedIndex",
    "SigningError",
    "SigningKey",
    "SigningKeyInvalid",
    "SmokeGate",
    "SqliteStore",
    "State",
    "StoreConfigError",
    "Submission",
    "SubmissionNotFound",
    "TrustConfigError",
    "TrustSet",
    "UnsafeModFolder",
    "ValidationFailed",
    "Verification",
    "VersionGate",
    "VouchedKey",
    "VouchedKeys",
    "as_market_error",
    "check_mod_signature",
    "check_transition",
    "default_gates",
    "default_store_url",
    "file_diff",
    "generate_key",
    "hash_mod_folder",
    "inspect_package",
    "install",
    "key_file_warnings",
    "load_public_key",
    "load_signing_key",
    "open_store",
    "pack_bytes",
    "parse_public_key",
    "parse_request",
    "read_package",
    "record_loaded_mod",
    "recover_install",
    "require_safe",
    "run_gates",
    "safe_extract",
    "sign_index",
    "sign_mod",
    "verify_index",
    "verify_mod",
    "write_keypair",
]

from ._boundary import as_market_error as as_market_error
from ._digest import SIGFILE_NAME as SIGFILE_NAME
from ._digest import FileDiff as FileDiff
from ._digest import ModDigest as ModDigest
from ._digest import hash_mod_folder as hash_mod_folder
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
from ._gate_signature import SignatureGate as SignatureGate
from ._gates import Gate as Gate
from ._gates import GateSubject as GateSubject
from ._gates import ManifestGate as ManifestGate
from ._gates import PackageGate as PackageGate
from ._gates import VersionGate as VersionGate
from ._gates import run_gates as run_gates
from ._index import IndexEntry as IndexEntry
from ._index import IndexRejected as IndexRejected
from ._index import SignedIndex as SignedIndex
from ._index import sign_index as sign_index
from ._index import verify_index as verify_index
from ._install import InstalledMod as InstalledMod
from ._install import PublishedReleases as PublishedReleases
from ._install import install as install
from ._install import parse_request as parse_request
from ._install import recover_install as recover_install
from ._market import Marketplace as Marketplace
from ._market import default_gates as default_gates
from ._market import file_diff as file_diff
from ._model import AuditRecord as AuditRecord
from ._model import AuthorKey as AuthorKey
from ._model import Finding as Finding
from ._model import HistoryEntry as HistoryEntry
from ._model import Submission as Submission
from ._open import STORE_ENV as STORE_ENV
from ._open import default_store_url as default_store_url
from ._open import open_store as open_store
from ._package import DEFAULT_LIMITS as DEFAULT_LIMITS
from ._package import PACKAGE_SUFFIX as PACKAGE_SUFFIX
from ._package import PackageLimits as PackageLimits
from ._package import inspect_package as inspect_package
from ._package import pack_bytes as pack_bytes
from ._package import read_package as read_package
from ._package import require_safe as require_safe
from ._package import safe_extract as safe_extract
from ._rollback import AcceptedVersion as AcceptedVersion
from ._rollback import AcceptedVersions as AcceptedVersions
from ._sigerrors import RollbackStateInvalid as RollbackStateInvalid
from ._sigerrors import SignatureInvalid as SignatureInvalid
from ._sigerrors import SignatureMissing as SignatureMissing
from ._sigerrors import SignatureRollback as SignatureRollback
from ._sigerrors import SignatureUntrusted as SignatureUntrusted
from ._sigerrors import SigningError as SigningError
from ._sigerrors import SigningKeyInvalid as SigningKeyInvalid
from ._sigerrors import TrustConfigError as TrustConfigError
from ._sigerrors import UnsafeModFolder as UnsafeModFolder
from ._sigfile import SigFile as SigFile
from ._signing import PublicKey as PublicKey
from ._signing import SigningKey as SigningKey
from ._signing import generate_key as generate_key
from ._signing import key_file_warnings as key_file_warnings
from ._signing import load_public_key as load_public_key
from ._signing import load_signing_key as load_signing_key
from ._signing import parse_public_key as parse_public_key
from ._signing import write_keypair as write_keypair
from ._sigverify import SignatureStatus as SignatureStatus
from ._sigverify import Verification as Verification
from ._sigverify import sign_mod as sign_mod
from ._sigverify import verify_mod as verify_mod
from ._smoke import SmokeGate as SmokeGate
from ._sqlite import SqliteStore as SqliteStore
from ._states import TRANSITIONS as TRANSITIONS
from ._states import Role as Role
from ._states import State as State
from ._states import check_transition as check_transition
from ._store import MarketStore as MarketStore
from ._trust import SignatureCheck as SignatureCheck
from ._trust import SignatureChecker as SignatureChecker
from ._trust import TrustSet as TrustSet
from ._trust import check_mod_signature as check_mod_signature
from ._trust import record_loaded_mod as record_loaded_mod
from ._vouched import VouchedKey as VouchedKey
from ._vouched import VouchedKeys as VouchedKeys
