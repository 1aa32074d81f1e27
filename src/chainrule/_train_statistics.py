"""``chainrule train``'s standardising statistics of the training rows, without a copy of
them: NumPy's ``X[rows].mean(axis=0)`` and ``X[rows].std(axis=0)`` to the bit, their sums
taken a block of rows at a time (see :func:`feature_statistics`), and the standardisation
of an array the caller owns done where it is (:func:`standardise_owned`)."""

from __future__ import annotations

import numpy as np

from . import _cli_models_categorical as _categorical
from ._cli_statistics import _standardise

# the rows taken at a time: about this many bytes of them (a copy of 1 MiB at most)
BLOCK_BYTES = 1 << 20


def _blocks(rows: np.ndarray, width: int, itemsize: int):
    # and a sixteenth of the rows at most: of a small table, not a copy of it all
    step = max(1, min(BLOCK_BYTES // max(1, width * itemsize), -(-len(rows) // 16)))
    for start in range(0, len(rows), step):
        yield rows[start:start + step]


def _sum(X: np.ndarray, rows: np.ndarray, n: int, mean: np.ndarray | None) -> np.ndarray:
    """``X[rows, :n].sum(axis=0)`` (of ``(X[rows, :n] - mean) ** 2`` given ``mean``) as
    NumPy adds a C-ordered array over axis 0: row after row, in order.  Each block of rows
    is added below the running sum (row 0 of the block's buffer), so that the additions
    are the same, in the same order, as over the whole copy."""
    buf = np.empty((0, n), dtype=X.dtype)
    total = None
    for part in _blocks(rows, n, X.dtype.itemsize):
        start = 0 if total is None else 1
        if len(buf) != start + len(part):
            buf = np.empty((start + len(part), n), dtype=X.dtype)
        body = buf[start:]
        np.take(X[:, :n], part, axis=0, out=body, mode="clip")  # (rows in range: unbuffered)
        if mean is not None:
            np.subtract(body, mean, out=body)
            np.square(body, out=body)
        if total is not None:
            buf[0] = total
        total = np.add.reduce(buf, axis=0)
    return total


def mean_std(X: np.ndarray, rows: np.ndarray, n: int | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """``X[rows, :n].mean(axis=0)`` and ``.std(axis=0)``, bit for bit, without the copy.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), floating
    rows : ndarray of int, shape (n_rows,), n_rows >= 1
    n : int, optional
        The leading columns (all of them by default).

    Returns
    -------
    mean, std : ndarray of shape (n,)
    """
    n = X.shape[1] if n is None else n
    count = np.intp(len(rows))
    mean = _sum(X, rows, n, None)  # as NumPy's _mean and _var divide it: in its dtype
    mean = np.true_divide(mean, count, out=mean, casting="unsafe", subok=False)
    var = _sum(X, rows, n, mean)
    var = np.true_divide(var, np.maximum(count, 0), out=var, casting="unsafe", subok=False)
    return mean, np.sqrt(var, out=var)


def feature_statistics(X: np.ndarray, rows: np.ndarray, table, weights: np.ndarray | None,
                       n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~chainrule._cli_models_categorical.feature_statistics` of ``X[rows, :n]``,
    the same to the bit.  Unweighted, of values under 1e150 (NumPy's own mean and
    deviation there), the rows are read a block at a time; otherwise (``--sample-weight``,
    huge values: statistics that copy the rows anyway) of the copy."""
    n = X.shape[1] if n is None else n
    if weights is not None or len(rows) == 0 or X.dtype.kind != "f" or n < 2:
        # (one column: NumPy adds it pairwise, as a 1-d array; its copy is small)
        return _categorical.feature_statistics(X[rows, :n], table, weights)
    low = high = None
    for part in _blocks(rows, n, X.dtype.itemsize):
        block = X[part, :n]
        lo, hi = block.min(axis=0), block.max(axis=0)
        low = lo if low is None else np.minimum(low, lo)
        high = hi if high is None else np.maximum(high, hi)
    if not np.all(np.maximum(high, -low).astype(np.float64) < 1e150):  # _mean_std's test
        return _categorical.feature_statistics(X[rows, :n], table, weights)
    mean, scale = mean_std(X, rows, n)
    constant = np.ones(n, dtype=bool)  # _constant: every row equal to the column's least
    for part in _blocks(rows, n, X.dtype.itemsize):
        constant &= np.all(X[part, :n] == low, axis=0)
    scale[constant] = 1.0
    if table.categories:
        dummies = _categorical.one_hot_mask(table.columns, table.categories)
        mean[dummies], scale[dummies] = 0.0, 1.0
    return mean, scale


def standardise_owned(X: np.ndarray, mean: np.ndarray, scale: np.ndarray, source: str,
                      names: list[str]) -> np.ndarray:
    """:func:`~chainrule._cli_statistics._standardise` of an array no one else holds (the
    copy ``--impute`` filled), done in it: ``(X - mean) / scale`` with the same roundings,
    and the same error, without a second array of its size."""
    if X.dtype != np.result_type(X, mean, scale) or X.ndim != 2:
        return _standardise(X, mean, scale, source, names)
    largest = np.maximum(X.max(axis=0), -X.min(axis=0))  # for the message: as read
    with np.errstate(over="ignore", invalid="ignore"):
        np.subtract(X, mean, out=X)
        np.divide(X, scale, out=X)
    bad = (~np.isfinite(np.broadcast_to(mean, X.shape[1:]))
           | ~np.isfinite(np.broadcast_to(scale, X.shape[1:]))
           | ~np.isfinite(X).all(axis=0))
    if bad.any():  # the message _standardise gives, of the values as they were
        j = int(np.flatnonzero(bad)[0])
        shown, at = np.zeros((1, X.shape[1]), dtype=X.dtype), np.zeros(X.shape[1])
        shown[0, j], at[j] = largest[j], np.inf  # column j alone refused, of its largest
        _standardise(shown, at, np.ones(X.shape[1]), source, names)
    return X
