"""``score`` of :class:`~chainrule.estimators.MLPClassifier` and
:class:`~chainrule.estimators.MLPRegressor`: scikit-learn's (accuracy, R^2), with ``y`` and
``sample_weight`` checked by name first.

scikit-learn's ``ClassifierMixin.score`` / ``RegressorMixin.score`` hand ``y`` to the metric
unchecked: a ``y`` of other rows than ``X`` was refused as "Found input variables with
inconsistent numbers of samples: [17, 20]", a NaN among string labels as NumPy's "'<' not
supported between instances of 'str' and 'float'", a NaN target as "Input contains NaN.",
none of which names ``y`` (robust31).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from typing import Any

import numpy as np

from ._class_weight import checked_sample_weight
from ._validation import given_value, shown_value
from ._validation_arrays import naming_conversion
from ._validation_labels import check_label_kinds


def checked_score(est: Any, X: object, y: object, sample_weight: object,
                  metric: Callable[..., float], labels: bool) -> float:
    """``metric(y, est.predict(X), sample_weight=...)`` with ``y`` and ``sample_weight``
    checked against the rows of ``X`` first, each refusal naming its argument.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : array-like of shape (n_samples,), float, or None
    metric : callable
        scikit-learn's ``accuracy_score`` or ``r2_score``.
    labels : bool
        Whether ``y`` holds class labels (checked for missing and mixed kinds).

    Returns
    -------
    float
    """
    shape = getattr(y, "shape", None)  # an array's, a DataFrame's, a sparse matrix's
    if (y is None or isinstance(y, (Mapping, Set, str, bytes))
            or (len(shape) == 0 if shape is not None else not hasattr(y, "__len__"))):
        raise TypeError("y must be an array-like of shape (n_samples,) or (n_samples, "
                        f"n_outputs), got {given_value(y)}")
    if labels:
        check_label_kinds(y)  # a missing label among strings: before NumPy's sort fails
    pred = est.predict(X)
    n = pred.shape[0]
    rows = shape[0] if shape is not None else len(y)
    if rows != n:
        raise ValueError(f"y must have one row per row of X (one target per example): X has "
                         f"{n} rows, y has {rows}")
    sw = checked_sample_weight(sample_weight, n)
    if sw is not None:
        with np.errstate(over="ignore"):
            total = float(np.sum(sw))
        if not np.finfo(np.float64).tiny <= total < np.inf:
            # a weighted mean (accuracy, R^2) is the same for w / max(w), whose sum neither
            # overflows (1e308 each: inf / inf, a NaN score) nor is subnormal
            sw = sw / sw.max()
    with naming_conversion(y, "y"):
        try:
            return float(metric(y, pred, sample_weight=sw))
        except ValueError as exc:  # accuracy_score's "Mix of label input types (string and
            # number)", "Classification metrics can't handle a mix of continuous and binary"
            if not labels or not any(s in str(exc) for s in ("Mix of label", "handle a mix")):
                raise
            raise ValueError(f"y must hold labels of the kind of the fitted classes (classes_ "
                             f"= {shown_value(est.classes_)}): {exc}") from None
