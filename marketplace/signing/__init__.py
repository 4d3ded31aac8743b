"""marketplace.signing: signatures and trust, used at every mod load (not only by the market).

Ed25519 keys and signatures (``cryptography`` only in ``_signing.py``), folder digests, the
signature file, verification, the trust policy, rollback protection and vouched keys.

May import: host_api, cryptography. Nothing else in ``marketplace``.
"""

__all__ = [
    "SIGFILE_NAME",
    "AcceptedVersion",
    "AcceptedVersions",
    "FileDiff",
    "ModDigest",
    "PublicKey",
    "RollbackStateInvalid",
    "SigFile",
    "SignatureCheck",
    "SignatureChecker",
    "SignatureInvalid",
    "SignatureMissing",
    "SignatureRollback",
    "SignatureStatus",
    "SignatureUntrusted",
    "SigningError",
    "SigningKey",
    "SigningKeyInvalid",
    "TrustConfigError",
    "TrustSet",
    "UnsafeModFolder",
    "Verification",
    "VouchedKey",
    "VouchedKeys",
    "check_mod_signature",
    "generate_key",
    "hash_mod_folder",
    "key_file_warnings",
    "load_public_key",
    "load_signing_key",
    "market_name",
    "parse_public_key",
    "record_loaded_mod",
    "sign_mod",
    "verify_mod",
    "verify_raw",
    "vouched_path",
    "write_keypair",
]

from ._digest import SIGFILE_NAME as SIGFILE_NAME
from ._digest import FileDiff as FileDiff
from ._digest import ModDigest as ModDigest
from ._digest import hash_mod_folder as hash_mod_folder
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
from ._signing import verify_raw as verify_raw
from ._signing import write_keypair as write_keypair
from ._sigverify import SignatureStatus as SignatureStatus
from ._sigverify import Verification as Verification
from ._sigverify import sign_mod as sign_mod
from ._sigverify import verify_mod as verify_mod
from ._trust import SignatureCheck as SignatureCheck
from ._trust import SignatureChecker as SignatureChecker
from ._trust import TrustSet as TrustSet
from ._trust import check_mod_signature as check_mod_signature
from ._trust import record_loaded_mod as record_loaded_mod
from ._vouched import VouchedKey as VouchedKey
from ._vouched import VouchedKeys as VouchedKeys
from ._vouched import market_name as market_name
from ._vouched import vouched_path as vouched_path
