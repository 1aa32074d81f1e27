"""A loss or an activation assigned during a run (from a callback) is used by the fast
Dense step as by the general path (robust21).

The straight-line step of a plain Dense classifier (``_training_dense_step``) read the
hidden layers' activations and the loss's path once per call of fit, where the general
path's layers read theirs at each pass: a callback's ``net.layers[0].activation = "tanh"``
changed the general path's run and not the fast one's, which went on with ReLU.  Two
references: the general path (``_DenseStep.enabled`` off), to the bit, and one full-batch
gradient-descent run written in NumPy here.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule._training_dense_step import _DenseStep

RNG = np.random.default_rng(2121)
X = RNG.standard_normal((40, 5))
LABELS = np.argmax(X @ RNG.standard_normal((5, 3)), axis=1)
ONE_HOT = np.eye(3)[LABELS]


class Assign(cr.Callback):
    """After batch ``at`` of epoch 1, ``setattr(target(net), name, value)``."""

    def __init__(self, at, target, name, value):
        self.at, self.target, self.name, self.value = at, target, name, value

    def on_batch_end(self, state):
        if (state.epoch, state.batch) == (1, self.at):
            setattr(self.target(state.net), self.name, self.value)


def _run(enabled, monkeypatch, callback, batch_size=8, epochs=2, hidden="relu"):
    monkeypatch.setattr(_DenseStep, "enabled", enabled)
    net = cr.mlp([5, 6, 4, 3], hidden=hidden, output="softmax", seed=3)
    history = cr.train(net, X, ONE_HOT, optimizer=cr.SGD(lr=0.1, momentum=0.9),
                       batch_size=batch_size, epochs=epochs, seed=0, callbacks=[callback])
    return net.params.copy(), list(history.loss)


CHANGES = [  # (what, target, attribute, value)
    ("hidden relu to tanh", lambda net: net.layers[0], "activation", "tanh"),
    ("hidden relu to elu", lambda net: net.layers[1], "activation", "elu"),
    ("hidden to softplus (no in-place twin)", lambda net: net.layers[1], "activation",
     "softplus"),
    ("output to sigmoid", lambda net: net.layers[-1], "activation", "sigmoid"),
    ("loss to squared error", lambda net: net, "loss", "squared_error"),
]


@pytest.mark.parametrize(("what", "target", "name", "value"), CHANGES,
                         ids=[c[0] for c in CHANGES])
def test_a_setting_assigned_mid_run_is_the_general_paths(what, target, name, value,
                                                         monkeypatch):
    general = _run(False, monkeypatch, Assign(1, target, name, value))
    fast = _run(True, monkeypatch, Assign(1, target, name, value))
    unchanged = _run(False, monkeypatch, Assign(1, target, "_robust21_unused", None))
    assert not np.array_equal(general[0], unchanged[0])  # the assignment mattered
    np.testing.assert_array_equal(fast[0], general[0])
    assert fast[1] == general[1]


def test_relu_to_tanh_after_the_first_step_against_numpy(monkeypatch):
    """Two full-batch SGD steps (lr 0.5) of a 5-6-3 net, ReLU at the first and tanh at the
    second: softmax cross-entropy, dZ2 = (A - Y) / m, dW2 = H^T dZ2, dZ1 = dZ2 W2^T f'(Z1)."""
    monkeypatch.setattr(_DenseStep, "enabled", True)
    net = cr.mlp([5, 6, 3], hidden="relu", output="softmax", seed=4)
    (W1, b1), (W2, b2) = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]
    m = len(X)
    steps = [(lambda z: np.maximum(z, 0), lambda z, h: (z > 0).astype(float)),
             (np.tanh, lambda z, h: 1 - h**2)]
    for f, df in steps:
        Z1 = X @ W1 + b1
        H = f(Z1)
        Z2 = H @ W2 + b2
        A = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
        A /= A.sum(axis=1, keepdims=True)
        dZ2 = (A - ONE_HOT) / m
        dZ1 = dZ2 @ W2.T * df(Z1, H)
        W2, b2 = W2 - 0.5 * H.T @ dZ2, b2 - 0.5 * dZ2.sum(axis=0)
        W1, b1 = W1 - 0.5 * X.T @ dZ1, b1 - 0.5 * dZ1.sum(axis=0)

    def to_tanh(state):  # a plain callable: on_epoch_end
        if state.epoch == 1:
            state.net.layers[0].activation = "tanh"

    cr.train(net, X, ONE_HOT, optimizer=cr.SGD(lr=0.5), batch_size="full", epochs=2,
             callbacks=[to_tanh])
    for layer, (W, b) in zip(net.layers, [(W1, b1), (W2, b2)], strict=True):
        np.testing.assert_allclose(layer.W, W, rtol=0, atol=1e-13)
        np.testing.assert_allclose(layer.b, b, rtol=0, atol=1e-13)
