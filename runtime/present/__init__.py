"""runtime.present: drawing the world (Panda3D).

The presenter interface and its Panda3D implementation (scene, batching, impostors,
camera, lights, overlay, window input). Panda3D is imported only by the ``_panda_*``
modules, and those only when a window is opened: ``--headless`` never loads it.

May import: runtime.core, host_api, panda3d (lazily).
"""

__all__ = [
    "WindowInput",
    "open_presenter",
]

from ._presentation import open_presenter as open_presenter


def __getattr__(name: str) -> object:
    """Panda3D-backed names, imported on first use (``--headless`` never asks)."""
    if name in ("WindowInput",):
        from . import _panda_input

        return getattr(_panda_input, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
