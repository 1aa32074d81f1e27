"""What a fitted or used model keeps alive: no caller's data, no data-sized caches.

Memory is measured in ``benchmarks/``; here only references are checked (and, where
tracemalloc is used, against generous bounds).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import chainrule
from chainrule.network import _BATCH_CACHES


def _caches(net: chainrule.Network) -> dict[tuple[int, str], object]:
    """The layers' per-pass arrays that are set (should be none)."""
    return {(i, attr): getattr(layer, attr) for i, layer in enumerate(net.layers)
            for attr in _BATCH_CACHES if getattr(layer, attr, None) is not None}


def _classification(rng: np.random.Generator, n: int = 300, k: int = 3
                    ) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 5))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1], np.quantile(X[:, 0], np.linspace(0, 1, k + 1)[1:-1]))
    return X, y


# -- L-BFGS / CG: nothing of the last evaluation stays ------------------------------------------
@pytest.mark.parametrize("method", ["L-BFGS-B", "CG"])
def test_minimize_releases_the_data_and_the_workspace(method, rng):
    X, y = _classification(rng)
    net = chainrule.mlp([5, 8, 3], hidden="tanh", output="softmax", seed=0)
    refs = sys.getrefcount(X)
    result = chainrule.minimize(net, X, y, method=method, maxiter=5)
    assert sys.getrefcount(X) == refs  # neither a layer nor a buffer holds the caller's X
    assert _caches(net) == {}
    assert all(layer._work is None for layer in net.layers)  # the workspace is closed
    # the result is unchanged by the release: the network holds result.x, and the cost
    # computed afresh is SciPy's final cost
    np.testing.assert_array_equal(net.params, result.x)
    assert net.loss_value(X, y) == pytest.approx(result.fun, rel=1e-12)


def test_minimize_releases_the_caches_when_it_diverges(rng):
    X = rng.normal(size=(50, 3)) * 1e200  # the squared error overflows from the start
    net = chainrule.mlp([3, 4, 1], hidden="relu", output="identity", seed=0)
    with pytest.raises(chainrule.TrainingDiverged, match="initial parameters"):
        chainrule.minimize(net, X, X.sum(1, keepdims=True), maxiter=3)
    assert _caches(net) == {}


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_scipy_solvers_fitted_estimator_keeps_no_training_data(solver, rng):
    X, y = _classification(rng)
    refs = sys.getrefcount(X)
    est = chainrule.MLPClassifier((8,), solver=solver, max_iter=5, random_state=0)
    with pytest.warns(Warning):  # 5 iterations: not converged
        est.fit(X, y)
    assert sys.getrefcount(X) == refs
    assert _caches(est.network_) == {}
