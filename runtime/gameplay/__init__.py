"""runtime.gameplay: the ``ctx`` gameplay services a host offers its mods.

Collisions, input, timers, the HUD and the scripts' heap accounting.

May import: runtime.core, host_api, sandbox, numpy.
"""

__all__ = [
    "Gameplay",
    "GameplayStages",
    "InputEvent",
    "InputFileInvalid",
    "InputType",
    "check_event",
    "load_input_file",
    "settle_heap",
]

from ._gameplay import Gameplay as Gameplay
from ._gameplay import GameplayStages as GameplayStages
from ._heap import settle_heap as settle_heap
from ._input import InputEvent as InputEvent
from ._input import InputFileInvalid as InputFileInvalid
from ._input import InputType as InputType
from ._input import check_event as check_event
from ._input import load_input_file as load_input_file
