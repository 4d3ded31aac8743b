"""runtime.core: the host itself.

World state and its commands, the fixed-timestep scheduler, the event bus, the mod
manager, fault isolation, mod discovery and preparation, the frame snapshot handed to a
presenter, and the run report. Gameplay, reload and profiling plug into ``Host`` through
the hooks defined here.

May import: host_api, sandbox, resolver, marketplace, numpy. Never another runtime
subpackage (except under ``TYPE_CHECKING``).
"""

__all__ = [
    "DEFAULT_HZ",
    "STAGE_ORDER",
    "CheckReport",
    "Discovery",
    "Event",
    "Features",
    "FrameSnapshot",
    "Host",
    "ModBook",
    "ModCalls",
    "ModInstance",
    "ModLoadFailed",
    "ModState",
    "ModSummary",
    "Preparation",
    "PresentMode",
    "Presenter",
    "ReloadPort",
    "RunReport",
    "Stage",
    "StageHooks",
    "World",
    "WorldCheckpoint",
    "copy_payload",
    "discover",
    "for_receiver",
    "install",
    "load_mod",
    "mod_folders",
    "plan_discovery",
    "prepare",
    "script_state",
]

from ._book import ModBook as ModBook
from ._discovery import Discovery as Discovery
from ._discovery import discover as discover
from ._discovery import mod_folders as mod_folders
from ._events import Event as Event
from ._events import copy_payload as copy_payload
from ._events import for_receiver as for_receiver
from ._features import Features as Features
from ._features import ModCalls as ModCalls
from ._features import ReloadPort as ReloadPort
from ._features import StageHooks as StageHooks
from ._features import install as install
from ._frame import FrameSnapshot as FrameSnapshot
from ._frame import Presenter as Presenter
from ._frame import PresentMode as PresentMode
from ._host import Host as Host
from ._host import script_state as script_state
from ._mods import ModInstance as ModInstance
from ._mods import ModLoadFailed as ModLoadFailed
from ._mods import load_mod as load_mod
from ._prepare import Preparation as Preparation
from ._prepare import plan_discovery as plan_discovery
from ._prepare import prepare as prepare
from ._report import CheckReport as CheckReport
from ._report import ModState as ModState
from ._report import ModSummary as ModSummary
from ._report import RunReport as RunReport
from ._scheduler import DEFAULT_HZ as DEFAULT_HZ
from ._scheduler import STAGE_ORDER as STAGE_ORDER
from ._scheduler import Stage as Stage
from ._world import World as World
from ._world import WorldCheckpoint as WorldCheckpoint
