"""runtime: the host (the top layer).

World state, the fixed-timestep scheduler, the event bus, the mod manager, the hot-reload
watcher, Panda3D presentation (imported lazily: ``--headless`` never loads it), and the
``modhost`` CLI.

May import: every other modhost package, numpy, rich, typer, watchfiles, panda3d (lazily).
"""

__all__ = ["Host", "ReloadResult", "main"]

# Plugs gameplay, hot reload and profiling into the core's hooks before any Host is built.
from . import _wiring  # noqa: F401
from .cli import main as main
from .core import Host as Host
from .reload import ReloadResult as ReloadResult
