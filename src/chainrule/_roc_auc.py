"""The ROC AUC that ``chainrule evaluate`` (and ``cv``, ``tune --scoring roc_auc``,
``importance --scoring roc_auc``) prints of a classifier, and the scores it ranks by.

ROC AUC depends on the order of the examples alone, and a confident network's
probabilities lose it: ``sigmoid(z)`` rounds to exactly 1.0 for every net input ``z``
past about 37 (17 in float32), so that examples the network itself ranks apart tie.  So
the examples are ranked by scores that keep the order: of two classes, the log-odds
``log p1 - log p0`` (a sigmoid unit's net input ``z``; a 2-unit softmax's ``z1 - z0``);
of three or more, each class's log-probability (its log-softmax, the largest class's
``-log1p(s)``, ``s`` the sum of the others' ``exp(z_i - z_max)``, where the log of ``1 + s``
rounds to 0); of several yes/no targets, each target's ``log p``.  Each is an increasing
function of the probability scikit-learn's ``roc_auc_score`` would rank by, so that the
AUC is the same wherever the probabilities do not round: those are ranked as they are
(one pass of the network), the others by the model's ``predict_log_proba``, which is
taken from the output layer's net input (a second pass).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._metrics_ranking import macro_scores, one_vs_rest


def stable_log_proba(log_proba: np.ndarray) -> np.ndarray:
    """``log_proba`` (n_samples, n_classes), each row a log-softmax, with the largest entry
    of each row that rounded to 0 (``-log(1 + s)``, ``s`` the sum of the other classes'
    ``exp(l_i)``, where ``s`` is below float64's 1.1e-16) made ``-s``, as ``log1p`` gives
    it: the rows a class wins by a margin past about 37 keep their order.  The other
    entries are left as they are, so that the order (ties included) is that of
    ``exp(log_proba)`` wherever no probability rounds to 1.

    Parameters
    ----------
    log_proba : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples, n_classes), float64
    """
    L = np.array(log_proba, dtype=np.float64)
    rows = np.flatnonzero(L.max(axis=1) == 0)  # a probability that rounds to 1
    if len(rows):
        top = L[rows].argmax(axis=1)
        e = np.exp(L[rows])
        e[np.arange(len(rows)), top] = 0.0
        L[rows, top] = -np.log1p(e.sum(axis=1))
    return L


def ranking_scores(log_proba: np.ndarray, multilabel: bool = False) -> np.ndarray:
    """The scores ROC AUC ranks the examples by, from a classifier's
    ``predict_log_proba``.

    Parameters
    ----------
    log_proba : ndarray of shape (n_samples, n_classes), or (n_samples, n_targets)
        The log-probabilities; of a multi-label classifier, each target's second label's.
    multilabel : bool, default False
        Whether the columns are targets (their log-probabilities as they are).

    Returns
    -------
    ndarray of shape (n_samples,) for two classes (the log-odds of the second), else
    of the shape of ``log_proba``
    """
    L = np.asarray(log_proba, dtype=np.float64)
    if multilabel:
        return L
    if L.shape[1] == 2:
        return L[:, 1] - L[:, 0]
    return stable_log_proba(L)


def rounds(proba: np.ndarray) -> bool:
    """Whether a classifier's probabilities ``proba`` may have lost the order of its
    scores: one within the square root of their dtype's eps of 1 (1.5e-8 in float64, where
    ``1 - p`` keeps a handful of digits; ``sigmoid(z)`` is 1.0 past ``z`` of 37) or below
    its smallest normal number (0, or a few digits).  Elsewhere each keeps its relative
    precision, and ranking by it is ranking by the log-probability."""
    P = np.asarray(proba)
    if P.size == 0 or P.dtype.kind != "f":
        return False
    info = np.finfo(P.dtype)
    return bool(P.max() >= 1 - np.sqrt(info.eps) or P.min() < info.tiny)


def roc_auc(y: np.ndarray, proba: np.ndarray, log_proba: Callable[[], np.ndarray],
            sample_weight: np.ndarray | None = None, average: str = "macro") -> float:
    """ROC AUC of a classifier: scikit-learn's ``roc_auc_score`` of its probabilities
    ``proba`` where none :func:`rounds`, else of :func:`ranking_scores` of its
    log-probabilities (the same AUC, but for the ties of the rounding).

    Two classes: of the second class's probability (log-odds); three or more: the
    one-vs-rest average of each class's ROC AUC (as ``roc_auc_score(...,
    multi_class="ovr", average=average)``: ``"macro"`` their mean, ``"weighted"``
    weighted by each class's (weighted) count); several yes/no targets: their average
    (``roc_auc_score`` of the indicator matrix).

    Parameters
    ----------
    y : ndarray of shape (n_samples,) of class indices, or (n_samples, n_targets) of 0/1
    proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_targets)
    log_proba : callable
        Gives the log-probabilities, of the shape of ``proba`` (``predict_log_proba``);
        called only where ``proba`` rounds (a second pass of the network).
    sample_weight : ndarray of shape (n_samples,), optional
    average : {"macro", "weighted"}, default "macro"

    Returns
    -------
    float
    """
    multilabel = np.ndim(y) == 2
    sw = sample_weight
    if not rounds(proba):
        if multilabel:
            return _direct_or_call(y, proba, sw, average)
        if proba.shape[1] == 2:
            return _direct_or_call(y, proba[:, 1], sw)
        direct = (macro_scores(one_vs_rest(y, proba.shape[1]), proba, sw, ("roc_auc",))
                  if average == "macro" and _sums_to_one(proba) else None)
        if direct is not None:
            return direct["roc_auc"]
        from sklearn import metrics

        return float(metrics.roc_auc_score(y, proba, multi_class="ovr", average=average,
                                           labels=list(range(proba.shape[1])),
                                           sample_weight=sw))
    scores = ranking_scores(log_proba(), multilabel)
    if not multilabel and scores.ndim == 2:  # one-vs-rest: a 0/1 column per class
        y = one_vs_rest(y, scores.shape[1])
    return _direct_or_call(y, scores, sw, average)


def _sums_to_one(proba: np.ndarray) -> bool:
    """scikit-learn's check of ``roc_auc_score(multi_class="ovr")``'s probabilities: each
    row sums to 1 (``np.allclose``); where it fails its call refuses them."""
    return bool(np.allclose(1, proba.sum(axis=1)))


def _direct_or_call(y: np.ndarray, scores: np.ndarray, sample_weight: np.ndarray | None,
                    average: str = "macro") -> float:
    """scikit-learn's ``roc_auc_score(y, scores, average=average, sample_weight=...)`` of
    0/1 targets (a column of them per column of ``scores``): computed on the arrays
    (:func:`chainrule._metrics_ranking.macro_scores`) where that is its number, else by
    its call."""
    direct = (macro_scores(y, scores, sample_weight, ("roc_auc",)) if average == "macro"
              else None)
    if direct is not None:
        return direct["roc_auc"]
    from sklearn import metrics

    return float(metrics.roc_auc_score(y, scores, average=average,
                                       sample_weight=sample_weight))


def scores_roc_auc(y: np.ndarray, scores: np.ndarray,
                   sample_weight: np.ndarray | None = None) -> float:
    """ROC AUC of a margin-loss classifier's class scores (``SavedModel.class_scores``).

    Two classes: scikit-learn's ``roc_auc_score`` of the second class's score (as of a
    ``decision_function``); three or more: the macro average of each class's score
    against the others (one-vs-rest), which ``roc_auc_score(multi_class="ovr")`` gives
    of probabilities only.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class indices.
    scores : ndarray of shape (n_samples, n_classes)
    sample_weight : ndarray of shape (n_samples,), optional
    """
    if scores.shape[1] == 2:
        return _direct_or_call(y, scores[:, 1], sample_weight)
    return _direct_or_call(one_vs_rest(y, scores.shape[1]), scores, sample_weight)


def roc_auc_and_average_precision(model, proba: np.ndarray, y: np.ndarray,
                                  sample_weight: np.ndarray | None = None
                                  ) -> dict[str, float] | None:
    """:func:`roc_auc` (macro) and
    :func:`chainrule._cli_models_average_precision.average_precision` of a classifier,
    the two read off one sort per class (:func:`chainrule._metrics_ranking.macro_scores`),
    where both rank the examples in the same order; else (or where scikit-learn's call is
    to give them) None, for the two functions.

    Parameters
    ----------
    model : _Outputs
        ``margin`` and ``log_proba()``, as the two functions take it.
    proba : ndarray of shape (n_samples, n_classes), or (n_samples, n_targets)
    y : ndarray of shape (n_samples,) of class indices, or (n_samples, n_targets) of 0/1
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    dict or None
        ``{"roc_auc": float, "average_precision": float}``.
    """
    from ._cli_models_average_precision import ranking
    from ._cli_models_proba_notes import not_probabilities_note

    multilabel = np.ndim(y) == 2
    raw = getattr(model, "margin", False) or not_probabilities_note(proba) is not None
    if raw and multilabel and rounds(proba):
        return None  # ROC AUC ranks by the log-probabilities, average precision by proba
    # average precision's scores (float64): ROC AUC's, in the same order (a float32
    # probability's order is its float64's), but for the check on 3+ classes' rows
    scores = ranking(model, proba, multilabel, raw)
    if not multilabel and scores.ndim == 2:
        if scores.shape[1] == 2:
            scores = scores[:, 1]
        elif not raw and not rounds(proba) and not _sums_to_one(proba):
            return None
        else:
            y = one_vs_rest(y, scores.shape[1])
    return macro_scores(y, scores, sample_weight)
