"""The real-time loop's garbage-collector setting: keep full collections out of the ticks.

A full (generation 2) collection walks every tracked object in the process: after startup
that is the imported libraries, the manifests and the world, tens of milliseconds on a
small machine, at a moment the collector picks. In ``run --watch`` that lands inside a
tick or a reload now and then and shows as a 50 ms spike in the reload latency.

:func:`settle_heap` is called once, after the host has loaded and before real-time ticking
starts: it collects what startup left behind, then moves every surviving object to the
collector's permanent generation (:func:`gc.freeze`), which later collections skip. Those
objects are still freed when their last reference goes; only reference cycles among them
are never collected, which is why it runs once and not after every reload.
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect, then exempt the surviving startup objects from later full collections."""
    gc.collect()
    gc.freeze()
