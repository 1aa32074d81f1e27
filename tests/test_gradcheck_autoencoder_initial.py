"""``gradient_check`` of an unfitted SparseAutoencoder: at the initial weights a fit starts
from (UFLDL's initializeParameters), with the full sparse cost, leaving it unfitted, as
UFLDL's exercise runs checkNumericalGradient before training.  Before: a TypeError
telling the student to fit first."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from scipy.special import expit
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import chainrule as cr


def _ufldl_theta(n_in, n_hidden, seed):
    """initializeParameters: W1, W2 uniform in +-r, r = sqrt(6/(n_in+n_hidden+1)), b 0;
    drawn in the order of the fit (W1, then W2) from NumPy's Generator of the seed."""
    rng = np.random.default_rng(seed)
    r = np.sqrt(6.0 / (n_in + n_hidden + 1))
    W1 = rng.uniform(-r, r, size=(n_in, n_hidden))
    W2 = rng.uniform(-r, r, size=(n_hidden, n_in))
    return np.concatenate([W1.ravel(), np.zeros(n_hidden), W2.ravel(), np.zeros(n_in)])


def _ufldl_cost(theta, X, n_hidden, lam, rho, beta):
    """sparseAutoencoderCost in NumPy (rows are examples): J and its gradient."""
    m, n = X.shape
    sizes = [n * n_hidden, n_hidden, n_hidden * n, n]
    W1, b1, W2, b2 = np.split(theta, np.cumsum(sizes)[:-1])
    W1, W2 = W1.reshape(n, n_hidden), W2.reshape(n_hidden, n)
    A2 = expit(X @ W1 + b1)
    A3 = expit(A2 @ W2 + b2)
    rho_hat = A2.mean(axis=0)
    J = (0.5 * np.sum((A3 - X) ** 2) / m + lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
         + beta * np.sum(rho * np.log(rho / rho_hat)
                         + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))))
    d3 = (A3 - X) * A3 * (1 - A3)
    d2 = (d3 @ W2.T + beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))) * A2 * (1 - A2)
    grad = np.concatenate([(X.T @ d2 / m + lam * W1).ravel(), d2.mean(axis=0),
                           (A2.T @ d3 / m + lam * W2).ravel(), d3.mean(axis=0)])
    return J, grad


def _central(f, theta, eps=1e-4):
    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = eps
        g[i] = (f(theta + e) - f(theta - e)) / (2 * eps)
    return g


def _rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(a + b)


def test_an_unfitted_sparse_autoencoder_is_checked_at_its_initial_weights():
    X = np.random.default_rng(3).uniform(0.1, 0.9, size=(15, 8))
    ae = cr.SparseAutoencoder(5, rho=0.05, beta=3.0, weight_decay=1e-3, random_state=7)
    result = cr.gradient_check(ae, X)
    theta = _ufldl_theta(8, 5, 7)
    J, grad = _ufldl_cost(theta, X, 5, 1e-3, 0.05, 3.0)
    numerical = _central(lambda t: _ufldl_cost(t, X, 5, 1e-3, 0.05, 3.0)[0], theta)
    assert result.cost == pytest.approx(J, rel=1e-12)  # the full cost, KL term included
    assert _rel(result.analytical, grad) < 1e-9
    assert _rel(result.numerical, numerical) < 1e-9
    assert result.rel_diff < 1e-7
    with pytest.raises(NotFittedError):  # left unfitted: no fitted attribute set
        check_is_fitted(ae)
    assert not hasattr(ae, "n_features_in_")


def test_initialized_is_the_start_of_a_fit_and_leaves_the_estimator_unfitted(monkeypatch):
    X = np.random.default_rng(4).uniform(0.1, 0.9, size=(12, 6))
    ae = cr.SparseAutoencoder(3, max_iter=1, random_state=11)
    start = ae.initialized(X)
    np.testing.assert_array_equal(start.params, _ufldl_theta(6, 3, 11))
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)
    J, _ = _ufldl_cost(start.params, X, 3, 1e-4, 0.01, 3.0)
    assert start.n_iter_ == 0 and start.loss_ == pytest.approx(J, rel=1e-12)
    # the x0 a fit hands SciPy's optimiser is the same vector
    seen = []
    minimize = scipy.optimize.minimize

    def spy(fun, x0, *args, **kwargs):
        seen.append(np.array(x0))
        return minimize(fun, x0, *args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", spy)
    with pytest.warns(Warning):  # max_iter=1: not converged
        ae.fit(X)
    np.testing.assert_array_equal(seen[0], start.params)


def test_a_generator_random_state_is_not_advanced_by_the_check():
    X = np.random.default_rng(5).uniform(0.1, 0.9, size=(10, 4))
    ae = cr.SparseAutoencoder(2, random_state=np.random.default_rng(9))
    first = cr.gradient_check(ae, X)
    again = cr.gradient_check(ae, X)  # the same start: the Generator was copied, not drawn
    assert first.cost == again.cost
    np.testing.assert_array_equal(ae.initialized(X).params, _ufldl_theta(4, 2, 9))


def test_the_check_of_an_unfitted_autoencoder_refuses_what_fit_refuses():
    ae = cr.SparseAutoencoder(2, random_state=0)
    with pytest.raises(ValueError, match=r"X: with output='sigmoid' the data must lie in"):
        cr.gradient_check(ae, np.full((4, 3), 2.0))
    with pytest.raises(TypeError, match=r"Y was given"):
        cr.gradient_check(ae, np.full((4, 3), 0.5), np.zeros(4))
