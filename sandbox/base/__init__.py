"""sandbox.base: what every tier shares.

The :class:`ScriptSandbox` interface and :class:`ScriptModule`, the sandbox errors, and the
per-hook figures the tiers report.

May import: host_api.
"""

__all__ = [
    "HOOKS",
    "ForbiddenAccess",
    "FuelExhausted",
    "GuestTrap",
    "HookFigures",
    "KindWork",
    "MemoryLimitExceeded",
    "RecursionLimitExceeded",
    "SandboxClosed",
    "SandboxError",
    "ScriptFault",
    "ScriptModule",
    "ScriptRaised",
    "ScriptRejected",
    "ScriptSandbox",
    "ScriptTimeout",
    "TickWork",
    "run_kind",
    "states_of",
]

from ._engine import HOOKS as HOOKS
from ._engine import ScriptModule as ScriptModule
from ._engine import ScriptSandbox as ScriptSandbox
from ._errors import ForbiddenAccess as ForbiddenAccess
from ._errors import FuelExhausted as FuelExhausted
from ._errors import GuestTrap as GuestTrap
from ._errors import MemoryLimitExceeded as MemoryLimitExceeded
from ._errors import RecursionLimitExceeded as RecursionLimitExceeded
from ._errors import SandboxClosed as SandboxClosed
from ._errors import SandboxError as SandboxError
from ._errors import ScriptFault as ScriptFault
from ._errors import ScriptRaised as ScriptRaised
from ._errors import ScriptRejected as ScriptRejected
from ._errors import ScriptTimeout as ScriptTimeout
from ._figures import HookFigures as HookFigures
from ._ticks import KindWork as KindWork
from ._ticks import TickWork as TickWork
from ._ticks import run_kind as run_kind
from ._ticks import states_of as states_of
