"""``--threshold P`` of ``chainrule predict`` and ``evaluate``: the decision threshold of
a binary (or multi-label) classifier, the probability of the positive class (the second
of the model's two classes; of each target, its second label) at or above which an
example is predicted positive, as scikit-learn's ``FixedThresholdClassifier(threshold=P,
response_method="predict_proba")`` decides.  Without it the class is the most probable
one (a label's probability above 0.5).  A model file of ``chainrule tune-threshold -o``
holds the threshold it chose (metadata ``threshold``), which they use unless given
``--threshold P``, or ``--threshold none``: the most probable class, the file's threshold
left aside.  Read by :mod:`chainrule.cli_models` and the
scores of :mod:`chainrule._cli_models_scores` and :mod:`chainrule._cli_models_report`."""

from __future__ import annotations

import argparse

import numpy as np

HELP = ("of a classifier of two classes (or a multi-label one), the probability of the "
        "second class (of each target, of its second label) at or above which an example "
        "is predicted to be of it, a number strictly between 0 and 1, as scikit-learn's "
        "FixedThresholdClassifier(threshold=P, response_method='predict_proba') decides; "
        "below 0.5 finds more of a rare class, at the cost of more false alarms "
        "(default: the threshold a model file of chainrule tune-threshold -o holds, else "
        "the most probable class, a label's probability above 0.5); none: the most "
        "probable class, the file's threshold left aside)")

#: ``--threshold none``: the most probable class, a tuned file's threshold left aside
NONE = "none"


def threshold_value(text: str) -> float:
    """argparse type of ``--threshold``: a float strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a probability strictly between 0 and 1, got {text!r}") from None
    if not 0.0 < value < 1.0:  # NaN too
        raise argparse.ArgumentTypeError(
            f"expected a probability strictly between 0 and 1, got {text}")
    return value


def threshold_or_none(text: str) -> float | str:
    """argparse type of ``--threshold``: a float strictly between 0 and 1, or ``none``
    (:data:`NONE`: the most probable class, a tuned model file's threshold left aside)."""
    if text.strip().lower() == NONE:
        return NONE
    try:
        return threshold_value(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace(
            "expected a probability strictly between 0 and 1",
            "expected a probability strictly between 0 and 1, or none")) from None


def add_threshold_arg(p: argparse.ArgumentParser, more: str = "") -> None:
    """Add ``--threshold P`` (or ``none``) to the parser of ``predict``, ``evaluate``,
    ``importance``."""
    p.add_argument("--threshold", type=threshold_or_none, default=None, metavar="P",
                   help=HELP[:-1] + more + ")" if more else HELP)


def check_threshold(model, threshold: float | None, path: str) -> None:
    """Refuse ``--threshold`` for a model it has no meaning for, naming it and why.

    Parameters
    ----------
    model : SavedModel or EstimatorModel
    threshold : float, str or None
        ``--threshold``'s value (None, or ``none``: no threshold, nothing checked).
    path : str
        MODEL, as given, for the message.

    Raises
    ------
    ValueError
        For a regression model, a classifier of a margin loss (class scores, not
        probabilities), and one of three or more classes (no single positive class).
    """
    if threshold is None or threshold == NONE:
        return
    if model.task != "classification":
        raise ValueError(f"--threshold: {path} is a regression model; a threshold decides "
                         "between two classes")
    if getattr(model, "margin", False):
        raise ValueError(f"--threshold: {path} was trained with the margin loss "
                         f"{model.network.loss.name!r}: its outputs are class scores, not "
                         "probabilities to compare with a threshold")
    labels = model.labels or []
    if not getattr(model, "multilabel", False) and len(labels) != 2:
        raise ValueError(f"--threshold: {path} has {len(labels)} classes; a threshold "
                         "decides between two (a binary or multi-label classifier), got "
                         f"classes {', '.join(map(str, labels[:6]))}"
                         + (", ..." if len(labels) > 6 else ""))


def predicted_index(proba: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """The class index each example of a single-label classifier is predicted.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        A classifier's ``predict_proba``.
    threshold : float, optional
        None: the most probable class (``argmax``; ties to the first).  A number (two
        classes): 1 where the second class's probability is at or above it, else 0.

    Returns
    -------
    ndarray of shape (n_samples,), intp
    """
    if threshold is None:
        return proba.argmax(axis=1)
    return (proba[:, 1] >= threshold).astype(np.intp)


def label_predicted(proba: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """Multi-label: each label's 0/1 prediction from the probability of its second label,
    above 0.5 (None), or at or above ``threshold``; shape (n_samples, n_targets)."""
    if threshold is None:
        return (proba > 0.5).astype(np.intp)
    return (proba >= threshold).astype(np.intp)


def thresholded_labels(model, proba: np.ndarray, threshold: float) -> np.ndarray:
    """``predict``'s labels of ``proba`` at ``threshold``, as the model's own labels.

    Parameters
    ----------
    model : SavedModel or EstimatorModel
        A binary or multi-label classifier (:func:`check_threshold`).
    proba : ndarray of shape (n_samples, 2), or (n_samples, n_targets) multi-label
    threshold : float

    Returns
    -------
    ndarray of shape (n_samples,), or (n_samples, n_targets), object
    """
    from ._cli_models_report import _pairs
    from ._table_labels import label_array

    if getattr(model, "multilabel", False):
        index = label_predicted(proba, threshold)
        return np.column_stack([label_array(list(pair))[index[:, j]].astype(object)
                                for j, pair in enumerate(_pairs(model, proba.shape[1]))])
    return label_array(list(model.labels))[(proba[:, 1] >= threshold).astype(np.intp)]


def threshold_line(model, threshold: float) -> str:
    """evaluate's line naming the threshold and the class it decides."""
    if getattr(model, "multilabel", False):
        return (f"threshold: {threshold:g} (a label is predicted where its probability is "
                "at or above it; log loss and ROC AUC do not depend on it)")
    return (f"threshold: {threshold:g} (class {model.labels[1]} predicted where its "
            "probability is at or above it; log loss and ROC AUC do not depend on it)")


def stored_threshold(model, threshold: float | str | None) -> float | None:
    """``--threshold``'s value, else the threshold ``chainrule tune-threshold -o`` chose
    and recorded in the model file (metadata ``threshold``: ``{"value": P, ...}``), else
    None (a file without one, an estimator's, or ``--threshold none``: the most probable
    class, as before).

    Parameters
    ----------
    model : SavedModel or EstimatorModel
    threshold : float, str or None
        ``--threshold``, as given (it overrides the file's; ``none``: None, the file's
        left aside).

    Returns
    -------
    float or None
    """
    if threshold == NONE:
        return None
    if threshold is not None:
        return threshold
    record = (getattr(model, "metadata", None) or {}).get("threshold")
    value = record.get("value") if isinstance(record, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    return None


def stored_line(model) -> str | None:
    """``chainrule info``'s line of a threshold chosen by ``tune-threshold`` (None: none)."""
    record = (getattr(model, "metadata", None) or {}).get("threshold")
    if stored_threshold(model, None) is None:
        return None
    from ._cli_models_threshold_cv_search import SCORINGS, scoring_words

    scoring = record.get("scoring")
    words = (scoring_words(scoring, record.get("minimum")) if scoring in SCORINGS
             else str(scoring))
    score = record.get("score")
    return (f"decision threshold: {record['value']:.6g} (chosen by chainrule "
            f"tune-threshold: the best mean {words}"
            + (f" {score:.6g}" if isinstance(score, (int, float)) else "")
            + f" over {record.get('folds')} folds; predict, evaluate, importance and "
            "plot use it, --threshold P overrides it, --threshold none leaves it aside)")
