"""runtime.present: drawing the world (Panda3D).

The presenter interface and its Panda3D implementation (scene, batching, impostors,
camera, lights, overlay, window input). Panda3D is imported only by the ``_panda_*``
modules, and those only when a window is opened: ``--headless`` never loads it.

May import: runtime.core, host_api, panda3d (lazily).
"""
