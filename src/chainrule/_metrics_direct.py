"""scikit-learn's metrics of ``chainrule evaluate``, ``train`` and ``importance``, computed
on the arrays where they are its numbers bit for bit: the log loss of a single-label
classifier's probabilities (:func:`log_loss`) and a single target's mean squared error,
its root, mean absolute error and R^2 (:func:`regression_score`).

Each returns None for an input where scikit-learn's checks would not pass as they are
(it refuses, warns or converts), which the caller then gives to scikit-learn's call.  A
model's scores then need no import of scikit-learn (over a second on a busy machine) and
none of its checks of the targets' type (its log loss: 61 ms for 200,000 x 5
probabilities against 7 here).  The tests compare each with scikit-learn's own call on
the same arrays (tests/test_perf30_importance_metrics.py, test_perf32_evaluate_metrics.py).
"""

from __future__ import annotations

import numpy as np


def log_loss(y: np.ndarray, proba: np.ndarray,
             sample_weight: np.ndarray | None = None) -> float | None:
    """scikit-learn's ``log_loss(y, proba, labels=range(k), sample_weight=...)``, or None
    where its checks would not pass as they are (left to its call).

    scikit-learn's loss of a row is ``-sum(xlogy(onehot, clip(p, eps, 1 - eps)))``
    (``eps`` of the probabilities' dtype): its one-hot row has one 1, whose term is
    ``1 * log(p)`` and the others 0, so the row's loss is ``-log(clip(p_true))``
    exactly; the mean is ``np.average`` of the losses with the weights, as there.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class indices, integers in ``[0, k)``.
    proba : ndarray of shape (n_samples, k)
        Finite probabilities, float32 or float64, k >= 2.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    float or None
    """
    if (proba.ndim != 2 or proba.dtype not in (np.float32, np.float64) or proba.shape[1] < 2
            or y.ndim != 1 or y.dtype.kind not in "iu" or len(y) != len(proba)
            or len(y) == 0):
        return None
    k = proba.shape[1]
    if y.min() < 0 or y.max() >= k or proba.min() < 0 or proba.max() > 1:
        return None  # scikit-learn's refusals, in its words
    eps = np.finfo(proba.dtype).eps
    if not np.all(np.abs(proba.sum(axis=1) - 1) <= np.sqrt(eps)):
        return None  # its warning that the rows do not sum to 1, given by its call
    p = np.clip(proba[np.arange(len(y)), y], eps, 1 - eps)
    loss = -np.log(p)
    return float(np.average(loss, weights=sample_weight))


def regression_score(y: np.ndarray, pred: np.ndarray, name: str,
                     sample_weight: np.ndarray | None = None) -> float | None:
    """scikit-learn's ``mean_squared_error`` (``mse``, and its root ``rmse`` as evaluate
    takes it), ``mean_absolute_error`` (``mae``) or ``r2_score`` (``r2``) of one target,
    or None (its call, or evaluate's own scores of predictions that are not finite).

    The same NumPy operations on the same shapes as scikit-learn 1.9's: the targets as
    columns (n_samples, 1), ``np.average`` over axis 0 with the weights, then of the
    one output; R^2 from the weighted sums of squares, 1 where the residuals are 0, 0
    where only the target's spread is.

    Parameters
    ----------
    y, pred : ndarray of shape (n_samples,), float64
        Finite targets and predictions (in the target's units).
    name : {"mse", "rmse", "mae", "r2"}
    sample_weight : ndarray of shape (n_samples,), float64, optional

    Returns
    -------
    float or None
        None also for R^2 of fewer than two examples (of a positive weight), which
        evaluate's scores leave out.
    """
    sw = sample_weight
    if (name not in ("mse", "rmse", "mae", "r2") or y.ndim != 1 or pred.shape != y.shape
            or y.dtype != np.float64 or pred.dtype != np.float64 or len(y) == 0
            or (sw is not None and (sw.shape != y.shape or sw.dtype != np.float64))
            or not (np.isfinite(y).all() and np.isfinite(pred).all())):
        return None
    Y, P = y.reshape(-1, 1), pred.reshape(-1, 1)
    if name in ("mse", "rmse"):
        mse = float(np.average(np.average((Y - P) ** 2, axis=0, weights=sw)))
        return mse if name == "mse" else float(np.sqrt(mse))
    if name == "mae":
        return float(np.average(np.average(np.abs(P - Y), axis=0, weights=sw)))
    if (len(y) if sw is None else np.count_nonzero(sw)) < 2:
        return None
    weight = 1.0 if sw is None else sw[:, None]
    numerator = np.sum(weight * (Y - P) ** 2, axis=0)
    denominator = np.sum(weight * (Y - np.average(Y, axis=0, weights=sw)) ** 2, axis=0)
    scores = np.ones(1)
    if numerator[0] != 0:
        scores[0] = 0.0 if denominator[0] == 0 else (1 - numerator / denominator)[0]
    return float(np.average(scores))
