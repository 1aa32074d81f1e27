"""The full-batch objective with the first layer's bias folded into its products (issue 4).

``scipy_fit._objective`` evaluates the same ``X`` at every call, so a first
Dense layer gets ``X1 = [X, 1]`` once and computes ``Z = X1 @ [W; b]`` and
``[dW; db] = X1.T @ delta`` (``Dense._fold_bias``): no pass adding ``b``, no
column sums of ``delta``.  Compared here with the plain, unbuffered cost and
gradient (``Network.cost``) and with the objective without the fold.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import chainrule
from chainrule import Dense, Network, mlp
from chainrule.scipy_fit import _objective


def _data(rng, m: int, n_in: int, k: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(m, n_in)).astype(dtype)
    return X, rng.integers(0, k, m)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_folded_objective_gives_the_plain_cost_and_gradient(dtype, weighted, rng):
    net = mlp([6, 20, 4], hidden="relu", output="softmax", seed=0, dtype=dtype)
    X, y = _data(rng, 300, 6, 4, dtype)
    Y = net.prepare_targets(y, 300)
    sw = net.check_sample_weight(rng.random(300) * 2, 300) if weighted else None
    plain, unfolded = net.copy(), net.copy()
    fun = _objective(net, X, Y, sw)
    fun_unfolded = _objective(unfolded, X, Y, sw, fold_bias=False)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for scale in (0.0, 1.0, 3.0):
        theta = net.params.astype(np.float64) * (1 + scale * rng.normal(size=net.n_params))
        theta[6 * 20:6 * 20 + 20] = rng.normal(size=20) * scale  # biases: not all zero
        J, g = fun(theta)
        J0, g0 = plain.cost(theta, X, Y, sample_weight=sw)  # the plain path, unbuffered
        J1, g1 = fun_unfolded(theta)
        assert g.dtype == np.float64
        assert J == pytest.approx(J0, rel=tol) and J == pytest.approx(J1, rel=tol)
        np.testing.assert_allclose(g, g0, rtol=tol, atol=tol * 1e-3)
        np.testing.assert_allclose(g, g1, rtol=tol, atol=tol * 1e-3)
        first = net.layers[0]
        assert first.X is X  # the caller's data, not the copy with the ones
        # its ReLU writes A over Z there (DenseBuffers._forward_into): Z is not kept
        assert first.Z is None
        np.testing.assert_allclose(first.A, np.maximum(X @ first.W + first.b, 0), rtol=tol,
                                   atol=tol)
        np.testing.assert_allclose(first.db, first.delta.sum(axis=0), rtol=tol, atol=tol * 1e-3)


def test_fold_bias_stacks_views_of_the_parameter_and_gradient_vectors(rng):
    net = mlp([3, 5, 2], hidden="tanh", output="softmax", seed=1)
    layer = net.layers[0]
    X = rng.normal(size=(7, 3))
    src, X1, Wb, dWb = layer._fold_bias(X)
    assert src is X
    np.testing.assert_array_equal(X1, np.hstack([X, np.ones((7, 1))]))
    assert Wb.shape == dWb.shape == (4, 5)
    np.testing.assert_array_equal(Wb, np.vstack([layer.W, layer.b]))
    net.params[:] = np.arange(net.n_params)  # views: they follow the vector
    np.testing.assert_array_equal(Wb, np.vstack([layer.W, layer.b]))
    np.testing.assert_array_equal(Wb.ravel(), np.arange(20))
    net.grads[:] = -np.arange(net.n_params)
    np.testing.assert_array_equal(dWb, np.vstack([layer.dW, layer.db]))
    # nothing to fold: no bias, or W and b that are not consecutive in one vector
    assert Network([Dense(3, 5, bias=False, seed=0)]).layers[0]._fold_bias(X) is None
    assert Dense(3, 5, seed=0)._fold_bias(X) is None  # in no network: arrays of its own


def test_objective_folds_only_a_dense_first_layer_whose_copy_costs_little(rng, monkeypatch):
    calls = []
    fold = Dense._fold_bias

    def spy(layer, X):
        calls.append(X.shape)
        return fold(layer, X)

    monkeypatch.setattr(Dense, "_fold_bias", spy)
    X, y = _data(rng, 50, 8, 3, np.float64)
    wide = mlp([8, 9, 3], hidden="relu", output="softmax", seed=0)  # 8 + 1 <= 9
    narrow = mlp([8, 8, 3], hidden="relu", output="softmax", seed=0)  # the copy: larger
    for net, folded in ((wide, True), (narrow, False)):
        calls.clear()
        Y = net.prepare_targets(y, 50)
        fun = _objective(net, X, Y)
        J, g = fun(net.params.astype(np.float64))
        assert calls == ([(50, 8)] if folded else [])
        J0, g0 = net.copy().cost(net.params, X, Y)
        assert J == pytest.approx(J0, rel=1e-12)
        np.testing.assert_allclose(g, g0, rtol=1e-12, atol=1e-15)
    calls.clear()  # sparse data: multiplied as it is, never copied
    Xs = scipy.sparse.csr_matrix(np.where(X > 0.5, X, 0.0))
    Y = wide.prepare_targets(y, 50)
    J, g = _objective(wide, Xs, Y)(wide.params.astype(np.float64))
    assert calls == []
    J0, g0 = wide.copy().cost(wide.params, Xs.toarray(), Y)
    np.testing.assert_allclose(g, g0, rtol=1e-12, atol=1e-15)


def test_minimize_with_the_fold_follows_the_plain_objective(rng):
    X, y = _data(rng, 120, 4, 3, np.float64)
    net = mlp([4, 10, 3], hidden="relu", output="softmax", seed=3)
    plain = net.copy()
    Y = plain.prepare_targets(y, 120)
    result = chainrule.minimize(net, X, y, maxiter=15)
    J, g = plain.cost(result.x, X, Y)
    assert result.fun == pytest.approx(J, rel=1e-12)
    np.testing.assert_allclose(result.jac, g, rtol=1e-9, atol=1e-12)
    # the network's layers hold no copy of the data once minimize returns
    assert all(layer.X is None and layer._work is None for layer in net.layers)
