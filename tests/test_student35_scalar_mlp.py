"""A 2-3-1 tanh MLP built of chainrule.scalar Values (micrograd's way: one node per
multiply and add) has the gradient chainrule's matrix backprop computes (student35)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.scalar import Value


def _value_mlp_loss(W0, b0, W1, b1, X, y):
    """Mean over the rows of (1/2)(o - y)^2, o = W1' tanh(W0' x + b0) + b1, in Values."""
    total = Value(0.0)
    for x, t in zip(X, y, strict=True):
        hidden = []
        for j in range(W0.shape[1]):
            z = b0[j]
            for i in range(W0.shape[0]):
                z = z + W0[i, j] * float(x[i])
            hidden.append(z.tanh())
        out = b1[0]
        for j, h in enumerate(hidden):
            out = out + W1[j, 0] * h
        total = total + 0.5 * (out - float(t)) ** 2
    return total / len(X)


def test_value_mlp_gradient_equals_network_loss_and_grad():
    rng = np.random.default_rng(35)
    net = cr.Network([cr.Dense(2, 3, "tanh"), cr.Dense(3, 1, "identity")],
                     loss="squared_error")
    theta = rng.normal(size=net.n_params)
    net.set_params(theta)
    X = rng.normal(size=(5, 2))
    y = rng.normal(size=(5, 1))
    J, grad = net.loss_and_grad(X, y)

    # the same numbers as Values, in the order of net.params: W0 row by row, b0, W1, b1
    leaves = [Value(float(t), f"p{k}") for k, t in enumerate(theta)]
    W0 = np.array(leaves[0:6], dtype=object).reshape(2, 3)
    b0 = leaves[6:9]
    W1 = np.array(leaves[9:12], dtype=object).reshape(3, 1)
    b1 = leaves[12:13]
    loss = _value_mlp_loss(W0, b0, W1, b1, X, y[:, 0])
    loss.backward()
    assert loss.data == pytest.approx(J, abs=1e-12)
    np.testing.assert_allclose([v.grad for v in leaves], grad, rtol=0, atol=1e-12)
    # and the layers' own arrays say the same (W of shape (fan_in, fan_out))
    np.testing.assert_allclose(net.layers[0].W, [[v.data for v in row] for row in W0])
