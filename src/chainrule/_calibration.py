"""Calibration of a classifier's probabilities: the Brier score, the expected calibration
error (ECE) of the top-class confidence and the figures of a reliability diagram, which
``chainrule evaluate`` prints and ``chainrule plot calibration`` draws.

A network trained with cross-entropy tends to be over-confident: its top-class
probability higher than the share of the examples it gets right.  The ECE measures that
gap: the examples are put into ``n_bins`` equal-width bins of ``[0, 1]`` by their
confidence (bin ``b`` holds the confidences in ``(b / n_bins, (b + 1) / n_bins]``, 0 in
the first, as scikit-learn's ``calibration_curve(strategy="uniform")`` bins them), and
ECE is the sum over the bins of ``W_b / W * |accuracy_b - confidence_b|``, the bin's
share of the (weighted) examples times its gap.  Of the probabilities alone: a decision
threshold (``--threshold``, tune-threshold's) changes the predicted class, not them.

Everything here is NumPy (``evaluate`` imports no scikit-learn); the tests check it
against scikit-learn's ``brier_score_loss`` and ``calibration_curve``."""

from __future__ import annotations

import numpy as np

DEFAULT_BINS = 15  # as Guo et al. (2017), "On calibration of modern neural networks"


def _weights(n: int, sample_weight: np.ndarray | None) -> np.ndarray:
    return np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)


def brier_score(y: np.ndarray, proba: np.ndarray,
                sample_weight: np.ndarray | None = None) -> float:
    """The Brier score of a classifier's probabilities.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), int
        Class indices into ``proba``'s columns.
    proba : ndarray of shape (n_samples, n_classes)
        The probabilities of each class.
    sample_weight : ndarray of shape (n_samples,), optional
        Each example's weight: a weighted mean over the examples.

    Returns
    -------
    float
        Two classes: the mean of ``(p - y)^2`` of the second class's probability ``p``
        (0 to 1; scikit-learn's ``brier_score_loss``).  Three or more: the multiclass
        Brier score, the mean over the examples of ``sum_k (p_k - y_k)^2`` with ``y_k``
        the one-hot target (0 to 2; ``brier_score_loss`` of several classes, whose
        ``scale_by_half="auto"`` halves only the binary one).
    """
    proba = np.asarray(proba, dtype=float)
    y = np.asarray(y).astype(int)
    w = _weights(len(y), sample_weight)
    if proba.shape[1] == 2:
        each = (proba[:, 1] - (y == 1)) ** 2
    else:
        onehot = np.zeros_like(proba)
        onehot[np.arange(len(y)), y] = 1.0
        each = np.sum((proba - onehot) ** 2, axis=1)
    return float(np.sum(w * each) / np.sum(w))


def reliability(confidence: np.ndarray, correct: np.ndarray,
                sample_weight: np.ndarray | None = None,
                n_bins: int = DEFAULT_BINS) -> dict:
    """The figures of a reliability diagram: per equal-width bin of ``[0, 1]``, the mean
    confidence, the share correct and the (weighted) count.

    Parameters
    ----------
    confidence : ndarray of shape (n_samples,)
        A probability per example (the top class's, or the positive class's).
    correct : ndarray of shape (n_samples,)
        1 where the event it is the probability of happened (the top class is the true
        one; the example is positive), else 0.
    sample_weight : ndarray of shape (n_samples,), optional
        Each example's weight in the means and counts.
    n_bins : int, default 15
        The number of bins.

    Returns
    -------
    dict
        ``edges`` (n_bins + 1,), and of shape (n_bins,): ``count`` (the sum of the
        weights; the number of examples without them), ``confidence`` (mean confidence)
        and ``accuracy`` (the share correct), NaN in an empty bin; ``ece``, the expected
        calibration error, the sum of ``count / sum(count) * |accuracy - confidence|``.
        Of the non-empty bins, ``confidence`` and ``accuracy`` are scikit-learn's
        ``calibration_curve(correct, confidence, n_bins=n_bins)``'s ``prob_pred`` and
        ``prob_true`` (unweighted).
    """
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins: expected a positive whole number of bins, got {n_bins!r}")
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    w = _weights(len(confidence), sample_weight)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.searchsorted(edges[1:-1], confidence)  # (lo, hi], as calibration_curve
    count = np.bincount(which, weights=w, minlength=n_bins)
    summed_conf = np.bincount(which, weights=w * confidence, minlength=n_bins)
    summed_right = np.bincount(which, weights=w * correct, minlength=n_bins)
    full = count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(full, summed_conf / count, np.nan)
        accuracy = np.where(full, summed_right / count, np.nan)
    gaps = np.abs(accuracy[full] - mean_conf[full])
    ece = float(np.sum(count[full] * gaps) / np.sum(count)) if count.sum() > 0 else 0.0
    return {"edges": edges, "count": count, "confidence": mean_conf, "accuracy": accuracy,
            "ece": ece}


def top_class(proba: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each example's top-class confidence (its largest probability) and whether that
    class (the first of ties, as ``argmax``) is its true one (1.0 or 0.0)."""
    proba = np.asarray(proba, dtype=float)
    top = proba.argmax(axis=1)
    return proba[np.arange(len(proba)), top], (top == np.asarray(y)).astype(float)


def expected_calibration_error(y: np.ndarray, proba: np.ndarray,
                               sample_weight: np.ndarray | None = None,
                               n_bins: int = DEFAULT_BINS) -> float:
    """The expected calibration error of the top-class confidence.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), int
        Class indices into ``proba``'s columns.
    proba : ndarray of shape (n_samples, n_classes)
    sample_weight : ndarray of shape (n_samples,), optional
    n_bins : int, default 15
        Equal-width bins of ``[0, 1]``.

    Returns
    -------
    float
        ``reliability(*top_class(proba, y), sample_weight, n_bins)["ece"]``: 0 for a
        calibrated model, up to 1.
    """
    return reliability(*top_class(proba, y), sample_weight, n_bins)["ece"]


def calibration_scores(y: np.ndarray, proba: np.ndarray,
                       sample_weight: np.ndarray | None = None,
                       n_bins: int = DEFAULT_BINS) -> dict[str, float]:
    """``{"brier": ..., "ece": ...}`` of one target's classes (:func:`brier_score`,
    :func:`expected_calibration_error`)."""
    return {"brier": brier_score(y, proba, sample_weight),
            "ece": expected_calibration_error(y, proba, sample_weight, n_bins)}


def label_calibration(y: np.ndarray, proba: np.ndarray,
                      sample_weight: np.ndarray | None = None,
                      n_bins: int = DEFAULT_BINS) -> list[dict[str, float]]:
    """:func:`calibration_scores` of each label of a multi-label classifier.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_targets), 0 or 1
    proba : ndarray of shape (n_samples, n_targets)
        Each label's probability of its second value.

    Returns
    -------
    list of n_targets dicts
        Each label's binary Brier score and the ECE of its top-class confidence
        (``max(p, 1 - p)``).
    """
    proba = np.asarray(proba, dtype=float)
    return [calibration_scores(y[:, j], np.column_stack([1.0 - proba[:, j], proba[:, j]]),
                               sample_weight, n_bins) for j in range(y.shape[1])]


def brier_words(n_classes: int | None) -> str:
    """What the Brier score of a model of ``n_classes`` classes is (None: multi-label)."""
    if n_classes is None:
        return ("the mean of each label's Brier score, the mean of (p - y)^2 of its "
                "second value's probability")
    if n_classes == 2:
        return "the mean of (p - y)^2 of the second class's probability p (0 to 1)"
    return ("the multiclass Brier score, the mean over the examples of sum over the "
            "classes of (p_k - y_k)^2, y one-hot (0 to 2)")


def ece_words(n_bins: int, multilabel: bool = False) -> str:
    """What the ECE printed is: of which confidence, over which bins."""
    return ("the expected calibration error of the top-class confidence"
            + (" of each label, their mean" if multilabel else "")
            + f", over {n_bins} equal-width bins of [0, 1]: the sum of each bin's share "
            "of the examples times |accuracy - mean confidence| in it")
