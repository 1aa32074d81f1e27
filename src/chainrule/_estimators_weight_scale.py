"""The scale of the MLP estimators' ``sample_weight`` against ``alpha`` (private).

The estimators' cost is that of scikit-learn's MLP: the weighted mean loss plus the L2
penalty ``alpha / (2 sum(w)) sum W^2`` -- the weights count examples, so that a row of
weight 2 is that row given twice.  The mean is the same for ``w`` and ``s * w``; the
penalty is not: ``s * w`` with ``alpha`` is exactly ``w`` with ``alpha / s``.  With
``alpha=0`` the weights' scale does not matter (the network's weighted mean divides
them by their largest where their sum is past float's range or subnormal, so that
``w * 1e-310`` and ``w * 1e300`` train as ``w``).  With ``alpha > 0``, weights whose sum is
subnormal (below ``np.finfo(float).tiny``, about 2.2e-308), or so small that
``alpha / sum(w)`` overflows, asked for a penalty no solver steps through: the run
stopped as a diverged one ("Try a smaller learning_rate_init").  They are refused here by
name, before anything changes, saying what the penalty is and the two ways out.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["check_weight_scale", "weight_scale_note"]

_TINY = float(np.finfo(np.float64).tiny)


def check_weight_scale(sample_weight: np.ndarray | None, alpha: float,
                       class_weight: object = None) -> None:
    """Refuse training weights whose sum makes ``alpha``'s penalty unusable.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,), or None
        The training weights, checked (finite, >= 0, not all 0), ``class_weight``'s
        included.
    alpha : float
        The estimator's L2 penalty, checked (finite, >= 0).
    class_weight : object, default None
        The estimator's ``class_weight``; when not None the message says the weights
        are times it.

    Raises
    ------
    ValueError
        If ``alpha > 0`` and the weights' sum is below ``np.finfo(float).tiny`` or
        ``alpha / sum`` overflows.
    """
    if sample_weight is None or not alpha > 0:
        return
    with np.errstate(over="ignore"):
        total = float(np.sum(sample_weight))
        coefficient = float(alpha) / total if total > 0 else math.inf
    if total >= _TINY and math.isfinite(coefficient):
        return
    times = "" if class_weight is None else " (times class_weight)"
    raise ValueError(
        f"sample_weight{times} sums to {total:.3g}, largest {sample_weight.max():.3g}: with "
        f"alpha={float(alpha):g} the L2 penalty is alpha / (2 sum(sample_weight)) sum W^2 "
        "(the weights count examples, as in scikit-learn's MLP), "
        + ("a coefficient past float's range" if not math.isfinite(coefficient)
           else f"{coefficient / 2:.3g} sum W^2")
        + ", which no solver steps through. Give weights whose sum is at least "
        f"{_TINY:.3g} (sample_weight / sample_weight.max() keeps their ratios; the penalty "
        "is then alpha / (2 sum) of those), or alpha=0, with which only their ratios count")


def weight_scale_note(sample_weight: np.ndarray | None, alpha: float) -> str:
    """A sentence for a diverged run's message where the weights' small sum made
    ``alpha``'s penalty strong: ``alpha * n / sum(w)`` (the ``alpha`` of weights of mean
    1 with the same cost) above 1.  "" otherwise.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,), or None
        The training weights, checked.
    alpha : float
        The estimator's L2 penalty, checked.

    Returns
    -------
    str
    """
    if sample_weight is None or not alpha > 0 or not sample_weight.size:
        return ""
    with np.errstate(over="ignore"):
        total = float(np.sum(sample_weight))
        equal = float(alpha) * (sample_weight.size / total) if total > 0 else math.inf
    if not equal > 1:
        return ""
    return (f" sample_weight sums to {total:.3g} for its {sample_weight.size} rows, so that "
            f"alpha={float(alpha):g}'s penalty alpha / (2 sum(sample_weight)) sum W^2 is that "
            f"of alpha={equal:.3g} with weights of mean 1: larger weights (their ratios "
            "kept) or a smaller alpha weaken it.")
