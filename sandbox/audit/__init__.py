"""sandbox.audit: the built-in attack corpus (scripts and components) and the audit that
runs it against the tiers (``modhost sandbox audit``, ``tests/security``).

May import: sandbox.base, sandbox.python, sandbox.wasm, host_api.
"""

__all__ = [
    "ATTACKS",
    "COMPONENT_ATTACKS",
    "Attack",
    "AuditResult",
    "ComponentAttack",
    "run_audit",
]

from ._audit import AuditResult as AuditResult
from ._audit import run_audit as run_audit
from ._corpus import ATTACKS as ATTACKS
from ._corpus_attack import Attack as Attack
from ._wasm_corpus import COMPONENT_ATTACKS as COMPONENT_ATTACKS
from ._wasm_corpus import ComponentAttack as ComponentAttack
