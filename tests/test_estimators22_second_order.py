"""The estimators' second-order solvers, "newton-cg" and "trust-ncg" (chainrule.minimize's
Newton-CG and trust-ncg with the exact Hessian-vector product): the fit is minimize's run on
the same network and data, its loss is the cost written out in NumPy here, at or below
L-BFGS-B's after as many iterations; saved and loaded it predicts the same; a network
without an exact H v is refused at fit, naming the solver."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from chainrule import MLPClassifier, MLPRegressor, load_estimator, minimize
from estimator_helpers import (
    LAYERS_CNN,
    digit_images,
    one_blas_thread,  # noqa: F401 (autouse)
)
from solver_helpers import quiet_fit, sine_data

ALPHA = 1e-3


def _started(cls, solver: str, X, y, **kw):
    """A warm-start estimator after one iteration, and a copy of its network then."""
    est = cls(solver=solver, warm_start=True, alpha=ALPHA, random_state=0, max_iter=1, **kw)
    quiet_fit(est, X, y)
    return est, copy.deepcopy(est.network_)


def _numpy_cost(est, X, y) -> float:
    """1/(2m) sum (a - y)^2 + alpha/(2m) sum W^2 of a tanh network with an identity output
    (scikit-learn's MLPRegressor loss), in plain NumPy from coefs_ and intercepts_."""
    a = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_, strict=True)):
        a = a @ W + b
        if i < len(est.coefs_) - 1:
            a = np.tanh(a)
    m = X.shape[0]
    penalty = sum(float(np.sum(W * W)) for W in est.coefs_)
    return float(np.sum((a[:, 0] - y) ** 2) / (2 * m) + ALPHA * penalty / (2 * m))


@pytest.mark.parametrize(("solver", "method", "option"),
                         [("trust-ncg", "trust-ncg", "gtol"), ("newton-cg", "Newton-CG", "xtol")])
def test_regressor_is_minimize_with_the_same_method(solver, method, option):
    X, y = sine_data(40)
    est, net0 = _started(MLPRegressor, solver, X, y, hidden_layer_sizes=(6,),
                         activation="tanh", tol=1e-6)
    est.max_iter = 12
    quiet_fit(est, X, y)
    result = minimize(net0, X, y[:, None], method=method, maxiter=12,
                      options={option: 1e-6})
    assert est.n_iter_ == result.nit
    assert est.loss_ == pytest.approx(result.fun, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(est.network_.params, net0.params, rtol=1e-10, atol=1e-12)
    assert est.loss_ == pytest.approx(_numpy_cost(est, X, y), rel=1e-10)
    assert len(est.loss_curve_) == 1 + est.n_iter_  # the first fit's iteration, then these
    assert est.loss_curve_[-1] == est.loss_
    assert not hasattr(est, "partial_fit")  # refused as for lbfgs


def test_classifier_newton_cg_is_minimize_with_weights():
    X, yc = sine_data(45, seed=3)
    y = np.digitize(yc, [-0.3, 0.3])  # three classes: softmax + cross-entropy
    sw = np.linspace(0.5, 2.0, len(y))
    est = MLPClassifier((5,), "tanh", solver="newton-cg", warm_start=True, alpha=ALPHA,
                        random_state=0, max_iter=1)
    quiet_fit(est, X, y, sample_weight=sw)
    net0 = copy.deepcopy(est.network_)
    est.max_iter = 8
    quiet_fit(est, X, y, sample_weight=sw)
    Y = (y[:, None] == est.classes_).astype(float)
    result = minimize(net0, X, Y, method="newton-cg", maxiter=8, sample_weight=sw,
                      options={"xtol": est.tol})
    assert est.loss_ == pytest.approx(result.fun, rel=1e-10)
    np.testing.assert_allclose(est.network_.params, net0.params, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("solver", ["trust-ncg", "newton-cg"])
def test_at_or_below_lbfgs_after_as_many_iterations(solver):
    X, y = sine_data(60)
    losses = {}
    for s in ("lbfgs", solver):
        est = MLPRegressor((6,), "tanh", solver=s, alpha=ALPHA, max_iter=60, tol=0.0,
                           random_state=0)
        quiet_fit(est, X, y)
        losses[s] = est.loss_
        assert est.n_iter_ <= 60 and len(est.loss_curve_) == est.n_iter_
    assert losses[solver] <= losses["lbfgs"]


def test_saved_and_loaded_predicts_the_same(tmp_path):
    X, y = sine_data(30)
    est = quiet_fit(MLPRegressor((5,), "tanh", solver="trust-ncg", max_iter=15,
                                 random_state=0), X, y)
    loaded = load_estimator(est.save(tmp_path / "est.npz"))
    assert loaded.solver == "trust-ncg"
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert loaded.loss_curve_ == est.loss_curve_


def test_unsupported_loss_is_refused_naming_the_solver():
    X, y = sine_data(20)
    est = MLPRegressor((4,), solver="trust-ncg", loss="huber", random_state=0)
    with pytest.raises(ValueError, match=r"The 'solver' parameter of MLPRegressor must be a "
                       r"first-order solver .*Got 'trust-ncg' instead.*'huber' has no "
                       r"second-order path.*supported: Dense layers"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def test_unsupported_layer_is_refused_naming_it():
    X, _, y = digit_images()
    # (a BatchNorm layer is taken: its training-mode cost, tests/test_hessian4_batchnorm.py)
    layers = [LAYERS_CNN[0], {"type": "Dropout", "rate": 0.5}, *LAYERS_CNN[1:]]
    est = MLPClassifier(layers=layers, solver="newton-cg", input_shape=(1, 8, 8),
                        max_iter=2, random_state=0)
    # (the words say Dropout alone: BatchNorm is no refusal of newton-cg's)
    with pytest.raises(ValueError, match=r"a list of layers without Dropout with "
                       r"solver='newton-cg'.*layers\[1\] \(Dropout\)"):
        est.fit(X, y)
    with pytest.raises(ValueError, match=r"must be 0.0 with solver='trust-ncg'.*\(dropout "
                       r"needs a stochastic solver"):
        MLPClassifier(dropout=0.1, solver="trust-ncg", max_iter=2).fit(X.reshape(len(X), -1), y)
