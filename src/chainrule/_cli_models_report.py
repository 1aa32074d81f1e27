"""What ``chainrule evaluate`` adds of a classifier to train's scores: balanced accuracy,
macro-averaged F1, ROC AUC and average precision (:func:`_class_scores`), and with ``--report`` the
per-class precision, recall, F1 and support with their averages and the confusion matrix
(:func:`chainrule._cli_models_class_report._class_report`; printed by
:mod:`chainrule._cli_models_report_text`).  Every
number is scikit-learn's (``sklearn.metrics``); here are the labels they are given.
Read by :mod:`chainrule.cli_models`."""

from __future__ import annotations

import warnings

import numpy as np

from ._cli_models_threshold import label_predicted, predicted_index


def _name(label: object) -> str:
    """A class label's text, as predict writes it (text as it is, 2.0 as "2")."""
    from ._table_labels import _text

    return label if isinstance(label, str) else _text(label)


def _pairs(model, n_targets: int) -> list[list]:
    """Each target's two labels of a multi-label classifier: those a model file records,
    else (an estimator fitted on an indicator matrix) 0 and 1."""
    from ._cli_models_scores import _target_names

    return model.labels if _target_names(model) else [[0, 1]] * n_targets


def _active(y: np.ndarray, pred: np.ndarray) -> list[int]:
    """The targets of a multi-label ``y`` (n_samples, n_targets) with a positive, true or
    predicted: those macro F1 averages over, as one target's averages over the classes in
    the data or predicted (a target of neither has no F1: 0 / 0)."""
    return [j for j in range(y.shape[1]) if y[:, j].any() or pred[:, j].any()]


def _targets_line(names: list[str], task: str) -> str:
    """What evaluate (and cv) say the scores of several targets ``names`` are."""
    return f"{len(names)} targets ({', '.join(names)}): " + (
        "the mean of their scores (scikit-learn's uniform_average)"
        if task == "regression" else "subset accuracy (every target right), "
        "hamming loss (the fraction of wrong labels), mean log loss; macro F1: the mean "
        "of the targets with a positive, true or predicted; ROC AUC: of the targets")


def _evaluation(model, table, report: bool = False, sample_weight: np.ndarray | None = None,
                threshold: float | None = None, bins: int | None = None
                ) -> tuple[dict, str | None, list[dict], dict | None]:
    """The scores ``chainrule evaluate`` prints of ``model`` on ``table`` (and ``chainrule
    cv`` of each fold's model on its held-out rows).

    Parameters
    ----------
    model : SavedModel or EstimatorModel
    table : Table
        Raw examples with their targets, read for the model (``_model_data``).
    report : bool, default False
        Also :func:`~chainrule._cli_models_class_report._class_report` of a classifier
        (``--report``).
    sample_weight : ndarray of shape (n_samples,), optional
        The examples' weights (``--sample-weight``): every score weighted, as
        scikit-learn's metrics take ``sample_weight``.
    threshold : float, optional
        ``--threshold`` of a binary or multi-label classifier: the second class (label)
        predicted where its probability is at or above it (default: the most probable).
    bins : int, optional
        evaluate's ``--bins``: also the calibration of a classifier's probabilities over
        that many equal-width bins (:mod:`chainrule._calibration`), keys ``brier`` and
        ``ece`` (of several labels: their means, and each label's in ``each``); left out
        of outputs that are no probabilities, and without ``bins`` (cv).

    Returns
    -------
    scores : dict
        ``samples``, then :func:`~chainrule._cli_models_scores._scores` and, of a
        classifier, :func:`_class_scores` (and ``brier``, ``ece``).
    no_auc : str or None
        Why ROC AUC is left out, if it is.
    each : list of dict
        Each target's scores, of several targets (else empty).
    shown : dict or None
        The class report (None without ``report``, or of a regression model).
    """
    from ._cli_models_average_precision import target_rankings
    from ._cli_models_data import _targets
    from ._cli_models_scores import _label_scores, _scores, _target_scores

    y = _targets(model, table)
    sw = sample_weight
    names = table.target_names
    from ._cli_models_importance import _Outputs

    # one forward pass, for every score and the words: a classifier's probabilities (its
    # labels are theirs), a regression's predictions
    scored = _Outputs(model, table.X)
    pred = scored.out
    if model.task == "regression":
        _say_not_finite(pred, table.source)  # inf or NaN predictions: said, and scored
    scores: dict = {"samples": table.n_samples,
                    **_scores(scored, table.X, y, sw, threshold=threshold)}
    no_auc = shown = None
    if model.task == "classification" and y.ndim == 1 and not scored.margin:
        scores = _loss_left_out(scores, pred)
    if model.task == "classification":
        more, no_auc = _class_scores(scored, pred, y, sw, threshold=threshold)
        scores.update(more)
        from ._cli_models_class_report import _class_report  # (it imports this module)

        shown = (_class_report(model, pred, y, names, sw, threshold) if report
                 else None)
    each = ([] if not names else _target_scores(y, pred, sw)
            if model.task == "regression" else
            [{**{k: v for k, v in s.items() if k != "predicted"}, **ranked}
             for s, ranked in zip(_label_scores(y, pred, sw, threshold=threshold),
                                  target_rankings(scored, pred, y, sw), strict=True)])
    if bins is not None and model.task == "classification" and "log_loss" in scores:
        scores, each = _calibrated(scores, each, pred, y, sw, bins)
    return scores, no_auc, each, shown


def _calibrated(scores: dict, each: list[dict], proba: np.ndarray, y: np.ndarray,
                sample_weight: np.ndarray | None, bins: int) -> tuple[dict, list[dict]]:
    """``scores`` and ``each`` with the Brier score and ECE of the probabilities ``proba``
    (:mod:`chainrule._calibration`): of one target's classes, or of each label (``y`` of
    shape (n_samples, n_targets)) and their means."""
    from ._calibration import calibration_scores, label_calibration

    if y.ndim == 2:
        labels = label_calibration(y, proba, sample_weight, bins)
        each = [{**e, **c} for e, c in zip(each, labels, strict=True)]
        return {**scores, "brier": float(np.mean([c["brier"] for c in labels])),
                "ece": float(np.mean([c["ece"] for c in labels]))}, each
    return {**scores, **calibration_scores(y, proba, sample_weight, bins)}, each


def _loss_left_out(scores: dict, proba: np.ndarray) -> dict:
    """``scores`` with, in the place of the log loss that ``_scores`` leaves out of a
    classifier's outputs ``proba`` that are no probabilities (an output layer that is no
    softmax or sigmoid), ``log_loss_left_out``: why (evaluate prints it, as it prints why
    ROC AUC is left out)."""
    from ._cli_models_proba_notes import not_probabilities_note

    note = not_probabilities_note(proba)
    if note is None or "log_loss" in scores:
        return scores
    out = {}
    for key, value in scores.items():
        out[key] = value
        if key == "accuracy":
            out["log_loss_left_out"] = note
    return out


def _say_not_finite(pred: np.ndarray, source: str, then: str | None = None) -> None:
    """Warn (``chainrule: warning: ...``) of a regression model's predictions ``pred`` that
    are inf or NaN, saying how many examples of ``source`` have them and why (``then``:
    what follows of them, by default their scores)."""
    from ._cli_models_scores import not_finite_note

    note = not_finite_note(pred, source, *([then] if then else []))
    if note is not None:
        warnings.warn(note, UserWarning, stacklevel=2)


def _class_scores(model, proba: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None,
                  only: str | None = None, threshold: float | None = None
                  ) -> tuple[dict[str, float], str | None]:
    """The scores evaluate adds of a classifier, and why ROC AUC is left out (or None).

    One target: scikit-learn's ``balanced_accuracy_score`` (the mean recall of the classes
    in ``y``), ``f1_score(average="macro")`` (over the classes in ``y`` or predicted, as
    ``classification_report``'s macro average) and ``roc_auc_score``
    (:func:`chainrule._roc_auc.roc_auc`: of the probabilities, or where a confident
    network rounds them to 1, of the log-probabilities): of the second class's for two
    classes, the one-vs-rest macro average (as ``multi_class="ovr"``) for three or more;
    of outputs that are no probabilities (a margin loss's class scores, an identity
    output), of each class's output as it is (:func:`chainrule._roc_auc.scores_roc_auc`).
    Multi-label: the macro F1 of the targets with a positive, true or predicted (1.0 where
    no target has any: every label is right), and ROC AUC of the targets.  The prediction
    is the class of the highest probability (a label's: above 0.5), as accuracy's.

    Parameters
    ----------
    model : _Outputs
        A classifier's outputs (``_cli_models_importance._Outputs``): its ``labels`` and
        its ``log_proba()``, the log-probabilities ROC AUC ranks by where ``proba`` rounds.
    proba : ndarray of shape (n_samples, n_classes), or (n_samples, n_targets) multi-label
        ``model.predict_proba`` of the data.
    y : ndarray of shape (n_samples,), or (n_samples, n_targets) of 0/1 multi-label
        The class indices into ``model.labels``.
    sample_weight : ndarray of shape (n_samples,), optional
        Weighs each score, as scikit-learn's metrics take it.
    only : str, optional
        The one key wanted (``chainrule importance`` scores each shuffle by one), the
        others neither computed nor returned.
    threshold : float, optional
        ``--threshold``: the second class (a label) predicted where its probability is
        at or above it, instead of the most probable.

    Returns
    -------
    scores : dict
        Keys ``balanced_accuracy`` (one target), ``f1_macro`` and, where it is defined,
        ``roc_auc`` and ``average_precision`` (of them, ``only``).
    reason : str or None
        Why ``roc_auc`` is left out: ``y`` holds a single class (of a label: one of its
        two), or, of three or more classes, not every class of the model (with
        ``sample_weight``, among the examples of a positive weight).
    """
    from ._metrics_classes import balanced_accuracy, f1_macro, f1_macro_labels
    from ._roc_auc import roc_auc, scores_roc_auc

    sw = sample_weight
    want = [key for key in ("balanced_accuracy", "f1_macro", "roc_auc", "average_precision")
            if only in (None, key)]
    ranked = "roc_auc" in want or "average_precision" in want  # ROC AUC's rules, both
    scores = {}
    # the examples that count: with weights, a class whose examples all weigh 0 is absent
    # (scikit-learn's roc_auc_score gives it nan, with a warning)
    counted, some = (y, "") if sw is None else (y[sw > 0], " of a positive weight")
    if y.ndim == 2:  # several yes/no targets
        pred = label_predicted(proba, threshold)
        active = _active(y, pred)  # none: each label right, F1 0 / 0 read as 1
        if "f1_macro" in want:
            scores["f1_macro"] = f1_macro_labels(y, pred, active or None, 0 if active else 1,
                                                 sw)
        if not ranked:
            return scores, None
        one = [j for j in range(y.shape[1]) if len(np.unique(counted[:, j])) < 2]
        if one:
            return scores, (f"{len(one)} of the {y.shape[1]} targets hold a single label in "
                            f"the data{some}; each target's ROC AUC needs examples of both")
        return _ranking(scores, want, model, proba, y, sw,
                        lambda: roc_auc(y, proba, model.log_proba, sw)), None
    pred = predicted_index(proba, threshold)
    with warnings.catch_warnings():  # "y_pred contains classes not in y_true": left out
        warnings.simplefilter("ignore", UserWarning)
        if "balanced_accuracy" in want:
            scores["balanced_accuracy"] = balanced_accuracy(y, pred, proba.shape[1], sw)
        if "f1_macro" in want:
            scores["f1_macro"] = f1_macro(y, pred, proba.shape[1], sw)
    if not ranked:
        return scores, None
    k = proba.shape[1]
    labels = [_name(v) for v in model.labels or range(k)]
    present = np.flatnonzero(np.bincount(counted, minlength=k))  # np.unique's, sooner
    if len(present) < 2:
        return scores, (f"the data hold one class{some} ({labels[present[0]]}); ROC AUC "
                        "ranks the examples of one class against those of the others")
    from ._cli_models_proba_notes import not_probabilities_note

    margin = getattr(model, "margin", False)  # class scores: ranked as they are
    # an output of another kind (identity, sigmoids of squared_error): class scores, each
    # ranked as it is, as a margin loss's (of two classes, as scikit-learn's roc_auc_score
    # ranks a decision_function: the log of 1 - p is no number; of three or more, each
    # class's output against the others, the one-vs-rest average that scikit-learn's
    # multi_class="ovr" refuses of rows that do not sum to 1)
    raw = margin or not_probabilities_note(proba) is not None
    if k > 2 and len(present) < k:
        missing = [labels[j] for j in range(k) if j not in present]
        return scores, (f"the data hold {len(present)} of the model's {k} classes{some} "
                        f"(none of {', '.join(missing)}); the one-vs-rest average needs "
                        "each class")
    auc = ((lambda: scores_roc_auc(y, proba, sw)) if raw
           else (lambda: roc_auc(y, proba, model.log_proba, sw)))
    return _ranking(scores, want, model, proba, y, sw, auc), None


def _ranking(scores: dict, want: list[str], model, proba: np.ndarray, y: np.ndarray,
             sample_weight: np.ndarray | None, auc) -> dict[str, float]:
    """``scores`` with those of :func:`_class_scores` that rank the examples, of
    ``want``: ``roc_auc`` (``auc()``) and ``average_precision``
    (:func:`chainrule._cli_models_average_precision.average_precision`), under the same
    conditions (every class in ``y``)."""
    from ._cli_models_average_precision import average_precision
    from ._roc_auc import roc_auc_and_average_precision

    both = (roc_auc_and_average_precision(model, proba, y, sample_weight)
            if "roc_auc" in want and "average_precision" in want else None)
    if both is not None:  # one sort per class for the two
        return {**scores, **both}
    if "roc_auc" in want:
        scores = {**scores, "roc_auc": auc()}
    if "average_precision" in want:
        scores = {**scores, "average_precision": average_precision(model, proba, y,
                                                                   sample_weight)}
    return scores
