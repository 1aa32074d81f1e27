"""Average precision, the area under the precision-recall curve as scikit-learn's
``average_precision_score`` sums it, of a classifier's probabilities: the score of a rare
class that ROC AUC flatters (a model that ranks the rare class's examples just above
the many others scores a high ROC AUC at a precision that may be poor).  ``evaluate``
prints it after ROC AUC, ``cv`` and ``tune`` score each fold by it (``tune --scoring
average_precision``).  Read by :func:`chainrule._cli_models_report._class_scores`."""

from __future__ import annotations

import numpy as np


def average_precision(model, proba: np.ndarray, y: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> float:
    """scikit-learn's ``average_precision_score`` of the examples' ranking by the model.

    Two classes: of the second class's probability (the positive class, ``pos_label=1``
    of the class indices); multi-label: the macro average of the targets' (each target's
    second label's probability); three or more classes: the macro average of each class's
    one-vs-rest average precision (``y`` binarised).  It depends on the order of the
    examples alone, which a confident network's probabilities lose where they round to
    exactly 1: there, as for ROC AUC (:mod:`chainrule._roc_auc`), the examples are ranked
    by the log-probabilities of the output layer's net input.  Outputs that are no
    probabilities (a margin loss's class scores, an identity output) are ranked as they
    are, as a ``decision_function``.

    Parameters
    ----------
    model : _Outputs
        A classifier's outputs (``_cli_models_importance._Outputs``): ``margin`` and
        ``log_proba()``, called only where ``proba`` rounds.
    proba : ndarray of shape (n_samples, n_classes), or (n_samples, n_targets)
        ``predict_proba`` (a margin model's class scores).
    y : ndarray of shape (n_samples,) of class indices, or (n_samples, n_targets) of 0/1
        Every class (of a multi-label model: both labels of every target) present, as
        ROC AUC requires.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    float
    """
    from ._metrics_ranking import macro_scores, one_vs_rest

    multilabel = np.ndim(y) == 2
    scores = ranking(model, proba, multilabel)
    if not multilabel and scores.ndim == 2 and scores.shape[1] == 2:
        scores = scores[:, 1]
    if not multilabel and scores.ndim == 2:  # three or more classes: one-vs-rest columns
        y = one_vs_rest(y, scores.shape[1])
    # scikit-learn's average_precision_score (macro over columns), on the arrays where
    # that is its number bit for bit, else by its call
    direct = macro_scores(y, scores, sample_weight, ("average_precision",))
    if direct is not None:
        return direct["average_precision"]
    from sklearn import metrics

    return float(metrics.average_precision_score(y, scores, average="macro",
                                                 sample_weight=sample_weight))


def ranking(model, proba: np.ndarray, multilabel: bool, raw: bool | None = None) -> np.ndarray:
    """The scores :func:`average_precision` ranks the examples by (and ``plot pr`` draws
    its curves of): ``proba`` as it is, or where it rounds (:func:`chainrule._roc_auc.rounds`)
    the log-probabilities' ranking scores (:func:`chainrule._roc_auc.ranking_scores`).

    Parameters
    ----------
    model : _Outputs
        ``margin`` and ``log_proba()``, called only where ``proba`` rounds.
    proba : ndarray of shape (n_samples, n_classes), or (n_samples, n_targets)
    multilabel : bool
        Whether the columns are yes/no targets.
    raw : bool, optional
        Whether ``proba`` are class scores (a margin model's, or no probabilities), where
        the caller knows it; else found out here.

    Returns
    -------
    ndarray of shape (n_samples,) (two classes, where ``proba`` rounds: the log-odds of
    the second), else of the shape of ``proba``
    """
    from ._cli_models_proba_notes import not_probabilities_note
    from ._roc_auc import ranking_scores, rounds

    if raw is None:
        raw = getattr(model, "margin", False) or not_probabilities_note(proba) is not None
    return (ranking_scores(model.log_proba(), multilabel)
            if not raw and rounds(proba) else np.asarray(proba, dtype=np.float64))


class _Column:
    """One target of a multi-label classifier's outputs, as :func:`average_precision`
    takes a model: its log-probabilities (computed once, where they are asked)."""

    margin = False

    def __init__(self, model, j: int, cache: dict) -> None:
        self._model, self._j, self._cache = model, j, cache

    def log_proba(self) -> np.ndarray:
        if "log_proba" not in self._cache:
            self._cache["log_proba"] = np.asarray(self._model.log_proba())
        return self._cache["log_proba"][:, [self._j]]


def target_rankings(model, proba: np.ndarray, y: np.ndarray,
                    sample_weight: np.ndarray | None = None) -> list[dict[str, float]]:
    """Each target's ROC AUC and average precision of a multi-label classifier.

    The scores evaluate prints of the model (the macro averages over the targets), target
    by target: ``roc_auc`` (:func:`chainrule._roc_auc.roc_auc`) and
    ``average_precision`` of the target's second label's probability, ranked by the
    log-probabilities where they round, as the averages are.  A target whose data hold
    one of its labels alone (among the examples of a positive weight) has neither.

    Parameters
    ----------
    model : _Outputs
        The classifier's outputs (``log_proba()``, called only where ``proba`` rounds).
    proba : ndarray of shape (n_samples, n_targets)
    y : ndarray of shape (n_samples, n_targets), 0/1
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    list of n_targets dicts
        ``{"roc_auc": float, "average_precision": float}``, or ``{}``.
    """
    from ._roc_auc import roc_auc

    counted = y if sample_weight is None else y[sample_weight > 0]
    cache: dict = {}
    out = []
    for j in range(y.shape[1]):
        if len(np.unique(counted[:, j])) < 2:
            out.append({})
            continue
        column = _Column(model, j, cache)
        out.append({"roc_auc": roc_auc(y[:, [j]], proba[:, [j]], column.log_proba,
                                       sample_weight),
                    "average_precision": average_precision(column, proba[:, [j]], y[:, [j]],
                                                           sample_weight)})
    return out
