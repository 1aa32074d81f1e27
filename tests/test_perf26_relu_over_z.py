"""SciPy's objective with the hidden ReLU layers writing A over Z (issue 4, (3)).

``scipy_fit._objective`` marks its hidden ReLU Dense layers "relu over Z": their
forward pass writes ``A = max(Z, 0)`` into ``Z``'s buffer and keeps no ``Z``
(the derivative is read off ``A``).  Checked here: the cost and gradient are those
of the workspace pass without the mark, bit for bit, call after call (the buffer
reused), and those of a plain NumPy forward and backward written below; layers of
other activations keep their ``Z``; minimize's fit is unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import minimize, mlp
from chainrule.scipy_fit import _objective


def _unmarked(net, X, Y, theta):
    """The workspace pass of ``_objective`` without the "relu over Z" marks: its first
    layer's bias folded the same way, the same products, Z kept."""
    pool = {}
    first = net.layers[0]
    folded = first._fold_bias(X)
    assert folded is not None
    pool[id(first)] = {"bias folded": folded}
    net.params[...] = theta
    with np.errstate(over="ignore", invalid="ignore"), net._workspace(pool):
        J, grad = net._loss_and_grad(X, Y, False, None, True)
    return J, grad.copy(), [layer.Z.copy() for layer in net.layers]


def _numpy_cost_grad(Ws, bs, X, y):
    """Mean softmax cross-entropy of a ReLU MLP and its gradient, in plain NumPy."""
    As = [X]
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        As.append(np.maximum(As[-1] @ W + b, 0))
    Z = As[-1] @ Ws[-1] + bs[-1]
    Z = Z - Z.max(axis=1, keepdims=True)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    m = X.shape[0]
    J = -np.mean(np.log(P[np.arange(m), y]))
    delta = P.copy()
    delta[np.arange(m), y] -= 1
    delta /= m
    grads = []
    for i in range(len(Ws) - 1, -1, -1):
        grads[:0] = [As[i].T @ delta, delta.sum(axis=0)]
        if i:
            delta = (delta @ Ws[i].T) * (As[i] > 0)
    return J, np.concatenate([g.ravel() for g in grads])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_over_z_gives_the_unmarked_cost_and_gradient_bit_for_bit(dtype, rng):
    net = mlp([12, 30, 20, 5], hidden="relu", output="softmax", seed=0, dtype=dtype)
    X = rng.normal(size=(200, 12)).astype(dtype)
    y = rng.integers(0, 5, 200)
    Y = net.prepare_targets(y, 200)
    twin = net.copy()
    fun = _objective(net, X, Y)
    for scale in (0.0, 0.5, 2.0):  # the buffers reused from call to call
        theta = net.params.astype(np.float64) * (1 + scale * rng.normal(size=net.n_params))
        J, g = fun(theta)
        J0, g0, Zs = _unmarked(twin, X, Y, theta.astype(dtype))
        assert J == J0
        np.testing.assert_array_equal(g, g0.astype(np.float64))
        hidden, out = net.layers[:-1], net.layers[-1]
        assert all(layer.Z is None for layer in hidden)  # not kept: A is in its buffer
        for layer, Z in zip(hidden, Zs[:-1], strict=True):
            np.testing.assert_array_equal(layer.A, np.maximum(Z, 0))
        np.testing.assert_array_equal(out.Z, Zs[-1])  # the output layer keeps its Z


def test_relu_over_z_matches_plain_numpy(rng):
    net = mlp([8, 16, 3], hidden="relu", output="softmax", seed=1)
    X = rng.normal(size=(50, 8))
    y = rng.integers(0, 3, 50)
    fun = _objective(net, X, net.prepare_targets(y, 50))
    theta = net.params.copy()
    J, g = fun(theta)
    Ws = [layer.W.copy() for layer in net.layers]
    bs = [layer.b.copy() for layer in net.layers]
    J_ref, g_ref = _numpy_cost_grad(Ws, bs, X, y)
    assert J == pytest.approx(J_ref, rel=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-14)


def test_other_activations_keep_their_z(rng):
    net = mlp([6, 10, 3], hidden="tanh", output="softmax", seed=0)
    X = rng.normal(size=(40, 6))
    fun = _objective(net, X, net.prepare_targets(rng.integers(0, 3, 40), 40))
    fun(net.params.copy())
    layer = net.layers[0]
    np.testing.assert_allclose(layer.Z, X @ layer.W + layer.b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.A, np.tanh(layer.Z), rtol=1e-12, atol=1e-15)


def test_minimize_leaves_the_public_passes_their_z(rng):
    # the mark lives in the objective's workspace only: after minimize, a public
    # forward pass keeps Z as always
    net = mlp([5, 8, 2], hidden="relu", output="softmax", seed=0)
    X = rng.normal(size=(30, 5))
    y = rng.integers(0, 2, 30)
    minimize(net, X, y, maxiter=5)
    net.forward(X)
    layer = net.layers[0]
    np.testing.assert_allclose(layer.Z, X @ layer.W + layer.b, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(layer.A, np.maximum(layer.Z, 0))
