"""Plugs gameplay, hot reload and profiling into the core's hooks (see ``core/_features``).

The one place that knows every feature: the core depends only on the hooks it defines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from host_api import Diagnostic

from .core import Features, Host, ModCalls, World, install
from .gameplay import Gameplay, GameplayStages
from .profile import BudgetChecker, Profiler
from .reload import Reloader


def _gameplay(
    world: World, calls: ModCalls, report: Callable[[Diagnostic], None]
) -> tuple[Gameplay, GameplayStages]:
    gameplay = Gameplay(world, report)
    return gameplay, GameplayStages(calls, gameplay)


def _profiler(hz: int, windows_s: tuple[float, ...], trace: Any) -> Profiler:
    return Profiler(hz=hz, windows_s=windows_s, trace=trace)


def _budgets(host: Host) -> None:
    BudgetChecker(host).attach()


install(
    Features(gameplay=_gameplay, reloader=Reloader, profiler=_profiler, attach_budgets=_budgets)
)
