"""runtime.replay: recording a run's inputs and replaying them to the same world hash.

May import: runtime.core, runtime.gameplay, runtime.present (its panda-free key tables),
host_api.
"""

__all__ = [
    "ReplayReport",
    "RunIO",
    "replay",
]

from ._replay import ReplayReport as ReplayReport
from ._replay import replay as replay
from ._run_io import RunIO as RunIO
