"""The statistics of ``--scale standard`` and the checks of their range: each column's
mean and standard deviation (weighted with ``--sample-weight``; computed without overflow
for values up to the largest float), a column that holds one value, the standardised
values (a column whose statistics overflow refused by name) and the largest target a
regression's scores can take.  Read by train's preparation
(``_cli_models_train_prepare``, which ``chainrule cv`` calls too), the categorical
columns' statistics, the images' per-channel statistics (:mod:`chainrule.cli_architecture`)
and the validation file's checks."""

from __future__ import annotations

import numpy as np

#: The largest target magnitude a regression is trained on: the squared errors of its
#: scores (mean squared error, R^2) in the target's units overflow float64 above ~1.3e154.
_LARGEST_TARGET = 1e150


def _check_target_size(y: np.ndarray, source: str, name: str | None) -> None:
    """Refuse a regression target of values above ``_LARGEST_TARGET``, naming it.

    Its scores would print as inf and nan, after numpy's overflow warnings.
    """
    largest = float(np.abs(y).max(initial=0.0))
    if largest > _LARGEST_TARGET:
        raise ValueError(
            f"{source}: target {name!r}: values up to {largest:.3g} are too large for a "
            f"regression's scores (their squared errors overflow float64 above about "
            f"1e154); divide the target by a power of 10")


def _mean_std(values: np.ndarray, axis: int | tuple[int, ...] = 0,
              weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``values.mean(axis)`` and ``values.std(axis)``; where a magnitude reaches 1e150,
    computed on the values divided by a power of 2 (exactly) near each column's largest.

    numpy's ``std`` squares the deviations, which pass the largest float (1.8e308)
    for values above about 1e154: a column of such values got an infinite scale.
    Scaled by a power of 2 the result is numpy's to rounding, and overflows only
    where the mean or the deviation itself does (values near 1.8e308).  ``weights``
    of the rows (``--sample-weight``): the weighted statistics
    (:func:`~chainrule._cli_sample_weight.weighted_mean_std`).

    Returns
    -------
    mean, std : ndarray of ``values``' shape without ``axis``
    """
    # the largest magnitude of each column from its maximum and minimum: no copy of values
    largest = np.maximum(values.max(axis=axis, keepdims=True),
                         -values.min(axis=axis, keepdims=True))
    small = np.all(largest.astype(np.float64) < 1e150)
    if small and weights is None:  # squares stay finite: numpy's own, no copy
        return values.mean(axis=axis), values.std(axis=axis)
    if values.dtype == np.float32 and weights is not None:  # (float32: always small)
        return _weighted_float32(values, weights, axis)
    unit = np.ldexp(1.0, np.frexp(largest)[1] - 1)  # values / unit in [-2, 2]; 2^1023 at most
    unit = np.ones_like(largest, dtype=np.float64) if small else unit
    scaled = values / unit
    unit = np.squeeze(unit, axis=axis)
    with np.errstate(over="ignore"):  # refused by _standardise
        if weights is not None:
            from ._cli_sample_weight import weighted_mean_std

            mean, std = weighted_mean_std(scaled, weights, axis)
            return mean * unit, std * unit
        return scaled.mean(axis=axis) * unit, scaled.std(axis=axis) * unit


def _weighted_float32(values: np.ndarray, weights: np.ndarray,
                      axis: int | tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The weighted mean and standard deviation of float32 ``values`` over ``axis`` (axis
    0 among them), computed in float64 a block of rows at a time and returned as float32
    (``train --dtype float32 --sample-weight``): the weighted statistics of
    :func:`~chainrule._cli_sample_weight.weighted_mean_std` of the values as float64,
    without a float64 array of their size (float32's squares cannot overflow float64).
    """
    axes = tuple(a % values.ndim for a in np.atleast_1d(axis))
    w = weights / weights.max()
    shape = (-1,) + (1,) * (values.ndim - 1)
    step = max(1, (1 << 14) // max(1, values[:1].size))  # rows of a float64 block

    def blocks():
        for start in range(0, len(values), step):
            block = values[start:start + step].astype(np.float64)
            yield block, np.broadcast_to(w[start:start + step].reshape(shape), block.shape)

    total = sum(wb.sum(axis=axes, keepdims=True) for _, wb in blocks())
    mean = sum((wb * block).sum(axis=axes, keepdims=True) for block, wb in blocks()) / total
    var = sum((wb * (block - mean) ** 2).sum(axis=axes, keepdims=True)
              for block, wb in blocks()) / total
    mean, var = np.squeeze(mean, axis=axes), np.squeeze(var, axis=axes)
    return mean.astype(np.float32), np.sqrt(var).astype(np.float32)


def _constant(values: np.ndarray, axis: int | tuple[int, ...] = 0,
              weights: np.ndarray | None = None) -> np.ndarray:
    """Whether each column of ``values`` holds one value (``np.ptp == 0`` without its overflow
    warning for a column from -1e308 to 1e308); with ``weights`` (of the rows, axis 0),
    among the rows of positive weight: the rows of weight 0 masked, not copied out (every
    such row equal to the least value of the first of them: the same test, a NaN
    included, which equals nothing)."""
    keep = None if weights is None else (weights > 0).reshape((-1,) + (1,) * (values.ndim - 1))
    if keep is None or keep.all():
        return np.all(values == values.min(axis=axis, keepdims=True), axis=axis)
    first = int(np.argmax(keep))
    same = values == values[first:first + 1].min(axis=axis, keepdims=True)
    same |= ~keep  # a row of weight 0: equal, whatever it holds
    return np.all(same, axis=axis)


def _standardise(values: np.ndarray, mean: np.ndarray | float, scale: np.ndarray | float,
                 source: str, names: list[str]) -> np.ndarray:
    """``(values - mean) / scale``, refusing a column whose statistics or result overflow.

    Values near the largest float (a mean or deviation past 1.8e308) give an
    infinite mean or standard deviation, which a model file cannot record; the
    command says which column, before any training.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_columns) or (n_samples,)
    mean, scale : ndarray of shape (n_columns,) or float
        As :func:`_mean_std` gives them; an overflow is reported here.
    source : str
        The data file, as the message names it.
    names : list of str, length n_columns
        The columns' names ("feature 'a'", "target 'y'").

    Returns
    -------
    ndarray of the shape of ``values``

    Raises
    ------
    ValueError
        Naming the file, the first such column and its largest magnitude.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        out = values - mean  # divided where it is: no third array of the data's size
        out = np.divide(out, scale, out=out) if out.dtype == np.result_type(
            out, scale) else out / scale
    columns = out.reshape(len(out), -1)
    bad = (~np.isfinite(np.broadcast_to(mean, columns.shape[1:]))
           | ~np.isfinite(np.broadcast_to(scale, columns.shape[1:]))
           | ~np.isfinite(columns).all(axis=0))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        largest = float(np.abs(values.reshape(len(values), -1)[:, j]).max())
        raise ValueError(
            f"{source}: {names[j]}: values up to {largest:.3g} are too large to standardise "
            "(their mean or standard deviation overflows float64); divide the column by a "
            "power of 10")
    return out
