"""evaluate ``--report``: scikit-learn's ``classification_report`` and confusion matrix of a
classifier (:func:`_class_report`; printed by :mod:`chainrule._cli_models_report_text`),
with the labels :mod:`chainrule._cli_models_report` gives its scores, and the refusal of
``--report`` for a regression model."""

from __future__ import annotations

import warnings

import numpy as np

from ._cli_models_report import _active, _name, _pairs
from ._cli_models_threshold import label_predicted, predicted_index

__all__ = ["_class_report", "_refuse_report"]


def _plain(value):
    """``value`` with NumPy numbers as Python ones (JSON), a ``support`` as an int (a
    weighted support, the sum of the weights, as an int where it is one)."""
    if isinstance(value, dict):  # support: a count, or a sum of weights
        return {k: _count(v) if k == "support" else _plain(v) for k, v in value.items()}
    return value.item() if isinstance(value, np.generic) else value


def _count(value) -> int | float:
    """A count, or a sum of weights (``--sample-weight``): an int where it is whole."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _readable_supports(text: str, digits: int = 4) -> str:
    """``classification_report``'s ``text`` with each support that is a sum of weights
    and not whole (``--sample-weight``) rounded to ``digits`` decimals, as its scores
    are: scikit-learn prints the float as it is (``81.64299999999999``), its last digits
    the noise of adding the weights.  A whole support is left as scikit-learn prints it
    (``206.0``), and the JSON keeps the sums exact."""
    lines = text.split("\n")
    for i, line in enumerate(lines[1:], 1):  # below the header, a row ends in its support
        head, _, last = line.rstrip().rpartition(" ")
        try:
            value = float(last)
        except ValueError:  # a blank line
            continue
        if not head.strip() or value.is_integer():
            continue
        short = f"{value:.{digits}f}".rstrip("0")
        short += "0" if short.endswith(".") else ""  # 0.99999999999 as 1.0, as a whole one
        lines[i] = f"{head.rstrip()} {short:>9}"
    return "\n".join(lines)


def _report_dict(y: np.ndarray, pred: np.ndarray, options: dict,
                 sample_weight: np.ndarray | None = None) -> dict:
    """``classification_report``'s dict split: ``report``, a row per class (target) by its
    name, and ``averages``, its average rows (accuracy or micro avg, macro avg, weighted
    avg, samples avg).  Asked for by index, not by name: a class named "accuracy",
    "macro avg" or "weighted avg" would be overwritten by the average of that key."""
    from sklearn import metrics

    labels = options["labels"]
    rows = metrics.classification_report(
        y, pred, output_dict=True, labels=labels, zero_division=options["zero_division"],
        sample_weight=sample_weight)
    keys = [str(j) for j in labels]  # scikit-learn's keys of the labels given
    return {"report": {name: _plain(rows[key])
                       for name, key in zip(options["target_names"], keys, strict=True)},
            "averages": {k: _plain(v) for k, v in rows.items() if k not in keys}}


def _class_report(model, proba: np.ndarray, y: np.ndarray,
                  target_names: list[str] | None, sample_weight: np.ndarray | None = None,
                  threshold: float | None = None) -> dict:
    """evaluate ``--report``: scikit-learn's ``classification_report`` and confusion matrix.

    One target: the classes in ``y`` or predicted, named by the model's labels, in its
    order; multi-label: a row per target with a positive, true or predicted (its second
    label's precision, recall, F1: the targets macro F1 averages over) and a 2 x 2
    ``multilabel_confusion_matrix`` per target, rows and columns its two labels.

    Parameters
    ----------
    model, proba, y
        As :func:`_class_scores` takes them.
    target_names : list of str or None
        The targets of a multi-label classifier, in the order of ``y``'s columns.
    sample_weight : ndarray of shape (n_samples,), optional
        ``--sample-weight``'s: every number weighted, as scikit-learn's report and
        matrices take ``sample_weight`` (a support, a cell: the sum of the weights).
    threshold : float, optional
        ``--threshold``, as :func:`_class_scores` takes it.

    Returns
    -------
    dict
        ``report``: the per-class (per-target) rows of ``classification_report``'s dict,
        ``averages``: its average rows (:func:`_report_dict`), and ``text``: its table;
        one target: ``labels`` (the order of the rows and columns) and
        ``confusion_matrix`` (a list of rows, true class by predicted class); multi-label:
        ``confusion_matrices``, ``{target: {"labels": [two labels], "matrix": 2 x 2
        list}}``; ``unseen``: the classes (targets) without a row.
    """
    from sklearn import metrics

    if y.ndim == 2:  # several yes/no targets
        pred = label_predicted(proba, threshold)
        active = _active(y, pred)  # the rows macro F1 averages; none: every label right
        shown = active or list(range(y.shape[1]))
        options = {"labels": shown, "target_names": [target_names[j] for j in shown],
                   "zero_division": 0 if active else 1}
        sw = sample_weight
        matrices = metrics.multilabel_confusion_matrix(y, pred, sample_weight=sw)
        pairs = _pairs(model, y.shape[1])
        text = _readable_supports(metrics.classification_report(
            y, pred, digits=4, sample_weight=sw, **options).rstrip())
        empty = int(np.count_nonzero(~y.any(axis=1) & ~pred.any(axis=1)))
        if active and empty:  # scikit-learn's per-example F1 of 0 / 0, read as 0
            text += (f"\n(samples avg: the {'' if sw is None else 'weighted '}mean over "
                     f"the examples, {empty} of the {y.shape[0]} with no label true or "
                     "predicted counted as 0)")
        return {**_report_dict(y, pred, options, sw), "text": text,
                "confusion_matrices": {
                    name: {"labels": [_name(v) for v in pair],
                           "matrix": [[_count(c) for c in row] for row in m]}
                    for name, pair, m in zip(target_names, pairs, matrices, strict=True)},
                "unseen": [name for j, name in enumerate(target_names) if j not in shown]}
    pred = predicted_index(proba, threshold)
    k = proba.shape[1]
    names = [_name(v) for v in model.labels or range(k)]
    seen = sorted(set(np.unique(y).tolist()) | set(np.unique(pred).tolist()))
    options = {"labels": seen, "target_names": [names[j] for j in seen], "zero_division": 0}
    with warnings.catch_warnings():  # one class, given as labels: its 1 x 1 matrix is right
        warnings.filterwarnings("ignore", message="A single label was found", category=UserWarning)
        matrix = metrics.confusion_matrix(y, pred, labels=seen, sample_weight=sample_weight)
    return {**_report_dict(y, pred, options, sample_weight),
            "text": _readable_supports(metrics.classification_report(
                y, pred, digits=4, sample_weight=sample_weight, **options)),
            "labels": options["target_names"],
            "confusion_matrix": [[_count(c) for c in row] for row in matrix],
            "unseen": [names[j] for j in range(k) if j not in seen]}


def _refuse_report(model, path: str) -> None:
    """Refuse ``--report`` of a regression model: it has no classes to report on."""
    if model.task != "classification":
        raise ValueError(
            f"--report: {path} is a regression model; the report is a classifier's "
            "per-class precision, recall and F1 and its confusion matrix (evaluate prints "
            "a regression's mse, rmse, mae and r2 without it, and each target's of several)")
