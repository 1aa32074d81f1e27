"""A 3-6-2 tanh network and its squared-error gradient written out by hand, the reference
of the training-loop rules tested step by step against NumPy (test_clip_norm, test_ema)."""

from __future__ import annotations

import numpy as np

import chainrule


def tanh_net(seed: int = 0) -> chainrule.Network:
    """``mlp([3, 6, 2])``: a tanh hidden layer, an identity output."""
    return chainrule.mlp([3, 6, 2], hidden="tanh", output="identity", seed=seed)


def tanh_loss_grad(W1, b1, W2, b2, X, Y):
    """The gradient of the mean squared-error cost (0.5 sum over the outputs) of
    :func:`tanh_net`'s parameters, by hand: dW1, db1, dW2, db2."""
    A = np.tanh(X @ W1 + b1)
    E = (A @ W2 + b2 - Y) / X.shape[0]
    dA = (E @ W2.T) * (1 - A**2)
    return X.T @ dA, dA.sum(0), A.T @ E, E.sum(0)


def tanh_params(net: chainrule.Network) -> list[np.ndarray]:
    """Copies of :func:`tanh_net`'s W1, b1, W2, b2."""
    return [net.layers[0].W.copy(), net.layers[0].b.copy(), net.layers[1].W.copy(),
            net.layers[1].b.copy()]
