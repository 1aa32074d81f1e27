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
"""

from __future__ import annotations

import warnings

import numpy as np

from ._io_files import finite_number

SHARE = 0.10  # more than this share of a feature's values far outside: warned
MARGIN = 2.0  # far outside: beyond the range by more than MARGIN times its width
PREFIX = "outside the training range"  # the start of the warning: -W ignore:"outside ..."
_SHOWN = 3  # features named in the warning, then "and N more"


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
        ``{"per": "feature" or "channel", "min": [...], "max": [...]}``, lists of
        n_features (or C) floats.
    """
    X = np.asarray(X)
    if shape is not None:
        V = X.reshape(len(X), shape[0], -1)
        low, high, per = V.min(axis=(0, 2)), V.max(axis=(0, 2)), "channel"
    else:
        low, high, per = X.min(axis=0), X.max(axis=0), "feature"
    return {"per": per, "min": [float(v) for v in low], "max": [float(v) for v in high]}


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
    return None


def outside_message(X: np.ndarray, record: dict, name) -> str | None:
    """The warning for raw inputs ``X`` against a model's ``record``, or None.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite raw inputs, as the network takes them before standardisation.
    record : dict
        The model's ``x_range`` (:func:`training_range`).
    name : callable
        ``name(j)``, feature ``j`` as a message names it.
    """
    low = np.asarray(record["min"], dtype=np.float64)
    high = np.asarray(record["max"], dtype=np.float64)
    channels = record["per"] == "channel"
    if len(X) == 0 or X.shape[1] % len(low) or (not channels and X.shape[1] != len(low)):
        return None
    with np.errstate(over="ignore"):  # a range past float64's (1e308 columns): no bound
        width = high - low
        width = np.where(width > 0, width, np.maximum(np.maximum(abs(low), abs(high)), 1.0))
        lo, hi = (low - MARGIN * width)[:, None], (high + MARGIN * width)[:, None]
    V = X.reshape(len(X), len(low), -1)  # features: (n, d, 1); images: (n, C, H * W)
    far = ((V < lo) | (V > hi)).mean(axis=(0, 2))
    flagged = np.flatnonzero(far > SHARE)
    if not flagged.size:
        return None
    parts = []
    for j in flagged[:_SHOWN]:
        given = V[:, j]
        parts.append(f"{f'channel {j}' if channels else name(j)} trained on "
                     f"{low[j]:.4g} to {high[j]:.4g}, given {given.min():.4g} to "
                     f"{given.max():.4g} ({far[j]:.0%} of values far outside)")
    more = f" and {flagged.size - _SHOWN} more" if flagged.size > _SHOWN else ""
    return (f"{PREFIX}: {'; '.join(parts)}{more}: not the scale the model was trained "
            "on (other units, columns or pixel range?); its predictions may be poor")


def warn_outside(X: np.ndarray, record: dict | None, name) -> None:
    """Warn (UserWarning) with :func:`outside_message` where it has one; nothing
    without a ``record``."""
    if record is None:
        return
    message = outside_message(X, record, name)
    if message is not None:
        warnings.warn(message, UserWarning, stacklevel=4)
