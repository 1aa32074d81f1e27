"""Softmax regression: a network with no hidden layer and a softmax output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._class_weight import (
    check_class_weight,
    checked_sample_weight,
    label_weights,
    times_sample_weight,
)
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
    _rng,
    _warn_unconverged,
)
from ._classifier import _NetClassifier
from ._penalty import _data_shares, _penalized_cost


class SoftmaxRegression(_NetClassifier):
    """Softmax regression: a network with no hidden layer and a softmax output.

    Cost: mean cross-entropy + ``(lambda/2) sum W^2``, minimised by L-BFGS.  The
    classes' scores are ``x W + b``: the biases ``b``, which UFLDL's softmax exercise
    leaves out (its ``theta`` has no intercept), are not decayed.  With
    ``sample_weight`` (or ``class_weight``) the mean is the weighted mean
    ``sum_i w_i L_i / sum_i w_i`` and the weight decay is unchanged, so that only the
    weights' ratios count: integer weights give the fit on the rows repeated that many
    times, and equal weights the unweighted fit.

    Parameters
    ----------
    weight_decay : float, default 1e-4
    max_iter : int, default 400
        Iterations of the optimiser; stopping without converging gives a
        ConvergenceWarning with SciPy's message.
    random_state : int, RandomState, Generator or None
        Seed of the small random initial weights, read as
        :class:`SparseAutoencoder` reads it (None: a draw from NumPy's global
        RandomState, as in scikit-learn).
    method : {"L-BFGS-B", "CG", "BFGS"}, default "L-BFGS-B"
        In any case, and "lbfgs" for L-BFGS-B, as :func:`chainrule.minimize`
        takes them.
    class_weight : dict, "balanced" or None, default None
        Weighs each example by its class, times its ``sample_weight`` when one is
        given, with the rules and messages of :class:`~chainrule.MLPClassifier`'s
        ``class_weight``: a dict ``{label: weight}`` (labels as in ``y``; classes left
        out weigh 1, an unknown label is refused) or "balanced", ``n_samples /
        (n_classes * count of the class)``, where with ``sample_weight`` the counts are
        sums of the weights (as scikit-learn's LogisticRegression counts them).  Without
        ``sample_weight`` a fit is exactly the fit with
        ``sample_weight=sklearn.utils.class_weight.compute_sample_weight(class_weight,
        y)``; with it, "balanced" gives the class weights of ``compute_class_weight(
        "balanced", classes=np.unique(y), y=y, sample_weight=sample_weight)``, times
        ``sample_weight``.  ``score`` is not weighted by it.

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
    Rounded to float32, a log-probability from the float64 net input (-5e-9) would not
    match the log of a float32 probability rounded to 1.0 (0), which scikit-learn's
    ``check_classifiers_train`` asks to 1e-9; :class:`SparseAutoencoder`'s ``transform``
    keeps float32.
    """

    def __init__(self, weight_decay: float = 1e-4, max_iter: int = 400,
                 random_state: int | np.random.RandomState | np.random.Generator | None = None,
                 method: str = "L-BFGS-B",
                 class_weight: str | Mapping[object, float] | None = None) -> None:
        self.weight_decay = weight_decay
        self.max_iter = max_iter
        self.random_state = random_state
        self.method = method
        self.class_weight = class_weight

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a pickle from before the class_weight parameter (4dc6e0b) weighs no class
        super().__setstate__({"class_weight": None, **state})

    def _check_settings(self) -> None:
        """Check every setting by its own name (``random_state`` apart)."""
        check_nonneg_float(self.weight_decay, "weight_decay")
        check_positive_int(self.max_iter, "max_iter")
        _check_method(self.method)
        check_class_weight(self.class_weight, owner=type(self).__name__)

    @property
    def params(self) -> np.ndarray:
        """The flat parameter vector of :attr:`network_`: ``W`` (n_features, n_classes) by
        rows, then ``b`` (n_classes,); ndarray of shape (n_features * n_classes + n_classes,).
        """
        return self._check_fitted().params

    def cost(self, theta: object, X: object, y: object,
             sample_weight: object = None) -> tuple[float, np.ndarray]:
        """``(J, grad)`` of the cost that :meth:`fit` minimises, at a flat parameter vector.

        UFLDL's ``softmaxCost``: ``J = -(1/m) sum_i log p(y_i | x_i) + (lambda/2) sum W^2``
        (the biases not decayed), with ``lambda`` the ``weight_decay`` as it is now, and
        its gradient; with ``sample_weight`` or ``class_weight`` the weighted mean, as in
        :meth:`fit`.  For ``scipy.optimize.minimize(jac=True)`` and
        :func:`chainrule.gradient_check` (``gradient_check(model, X, y)``, labels as
        given to ``fit``).  The model is left as it was.

        Parameters
        ----------
        theta : array-like of shape (n_params,)
            In the order of :attr:`params`.
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels among ``classes_``.
        sample_weight : array-like of shape (n_samples,) or float, optional
            As in :meth:`fit`.

        Returns
        -------
        J : float
        grad : ndarray of shape (n_params,)
        """
        net = self._check_fitted()
        theta = net._check_theta(theta)
        X = _checked_X(self, X, False, net.dtype)
        codes = self._codes(y, X.shape[0])
        sw = checked_sample_weight(sample_weight, X.shape[0])
        cw = label_weights(check_class_weight(self.class_weight), self.classes_[codes],
                           self.classes_, sample_weight=sw)
        if cw is not None:
            sw = times_sample_weight(cw, sw, self.class_weight)
        Y = net.prepare_targets(codes, X.shape[0], "y")
        saved, saved_decay = net.params.copy(), net.weight_decay
        try:
            net.params[...] = theta
            net.weight_decay = check_nonneg_float(self.weight_decay, "weight_decay")
            J, grad = _penalized_cost(net, X, Y, None, _data_shares(sw))
            return J, grad.copy()
        finally:
            net.params[...] = saved
            net.weight_decay = saved_decay

    def fit(self, X: object, y: object, sample_weight: object = None) -> SoftmaxRegression:
        """Train on features ``X`` of shape (n_samples, n_features) and labels ``y``.

        A fit that fails (bad data, one class) leaves a fitted model as it was.
        A Ctrl-C (KeyboardInterrupt) stops the optimiser, as one stops the MLP
        estimators: the model keeps the last iterate (``n_iter_`` iterations), is
        fitted, and warns ``UserWarning("Training interrupted by user.")``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights of the examples, not all zero (checked as
            :class:`~chainrule.MLPClassifier` checks them): the cost's mean
            cross-entropy becomes ``sum_i w_i L_i / sum_i w_i``, the weight decay
            unchanged.  Multiplied by the weights of ``class_weight``.

        Returns
        -------
        self
        """
        with restored_on_error(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X: object, y: object, sample_weight: object) -> SoftmaxRegression:
        check_random_state_value(self.random_state)  # before anything changes
        class_weight = check_class_weight(self.class_weight, owner=type(self).__name__)
        X, y = _checked_X(self, X, True, np.float64, y)
        sw = checked_sample_weight(sample_weight, X.shape[0])
        codes = self._labels(y)
        cw = label_weights(class_weight, y, self.classes_, sample_weight=sw)
        if cw is not None:  # MLPClassifier's weights and message
            sw = times_sample_weight(cw, sw, self.class_weight,
                                     detail=f", for the classes {np.unique(y).tolist()} of y")
        net = Network([Dense(X.shape[1], self.classes_.size, "softmax", init="normal",
                             seed=_rng(self.random_state))],
                      loss="cross_entropy",
                      weight_decay=check_nonneg_float(self.weight_decay, "weight_decay"))
        Y = net.prepare_targets(codes, X.shape[0], "y")
        method, max_iter = _check_method(self.method), check_positive_int(self.max_iter,
                                                                          "max_iter")
        result = _fit_scipy(net, X, Y, None, method, max_iter, "SoftmaxRegression",
                            sample_weight=_data_shares(sw))
        _warn_unconverged(result, "SoftmaxRegression", method, f"max_iter={max_iter}")
        self.network_ = net
        self.n_iter_ = int(result.nit)
        return self
