"""The writes an entity batch made through ``ctx.entity``, checked before the world takes them.

They come back from the sandbox as a mask (one byte per row) and the batch's column; in the
process tier they come from the worker, which the host never trusts. So the buffers must
have the batch's size, the values be finite, and anything malformed is dropped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def checked_writes(
    mask: object, values: object, n: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """The well-formed writes of a batch of ``n`` rows: ``mask`` has one byte per row (1:
    written), ``values`` the batch's column (``3 * n`` float64). Returns ``(batch rows,
    (k, 3) values)``.

    Values that are not finite are dropped; buffers of the wrong size drop everything.
    """
    empty = (np.zeros(0, dtype=np.intp), np.zeros((0, 3), dtype=np.float64))
    try:
        marks = np.frombuffer(mask, dtype=np.uint8)  # type: ignore[call-overload]
        flat = np.frombuffer(values, dtype=np.float64)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return empty
    if len(marks) != n or len(flat) != 3 * n:
        return empty
    at = np.flatnonzero(marks)
    vec = flat.reshape(-1, 3)[at]
    ok = np.isfinite(vec).all(axis=1)
    return at[ok], vec[ok]
