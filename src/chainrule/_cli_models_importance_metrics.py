"""Scores of ``chainrule importance`` computed on the arrays directly, where they are
scikit-learn's numbers bit for bit (:func:`direct_score`).

A small model's shuffle costs less than scikit-learn's metric call that scores it: of the
digits' 64-100-10 network on 397 rows, ``log_loss`` took 9 ms a shuffle (its label
binarizer, its checks of the targets' type), the network's pass a fraction of it.  Here
the log loss of a single-label classifier's probabilities is computed as scikit-learn
1.9 computes it, for the inputs where its checks pass (probabilities in [0, 1], rows
summing to 1 within the square root of eps, class indices among the labels); any other
input, and every other score, goes to scikit-learn's call as before
(:func:`chainrule._cli_models_scores._scores`).  The tests compare each with
scikit-learn's own call on the same arrays.
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


def direct_score(out, y: np.ndarray, name: str, sw: np.ndarray | None) -> float | None:
    """Score ``name`` of the outputs ``out`` (importance's ``_Outputs`` of one pass) on
    targets ``y``, computed here where it is scikit-learn's number, else None (its call).

    The log loss of a single-label classifier's probabilities (:func:`log_loss`), after
    the refusal of probabilities that are not finite that evaluate's scores make first,
    and a single target's regression scores (:func:`regression_score`); None for other
    scores and models, and where scikit-learn's checks would not pass.
    """
    if out.task == "regression":
        return regression_score(np.asarray(y), np.asarray(out.out), name, sw)
    if name != "log_loss" or out.task != "classification" or out.multilabel or out.margin:
        return None
    from ._cli_models_proba_notes import _refuse_not_finite_proba

    _refuse_not_finite_proba(out.out)
    return log_loss(np.asarray(y), out.out, sw)


def left_out(out, sw: np.ndarray | None) -> str:
    """Why evaluate's scores (``_scores``) left the score out of the outputs ``out``:
    a margin loss's class scores, outputs that are no probabilities, or R^2 of fewer
    than two examples (of a positive weight, ``sw`` given)."""
    from ._cli_models_proba_notes import not_probabilities_note

    return ("a margin loss's class scores are no probabilities" if out.margin else
            not_probabilities_note(out.out) if out.task == "classification" else
            "R^2 needs two examples or more" + ("" if sw is None else
                                               " of a positive weight"))


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
