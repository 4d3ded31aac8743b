"""runtime.reload: hot reload.

The file watcher, the reload transaction (prepare every changed mod, then swap them in
together or not at all) and its result.

May import: runtime.core, host_api, sandbox, resolver, marketplace, watchfiles.
"""

__all__ = [
    "ModWatcher",
    "ReloadResult",
    "Reloader",
]

from ._reload import Reloader as Reloader
from ._result import ReloadResult as ReloadResult
from ._watcher import ModWatcher as ModWatcher
