"""The range of a model's training data (``x_range`` in its metadata), and the warning
given when data to predict lie far outside it: images of 0-255 given to a model trained
on 0-16, a column in millimetres given to a model trained on metres, columns swapped.

``chainrule train`` records each feature's (images: each channel's) smallest and
largest value over the training rows, as the model takes them before its own
standardisation (:func:`training_range`).  :class:`~chainrule.saved_model.SavedModel`
checks its raw inputs against the record (:func:`outside_message`), so ``predict``,
``evaluate`` and ``importance`` warn, once, and so does ``SavedModel.predict`` in
Python.  A file without the record (older ones, a network saved from Python, an
estimator's) is never checked.

The rule (false alarms cost more than a silence): a value is *far outside* when it
lies beyond the training range by more than :data:`MARGIN` times the range's width (a
feature constant in training: times its magnitude, or 1); a feature (a channel) is
flagged when more than :data:`SHARE` of its values are far outside.  Held-out rows of
the bundled data sets are outside the plain range often enough (up to 20 % of a
small test set's values of a feature: sinusoid, iris, wine), beyond one width now and
then (1 row in 600 of digits and breast_cancer), beyond two widths never (20 random
splits each); a change of units by 1000, or digits' 0-16 images given as 0-255,
puts most values (42 % of those pixels) far outside.

Values squeezed into a small part of the range (a column divided by 1000, 0-1 pixels
given to a model of 0-255 ones) lie inside it; they are warned of by a second rule
(:func:`squeezed_message`), on :data:`LEAST_ROWS` rows or more: a feature (a channel)
whose interquartile range is less than a :data:`SQUEEZE`-th of the training rows' (the
record's ``"iqr"``) *and* whose largest magnitude ``max |x|`` is less than a
:data:`SQUEEZE`-th of the training range's.  Both, because either alone is no sign of
other units: rows of one town have a narrow spread of latitudes (of their usual
magnitude), and a sample without a heavy tail's few large values a smaller magnitude
(of the usual spread).  Held-out rows of the bundled data sets (random splits of 10 %
to 50 %, and 30 of those rows, 20 seeds) give at most 2.8 where other units give their
ratio (100 for per cent, 255 for pixels, 1000 for millimetres).  A feature whose
interquartile range is 0, in training (mostly one value: a one-hot feature, an
indicator) or in the rows given (a category absent, one month's rows), is not checked,
nor is a file whose record has no ``"iqr"`` (older ones).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import numpy as np

from ._io_files import finite_number

SHARE = 0.10  # more than this share of a feature's values far outside: warned
MARGIN = 2.0  # far outside: beyond the range by more than MARGIN times its width
PREFIX = "outside the training range"  # the start of the warning: -W ignore:"outside ..."
SQUEEZE = 10.0  # spread and magnitude both below a SQUEEZE-th of training's: warned
LEAST_ROWS = 30  # rows needed to judge a spread
SQUEEZED = "squeezed into a small part of the training range"  # the second warning's start
_MOST_VALUES = 20_000  # of a feature (a channel) the spread is measured on: a sample
_SHOWN = 3  # features named in the warning, then "and N more"
_BLOCK = 1 << 18  # values per block of rows counted at a time (2 MiB of float64)


def training_range(X: np.ndarray, shape: tuple[int, ...] | None = None) -> dict:
    """The record of the training rows' range that ``chainrule train`` keeps.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training rows as the network takes them before standardisation.
    shape : (C, H, W), optional
        Images: one range per channel (over all its pixels), not per pixel.

    Returns
    -------
    dict
        ``{"per": "feature" or "channel", "min": [...], "max": [...], "iqr": [...]}``,
        lists of n_features (or C) floats; ``iqr`` the interquartile range (NumPy's
        percentiles 75 minus 25), of every row, or of evenly spaced rows where a feature
        (a channel) has more than 20,000 values (every ceil(values / 20,000)-th row).
    """
    X = np.asarray(X)
    if shape is not None:
        V = X.reshape(len(X), shape[0], -1)
        low, high, per = V.min(axis=(0, 2)), V.max(axis=(0, 2)), "channel"
    else:
        V = X[:, :, None]
        low, high, per = X.min(axis=0), X.max(axis=0), "feature"
    return {"per": per, "min": [float(v) for v in low], "max": [float(v) for v in high],
            "iqr": [float(v) for v in _iqr(V)]}


def _iqr(V: np.ndarray) -> np.ndarray:
    """The interquartile range of each feature (channel) of ``V``, shape (n, d, k): over
    its n * k values, or over those of evenly spaced rows where they are too many."""
    step = -(-V.shape[0] * V.shape[2] // _MOST_VALUES)  # ceil: 1 up to 20,000 values
    rows = V[::step]  # a view
    # a few features at a time, 20,000 values or so: no copy of the whole rows (train
    # holds the table and its training rows already)
    group = max(1, _MOST_VALUES // (rows.shape[0] * rows.shape[2]))
    iqr = np.empty(V.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1.8e308
        for j in range(0, V.shape[1], group):
            values = np.moveaxis(rows[:, j:j + group], 1, 0).reshape(
                len(iqr[j:j + group]), -1)
            low, high = np.percentile(values, [25, 75], axis=1)
            iqr[j:j + group] = high - low
    return np.where(np.isfinite(iqr), iqr, 0.0)  # past float64's: 0, a spread not judged


def range_problem(meta: dict, n_net: int) -> str | None:
    """What is wrong with ``meta["x_range"]`` for a network of ``n_net`` flat inputs
    (with any missing indicators), or None (also when there is no record)."""
    record = meta.get("x_range")
    if record is None:
        return None
    if not isinstance(record, dict) or record.get("per") not in ("feature", "channel"):
        return "x_range: expected a JSON object with per 'feature' or 'channel'"
    low, high = record.get("min"), record.get("max")
    for key, values in (("min", low), ("max", high)):
        if not isinstance(values, list) or not values or not all(
                finite_number(v) for v in values):
            return f"x_range.{key}: expected a list of finite numbers"
    if len(low) != len(high) or any(a > b for a, b in zip(low, high, strict=True)):
        return "x_range: expected as many min as max values, each min <= its max"
    if record["per"] == "feature" and len(low) != n_net:
        return f"x_range: {len(low)} features for a network with {n_net} inputs"
    if record["per"] == "channel" and n_net % len(low):
        return f"x_range: {len(low)} channels for a network with {n_net} inputs"
    iqr = record.get("iqr")
    if iqr is not None and (not isinstance(iqr, list) or len(iqr) != len(low) or not all(
            finite_number(v) and v >= 0 for v in iqr)):
        return (f"x_range.iqr: expected a list of {len(low)} finite numbers >= 0, one "
                "for each min")
    return None


def outside_message(X: np.ndarray, record: dict, name, dtype: object = None,
                    check: Callable[[np.ndarray, int], None] | None = None,
                    extremes: dict | None = None) -> str | None:
    """The warning for raw inputs ``X`` against a model's ``record``, or None.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite raw inputs, as the network takes them before standardisation (or,
        with ``check``, raw inputs that ``check`` refuses where they are not finite).
    record : dict
        The model's ``x_range`` (:func:`training_range`).
    name : callable
        ``name(j)``, feature ``j`` as a message names it.
    dtype : numpy dtype, optional
        The values compared are ``X``'s cast to it (the model's), a block of rows at a
        time (``X`` of another kind, left for the blocks of the pass to cast).
    check : callable, optional
        ``check(block, start)``, called on a block of rows (from row ``start``) that
        holds a value that is not finite, before any other block is counted or a
        warning given; it is to raise (the model's refusal naming the cell).
    extremes : dict, optional
        Gets under ``"least"`` and ``"most"`` each feature's (channel's) smallest and
        largest value of ``X`` (cast to ``dtype``), the blocks' reductions combined, for
        :func:`squeezed_message` (which would otherwise read all ``X`` twice more).
    """
    low = np.asarray(record["min"], dtype=np.float64)
    high = np.asarray(record["max"], dtype=np.float64)
    channels = record["per"] == "channel"
    if len(X) == 0 or X.shape[1] % len(low) or (not channels and X.shape[1] != len(low)):
        if check is not None:
            finite_blocks(X, check)
        return None
    with np.errstate(over="ignore"):  # a range past float64's (1e308 columns): no bound
        width = high - low
        width = np.where(width > 0, width, np.maximum(np.maximum(abs(low), abs(high)), 1.0))
        lo, hi = (low - MARGIN * width)[:, None], (high + MARGIN * width)[:, None]

    def values(rows: slice) -> np.ndarray:  # features: (n, d, 1); images: (n, C, H * W)
        V = X[rows] if dtype is None else X[rows].astype(dtype, copy=False)
        return V.reshape(len(V), len(low), -1)

    # the share of each feature's values far outside, counted over blocks of rows (the
    # booleans of a block, not of all X; count / size is the mean of the booleans); a
    # block whose smallest and largest values of each feature lie within the bounds has
    # none to count (the usual case: two reductions, no booleans), and one whose least
    # or largest value is NaN or infinite goes to check
    count = np.zeros(len(low), dtype=np.int64)
    all_least = all_most = None
    for start, stop in _blocks(X):
        V = values(slice(start, stop))
        least, most = V.min(axis=(0, 2)), V.max(axis=(0, 2))
        if check is not None and not (np.isfinite(least).all() and np.isfinite(most).all()):
            check(X[start:stop], start)
        if (least < lo[:, 0]).any() or (most > hi[:, 0]).any():
            count += np.count_nonzero((V < lo) | (V > hi), axis=(0, 2))
        if extremes is not None:  # min and max are exact: those of all X, bit for bit
            all_least = least if all_least is None else np.minimum(all_least, least)
            all_most = most if all_most is None else np.maximum(all_most, most)
    if extremes is not None:
        extremes.update(least=all_least, most=all_most)
    far = count / (len(X) * (X.shape[1] // len(low)))
    flagged = np.flatnonzero(far > SHARE)
    if not flagged.size:
        return None
    parts = []
    V = values(slice(None))
    for j in flagged[:_SHOWN]:
        given = V[:, j]
        parts.append(f"{f'channel {j}' if channels else name(j)} trained on "
                     f"{low[j]:.4g} to {high[j]:.4g}, given {given.min():.4g} to "
                     f"{given.max():.4g} ({far[j]:.0%} of values far outside)")
    more = f" and {flagged.size - _SHOWN} more" if flagged.size > _SHOWN else ""
    return (f"{PREFIX}: {'; '.join(parts)}{more}: not the scale the model was trained "
            "on (other units, columns or pixel range?); its predictions may be poor")


def squeezed_message(X: np.ndarray, record: dict, name, dtype: object = None,
                     extremes: dict | None = None) -> str | None:
    """The warning for raw inputs ``X`` squeezed into a small part of the training
    range, or None (fewer than :data:`LEAST_ROWS` rows, a record without ``"iqr"``).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite raw inputs, as the network takes them before standardisation.
    record : dict
        The model's ``x_range`` (:func:`training_range`).
    name : callable
        ``name(j)``, feature ``j`` as a message names it.
    dtype : numpy dtype, optional
        The values judged are ``X``'s cast to it (the model's): the magnitudes of the
        raw values cast (the cast is monotone: the same numbers), and the candidates'
        columns cast before their percentiles.
    extremes : dict, optional
        Each feature's smallest and largest value of ``X`` (cast to ``dtype``) as
        :func:`outside_message` leaves them (``"least"``, ``"most"``), not read again.
    """
    if record.get("iqr") is None or len(X) < LEAST_ROWS:
        return None
    low = np.asarray(record["min"], dtype=np.float64)
    high = np.asarray(record["max"], dtype=np.float64)
    if X.shape[1] % len(low) or (record["per"] == "feature" and X.shape[1] != len(low)):
        return None
    V = X.reshape(len(X), len(low), -1)
    iqr_t = np.asarray(record["iqr"], dtype=np.float64)
    big_t = np.maximum(abs(low), abs(high))
    with np.errstate(over="ignore", invalid="ignore"):
        # the magnitude first (one pass, no copy): the percentiles, ten times its cost,
        # only of the features it leaves (none, usually)
        if extremes and extremes.get("most") is not None:
            # the cast's (a monotone rounding: the cast of the raw extremes, the same)
            most, least = extremes["most"], extremes["least"]
        else:
            most, least = V.max(axis=(0, 2)), V.min(axis=(0, 2))
        if dtype is not None:
            most, least = most.astype(dtype, copy=False), least.astype(dtype, copy=False)
        big = np.maximum(most, -least)
        candidates = np.flatnonzero((iqr_t > 0) & (big * SQUEEZE < big_t))
        if not candidates.size:
            return None
        iqr = np.zeros(len(low))
        C = V[:, candidates]
        iqr[candidates] = _iqr(C if dtype is None else C.astype(dtype, copy=False))
        squeezed = (iqr > 0) & (iqr * SQUEEZE < iqr_t) & (big * SQUEEZE < big_t)
    flagged = np.flatnonzero(squeezed)
    if not flagged.size:
        return None
    parts = []
    for j in flagged[:_SHOWN]:
        what = f"channel {j}" if record["per"] == "channel" else name(j)
        parts.append(f"{what} spread over {iqr[j]:.4g} (interquartile range), largest "
                     f"|value| {big[j]:.4g}, against {iqr_t[j]:.4g} and {big_t[j]:.4g} in "
                     f"training (1/{min(iqr_t[j] / iqr[j], big_t[j] / big[j]):.0f})")
    more = f" and {flagged.size - _SHOWN} more" if flagged.size > _SHOWN else ""
    return (f"{SQUEEZED}: {'; '.join(parts)}{more}: not the scale the model was trained "
            "on (other units, or pixels of 0-1 for 0-255?); its predictions may be poor")


def _blocks(X: np.ndarray) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of the blocks of rows of ``X`` that :func:`outside_message` reads."""
    step = max(1, _BLOCK // max(1, int(np.prod(X.shape[1:]))))
    for start in range(0, len(X), step):
        yield start, min(start + step, len(X))


def finite_blocks(X: np.ndarray, check: Callable[[np.ndarray, int], None]) -> None:
    """``check(block, start)`` of each block of rows of ``X`` that holds a value that is
    not finite (the booleans of a block at a time, not of all ``X``)."""
    for start, stop in _blocks(X):
        if not np.isfinite(X[start:stop]).all():
            check(X[start:stop], start)


def warn_outside(X: np.ndarray, record: dict | None, name, dtype: object = None,
                 check: Callable[[np.ndarray, int], None] | None = None) -> None:
    """Warn (UserWarning) with :func:`outside_message` and :func:`squeezed_message`
    where they have one; nothing without a ``record``.  With ``check``, ``X``'s blocks
    that hold a value that is not finite go to it first (see :func:`outside_message`;
    without a record too)."""
    if record is None:
        if check is not None:
            finite_blocks(X, check)
        return
    extremes: dict = {}  # each feature's least and most value, read once for both
    for message in (outside_message(X, record, name, dtype, check, extremes),
                    squeezed_message(X, record, name, dtype, extremes)):
        if message is not None:
            warnings.warn(message, UserWarning, stacklevel=4)
