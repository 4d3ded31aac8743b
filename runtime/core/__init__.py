"""runtime.core: the host itself.

World state and its commands, the fixed-timestep scheduler, the event bus, the mod
manager, fault isolation, mod discovery and preparation, the frame snapshot handed to a
presenter, and the run report. Gameplay, reload and profiling plug into ``Host`` through
the hooks defined here.

May import: host_api, sandbox, resolver, marketplace, numpy. Never another runtime
subpackage (except under ``TYPE_CHECKING``).
"""
