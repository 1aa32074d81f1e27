"""The networks, data and checks shared by the ``test_validation_*`` files: every refused
call on an existing network must leave it exactly as it was (``check_refused``)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule import mlp

N_IN, N_OUT, M = 3, 2, 5


def make_clf():
    """3-4-2 tanh / softmax, cross-entropy."""
    return mlp([N_IN, 4, N_OUT], hidden="tanh", output="softmax", seed=0)


def make_reg():
    """3-4-2 tanh / identity, squared error."""
    return mlp([N_IN, 4, N_OUT], hidden="tanh", output="identity", seed=0)


def make_bin():
    """3-4-2 tanh / sigmoid, log loss (multi-label)."""
    return mlp([N_IN, 4, N_OUT], hidden="tanh", output="sigmoid", seed=0)


_rng = np.random.default_rng(99)
X = _rng.normal(size=(M, N_IN))
LABELS = np.array([0, 1, 0, 1, 1])
ONEHOT = np.eye(N_OUT)[LABELS]
YREG = _rng.normal(size=(M, N_OUT))


def with_bad(arr, value, where=(1, 0)):
    out = np.array(arr, dtype=float)
    out[where] = value
    return out


def snapshot(net):
    return net.params.copy()


def assert_unchanged(net, before):
    assert net.params.dtype == before.dtype
    assert np.array_equal(net.params, before), "a refused call changed the parameters"
    for layer in net.layers:
        assert np.shares_memory(layer.W, net.params)
        if layer.b is not None:
            assert np.shares_memory(layer.b, net.params)


def check_refused(net, call, exc, match, *keywords):
    """``call(net)`` raises ``exc`` matching ``match`` and all ``keywords``; net unchanged."""
    before = snapshot(net)
    with pytest.raises(exc, match=match) as info:
        call(net)
    message = str(info.value)
    for word in keywords:
        assert re.search(word, message), f"{word!r} not in message: {message}"
    assert_unchanged(net, before)
    return message


# Every entry point that takes (X, Y) on an existing network.
ENTRY_POINTS = {
    "loss_and_grad": lambda net, X, Y: net.loss_and_grad(X, Y),
    "loss_value": lambda net, X, Y: net.loss_value(X, Y),
    "cost": lambda net, X, Y: net.cost(net.params * 0.5 + 0.1, X, Y),
    "train_gd": lambda net, X, Y: chainrule.train(net, X, Y, epochs=2),
    "train_sgd": lambda net, X, Y: chainrule.train(
        net, X, Y, optimizer="sgd", batch_size=2, epochs=2, seed=0
    ),
    "minimize": lambda net, X, Y: chainrule.minimize(net, X, Y, maxiter=3),
    "gradient_check": lambda net, X, Y: chainrule.gradient_check(net, X, Y),
}


ENTRIES = sorted(ENTRY_POINTS)
