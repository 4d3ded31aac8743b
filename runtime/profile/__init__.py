"""runtime.profile: per-mod time and memory profiling, budgets, traces and their reports.

May import: runtime.core, host_api, sandbox.
"""

__all__ = [
    "TOGGLE_KEY",
    "BudgetChecker",
    "Hotspot",
    "ProfileOverlay",
    "ProfileReport",
    "Profiler",
    "TraceFanout",
    "TrendWatcher",
    "build_profile",
    "open_trace",
    "profile_json_schema",
]

from ._budgets import BudgetChecker as BudgetChecker
from ._profile import Profiler as Profiler
from ._profile_overlay import TOGGLE_KEY as TOGGLE_KEY
from ._profile_overlay import ProfileOverlay as ProfileOverlay
from ._profile_report import Hotspot as Hotspot
from ._profile_report import ProfileReport as ProfileReport
from ._profile_report import TrendWatcher as TrendWatcher
from ._profile_report import build_profile as build_profile
from ._profile_report import profile_json_schema as profile_json_schema
from ._trace import TraceFanout as TraceFanout
from ._trace import open_trace as open_trace
