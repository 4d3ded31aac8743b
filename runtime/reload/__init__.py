"""runtime.reload: hot reload.

The file watcher, the reload transaction (prepare every changed mod, then swap them in
together or not at all) and its result.

May import: runtime.core, host_api, sandbox, resolver, marketplace, watchfiles.
"""
