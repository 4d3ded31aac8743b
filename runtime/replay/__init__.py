"""runtime.replay: recording a run's inputs and replaying them to the same world hash.

May import: runtime.core, runtime.gameplay, runtime.present (its panda-free key tables),
host_api.
"""
