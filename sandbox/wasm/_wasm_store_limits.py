"""The per-store caps of a component beyond fuel and time: instances, tables and memories,
the share of ``memory_mb`` tables may take, and the floors instantiation runs under."""

from __future__ import annotations

from typing import Final

from ._wasm_memory import MemoryBudget

#: Per-store caps beyond linear memory (a language runtime uses a few dozen core instances).
#: Tables count against ``memory_mb`` too: an instance may hold at most MAX_TABLES tables of
#: at most :func:`table_elements` elements each, and that worst case (8 bytes an element) is
#: taken off the mod's linear-memory budget up front (:func:`table_reserve`).
TABLE_ELEMENTS: Final = 100_000
MAX_INSTANCES: Final = 100
MAX_TABLES: Final = 20
#: Bytes one table element may take (a funcref) in wasmtime.
TABLE_ELEMENT_BYTES: Final = 8
#: At most this fraction (1/n) of ``memory_mb`` goes to tables; the rest is linear memory.
TABLE_SHARE: Final = 8
MAX_MEMORIES: Final = 20
#: Floors for instantiation (before ``init``): it copies the component's data segments into
#: host-allocated memories through metered code (a componentize-py guest: about 11 million
#: fuel and tens of milliseconds) and runs start functions. Every later call has the mod's own
#: limits.
INSTANTIATE_FUEL: Final = 200_000_000
INSTANTIATE_TIMEOUT_MS: Final = 2_000


def table_elements(memory_bytes: int) -> int:
    """Elements one table may have under a ``memory_mb`` of ``memory_bytes`` (13,107 for
    16 MB; 100,000 from 128 MB on; componentize-py and -js guests use under 8,000)."""
    share = memory_bytes // TABLE_SHARE
    return max(1, min(TABLE_ELEMENTS, share // (TABLE_ELEMENT_BYTES * MAX_TABLES)))


def table_reserve(memory_bytes: int) -> int:
    """Bytes the tables of one component instance may take at most (off ``memory_mb``)."""
    return MAX_TABLES * table_elements(memory_bytes) * TABLE_ELEMENT_BYTES


def memory_budget(memory_mb: int, components: int = 1) -> MemoryBudget:
    """The linear-memory budget of a mod with ``components`` components: ``memory_mb`` less
    what their tables may take, so memories and tables together stay within ``memory_mb``."""
    total = memory_mb * 1024 * 1024
    return MemoryBudget(cap=max(0, total - components * table_reserve(total)))
