"""The dtype of a table's features (:func:`chainrule.tabular.read_data`'s ``dtype``):
float64 as read, or float32 converted once (an NPZ file's float32 ``X`` is kept as it
is, in ``_tabular_npz``)."""

from __future__ import annotations

import numpy as np

from ._tabular_table import Table


def narrowed(table: Table, dtype: np.dtype) -> Table:
    """``table`` with its float64 ``X`` converted to ``dtype`` (float32) once, a value
    beyond its range refused; as it is for float64."""
    if table.X.dtype == dtype:
        return table
    with np.errstate(over="ignore"):
        X = table.X.astype(dtype)
    past = np.isinf(X) & np.isfinite(table.X)
    if past.any():
        i, j = (int(k) for k in np.argwhere(past)[0])
        raise ValueError(f"{table.where(i)}, column {table.feature_names[j]!r}: "
                         f"{table.X[i, j]:g} is beyond the range of {dtype.name}")
    table.X = X
    return table
