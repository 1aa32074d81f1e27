"""The estimators' warning about features on a scale whose squares overflow (private).

:func:`warn_if_overflowing` is called by ``_CheckedFit._checked_fit`` (``fit`` and
``partial_fit`` of :class:`~chainrule.estimators.MLPClassifier` and
:class:`~chainrule.estimators.MLPRegressor`) once the dtype of the network is known.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.sparse

from ._validation import caller_outside_chainrule

__all__ = ["warn_if_overflowing"]


def largest_magnitude(X: object) -> float:
    """The largest absolute value of ``X`` (an array, a memory map or a sparse matrix of
    numbers, checked finite), read without a copy of the data (its maximum and minimum)."""
    values = X.data if scipy.sparse.issparse(X) else X
    if values.size == 0:
        return 0.0
    return max(abs(float(values.max())), abs(float(values.min())))


def warn_if_overflowing(X: object, dtype: np.dtype, estimator: str) -> None:
    """A UserWarning when the largest absolute value of ``X`` is beyond
    ``sqrt(finfo(dtype).max)`` (1.34e154 for float64, 1.84e19 for float32).

    From there the square of a feature (and of a first-layer gradient, which is
    a feature times an error) overflows the network's dtype: where scikit-learn's
    MLP gets NumPy's overflow RuntimeWarnings, the mini-batch solvers and L-BFGS
    either diverge (the error that keeps the last parameters with a finite loss) or
    end with parameters that model nothing (a loss of the order of the features).
    The warning names the scale and the remedy, standardizing the features.
    """
    limit = math.sqrt(float(np.finfo(dtype).max))
    largest = largest_magnitude(X)
    if largest > limit:
        warnings.warn(
            f"{estimator}: X has values as large as {largest:.3g} in absolute value, beyond "
            f"{limit:.3g} (the square root of the largest {np.dtype(dtype).name}), where "
            "squares of the features and of the gradients overflow: the fit will diverge "
            "or learn nothing. Standardize the features first, e.g. with "
            "sklearn.preprocessing.StandardScaler in a Pipeline.",
            UserWarning, stacklevel=caller_outside_chainrule())
