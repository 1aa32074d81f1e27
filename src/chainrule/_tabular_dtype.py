"""The dtype of a table's features (:func:`chainrule.tabular.read_data`'s ``dtype``):
float64 as read, or float32 converted once (an NPZ file's float32 ``X`` is kept as it
is, in ``_tabular_npz``)."""

from __future__ import annotations

import numpy as np

from ._tabular_table import Table

#: Said after a value beyond float32's range given to a model of ``--dtype float32``.
FLOAT32_MODEL = ", in which this model computes (trained with --dtype float32)"


def narrowed(table: Table, dtype: np.dtype) -> Table:
    """``table`` with its float64 ``X`` converted to ``dtype`` (float32) once, a value
    beyond its range refused; as it is for float64."""
    if table.X.dtype == dtype:
        return table
    table.X = within_range(table, dtype)
    return table


def within_range(table: Table, dtype: np.dtype, note: str = "") -> np.ndarray:
    """``table.X`` converted to ``dtype`` (float32), of the same shape; a value beyond its
    range refused naming the cell by :meth:`Table.where` (a CSV file's line, an NPZ
    file's row), with ``note`` after the message (why ``dtype`` is taken)."""
    if table.X.dtype == dtype:
        return table.X
    with np.errstate(over="ignore"):
        X = table.X.astype(dtype)
    past = np.isinf(X) & np.isfinite(table.X)
    if past.any():
        i, j = (int(k) for k in np.argwhere(past)[0])
        raise ValueError(beyond_message(f"{table.where(i)}, column "
                                        f"{table.feature_names[j]!r}", table.X[i, j], dtype)
                         + note)
    return X


def beyond_message(where: str, value: float, dtype: np.dtype) -> str:
    """The refusal of the cell ``where`` whose ``value`` ``dtype`` (float32) cannot hold."""
    limit = float(np.finfo(dtype).max)
    return (f"{where}: {value:g} is beyond the range of {np.dtype(dtype).name} (magnitudes "
            f"up to {limit:.7g})")


def beyond_range(narrow: np.ndarray, given: np.ndarray) -> tuple[int, int, float] | None:
    """The first cell of ``given`` (any shape of ``narrow``'s size: numbers, or text of
    numbers) that is finite but infinite in ``narrow`` (shape (n, n_features), ``given``
    converted to float32), as its row, column and value; None where there is none."""
    cells = np.argwhere(np.isinf(narrow))
    if not len(cells):
        return None
    wide = np.asarray(given.reshape(narrow.shape)[tuple(cells.T)], dtype=np.float64)
    past = np.flatnonzero(np.isfinite(wide))
    if not past.size:  # infinite as given: _check_finite's
        return None
    i, j = (int(k) for k in cells[past[0]])
    return i, j, float(wide[past[0]])
