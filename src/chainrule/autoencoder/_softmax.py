"""Softmax regression: a network with no hidden layer and a softmax output."""

from __future__ import annotations

import numpy as np

from .._validation import (
    check_nonneg_float,
    check_positive_int,
    check_random_state_value,
    restored_on_error,
)
from ..layers import Dense
from ..network import Network
from ._base import (
    _check_method,
    _checked_X,
    _fit_scipy,
    _NetClassifier,
    _rng,
    _warn_unconverged,
)


class SoftmaxRegression(_NetClassifier):
    """Softmax regression: a network with no hidden layer and a softmax output.

    Cost: mean cross-entropy + ``(lambda/2) sum W^2``, minimised by L-BFGS.

    Parameters
    ----------
    weight_decay : float, default 1e-4
    max_iter : int, default 400
        Iterations of the optimiser; stopping without converging gives a
        ConvergenceWarning with SciPy's message.
    random_state : int, RandomState, Generator or None
        Seed of the small random initial weights.
    method : {"L-BFGS-B", "CG", "BFGS"}, default "L-BFGS-B"

    Attributes
    ----------
    network_ : Network
        ``Dense(n_features, n_classes, "softmax")`` with cross-entropy.
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        The columns of a DataFrame ``X`` (only then); ``predict`` refuses other
        names or another order, as scikit-learn's estimators do.

    Notes
    -----
    Softmax regression trains in float64 whatever the dtype of ``X`` (float32 and
    integer data are converted), as UFLDL's minFunc does in double: SciPy's L-BFGS
    compares costs to a relative 2e-9 (its default ``ftol``), finer than float32 can
    hold. The network stays float64 after fitting, so ``predict_proba``'s probabilities
    are float64 too, for float32 data as well (where scikit-learn's
    ``LogisticRegression`` and ``MLPClassifier`` keep float32).
    """

    def __init__(self, weight_decay: float = 1e-4, max_iter: int = 400,
                 random_state: int | np.random.RandomState | np.random.Generator | None = None,
                 method: str = "L-BFGS-B") -> None:
        self.weight_decay = weight_decay
        self.max_iter = max_iter
        self.random_state = random_state
        self.method = method

    def _check_settings(self) -> None:
        """Check every setting by its own name (``random_state`` apart)."""
        check_nonneg_float(self.weight_decay, "weight_decay")
        check_positive_int(self.max_iter, "max_iter")
        _check_method(self.method)

    def fit(self, X: object, y: object) -> SoftmaxRegression:
        """Train on features ``X`` of shape (n_samples, n_features) and labels ``y``.

        A fit that fails (bad data, one class) leaves a fitted model as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        with restored_on_error(self):
            return self._fit(X, y)

    def _fit(self, X: object, y: object) -> SoftmaxRegression:
        check_random_state_value(self.random_state)  # before anything changes
        X, y = _checked_X(self, X, True, np.float64, y)
        codes = self._labels(y)
        net = Network([Dense(X.shape[1], self.classes_.size, "softmax", init="normal",
                             seed=_rng(self.random_state))],
                      loss="cross_entropy",
                      weight_decay=check_nonneg_float(self.weight_decay, "weight_decay"))
        Y = net.prepare_targets(codes, X.shape[0], "y")
        method, max_iter = _check_method(self.method), check_positive_int(self.max_iter,
                                                                          "max_iter")
        result = _fit_scipy(net, X, Y, None, method, max_iter, "SoftmaxRegression")
        _warn_unconverged(result, "SoftmaxRegression", method, f"max_iter={max_iter}")
        self.network_ = net
        self.n_iter_ = int(result.nit)
        return self
