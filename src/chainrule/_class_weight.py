"""Class weights: ``class_weight=None | "balanced" | {class label: weight}`` turned into one
weight per example, as scikit-learn's ``compute_sample_weight`` does, for
:class:`~chainrule.estimators.MLPClassifier` and :func:`chainrule.train`.

"balanced" gives each example of class ``c`` the weight ``n / (k * n_c)``: ``n``
examples, ``k`` classes present, ``n_c`` of them in class ``c`` (every class then
weighs as much in the cost).  With ``sample_weight`` the counts are sums of weights
(``n`` the total weight, ``n_c`` class ``c``'s, ``k`` the classes of positive weight), as
scikit-learn's LogisticRegression counts them (``compute_class_weight(...,
sample_weight=)``): the classes still weigh the same, and an integer weight is the row
repeated.  A dict weighs the classes it names and leaves the others at 1.  For
multi-label targets (an indicator matrix, each column a binary label) "balanced" weighs
each column so and multiplies the columns' weights, as ``compute_sample_weight`` does; a
dict, which would have to say which column its keys name, is refused.  The weights
multiply ``sample_weight`` where both are given.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Mapping

import numpy as np

from . import _validation
from ._validation import (
    check_finite_array,
    given_value,
    number_text,
    shown_value,
)

__all__ = [
    "check_class_weight",
    "check_network_class_weight",
    "checked_sample_weight",
    "class_weight_from_json",
    "class_weight_to_json",
    "label_weights",
    "multilabel_weights",
    "target_class_weights",
    "times_sample_weight",
]

_FORMS = "None, 'balanced' or a dict {class label: weight}"
# scikit-learn's words for its SGDClassifier's class_weight (1.9's constraint)
_SKLEARN_FORMS = "a str among {'balanced'}, an instance of 'dict' or None"


def check_class_weight(class_weight: object, name: str = "class_weight",
                       owner: str | None = None) -> str | dict | None:
    """``class_weight`` checked for its form: None, "balanced", or a dict of weights;
    else an :class:`~chainrule._validation.InvalidParameter` (a ValueError and a TypeError),
    as the estimators' other parameters.

    Parameters
    ----------
    class_weight : None, "balanced" or Mapping
        A dict's values must be finite real numbers >= 0 (not bools).
    name : str
        The argument's name, for the messages ("--class-weight" on the command line).
    owner : str or None
        The estimator's class name: the refusal is then in scikit-learn's words, as its
        SGDClassifier's ("The 'class_weight' parameter of MLPClassifier must be a str among
        {'balanced'}, an instance of 'dict' or None. Got 'balance' instead."), a bad
        weight named after them.  None: "class_weight must be None, 'balanced' or ...".

    Returns
    -------
    None, "balanced" or dict
        A dict is a new one (the caller's is not kept).
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise _refused(class_weight, name, owner, f"{name} must be {_FORMS}, got the "
                           f"string {shown_value(class_weight)}")
        return class_weight
    if not isinstance(class_weight, Mapping):  # "3 (int)", as the other parameters say
        raise _refused(class_weight, name, owner,
                       f"{name} must be {_FORMS}, got {given_value(class_weight)}")
    for label, weight in class_weight.items():
        if (not isinstance(weight, numbers.Real) or isinstance(weight, (bool, np.bool_))
                or not _finite(weight) or weight < 0):
            got = number_text(weight)
            raise _refused(class_weight, name, owner, f"{name}: the weight of class {label!r} "
                           f"must be a finite number >= 0, got {got}", f" (the weight of "
                           f"class {label!r}, {got}, is no finite float in the range "
                           "[0.0, inf))")
    return dict(class_weight)


def _refused(class_weight: object, name: str, owner: str | None, text: str,
             more: str = "") -> Exception:
    """The refusal of :func:`check_class_weight`: ``text``, or with an ``owner``
    scikit-learn's sentence for ``class_weight`` and ``more`` after it."""
    if owner is not None:
        text = _validation.parameter_message(owner, name, _SKLEARN_FORMS, class_weight, more)
    return _validation.InvalidParameter(text)


def _finite(weight: numbers.Real) -> bool:
    """``math.isfinite``, with an int past float's range (``10**400``) not finite rather
    than an OverflowError."""
    try:
        return math.isfinite(weight)
    except OverflowError:
        return False


def _known(class_weight: dict, classes: np.ndarray, name: str) -> None:
    """Refuse a dict key that is none of ``classes`` (compared as Python values)."""
    known = set(classes.tolist())
    unknown = [_plain(label) for label in class_weight if _plain(label) not in known]
    if unknown:
        raise ValueError(f"{name}: unknown class label(s) {unknown}; the classes are "
                         f"{classes.tolist()}")


def _plain(label: object) -> object:
    return label.item() if isinstance(label, np.generic) else label


def label_weights(class_weight: str | dict | None, labels: np.ndarray, classes: np.ndarray,
                  name: str = "class_weight",
                  sample_weight: np.ndarray | None = None) -> np.ndarray | None:
    """One weight per example of 1-D class ``labels``, or None without ``class_weight``.

    Parameters
    ----------
    class_weight : None, "balanced" or dict
        As :func:`check_class_weight` returns it.
    labels : ndarray of shape (n_samples,)
        Each example's class, one of ``classes``.
    classes : ndarray of shape (n_classes,)
        Every class there can be: a dict key outside them raises a ValueError.
    name : str
        The argument's name, for the messages.
    sample_weight : ndarray of shape (n_samples,) or None
        The examples' own weights, which "balanced" counts (see the module's
        docstring); they are not multiplied in.

    Returns
    -------
    ndarray of shape (n_samples,), float64, or None
    """
    if class_weight is None:
        return None
    present, index = np.unique(labels, return_inverse=True)
    index = index.ravel()
    if isinstance(class_weight, str):  # "balanced": n / (k * n_c) over the classes present
        if sample_weight is not None and sample_weight.max() > 0:
            # scaled by the largest (the same ratios): weights near the float maximum
            # then sum without overflow
            sample_weight = sample_weight / sample_weight.max()
        counts = np.bincount(index, weights=sample_weight, minlength=present.shape[0])
        weighed = counts > 0  # a class whose examples all weigh 0 counts as absent
        per_class = np.zeros(present.shape[0])
        per_class[weighed] = counts.sum() / (np.count_nonzero(weighed) * counts[weighed])
    else:
        _known(class_weight, classes, name)
        weights = {_plain(label): float(w) for label, w in class_weight.items()}
        per_class = np.array([weights.get(c, 1.0) for c in present.tolist()], dtype=np.float64)
    return per_class[index]


def checked_sample_weight(sample_weight: object, n_samples: int) -> np.ndarray | None:
    """``sample_weight`` checked as the estimators check it (MLPClassifier, MLPRegressor,
    SoftmaxRegression).

    Numbers only (NaN and inf refused by name), one per row of ``X`` (a single
    number is every row's), none negative, not all zero.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float, or None
    n_samples : int
        The rows of ``X``.

    Returns
    -------
    ndarray of shape (n_samples,), float64, or None
    """
    if sample_weight is None:
        return None
    sw = check_finite_array(sample_weight, "sample_weight", dtype=np.float64)
    if sw.ndim == 0:  # one number for every row, as scikit-learn takes it
        sw = np.full(n_samples, sw)
    if sw.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},) (one weight per row of "
                         f"X), got shape {sw.shape}")
    if sw.min() < 0:
        # scikit-learn's MLPs take negative weights; a weight below 0 rewards a wrong
        # prediction, and the weighted loss has no minimum
        negative = np.flatnonzero(sw < 0)
        raise ValueError(
            f"sample_weight must be non-negative (a negative weight rewards a wrong "
            f"prediction: the weighted loss has no minimum), got {len(negative)} negative "
            f"weight(s), the first {sw[negative[0]]:g} at index {negative[0]}")
    if not sw.any():
        raise ValueError("sample_weight: all weights are zero; at least one must be positive")
    return sw


def times_sample_weight(class_weights: np.ndarray, sample_weight: np.ndarray | None,
                        class_weight: object, about: str = "example",
                        detail: str = "") -> np.ndarray:
    """Each example's class weight times its ``sample_weight``: the weights training uses.

    Where the product passes the float range (sample weights near 1e308), the
    sample weights are divided by their largest first: the same ratios, which
    is all a weighted mean sees.

    Parameters
    ----------
    class_weights : ndarray of shape (n_samples,)
        As :func:`label_weights` or :func:`multilabel_weights` give them.
    sample_weight : ndarray of shape (n_samples,) or None
        The examples' own weights, checked.
    class_weight : None, "balanced" or dict
        The caller's ``class_weight``, for the message.
    about, detail : str
        The message's words for the examples ("training example") and what it
        adds after the weights (", for the classes [0, 1] of y").

    Returns
    -------
    ndarray of shape (n_samples,), float64

    Raises
    ------
    ValueError
        If every example gets weight 0.
    """
    if sample_weight is None:
        out = class_weights
    else:
        with np.errstate(over="ignore"):
            out = sample_weight * class_weights
        if not np.all(np.isfinite(out)):
            out = sample_weight / sample_weight.max() * class_weights
    if not out.sum() > 0:
        times = " times sample_weight" if sample_weight is not None else ""
        raise ValueError(
            f"class_weight: every {about} gets weight 0 (class_weight={class_weight!r}{times}"
            f"{detail}); at least one must be positive")
    return out


def multilabel_weights(class_weight: str | dict | None, Y: object,
                       name: str = "class_weight",
                       sample_weight: np.ndarray | None = None) -> np.ndarray | None:
    """One weight per example of a 0/1 indicator matrix ``Y`` (n_samples, n_labels).

    "balanced" weighs each column as a binary target and multiplies the
    columns' weights (scikit-learn's ``compute_sample_weight`` of the dense
    matrix), each column's classes counted with ``sample_weight`` as
    :func:`label_weights` counts them; a dict is refused, as it does not say
    which column its labels belong to.  ``Y`` may be a sparse matrix (as
    ``MLPClassifier.fit`` takes it).
    """
    if class_weight is None:
        return None
    sparse = sys.modules.get("scipy.sparse")  # not imported: Y cannot be one
    Y = Y.toarray() if sparse is not None and sparse.issparse(Y) else np.asarray(Y)
    if not isinstance(class_weight, str):
        raise ValueError(
            f"{name}: a dict of class weights is ambiguous for multi-label targets (each of "
            f"the {Y.shape[1]} columns is a binary label of its own); give "
            "class_weight='balanced', or per-example weights as sample_weight")
    out = np.ones(Y.shape[0])
    for j in range(Y.shape[1]):
        out *= label_weights(class_weight, Y[:, j], np.array([0, 1]), name, sample_weight)
    return out


def check_network_class_weight(class_weight: object, net: object,
                               name: str = "class_weight") -> str | dict | None:
    """``class_weight`` checked for a network's targets (:func:`chainrule.train`).

    The classes follow from the loss: with "cross_entropy" the output units
    (integer labels ``0..n_outputs-1``), with "log_loss" and one output the
    labels 0 and 1, with "log_loss" and several outputs one binary label per
    output (multi-label: "balanced" only, see :func:`multilabel_weights`).
    Any other loss is a regression, which has no classes to weigh.

    Parameters
    ----------
    class_weight : None, "balanced" or Mapping
        A dict's keys must be integer labels of the network's classes.
    net : Network
    name : str
        The argument's name, for the messages.

    Returns
    -------
    None, "balanced" or dict
    """
    class_weight = check_class_weight(class_weight, name)
    if class_weight is None:
        return None
    loss, k = net.loss.name, net.n_outputs
    if loss not in ("cross_entropy", "log_loss"):
        raise ValueError(
            f"{name}: class weights need class targets, a network whose loss is "
            f"'cross_entropy' (softmax outputs) or 'log_loss' (sigmoid outputs); this "
            f"network's loss is {loss!r} (a regression); weigh its examples with sample_weight")
    if loss == "log_loss" and k > 1:
        if isinstance(class_weight, dict):
            multilabel_weights(class_weight, np.zeros((0, k)), name)  # refuses a dict
        return class_weight
    if isinstance(class_weight, dict):
        classes = list(range(max(k, 2)))
        bad = [c for c in class_weight if not isinstance(c, numbers.Integral)
               or isinstance(c, (bool, np.bool_)) or int(c) not in classes]
        if bad:
            raise ValueError(f"{name}: unknown class label(s) {bad}; the classes of this "
                             f"network's targets are the integers {classes}")
    return class_weight


def target_class_weights(class_weight: str | dict | None, net: object, Y: np.ndarray,
                         name: str = "class_weight",
                         sample_weight: np.ndarray | None = None) -> np.ndarray | None:
    """One weight per example of a network's prepared targets (:func:`chainrule.train`).

    Parameters
    ----------
    class_weight : None, "balanced" or dict
        As :func:`check_network_class_weight` returns it for ``net``.
    net : Network
    Y : ndarray of shape (n_samples, n_outputs)
        The targets as ``net.prepare_targets`` gives them: one-hot rows
        ("cross_entropy"), or 0/1 labels ("log_loss").
    sample_weight : ndarray of shape (n_samples,) or None
        The examples' own weights, which "balanced" counts (:func:`label_weights`).

    Returns
    -------
    ndarray of shape (n_samples,), float64, or None
    """
    if class_weight is None:
        return None
    if not np.all((Y == 0) | (Y == 1)):
        raise ValueError(
            f"{name}: class weights need class targets: integer labels or one-hot rows "
            f"(0/1 labels for log_loss); Y holds values other than 0 and 1")
    k = Y.shape[1]
    if net.loss.name == "log_loss" and k > 1:
        return multilabel_weights(class_weight, Y, name, sample_weight)
    if net.loss.name == "cross_entropy":
        ones = np.count_nonzero(Y, axis=1)
        if not np.all(ones == 1):
            raise ValueError(
                f"{name}: class weights need one class per example; a row of Y has "
                f"{'no' if np.any(ones == 0) else 'several'} 1s (give integer labels or "
                "one-hot rows)")
        labels = np.argmax(Y, axis=1)
    else:
        labels = Y[:, 0].astype(np.intp)
    return label_weights(class_weight, labels, np.arange(max(k, 2)), name, sample_weight)


def class_weight_to_json(class_weight: object) -> object:
    """A dict as ``[[label, weight], ...]`` (JSON keys would turn labels into text)."""
    if not isinstance(class_weight, Mapping):
        return class_weight
    return [[_plain(label), _plain(weight)] for label, weight in class_weight.items()]


def class_weight_from_json(value: object) -> object:
    """The inverse of :func:`class_weight_to_json`; a malformed list raises a ValueError."""
    if not isinstance(value, list):
        return value
    if not all(isinstance(pair, list) and len(pair) == 2
               and isinstance(pair[0], (str, int, float)) for pair in value):
        raise ValueError(f"class_weight: expected a list of [label, weight] pairs, found "
                         f"{value!r:.80}")
    return {label: weight for label, weight in value}
