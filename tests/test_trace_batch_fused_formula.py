"""A mini-batch trace writes a canonical pair's output delta as it is computed, out - y
(sum(y) out - y for cross-entropy targets that do not sum to 1), as the one-example trace
does, beside the product dE_i/dout * f' whose factors it does not use."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.tracing.render import fmt

EXAMPLE_A = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]


def test_a_sigmoid_log_loss_batch_writes_out_minus_y():
    net = cr.Network.from_transfer_matrices(EXAMPLE_A, activation="sigmoid", loss="log_loss")
    X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    text = cr.trace(net, X, Y).text()
    assert "delta^(2) = dE_i/dx^(2) * phi'(s^(2)) = x^(2) - y\n" in text
    for x, y in zip(X, Y, strict=True):  # NumPy: a - y per example
        h = 1 / (1 + np.exp(-(np.array([0.4, 0.6]) + x @ np.array([[0.7, -0.4], [-0.2, 0.3]]))))
        a = 1 / (1 + np.exp(-(-0.3 + h @ np.array([0.5, 0.1]))))
        assert f"[{fmt(a - y[0])}]" in text


@pytest.mark.parametrize(("Y", "formula"), [
    (np.array([[1.0, 0.0], [0.0, 1.0]]), "= x^(1) - y  (the softmax Jacobian)"),
    (np.array([[1.0, 1.0], [0.0, 1.0]]), "= sum(y) x^(1) - y  (the softmax Jacobian)")])
def test_a_softmax_cross_entropy_batch_writes_its_delta(Y, formula):
    W, b = np.array([[0.3, -0.4], [0.5, 0.6]]), np.array([0.1, 0.2])
    net = cr.Network.from_transfer_matrices([np.vstack([b, W])], activation="softmax",
                                            loss="cross_entropy")
    X = np.array([[0.5, 1.0], [1.0, 0.0]])
    text = cr.trace(net, X, Y).text()
    assert f"delta^(1) = (dx^(1)/ds^(1))^T dE_i/dx^(1) {formula}" in text
    z = X @ W + b
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    for d in Y.sum(axis=1, keepdims=True) * p - Y:  # NumPy: sum(y) p - y per example
        assert f"[{fmt(d[0])}, {fmt(d[1])}]" in text
