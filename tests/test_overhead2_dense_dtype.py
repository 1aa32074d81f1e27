"""A Dense layer's training step finds its buffers' dtype without np.result_type when its
input is of its own dtype, and still by np.result_type when it is not (overhead2).

The numbers are checked against the same products written in NumPy; the dtypes against
np.result_type itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import layers as layers_module


class _CountingNumPy:
    """``np`` for chainrule.layers, counting the calls of result_type."""

    def __init__(self) -> None:
        self.calls = 0

    def result_type(self, *args):
        self.calls += 1
        return np.result_type(*args)

    def __getattr__(self, name):
        return getattr(np, name)


def _net(dtype=np.float64) -> cr.Network:
    return cr.mlp([3, 4, 2], hidden="tanh", output="sigmoid", seed=0, dtype=dtype)


def test_step_of_networks_dtype_calls_no_result_type(monkeypatch):
    counting = _CountingNumPy()
    monkeypatch.setattr(layers_module, "np", counting)
    X = np.random.default_rng(0).normal(size=(5, 3))
    Y = np.random.default_rng(1).uniform(size=(5, 2))
    cr.train(_net(), X, Y, optimizer=cr.SGD(lr=0.1), batch_size=2, epochs=2)
    assert counting.calls == 0


@pytest.mark.parametrize("x_dtype", [np.float32, np.float64, np.dtype(">f8")])
def test_buffered_forward_and_backward_against_numpy(x_dtype):
    net = _net()
    l1, l2 = net.layers
    rng = np.random.default_rng(2)
    X = rng.normal(size=(4, 3)).astype(x_dtype)
    G = rng.normal(size=(4, 2))
    with net._workspace():
        A1 = l1.forward(X, True)
        A2 = l2.forward(A1, True)
        dX2 = l2.backward(G.copy())
        Z1_dtype = l1.Z.dtype
        l1.backward(dX2, need_input_grad=False)
    assert Z1_dtype == np.result_type(X, l1.W)
    Xf = X.astype(np.float64)
    a1 = np.tanh(Xf @ l1.W + l1.b)
    a2 = 1.0 / (1.0 + np.exp(-(a1 @ l2.W + l2.b)))
    np.testing.assert_allclose(A1, a1, rtol=1e-12)
    np.testing.assert_allclose(A2, a2, rtol=1e-12)
    d2 = G * a2 * (1.0 - a2)
    d1 = (d2 @ l2.W.T) * (1.0 - a1 * a1)
    np.testing.assert_allclose(dX2, d2 @ l2.W.T, rtol=1e-12)
    np.testing.assert_allclose(l2.dW, a1.T @ d2, rtol=1e-12)
    np.testing.assert_allclose(l1.dW, Xf.T @ d1, rtol=1e-12)
    np.testing.assert_allclose(l1.db, d1.sum(axis=0), rtol=1e-12)
