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
from ._install import install as install
from ._install_journal import recover_install as recover_install
from ._install_request import PublishedReleases as PublishedReleases
from ._install_request import parse_request as parse_request
from ._install_stage import InstalledMod as InstalledMod
from ._market import Marketplace as Marketplace
from ._market import default_gates as default_gates
from ._package import DEFAULT_LIMITS as DEFAULT_LIMITS
from ._package import PACKAGE_SUFFIX as PACKAGE_SUFFIX
from ._package import PackageLimits as PackageLimits
from ._package import pack_bytes as pack_bytes
from ._package import read_package as read_package
from ._package_check import inspect_package as inspect_package
from ._package_check import require_safe as require_safe
from ._package_diff import file_diff as file_diff
from ._package_extract import safe_extract as safe_extract
from ._smoke import SmokeGate as SmokeGate
from .signing import SIGFILE_NAME as SIGFILE_NAME
from .signing import AcceptedVersion as AcceptedVersion
from .signing import AcceptedVersions as AcceptedVersions
from .signing import FileDiff as FileDiff
from .signing import ModDigest as ModDigest
from .signing import PublicKey as PublicKey
from .signing import RollbackStateInvalid as RollbackStateInvalid
from .signing import SigFile as SigFile
from .signing import SignatureCheck as SignatureCheck
from .signing import SignatureChecker as SignatureChecker
from .signing import SignatureInvalid as SignatureInvalid
from .signing import SignatureMissing as SignatureMissing
from .signing import SignatureRollback as SignatureRollback
from .signing import SignatureStatus as SignatureStatus
from .signing import SignatureUntrusted as SignatureUntrusted
from .signing import SigningError as SigningError
from .signing import SigningKey as SigningKey
from .signing import SigningKeyInvalid as SigningKeyInvalid
from .signing import TrustConfigError as TrustConfigError
from .signing import TrustSet as TrustSet
from .signing import UnsafeModFolder as UnsafeModFolder
from .signing import Verification as Verification
from .signing import VouchedKey as VouchedKey
from .signing import VouchedKeys as VouchedKeys
from .signing import check_mod_signature as check_mod_signature
from .signing import generate_key as generate_key
from .signing import hash_mod_folder as hash_mod_folder
from .signing import key_file_warnings as key_file_warnings
from .signing import load_public_key as load_public_key
from .signing import load_signing_key as load_signing_key
from .signing import parse_public_key as parse_public_key
from .signing import record_loaded_mod as record_loaded_mod
from .signing import sign_mod as sign_mod
from .signing import verify_mod as verify_mod
from .signing import write_keypair as write_keypair
from .store import STORE_ENV as STORE_ENV
from .store import TRANSITIONS as TRANSITIONS
from .store import AuditRecord as AuditRecord
from .store import AuthorKey as AuthorKey
from .store import ConcurrentUpdate as ConcurrentUpdate
from .store import Finding as Finding
from .store import HistoryEntry as HistoryEntry
from .store import InstallFailed as InstallFailed
from .store import InvalidTransition as InvalidTransition
from .store import MarketBusy as MarketBusy
from .store import MarketError as MarketError
from .store import MarketForbidden as MarketForbidden
from .store import MarketIOFailed as MarketIOFailed
from .store import MarketStore as MarketStore
from .store import PackageUnsafe as PackageUnsafe
from .store import QuotaExceeded as QuotaExceeded
from .store import Role as Role
from .store import SqliteStore as SqliteStore
from .store import State as State
from .store import StoreConfigError as StoreConfigError
from .store import Submission as Submission
from .store import SubmissionNotFound as SubmissionNotFound
from .store import ValidationFailed as ValidationFailed
from .store import check_transition as check_transition
from .store import default_store_url as default_store_url
from .store import open_store as open_store
