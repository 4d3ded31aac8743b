"""resolver: manifests -> dependency graph -> load order or explained failure.

May import: host_api, the standard library, packaging, networkx, resolvelib.
"""

__all__ = ["LoadPlan", "ModCandidate", "plan_load_order"]

from ._plan import LoadPlan as LoadPlan
from ._plan import ModCandidate as ModCandidate
from ._plan import plan_load_order as plan_load_order
