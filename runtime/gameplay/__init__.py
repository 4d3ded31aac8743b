"""runtime.gameplay: the ``ctx`` gameplay services a host offers its mods.

Collisions, input, timers, the HUD and the scripts' heap accounting.

May import: runtime.core, host_api, sandbox, numpy.
"""
