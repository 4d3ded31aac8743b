"""The writes an entity batch made through ``ctx.entity``, checked before the world takes them.

They come back from the sandbox as packed rows and values; in the process tier they come
from the worker, which the host never trusts. So the rows must be inside the batch, the
values three finite floats each, and anything malformed is dropped, not applied.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def checked_writes(
    rows: object, values: object, n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The well-formed writes among ``rows`` (int64) and ``values`` (float64, three per row)
    for a batch of ``n`` rows: ``(batch rows, (k, 3) values)``.

    Rows outside ``0 <= row < n`` and values that are not finite are dropped; buffers of the
    wrong size drop everything.
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros((0, 3), dtype=np.float64))
    try:
        at = np.frombuffer(rows, dtype=np.int64)  # type: ignore[call-overload]
        flat = np.frombuffer(values, dtype=np.float64)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return empty
    if len(flat) != 3 * len(at):
        return empty
    vec = flat.reshape(-1, 3)
    ok = (at >= 0) & (at < n) & np.isfinite(vec).all(axis=1)
    return at[ok], vec[ok]
