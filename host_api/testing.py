"""Test doubles for mod authors and for modhost's own tests.

``FakeWorld`` is an in-memory world port with no numpy and no scheduler: spawns and despawns
apply immediately, events and log lines are recorded in lists. ``recording_api`` builds a
``HostAPI`` over it whose audit list records every capability denial.
"""

__all__ = ["EmittedEvent", "FakeWorld", "recording_api"]

from ._testing import EmittedEvent as EmittedEvent
from ._testing import FakeWorld as FakeWorld
from ._testing import recording_api as recording_api
