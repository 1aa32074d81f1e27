"""The search of ``chainrule tune-threshold`` (:mod:`chainrule._cli_models_threshold_cv`):
the decision threshold of a binary classifier that maximises a score of its out-of-fold
probabilities, as scikit-learn's ``TunedThresholdClassifierCV(thresholds=N)`` chooses it.

Each fold's held-out probabilities of the second class ``p`` are scored at the N
thresholds ``linspace(p.min(), p.max(), N)`` (an example predicted of the second class
where ``p >= t``, as ``FixedThresholdClassifier`` decides); the folds' curves are then
read, by linear interpolation (``np.interp``: a fold's end score beyond its range), at
the N thresholds ``linspace(min over the folds of p.min(), max of p.max(), N)``, averaged
over the folds, and the first threshold of the largest mean is chosen.  Plain NumPy: the
counts of each threshold from the probabilities sorted once, weighted by the held-out
rows' sample weights where there are any.
"""

from __future__ import annotations

import numpy as np

#: The scores a threshold can be chosen by; the constrained ones need a minimum.
SCORINGS = ("balanced_accuracy", "f1", "accuracy", "precision_at_recall",
            "recall_at_precision")

_WORDS = {"balanced_accuracy": "balanced accuracy", "f1": "F1 of the second class",
          "accuracy": "accuracy", "precision_at_recall": "precision at recall >= {m:g}",
          "recall_at_precision": "recall at precision >= {m:g}"}


def scoring_words(scoring: str, minimum: float | None = None) -> str:
    """The score's name in a sentence: ``precision at recall >= 0.8``."""
    return _WORDS[scoring].format(m=minimum if minimum is not None else float("nan"))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, 0 where ``den`` is 0 (scikit-learn's ``zero_division`` 0)."""
    out = np.zeros_like(num, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def threshold_scores(proba: np.ndarray, y: np.ndarray, thresholds: np.ndarray,
                     scoring: str, minimum: float | None = None,
                     sample_weight: np.ndarray | None = None) -> np.ndarray:
    """The score of the labels ``proba >= t`` of each threshold ``t``.

    Parameters
    ----------
    proba : ndarray of shape (n_samples,)
        The probability of the second class.
    y : ndarray of shape (n_samples,)
        The true class, 0 or 1 (1: the second class).
    thresholds : ndarray of shape (n_thresholds,)
    scoring : str
        One of :data:`SCORINGS`.  ``precision_at_recall``: the precision where the
        recall is ``minimum`` or more, else -1 (below any precision, so that a threshold
        meeting the minimum in a fold outranks one that does not); ``recall_at_precision``
        likewise.
    minimum : float, optional
        The minimum recall (precision) of a constrained scoring.
    sample_weight : ndarray of shape (n_samples,), optional
        Each example's weight in the counts (default: 1).

    Returns
    -------
    ndarray of shape (n_thresholds,)
    """
    p = np.asarray(proba, dtype=np.float64)
    pos = np.asarray(y) == 1
    w = np.ones(len(p)) if sample_weight is None else np.asarray(sample_weight, float)
    order = np.argsort(p, kind="stable")
    p_sorted = p[order]
    # weights of the positives (negatives) among the examples below each cut
    below_pos = np.concatenate([[0.0], np.cumsum(np.where(pos, w, 0.0)[order])])
    below_neg = np.concatenate([[0.0], np.cumsum(np.where(pos, 0.0, w)[order])])
    cut = np.searchsorted(p_sorted, np.asarray(thresholds, float), side="left")
    P, N = below_pos[-1], below_neg[-1]
    fn, tn = below_pos[cut], below_neg[cut]  # predicted negative: p < t
    tp, fp = P - fn, N - tn
    recall, specificity = _ratio(tp, np.full_like(tp, P)), _ratio(tn, np.full_like(tn, N))
    precision = _ratio(tp, tp + fp)
    if scoring == "balanced_accuracy":  # the mean recall of the classes present
        present = [r for r, n in ((recall, P), (specificity, N)) if n > 0]
        return np.mean(present, axis=0)
    if scoring == "accuracy":
        return (tp + tn) / (P + N)
    if scoring == "f1":
        return _ratio(2 * tp, 2 * tp + fp + fn)
    if scoring == "precision_at_recall":
        return np.where(recall >= minimum, precision, -1.0)
    if scoring == "recall_at_precision":
        return np.where(precision >= minimum, recall, -1.0)
    raise ValueError(f"scoring: expected one of {', '.join(SCORINGS)}, got {scoring!r}")


def search(folds: list[tuple], scoring: str, n_thresholds: int = 100,
           minimum: float | None = None) -> dict:
    """The threshold of the best mean score over the folds, as
    ``TunedThresholdClassifierCV(thresholds=n_thresholds)`` finds it.

    Parameters
    ----------
    folds : list of tuple
        Each fold's ``(proba, y, sample_weight)``: the held-out probabilities of the
        second class, shape (n_held,), their classes 0/1, and weights (or None).
    scoring : str
        One of :data:`SCORINGS`.
    n_thresholds : int, default 100
        The number of thresholds of each fold's curve and of the common grid.
    minimum : float, optional
        The minimum recall (precision) of a constrained scoring.

    Returns
    -------
    dict
        ``threshold`` (the chosen one), ``score`` (its mean score), ``thresholds``
        (the common grid, shape (n_thresholds,)), ``scores`` (the mean score at each)
        and ``fold_scores`` (each fold's interpolated score at the chosen threshold).

    Raises
    ------
    ValueError
        Where a fold's probabilities are all the same: no threshold separates them.
    """
    curves = []
    for i, (p, y, w) in enumerate(folds, 1):
        lo, hi = float(np.min(p)), float(np.max(p))
        if np.isclose(lo, hi):
            raise ValueError(f"fold {i}: every held-out probability of the second class is "
                             f"{lo:.6g}: the fold's model predicts one value, and no "
                             "threshold can be chosen (train longer, or another network)")
        grid = np.linspace(lo, hi, n_thresholds)
        curves.append((grid, threshold_scores(p, y, grid, scoring, minimum, w)))
    common = np.linspace(min(g[0] for g, _ in curves), max(g[-1] for g, _ in curves),
                         n_thresholds)
    each = np.array([np.interp(common, g, s) for g, s in curves])
    mean = each.mean(axis=0)
    best = int(np.argmax(mean))
    return {"threshold": float(common[best]), "score": float(mean[best]),
            "thresholds": common, "scores": mean, "fold_scores": each[:, best]}
