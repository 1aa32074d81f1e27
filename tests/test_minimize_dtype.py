"""``chainrule.minimize`` computes in the network's dtype (as its docstring and the
README say): a float32 network is trained, and ends, in float32, where
scikit-learn's ``MLPClassifier(solver="lbfgs")`` ends with float64 weights."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

import chainrule as cr


def _data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    return X, (X[:, 0] + X[:, 2] > 0).astype(int)


def test_a_float32_network_is_trained_in_float32():
    X, y = _data()
    net = cr.mlp([3, 5, 2], output="softmax", seed=0, dtype="float32")
    result = cr.minimize(net, X, y, maxiter=4)
    assert net.params.dtype == np.float32 and result.x.dtype == np.float64
    # the network holds SciPy's float64 iterate rounded to float32
    np.testing.assert_array_equal(net.params, result.x.astype(np.float32))
    # SciPy's cost of that iterate is the network's float32 cost there, exactly,
    J32, grad32 = net.loss_and_grad(X, y)
    assert grad32.dtype == np.float32
    assert result.fun == float(J32)
    # not the float64 one, which differs past float32's digits
    J64, _ = net.astype("float64").loss_and_grad(X.astype(np.float64), y)
    assert result.fun != J64
    np.testing.assert_allclose(result.fun, J64, rtol=1e-5)


@pytest.mark.filterwarnings("ignore:.*(converge|Maximum number of iteration)")
def test_scikit_learns_lbfgs_ends_in_float64_on_float32_data():
    """scikit-learn's lbfgs keeps SciPy's float64 vector, and so does the estimator
    (dtype=None: a float64 network for lbfgs), unlike minimize on a float32 network."""
    X, y = _data()
    clf = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20,
                        random_state=0).fit(X, y)
    assert clf.coefs_[0].dtype == np.float64
    est = cr.estimators.MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20,
                                      random_state=0).fit(X, y)
    assert est.coefs_[0].dtype == np.float64
