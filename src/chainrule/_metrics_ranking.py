"""scikit-learn's ``roc_auc_score`` and ``average_precision_score`` of a ranking, computed on
the arrays (bit for bit scikit-learn 1.9's numbers): the ROC AUC and average precision that
``chainrule evaluate`` (``cv``, ``tune``, ``importance``) prints of a classifier.

Both are read off one curve per class (target): the examples sorted by decreasing score
(ties in their order, as scikit-learn's stable descending sort leaves them), the weights of
the positives and negatives summed down the list to each distinct score
(:func:`binary_curve`).  ROC AUC is the trapezoid area under the curve after scikit-learn's
dropping of collinear points (:func:`curve_roc_auc`), average precision its step sum of
precision over recall (:func:`curve_average_precision`), each with scikit-learn's operations
in its order, so the sums round as its do.  One sort serves both scores (scikit-learn sorts
for each, and checks the targets' type several times per class: of 200,000 examples of 10
classes, 1.4 s against 0.3 s here).

Each function returns None for an input scikit-learn's checks would not pass as they are
(non-finite scores, weights that are not float64, negative or non-finite, a class with no
positive or no negative example): the caller then gives it to scikit-learn's call, which
refuses or warns in its words.  Tests: tests/test_perf34_ranking_metrics.py.
"""

from __future__ import annotations

import numpy as np

NAMES = ("roc_auc", "average_precision")


def _weights_ok(sample_weight: np.ndarray | None, n: int) -> bool:
    """Whether weights are as the direct scores take them: None, or float64 of shape (n,),
    finite and non-negative."""
    sw = sample_weight
    return sw is None or (isinstance(sw, np.ndarray) and sw.dtype == np.float64
                          and sw.shape == (n,) and bool(np.isfinite(sw).all())
                          and bool((sw >= 0).all()))


def binary_curve(positive: np.ndarray, score: np.ndarray,
                 sample_weight: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """The (weighted) false and true positives at each distinct score, highest first, as
    scikit-learn's ``confusion_matrix_at_thresholds`` gives them; None where a class is
    missing (no positive or no negative among the examples of a non-zero weight).

    Parameters
    ----------
    positive : ndarray of shape (n_samples,), bool
        Whether each example is of the positive class.
    score : ndarray of shape (n_samples,), float32 or float64
        Finite scores; higher ranks an example as more positive.
    sample_weight : ndarray of shape (n_samples,), float64, optional
        Checked by the caller (:func:`macro_scores`).

    Returns
    -------
    fps, tps : ndarray of shape (n_thresholds,), float64
        Cumulative (weighted) false and true positives.
    """
    if sample_weight is not None:
        keep = sample_weight != 0  # scikit-learn leaves out the examples of weight 0
        positive, score, sample_weight = positive[keep], score[keep], sample_weight[keep]
    if score.size == 0:
        return None
    order, score = _descending(score, sample_weight is not None)
    truth = positive[order].astype(np.float64)
    last = np.concatenate([np.nonzero(np.diff(score))[0], [truth.size - 1]])
    if sample_weight is None:
        tps = np.cumsum(truth, dtype=np.float64)[last]
        fps = 1 + last.astype(np.float64) - tps
    else:
        weight = sample_weight[order]
        tps = np.cumsum(truth * weight, dtype=np.float64)[last]
        fps = np.cumsum((1 - truth) * weight, dtype=np.float64)[last]
    if not (tps[-1] > 0 and fps[-1] > 0):
        return None  # one class alone: scikit-learn's warning and nan, by its call
    return fps, tps


def _descending(score: np.ndarray, ties_in_order: bool) -> tuple[np.ndarray, np.ndarray]:
    """The order of the examples by decreasing score, and the scores in it.

    scikit-learn sorts stably, ties in the examples' order.  That order counts only where
    the examples weigh what they do (``ties_in_order``): the weights' running sums round
    by the order they are added in, the counts of unweighted examples are exact whatever
    it is.  So a quicksort (NumPy's vectorised one, 4x a stable sort's speed on 200,000
    scores), its tied runs then put in the examples' order where the weights need it (a
    stable sort where most examples tie)."""
    negated = -score
    order = np.argsort(negated)
    ranked = negated[order]
    tie = ranked[1:] == ranked[:-1]
    if ties_in_order and tie.any():
        if 4 * np.count_nonzero(tie) > len(tie):  # mostly ties: sorted stably
            return (order := np.argsort(negated, kind="stable")), score[order]
        tied = np.zeros(len(order), dtype=bool)
        tied[1:] |= tie
        tied[:-1] |= tie
        runs = np.cumsum(np.concatenate([[True], ~tie]))[tied]  # each tied run's number
        members = order[tied]
        order[tied] = members[np.lexsort((members, runs))]  # by run, then by index
    return order, -ranked


def curve_roc_auc(fps: np.ndarray, tps: np.ndarray) -> float:
    """scikit-learn's ``auc(*roc_curve(...)[:2])`` of :func:`binary_curve`'s curve: the
    points on a straight line between two others dropped, (0, 0) put first, the rates
    divided by the totals, and the trapezoid rule's sum."""
    if fps.shape[0] > 2:
        optimal = np.where(np.concatenate([[True], np.logical_or(np.diff(fps, 2),
                                                                 np.diff(tps, 2)), [True]]))[0]
        fps, tps = fps[optimal], tps[optimal]
    tps = np.concatenate([np.asarray([0.0]), tps])
    fps = np.concatenate([np.asarray([0.0]), fps])
    fpr, tpr = fps / fps[-1], tps / tps[-1]
    d = fpr[1:] - fpr[:-1]
    return float(np.sum(d * (tpr[1:] + tpr[:-1]) / 2.0, axis=-1, dtype=np.float64))


def curve_average_precision(fps: np.ndarray, tps: np.ndarray) -> float:
    """scikit-learn's ``average_precision_score`` of one class from :func:`binary_curve`'s
    curve: precision and recall at each threshold, reversed, closed by (recall 0,
    precision 1), and the sum of each recall step times its precision."""
    ps = tps + fps
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(ps != 0, np.divide(tps, ps), 0.0)
    recall = tps / tps[-1]
    precision = np.concatenate((np.flip(precision), np.asarray([1.0])))
    recall = np.concatenate((np.flip(recall), np.asarray([0.0])))
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def macro_scores(y: np.ndarray, scores: np.ndarray, sample_weight: np.ndarray | None = None,
                 names: tuple[str, ...] = NAMES) -> dict[str, float] | None:
    """ROC AUC and average precision (of ``names``) of a ranking, as scikit-learn's
    ``roc_auc_score(y, scores, average="macro", sample_weight=...)`` and
    ``average_precision_score`` give them: of one column, its score; of several, the mean
    of the columns' (one-vs-rest, or a multi-label model's targets).

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_columns), integers or bool, 0/1
        Whether each example is positive (of each column).
    scores : ndarray of the shape of ``y``, float32 or float64
    sample_weight : ndarray of shape (n_samples,), float64, optional
    names : tuple of str
        Of ``"roc_auc"`` and ``"average_precision"``, the scores wanted.

    Returns
    -------
    dict or None
        ``{name: float}``; None where scikit-learn's call is to give them (see the module).
    """
    y, scores = np.asarray(y), np.asarray(scores)
    if (y.shape != scores.shape or y.ndim not in (1, 2) or y.dtype.kind not in "biu"
            or scores.dtype not in (np.float32, np.float64) or len(y) == 0
            or not _weights_ok(sample_weight, len(y)) or not np.isfinite(scores).all()
            or not set(names) <= set(NAMES)):
        return None
    if not ((y == 0) | (y == 1)).all():
        return None
    columns = [(y, scores)] if y.ndim == 1 else [(y[:, c], scores[:, c])
                                                for c in range(y.shape[1])]
    each = {name: np.zeros(len(columns)) for name in names}
    for c, (truth, score) in enumerate(columns):
        curve = binary_curve(truth == 1, score, sample_weight)
        if curve is None:
            return None
        if "roc_auc" in each:
            each["roc_auc"][c] = curve_roc_auc(*curve)
        if "average_precision" in each:
            each["average_precision"][c] = curve_average_precision(*curve)
    # scikit-learn's macro average: np.average of the columns' scores
    return {name: float(np.average(values)) for name, values in each.items()}


def one_vs_rest(y: np.ndarray, k: int) -> np.ndarray:
    """Class indices ``y`` (n_samples,) as k 0/1 columns (n_samples, k), intp."""
    return (np.asarray(y)[:, None] == np.arange(k)).astype(np.intp)
