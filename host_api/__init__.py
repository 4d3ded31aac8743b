"""host_api: the contract between the host and its mods (the bottom layer).

The manifest model, capability names and grants, limits, the host policy, diagnostics and the
error tree, the :class:`HostAPI` every mod reaches the world through, and the ``ctx`` object
of Python scripts. Test doubles live in :mod:`host_api.testing`.

May import: the standard library, pydantic, packaging. Nothing else of modhost.
"""

__all__ = [
    "ALL_CAPABILITIES",
    "BUTTON_NAMES",
    "DEFAULT_BUDGETS",
    "HOST_API_VERSION",
    "KEY_NAMES",
    "MANIFEST_FILE",
    "MAX_LOG_LINE",
    "MAX_PAYLOAD_BYTES",
    "MAX_TAGS",
    "MOUSE_BUTTONS",
    "POLICY_FILE",
    "SYNC_EVERY",
    "WIT_EXPORTS",
    "WIT_EXPORT_SIGNATURES",
    "WIT_HOST_FUNCTIONS",
    "WIT_HOST_INTERFACE",
    "WIT_HOST_SIGNATURES",
    "WIT_HOST_TYPES",
    "WIT_PACKAGE",
    "WIT_RELOAD_EXPORTS",
    "WIT_TYPE_SHAPES",
    "WIT_WORLD",
    "AuditEvent",
    "AuditSink",
    "BadArgument",
    "BatchClosed",
    "Budget",
    "BulkWorldPort",
    "Capability",
    "CapabilityDenied",
    "CapabilitySet",
    "Collider",
    "ColliderInvalid",
    "ComponentEntry",
    "Dependencies",
    "Diagnostic",
    "DiagnosticCode",
    "DiagnosticSink",
    "EntityBatch",
    "EntityCursor",
    "EntityLimit",
    "EntityRows",
    "EntityView",
    "FileAccessDenied",
    "GameplayPort",
    "HostAPI",
    "HostCallFailed",
    "HostPolicy",
    "JSONValue",
    "JsonLinesAudit",
    "Limits",
    "Manifest",
    "ManifestError",
    "ManifestInvalid",
    "ManifestNotFound",
    "ModFault",
    "ModHostInternalError",
    "ModStorage",
    "ModhostError",
    "PayloadTooLarge",
    "PolicyError",
    "RayHit",
    "ScriptContext",
    "ScriptEntry",
    "Severity",
    "StorageQuotaExceeded",
    "TextTooLong",
    "TickLimiter",
    "UnknownKey",
    "UnsafeFile",
    "Vec3",
    "WorldPort",
    "any_error",
    "check_name",
    "commit_rows",
    "copy_json",
    "foreign_type",
    "grant",
    "load_manifest",
    "load_policy",
    "log_text",
    "manifest_json_schema",
    "parse_json_text",
    "parse_manifest",
    "parse_specifier",
    "read_regular",
    "text_bound",
    "wit_structure",
    "write_atomically",
]

from ._api import MAX_LOG_LINE as MAX_LOG_LINE
from ._api import HostAPI as HostAPI
from ._atomic import write_atomically as write_atomically
from ._audit import AuditEvent as AuditEvent
from ._audit import AuditSink as AuditSink
from ._audit import JsonLinesAudit as JsonLinesAudit
from ._batch import SYNC_EVERY as SYNC_EVERY
from ._batch import BatchClosed as BatchClosed
from ._batch import EntityBatch as EntityBatch
from ._batch import EntityCursor as EntityCursor
from ._bulk import BulkWorldPort as BulkWorldPort
from ._capabilities import ALL_CAPABILITIES as ALL_CAPABILITIES
from ._capabilities import Capability as Capability
from ._capabilities import CapabilitySet as CapabilitySet
from ._capabilities import grant as grant
from ._ctx import HostCallFailed as HostCallFailed
from ._ctx import ScriptContext as ScriptContext
from ._diagnostics import Diagnostic as Diagnostic
from ._diagnostics import DiagnosticCode as DiagnosticCode
from ._diagnostics import Severity as Severity
from ._diagnostics import any_error as any_error
from ._errors import CapabilityDenied as CapabilityDenied
from ._errors import ManifestError as ManifestError
from ._errors import ManifestInvalid as ManifestInvalid
from ._errors import ManifestNotFound as ManifestNotFound
from ._errors import ModFault as ModFault
from ._errors import ModhostError as ModhostError
from ._errors import ModHostInternalError as ModHostInternalError
from ._errors import PolicyError as PolicyError
from ._fs import FileAccessDenied as FileAccessDenied
from ._fs import UnsafeFile as UnsafeFile
from ._fs import read_regular as read_regular
from ._gameplay import BUTTON_NAMES as BUTTON_NAMES
from ._gameplay import KEY_NAMES as KEY_NAMES
from ._gameplay import MOUSE_BUTTONS as MOUSE_BUTTONS
from ._gameplay import Collider as Collider
from ._gameplay import ColliderInvalid as ColliderInvalid
from ._gameplay import GameplayPort as GameplayPort
from ._gameplay import RayHit as RayHit
from ._gameplay import UnknownKey as UnknownKey
from ._manifest import MANIFEST_FILE as MANIFEST_FILE
from ._manifest import ComponentEntry as ComponentEntry
from ._manifest import Dependencies as Dependencies
from ._manifest import Limits as Limits
from ._manifest import Manifest as Manifest
from ._manifest import ScriptEntry as ScriptEntry
from ._manifest import load_manifest as load_manifest
from ._manifest import manifest_json_schema as manifest_json_schema
from ._manifest import parse_manifest as parse_manifest
from ._manifest import parse_specifier as parse_specifier
from ._meter import DiagnosticSink as DiagnosticSink
from ._policy import POLICY_FILE as POLICY_FILE
from ._policy import HostPolicy as HostPolicy
from ._policy import load_policy as load_policy
from ._quota import MAX_TAGS as MAX_TAGS
from ._quota import EntityLimit as EntityLimit
from ._rate import DEFAULT_BUDGETS as DEFAULT_BUDGETS
from ._rate import Budget as Budget
from ._rate import TickLimiter as TickLimiter
from ._rows import EntityRows as EntityRows
from ._rows import commit_rows as commit_rows
from ._storage import ModStorage as ModStorage
from ._storage import StorageQuotaExceeded as StorageQuotaExceeded
from ._text_size import TextTooLong as TextTooLong
from ._text_size import text_bound as text_bound
from ._values import MAX_PAYLOAD_BYTES as MAX_PAYLOAD_BYTES
from ._values import BadArgument as BadArgument
from ._values import PayloadTooLarge as PayloadTooLarge
from ._values import check_name as check_name
from ._values import copy_json as copy_json
from ._values import foreign_type as foreign_type
from ._values import log_text as log_text
from ._values import parse_json_text as parse_json_text
from ._version import HOST_API_VERSION as HOST_API_VERSION
from ._wit import WIT_EXPORT_SIGNATURES as WIT_EXPORT_SIGNATURES
from ._wit import WIT_EXPORTS as WIT_EXPORTS
from ._wit import WIT_HOST_FUNCTIONS as WIT_HOST_FUNCTIONS
from ._wit import WIT_HOST_INTERFACE as WIT_HOST_INTERFACE
from ._wit import WIT_HOST_SIGNATURES as WIT_HOST_SIGNATURES
from ._wit import WIT_HOST_TYPES as WIT_HOST_TYPES
from ._wit import WIT_PACKAGE as WIT_PACKAGE
from ._wit import WIT_RELOAD_EXPORTS as WIT_RELOAD_EXPORTS
from ._wit import WIT_TYPE_SHAPES as WIT_TYPE_SHAPES
from ._wit import WIT_WORLD as WIT_WORLD
from ._wit import wit_structure as wit_structure
from ._world_port import EntityView as EntityView
from ._world_port import JSONValue as JSONValue
from ._world_port import Vec3 as Vec3
from ._world_port import WorldPort as WorldPort
