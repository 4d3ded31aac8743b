"""runtime: the host (the top layer).

World state, the fixed-timestep scheduler, the event bus, the mod manager, the hot-reload
watcher, Panda3D presentation (imported lazily: ``--headless`` never loads it), and the
``modhost`` CLI.

May import: every other modhost package, numpy, rich, typer, watchfiles, panda3d (lazily).
"""

__all__ = ["Host", "ReloadResult", "main"]

from .cli._cli import main as main
from .core._host import Host as Host
from .reload._reload import ReloadResult as ReloadResult
