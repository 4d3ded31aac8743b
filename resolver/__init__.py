"""resolver: manifests -> dependency graph -> load order or explained failure.

Two jobs on top of :mod:`host_api`'s manifest model:

* :func:`plan_load_order` orders the mods of a folder (a deterministic total order), and
  disables only what must be disabled, explaining each failure as a diagnostic.
* :class:`Resolver` selects one version per mod for an install, from candidates a
  :class:`ReleaseProvider` supplies (the marketplace implements one), with backtracking.

May import: host_api, the standard library, packaging, networkx, resolvelib. networkx and
resolvelib are implementation details: no public signature mentions them.
"""

__all__ = [
    "DependencyCycle",
    "DisabledMod",
    "LoadPlan",
    "LoadPlanFailed",
    "ModCandidate",
    "ResolutionError",
    "plan_load_order",
]

from ._errors import DependencyCycle as DependencyCycle
from ._errors import LoadPlanFailed as LoadPlanFailed
from ._errors import ResolutionError as ResolutionError
from ._explain import DisabledMod as DisabledMod
from ._mods import ModCandidate as ModCandidate
from ._plan import LoadPlan as LoadPlan
from ._plan import plan_load_order as plan_load_order
