"""runtime.profile: per-mod time and memory profiling, budgets, traces and their reports.

May import: runtime.core, host_api, sandbox.
"""
