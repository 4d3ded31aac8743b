"""resolver: manifests -> dependency graph -> load order or explained failure.

Two jobs on top of :mod:`host_api`'s manifest model:

* :func:`plan_load_order` orders the mods of a folder (a deterministic total order) and
  disables only what must be disabled, explaining each failure as a diagnostic.
* :class:`Resolver` selects one version per mod for an install, from the releases a
  :class:`ReleaseProvider` supplies (the marketplace implements one), with backtracking.

May import: host_api, the standard library, packaging, networkx, resolvelib. networkx and
resolvelib are implementation details: no public signature mentions them.
"""

__all__ = [
    "DependencyCycle",
    "DisabledMod",
    "InMemoryReleases",
    "LoadPlan",
    "LoadPlanFailed",
    "ModCandidate",
    "Release",
    "ReleaseProvider",
    "Reporter",
    "ResolutionError",
    "Resolver",
    "Selection",
    "SelectionImpossible",
    "SelectionTooComplex",
    "plan_load_order",
    "select_versions",
]

from ._errors import DependencyCycle as DependencyCycle
from ._errors import LoadPlanFailed as LoadPlanFailed
from ._errors import ResolutionError as ResolutionError
from ._errors import SelectionImpossible as SelectionImpossible
from ._errors import SelectionTooComplex as SelectionTooComplex
from ._explain import DisabledMod as DisabledMod
from ._mods import ModCandidate as ModCandidate
from ._plan import LoadPlan as LoadPlan
from ._plan import plan_load_order as plan_load_order
from ._release import InMemoryReleases as InMemoryReleases
from ._release import Release as Release
from ._release import ReleaseProvider as ReleaseProvider
from ._release import Reporter as Reporter
from ._release import Selection as Selection
from ._select import Resolver as Resolver
from ._select import select_versions as select_versions

for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("resolver._"):
        _obj.__module__ = __name__
del _name, _obj
