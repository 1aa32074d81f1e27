"""The checks of ``classes`` that :meth:`MLPClassifier.partial_fit
<chainrule.estimators.MLPClassifier.partial_fit>` makes before it fits: given on the
first call (unless ``y`` is a multi-label indicator matrix), the same on later calls,
and not the rows' sample weights given where scikit-learn's MLPClassifier takes them.

Moved unchanged out of ``_estimators_classifier`` (:func:`_checked_classes`,
:func:`_check_not_weights`, :func:`_check_same_classes`) and out of ``partial_fit``
in ``_estimators_mlp_classifier`` (:func:`check_partial_fit_classes`), to keep that
module under ~400 lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _num_samples

from ._validation_labels import check_label_kinds

if TYPE_CHECKING:
    from ._estimators_mlp_classifier import MLPClassifier


def check_partial_fit_classes(est: MLPClassifier, y: object, classes: object,
                              sample_weight: object = None) -> None:
    """Refuse ``partial_fit``'s ``classes`` (array-like of shape (n_classes,) or None) for
    ``y`` (array-like of shape (n_samples,) or (n_samples, n_labels)) before it fits:
    classes that look like sample weights, later classes that are not the fitted ones,
    and no classes on the first call (but for multi-label ``y``).

    Without ``classes``, a ``sample_weight`` of another length than ``y``'s is named as
    what it likely is, the classes given in scikit-learn's order (``partial_fit(X, y,
    None, classes)``), before the first call's "classes must be passed" or the weights'
    shape error says otherwise.

    A first call refused here names a parameter of the wrong type or value first, as
    scikit-learn's ``partial_fit`` checks its parameters before its arguments (and its
    estimator check ``check_param_validation`` calls ``partial_fit(X, y)``).
    """
    try:
        _check_classes_argument(est, y, classes, sample_weight)
    except ValueError:
        if not hasattr(est, "network_"):
            est._validate_params()
        raise


def _check_classes_argument(est: MLPClassifier, y: object, classes: object,
                            sample_weight: object) -> None:
    """The checks of :func:`check_partial_fit_classes`."""
    if classes is None and sample_weight is not None:
        _check_not_classes(sample_weight, y)
    if classes is not None:
        _check_not_weights(classes, y)
    if hasattr(est, "network_") and classes is not None:
        _check_same_classes(classes, est.classes_)
    if not hasattr(est, "network_") and classes is None:
        y_arr = np.asarray(y)
        if not (y_arr.ndim == 2 and y_arr.shape[1] > 1):
            raise ValueError("classes must be passed on the first call to partial_fit.")


# how the messages below say that the two arguments' order is not scikit-learn's
_ORDER = ("MLPClassifier.partial_fit takes classes as its third argument (as SGDClassifier "
          "does) and sample_weight as its fourth, where scikit-learn's MLPClassifier takes "
          "sample_weight third and classes fourth (since 1.7); pass sample_weight= (and "
          "classes=) by keyword")


def _check_not_classes(sample_weight: object, y: object) -> None:
    """Refuse ``sample_weight`` (given with no ``classes``) that is a list of another
    length than the rows of ``y``: in scikit-learn's order of the arguments it would be
    ``classes``."""
    try:
        k, n = np.shape(sample_weight), _num_samples(y)
    except (TypeError, ValueError):  # left to the checks of the fit, which name them
        return
    if len(k) == 1 and k[0] != n:
        raise ValueError(
            f"sample_weight has {k[0]} value(s) for the {n} rows of y, and classes is None: "
            f"the classes? {_ORDER}")


def _checked_classes(classes: object) -> np.ndarray:
    """``partial_fit``'s ``classes`` as a 1-D array of labels, or a ValueError naming it.

    Parameters
    ----------
    classes : array-like of shape (n_classes,)
        Every class that can occur (integers or strings; repeats are fine).
    """
    try:
        arr = np.asarray(classes)  # a str, set or dict gives a 0-d array: refused
    except ValueError:  # ragged: NumPy's "setting an array element with a sequence"
        arr = np.empty((0, 0))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"classes must be a non-empty 1-D list of class labels, got {classes!r}")
    if arr.dtype.kind == "c":
        raise ValueError(f"classes must be class labels (integers or strings), got complex "
                         f"numbers {arr.tolist()}")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"classes must be class labels, got NaN or infinity in {arr.tolist()}")
    try:
        kind = type_of_target(arr)
    except TypeError:  # NumPy's sort of labels of mixed kinds, or None among strings
        check_label_kinds(classes, "classes", rows=False)
        raise
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"classes must be class labels (integers or strings), got "
                         f"{arr.tolist()} (type {kind!r})")
    return arr


def _check_not_weights(classes: object, y: object) -> None:
    """Refuse ``partial_fit``'s ``classes`` that look like the rows' sample weights.

    ``classes`` is the third argument here (as in SGDClassifier and scikit-learn's
    MLPClassifier before 1.7); scikit-learn's MLPClassifier takes ``sample_weight``
    there since 1.7, and 0/1 weights given there passed every check of ``classes``
    and were silently ignored.  Refused: numbers (weights are numbers; text labels
    name classes), one value per row of ``y``, with repeats or not all whole numbers
    (weights drawn at random are seldom repeated), that are not ``y`` itself
    (``classes=y`` names every class of a batch).
    """
    try:
        arr, labels = np.asarray(classes), np.asarray(y)
    except ValueError:  # ragged: refused by name where each is checked
        return
    if labels.ndim == 2 and labels.shape[1] == 1:  # the labels as a column (column_or_1d)
        labels = labels.ravel()
    if not (arr.ndim == 1 and arr.dtype.kind in "biuf" and labels.ndim >= 1
            and arr.size == labels.shape[0] > 1
            and not (labels.ndim == 1 and np.array_equal(arr, labels))):
        return
    repeats = np.unique(arr).size < arr.size
    # no class label is a fraction (scikit-learn reads such floats as continuous targets)
    fractions = (arr.dtype.kind == "f" and bool(np.all(np.isfinite(arr)))
                 and not np.array_equal(arr, np.floor(arr)))
    if repeats or fractions:
        raise ValueError(
            f"classes has {arr.size} values, "
            f"{'with repeats' if repeats else 'not whole numbers'}, one per sample: sample "
            f"weights? {_ORDER}, and if these are the labels of the samples, pass each class "
            "once (classes=np.unique(y))")


def _check_same_classes(classes: object, fitted: np.ndarray) -> None:
    """Refuse a later ``partial_fit``'s ``classes`` that are not the fitted ``classes_``.

    Checked as the first call's are (:func:`_checked_classes`: a 2-D list or labels
    of no class type are refused as such, not flattened or compared as they are),
    then compared as a set with ``fitted`` (sorted, of shape (n_classes,)).
    """
    given = _checked_classes(classes)
    if not np.array_equal(np.unique(given), fitted):
        # scikit-learn's MLP's words (the argument as given, classes_ as its repr), then ours
        raise ValueError(
            f"`classes={classes!r}` is not the same as on last call to partial_fit, was: "
            f"{fitted!r} (classes={given.tolist()} differs from the classes of the first call "
            f"to partial_fit, {fitted.tolist()})"
        )
