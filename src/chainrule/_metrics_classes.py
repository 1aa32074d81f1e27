"""scikit-learn's ``balanced_accuracy_score`` and macro ``f1_score`` of a classifier's
predictions, computed on the arrays from counts (``np.bincount``), bit for bit
scikit-learn 1.9's numbers: the balanced accuracy and macro F1 that ``chainrule
evaluate`` (``cv``, ``tune``, ``importance``) prints.

scikit-learn builds the confusion matrix of the classes in the targets or the predictions
(a sparse matrix's sums, example by example in their order, as ``np.bincount`` adds its
weights) and the per-class counts of true positives, predictions and targets (by
``np.bincount``); here are the same sums in the same order, and its arithmetic on them
(its ``tp + (pred - tp)``, its division with 0 / 0 read as ``zero_division``, its
``nanmean``), without its checks of the targets' type (sorts of every array) or its import.
:func:`balanced_accuracy` and :func:`f1_macro` call scikit-learn's function for input these
do not take as it is (not class indices, weights that are not float64).  Tests:
tests/test_perf34_class_metrics.py.
"""

from __future__ import annotations

import numpy as np


def _indices_ok(y: np.ndarray, pred: np.ndarray, k: int,
                sample_weight: np.ndarray | None) -> bool:
    """Whether ``y`` and ``pred`` are class indices in ``[0, k)`` of one shape (and the
    weights, if any, float64 of their length, finite) as the direct scores take them."""
    sw = sample_weight
    return (isinstance(y, np.ndarray) and isinstance(pred, np.ndarray) and y.ndim == 1
            and pred.shape == y.shape and len(y) > 0 and y.dtype.kind in "iu"
            and pred.dtype.kind in "iu" and k >= 1
            and (sw is None or (isinstance(sw, np.ndarray) and sw.dtype == np.float64
                                and sw.shape == y.shape and bool(np.isfinite(sw).all())))
            and 0 <= min(y.min(), pred.min()) and max(y.max(), pred.max()) < k)


def _present(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """The classes in ``y`` or ``pred`` (whatever their weights), ascending: scikit-learn's
    ``unique_labels``."""
    return np.flatnonzero((np.bincount(y, minlength=k) > 0) | (np.bincount(pred, minlength=k) > 0))


def balanced_accuracy(y: np.ndarray, pred: np.ndarray, k: int,
                      sample_weight: np.ndarray | None = None) -> float:
    """scikit-learn's ``balanced_accuracy_score(y, pred, sample_weight=...)``: the mean
    over the classes in ``y`` of the (weighted) fraction of their examples predicted right.

    Parameters
    ----------
    y, pred : ndarray of shape (n_samples,)
        Class indices in ``[0, k)``: the targets and the predictions.
    k : int
        The number of classes.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    float
    """
    if not _indices_ok(y, pred, k, sample_weight):
        from sklearn import metrics

        return float(metrics.balanced_accuracy_score(y, pred, sample_weight=sample_weight))
    labels = _present(y, pred, k)
    # scikit-learn's confusion matrix: the classes present, each example's weight added in
    # turn (int64 counts without weights)
    cells = np.bincount(y * k + pred, weights=sample_weight, minlength=k * k).reshape(k, k)
    C = cells[np.ix_(labels, labels)]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.diagonal(C) / np.sum(C, axis=1)
    per_class = per_class[~np.isnan(per_class)]  # classes predicted but not in y
    return float(np.mean(per_class))


def f1_macro(y: np.ndarray, pred: np.ndarray, k: int,
             sample_weight: np.ndarray | None = None) -> float:
    """scikit-learn's ``f1_score(y, pred, average="macro", zero_division=0,
    sample_weight=...)``: the mean F1 of the classes in ``y`` or ``pred``.

    Parameters
    ----------
    y, pred : ndarray of shape (n_samples,)
        Class indices in ``[0, k)``.
    k : int
        The number of classes.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    float
    """
    if not _indices_ok(y, pred, k, sample_weight):
        from sklearn import metrics

        return float(metrics.f1_score(y, pred, average="macro", zero_division=0,
                                      sample_weight=sample_weight))
    labels = _present(y, pred, k)
    right = y == pred
    tp = np.bincount(y[right], weights=None if sample_weight is None else sample_weight[right],
                     minlength=k)[labels]
    predicted = np.bincount(pred, weights=sample_weight, minlength=k)[labels]
    true = np.bincount(y, weights=sample_weight, minlength=k)[labels]
    return _f1_mean(tp, predicted, true, 0)


def _f1_mean(tp: np.ndarray, predicted: np.ndarray, true: np.ndarray,
             zero_division: int) -> float:
    """scikit-learn's mean F1 from the per-class (per-target) counts: its multilabel
    confusion matrix's entries ``fp = predicted - tp``, ``fn = true - tp`` added back to
    ``tp``, ``2 tp / (true + predicted)`` with 0 / 0 read as ``zero_division``, and
    ``np.nanmean``."""
    if tp.dtype != predicted.dtype:  # scikit-learn's counts stacked in one dtype
        tp = tp.astype(np.result_type(tp, predicted))
    predicted = tp + (predicted - tp)
    true = tp + (true - tp)
    denom = 1 * true.astype(np.float64) + predicted.astype(np.float64)
    numerator = (1 + 1) * tp.astype(np.float64)
    mask = denom == 0
    denom[mask] = 1
    f = numerator / denom
    f[mask] = float(zero_division)
    return float(np.nanmean(f))


def f1_macro_labels(y: np.ndarray, pred: np.ndarray, labels: list[int] | None,
                    zero_division: int, sample_weight: np.ndarray | None = None) -> float:
    """scikit-learn's ``f1_score(y, pred, average="macro", labels=labels,
    zero_division=zero_division, sample_weight=...)`` of a multi-label classifier's 0/1
    targets and predictions: the mean F1 of the targets ``labels`` (None: every target).

    Parameters
    ----------
    y, pred : ndarray of shape (n_samples, n_targets), 0/1
    labels : list of int or None
        The targets averaged over.
    zero_division : {0, 1}
        The F1 of a target with no positive, true or predicted.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    float
    """
    sw = sample_weight
    if not (isinstance(y, np.ndarray) and isinstance(pred, np.ndarray) and y.ndim == 2
            and pred.shape == y.shape and y.shape[0] > 0 and y.shape[1] > 1
            and y.dtype.kind in "biu" and pred.dtype.kind in "biu"
            and ((y == 0) | (y == 1)).all() and ((pred == 0) | (pred == 1)).all()
            and (sw is None or (isinstance(sw, np.ndarray) and sw.dtype == np.float64
                                and sw.shape == (len(y),) and bool(np.isfinite(sw).all())))):
        from sklearn import metrics

        return float(metrics.f1_score(y, pred, average="macro", labels=labels,
                                      zero_division=zero_division, sample_weight=sw))
    columns = list(range(y.shape[1])) if labels is None else list(labels)
    y, pred = y[:, columns] != 0, pred[:, columns] != 0
    t = len(columns)

    def count(mask: np.ndarray) -> np.ndarray:
        # scikit-learn's count_nonzero of a CSR matrix: its column indices row by row, and
        # each row's weight repeated (one sum per column, in the examples' order)
        rows, cols = np.nonzero(mask)
        return np.bincount(cols, weights=None if sw is None else sw[rows], minlength=t)

    return _f1_mean(count(y & pred), count(pred), count(y), zero_division)
