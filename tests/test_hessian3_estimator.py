"""The estimators' second-order solvers on a CNN ``layers`` list, now that chainrule.hessian
covers Conv2D, MaxPool2D and Flatten (they were refused naming the Conv2D layer): a
trust region method only accepts steps that lower the cost, so its loss curve never rises,
and four iterations from the same start lower it well below where it began."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chainrule import MLPClassifier
from estimator_helpers import LAYERS_CNN, digit_images


@pytest.mark.parametrize("solver", ["trust-ncg", "newton-cg"])
def test_second_order_solvers_fit_a_cnn_layers_list(solver):
    _, X, y = digit_images()
    X, y = X[:60], y[:60]
    est = MLPClassifier(layers=LAYERS_CNN, solver=solver, input_shape=(1, 8, 8),
                        max_iter=4, alpha=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (4 iterations: not converged)
        est.fit(X, y)
    curve = np.asarray(est.loss_curve_)
    assert curve.size >= 2 and np.all(np.isfinite(curve))
    assert curve[-1] < 0.9 * curve[0]
    if solver == "trust-ncg":
        assert np.all(np.diff(curve) <= 1e-12)
