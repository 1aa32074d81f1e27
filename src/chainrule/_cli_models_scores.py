"""The scores that ``chainrule train`` and ``evaluate`` print: accuracy and log loss of a
classifier, mean squared error, RMSE, MAE and R^2 of a regression (of several targets,
their mean and each target's), the names they are printed with, and the target columns
that evaluate scores (:func:`_evaluate_target`).  Read through
:mod:`chainrule._cli_models_data`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ._cli_models_proba_notes import _refuse_not_finite_proba, not_probabilities_note
from ._cli_models_threshold import label_predicted, predicted_index
from ._metrics_direct import log_loss as _log_loss
from ._metrics_direct import regression_score

# how train and evaluate print the scores
_NAMES = {"accuracy": "accuracy", "hamming_loss": "hamming loss", "log_loss": "log loss",
          "mse": "mean squared error", "rmse": "rmse", "mae": "mae", "r2": "r2",
          "balanced_accuracy": "balanced accuracy", "f1_macro": "macro F1",
          "roc_auc": "ROC AUC", "average_precision": "average precision",
          "brier": "Brier score", "ece": "ECE"}


def _scores(model, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None,
            only: str | None = None, keep: dict | None = None,
            threshold: float | None = None) -> dict[str, float]:
    """Scores in the data's own terms, the same in train and evaluate.

    Classification (y: class indices): accuracy and log loss (mean over the
    examples: scikit-learn's ``log_loss`` of ``predict_proba``'s probabilities as they
    are, in their dtype, so clipped at its eps as a user's call clips them, 2.2e-16 in
    float64 and 1.2e-7 in float32); regression: mean squared error, its root and the mean absolute
    error in the target's units, and R^2.  Keys: accuracy, log_loss / mse,
    rmse, mae, r2.  Several targets: of a regression (y of shape (n_samples,
    n_targets)), the mean of the targets' scores (:func:`_target_scores`); of
    a multi-label classifier (y: 0/1 of shape (n_samples, n_targets)),
    scikit-learn's ``accuracy_score`` of the indicator rows (subset accuracy:
    every target right), ``hamming_loss`` (the fraction of wrong labels) and
    the mean binary log loss over every example and target (keys accuracy,
    hamming_loss, log_loss).  ``sample_weight`` (shape (n_samples,); ``--sample-weight``)
    weighs every score as scikit-learn's metrics take it (weighted means).  ``only``: the
    one key wanted (``chainrule importance`` scores each shuffle by one), the others
    neither computed nor returned.  A classifier of a margin loss (``model.margin``) has
    class scores, not probabilities: its accuracy alone (of their argmax).  ``keep``: a
    dict that gets the probabilities of a single-label classifier under ``"proba"`` (train's
    closing line reads them again, not another pass over X).  ``threshold``: ``--threshold``
    of a binary or multi-label classifier (the second class predicted where its probability
    is at or above it: :mod:`chainrule._cli_models_threshold`), None for the most probable.
    """
    sw = sample_weight
    if getattr(model, "multilabel", False) and np.ndim(y) == 2:  # several yes/no targets
        from sklearn import metrics

        proba = model.predict_proba(X)
        _refuse_not_finite_proba(proba)
        each = _label_scores(y, proba, sw, only in (None, "log_loss"), threshold)
        pred = np.column_stack([s.pop("predicted") for s in each])
        scores = {"accuracy": lambda: metrics.accuracy_score(y, pred, sample_weight=sw),
                  "hamming_loss": lambda: metrics.hamming_loss(y, pred, sample_weight=sw),
                  "log_loss": lambda: np.mean([s["log_loss"] for s in each])}
    elif model.task == "classification" and getattr(model, "margin", False):
        # a margin loss's class scores are no probabilities: accuracy, no log loss
        scores = {"accuracy": lambda: np.average(
            model.class_scores(X).argmax(axis=1) == y, weights=sw)}
    elif model.task == "classification":
        proba = model.predict_proba(X)
        _refuse_not_finite_proba(proba)
        if keep is not None:
            keep["proba"] = proba
        k = proba.shape[1]
        scores = {"accuracy": lambda: np.average(predicted_index(proba, threshold) == y,
                                                 weights=sw),
                  "log_loss": lambda: _log_loss_of(y, proba, k, sw)}
        if not_probabilities_note(proba) is not None:  # an output of another kind: no loss
            del scores["log_loss"]
    else:
        pred = model.predict(X)
        if np.ndim(y) == 2:  # several targets: scikit-learn's "uniform_average" of theirs
            each = _target_scores(y, pred, sw, only)
            return {k: float(np.mean([v[k] for v in each])) for k in each[0]}
        return _regression_scores(y, pred, sw, only)
    return {key: float(score()) for key, score in scores.items() if only in (None, key)}


def _log_loss_of(y: np.ndarray, proba: np.ndarray, k: int,
                 sample_weight: np.ndarray | None) -> float:
    """scikit-learn's ``log_loss(y, proba, labels=range(k), sample_weight=...)``: computed
    on the arrays where that is its number bit for bit (:mod:`chainrule._metrics_direct`),
    else by its call (its refusals and warnings)."""
    value = (_log_loss(np.asarray(y), proba, sample_weight) if _array_or_none(sample_weight)
             else None)
    if value is None:
        from sklearn import metrics

        value = float(metrics.log_loss(y, proba, labels=list(range(k)),
                                       sample_weight=sample_weight))
    return value


def _array_or_none(sample_weight: object) -> bool:
    """Whether weights are as the direct metrics take them (an ndarray, or None); others
    go to scikit-learn's call, which converts them."""
    return sample_weight is None or isinstance(sample_weight, np.ndarray)


def _regression_scores(y: np.ndarray, pred: np.ndarray,
                       sample_weight: np.ndarray | None = None,
                       only: str | None = None) -> dict[str, float]:
    """mse, rmse, mae (and r2 of two or more examples) of one target.

    Parameters
    ----------
    y, pred : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), optional
        Weighs each score as scikit-learn's metrics do.
    only : str, optional
        The one key wanted, the others neither computed nor returned.

    Returns
    -------
    dict
        Keys mse, rmse, mae and, for two examples or more (of a positive weight), r2 (of
        them, ``only``).
    """
    sw = sample_weight
    if not np.all(np.isfinite(pred)):  # scikit-learn refuses them: scored by NumPy
        return _unbounded_scores(y, pred, sw, only)
    scores = {}
    if only in (None, "mse", "rmse"):
        mse = _regression_score(y, pred, "mse", sw)
        scores = {"mse": mse, "rmse": float(np.sqrt(mse))}
    if only in (None, "mae"):
        scores["mae"] = _regression_score(y, pred, "mae", sw)
    if only in (None, "r2") and (len(y) if sw is None else np.count_nonzero(sw)) > 1:
        scores["r2"] = _regression_score(y, pred, "r2", sw)
    return {key: value for key, value in scores.items() if only in (None, key)}


def _regression_score(y: np.ndarray, pred: np.ndarray, name: str,
                      sample_weight: np.ndarray | None) -> float:
    """scikit-learn's ``mean_squared_error`` (``mse``), ``mean_absolute_error`` (``mae``) or
    ``r2_score`` (``r2``): computed on the arrays where that is its number bit for bit
    (:mod:`chainrule._metrics_direct`), else by its call."""
    value = (regression_score(np.asarray(y), np.asarray(pred), name, sample_weight)
             if _array_or_none(sample_weight) else None)
    if value is None:
        from sklearn import metrics

        call = {"mse": metrics.mean_squared_error, "mae": metrics.mean_absolute_error,
                "r2": metrics.r2_score}[name]
        value = float(call(y, pred, sample_weight=sample_weight))
    return value


def _unbounded_scores(y: np.ndarray, pred: np.ndarray, sample_weight: np.ndarray | None,
                      only: str | None) -> dict[str, float]:
    """:func:`_regression_scores` of predictions of which some are inf or NaN, which
    scikit-learn's metrics refuse: the same formulas written out in NumPy, so that an
    infinite prediction gives the scores that a finite prediction past the largest float's
    square root gives (mse, rmse, mae inf; r2 -inf), and a NaN prediction NaN scores.  Rows
    of weight 0 are left out (their prediction counts for nothing, even an infinite one).
    """
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    keep = w > 0
    y, pred, w = np.asarray(y, float)[keep], pred[keep], w[keep]
    with np.errstate(over="ignore", invalid="ignore"):
        squared = (y - pred) ** 2
        mse = float(np.sum(w * squared) / np.sum(w))
        scores = {"mse": mse, "rmse": float(np.sqrt(mse)),
                  "mae": float(np.sum(w * np.abs(y - pred)) / np.sum(w))}
        if len(y) > 1:
            residual = float(np.sum(w * squared))
            total = float(np.sum(w * (y - np.average(y, weights=w)) ** 2))
            # scikit-learn's r2 of constant targets: 0 for predictions not all right
            scores["r2"] = (1.0 - residual / total if total > 0 else
                            float("nan") if np.isnan(residual) else 0.0)
    return {key: value for key, value in scores.items() if only in (None, key)}


def not_finite_note(pred: np.ndarray, source: str,
                    then: str = "its scores of them are inf or NaN (null in --json)"
                    ) -> str | None:
    """What to say of a regression model's predictions ``pred`` (n_samples,) or
    (n_samples, n_targets) of the examples of ``source`` that are inf or NaN, or None
    where all are finite; ``then``: what follows of them (evaluate's scores, predict's
    cells)."""
    bad = ~np.isfinite(pred)
    rows = bad.reshape(len(pred), -1).any(axis=1)
    if not rows.any():
        return None
    kinds = [kind for kind, n in (("inf", np.count_nonzero(np.isinf(pred))),
                                  ("NaN", np.count_nonzero(np.isnan(pred)))) if n]
    return (f"the model's predictions of {np.count_nonzero(rows)} of {len(rows)} examples "
            f"of {source} are not finite ({' and '.join(kinds)}): its weights are too large "
            "for float64 (the model diverged in training, or its file's weights were made "
            f"so); {then}")


def _target_scores(y: np.ndarray, pred: np.ndarray,
                   sample_weight: np.ndarray | None = None,
                   only: str | None = None) -> list[dict[str, float]]:
    """The regression scores of each target of several: mse, rmse, mae (and r2 of two or
    more examples), as :func:`_scores` gives them of one target.

    Parameters
    ----------
    y, pred : ndarray of shape (n_samples, n_targets)
    only : str, optional
        The one key wanted, the others neither computed nor returned.

    Returns
    -------
    list of n_targets dicts
        Their means are scikit-learn's ``multioutput="uniform_average"`` scores
        (``mean_squared_error``, ``mean_absolute_error``, ``r2_score``; the rmse
        that of ``root_mean_squared_error``, the mean of the targets' roots).
    """
    return [_regression_scores(y[:, j], pred[:, j], sample_weight, only)
            for j in range(y.shape[1])]


def _label_scores(y: np.ndarray, proba: np.ndarray,
                  sample_weight: np.ndarray | None = None, log_loss: bool = True,
                  threshold: float | None = None) -> list[dict]:
    """The scores of each target of a multi-label classifier: accuracy and log loss.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_targets), int
        0 or 1: each example's label of each target (the index into its two labels).
    proba : ndarray of shape (n_samples, n_targets)
        The probability of each target's second label.
    log_loss : bool, default True
        Whether to compute the log losses (else left out).
    threshold : float, optional
        ``--threshold``: a label predicted where its probability is at or above it.

    Returns
    -------
    list of n_targets dicts
        ``accuracy`` and ``log_loss`` (of the target's two classes), and
        ``predicted`` (the 0/1 predictions, ``proba > 0.5``, or ``proba >= threshold``),
        for :func:`_scores`.
        The mean of the log losses is the mean binary log loss over every
        example and target, the cost a multi-label network minimises; each is
        scikit-learn's ``log_loss(y[:, j], proba[:, j], labels=[0, 1])``.
    """
    from sklearn import metrics

    out = []
    every = label_predicted(proba, threshold)
    for j in range(y.shape[1]):
        predicted = every[:, j]
        scores = {"accuracy": float(np.average(predicted == y[:, j], weights=sample_weight))}
        if log_loss:
            scores["log_loss"] = float(metrics.log_loss(y[:, j], proba[:, j], labels=[0, 1],
                                                        sample_weight=sample_weight))
        out.append({**scores, "predicted": predicted})
    return out


def _target_names(model) -> list[str] | None:
    """The targets of a model file of several (``target_names``), or None."""
    names = model.metadata.get("target_names")
    return list(names) if isinstance(names, list) else None


@contextmanager
def default_target_said(model, path: str, target: str | list[str] | None) -> Iterator[None]:
    """Reading and scoring the data of a model file that names no target (a fitted
    estimator's or a Network's save), no ``--target`` given: an error that speaks of the
    target is said to be of DATA's default target (a CSV file's last column, an NPZ
    file's ``y``), which the user did not choose, with ``--target`` to name it; other
    errors as they are."""
    try:
        yield
    except ValueError as exc:
        text = str(exc)
        hint = (_sigmoid_regression_hint(model, path)
                if "is not one of the model's classes" in text else "")
        if (target is not None or model.metadata.get("target_name") is not None
                or _target_names(model) is not None
                or not (", target " in text or "(the target)" in text)):
            if hint:
                raise ValueError(text + hint) from None
            raise
        raise ValueError(f"{text}; {path} names no target column (an estimator's or a "
                         "Network's save), so the target read is DATA's default, the last "
                         "column of a CSV file (an NPZ file's y): give the target column, "
                         f"--target NAME{hint}") from None


def _sigmoid_regression_hint(model, path: str) -> str:
    """What to do with a network saved from Python (no task recorded) of one sigmoid
    output under a regression loss (squared_error ...), read as a classifier of 0/1
    targets (as the classic networks of XOR are), whose data hold a target of other
    values: a regression of values in [0, 1], which its file cannot say; else ""."""
    from .saved_model import SavedModel

    net = model.network
    act = net.output_activation
    if (not isinstance(model, SavedModel) or model.metadata.get("kind") is not None
            or model.task != "classification" or net.n_outputs != 1 or act is None
            or act.name != "sigmoid" or net.loss.name in ("log_loss", "cross_entropy")):
        return ""
    return (f"; {path} is a network saved without its task, of one sigmoid output under "
            f"{net.loss.name}, read as a classifier of 0/1 targets; to score it as a "
            "regression of values in [0, 1], save it with its task: chainrule.SavedModel("
            f"chainrule.load({path!r}), {{'task': 'regression'}}).save('regression.npz')")


def _refuse_one_of_several(model, path: str, target: str | list[str] | None,
                           names_taken: bool = True) -> None:
    """Refuse ``--target NAME``, one column, of a model file of several targets.

    Called once the data are read (so that DATA taken by ``--target``'s names is said
    to be missing first): the one column read would otherwise fail in the scores.
    ``names_taken``: whether the command's ``--target`` takes several names (evaluate),
    else (gradcheck) the way out is to leave it out.

    Raises
    ------
    ValueError
        Naming the targets the model records.
    """
    several = _target_names(model)
    if several is not None and isinstance(target, str):
        raise ValueError(
            f"--target {target}: {path} predicts {len(several)} targets per example "
            f"({', '.join(map(str, several))}); "
            + (f"name {len(several)} target columns, in the order of its outputs, or "
               if names_taken else "")
            + "leave --target out to read those it records")


def _evaluate_target(model, path: str, target: list[str] | None,
                     written: str | None = None) -> str | list[str] | None:
    """The target column(s) evaluate reads of ``model`` (the file ``path``): ``--target``'s
    one name, or its names, one per output of a regression network of several outputs or
    of a multi-label classifier (a model file of several targets: those it records by
    default; an estimator fitted on an indicator matrix: its 0/1 columns); None for the
    model's.  ``written``: the one name ``--target`` gave when ``target`` lists the columns
    of that NPZ array (``Y`` of shape (n, k): ``Y[0]`` .. ``Y[k-1]``), for the messages.

    Raises
    ------
    ValueError
        For a number of names that is not the model's number of targets, and a network
        of several outputs that names none (without ``--target``).
    """
    k = model.network.n_outputs
    target = target[0] if target and len(target) == 1 else target
    given = (f"--target {written} (an array of {len(target)} columns, {', '.join(target)})"
             if written is not None and isinstance(target, list) else
             f"--target {' '.join(target)}" if isinstance(target, list) else "")
    several = _target_names(model)  # a model file of several targets: their columns
    multilabel = getattr(model, "multilabel", False)
    if (model.task == "regression" or multilabel) and k > 1:
        if isinstance(target, list) and len(target) != k:
            raise ValueError(f"{given}: the model predicts {k} values "
                             f"per example; name {k} target columns, in the order of its "
                             "outputs")
        if several is None and not isinstance(target, list):
            raise ValueError(
                f"{path}: the model predicts {k} {'labels' if multilabel else 'values'} "
                "per example, and names no "
                f"target columns; give them, --target NAME1 ... NAME{k}, in the order of its "
                "outputs")
    elif isinstance(target, list):
        raise ValueError(f"{given}: the model predicts one target; name "
                         "one column")
    return target
