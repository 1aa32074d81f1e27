"""After ``gradient_check`` the network's gradient and layer arrays are those at its own
parameters (robust19).

The check's last evaluation was a central-difference step, ``theta`` with its last entry
moved by ``-eps``: ``net.grads`` and every layer's ``A``, ``Z`` and ``delta`` were left
at that point, about 1e-5 away from the network's parameters, which a reader comparing
the deltas with a hand computation to six digits (the README tour's -0.488499) would
take for the network's.  They are now those ``loss_and_grad(X, Y)`` leaves; the
parameters, as before, are not moved.  A refused check changes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(2)
X = RNG.uniform(size=(5, 4))
LABELS = np.array([0, 1, 2, 0, 1])


def _arrays(net):
    out = [net.params.copy(), net.grads.copy()]
    for layer in net.layers:
        out += [np.array(getattr(layer, k), copy=True) for k in ("A", "Z", "delta")]
    return out


@pytest.mark.parametrize(("hidden", "output", "kw"), [
    ("sigmoid", "softmax", {}),
    ("relu", "softmax", {"exclude_kinks": True}),
    ("tanh", "sigmoid", {"sample_weight": np.array([1.0, 2.0, 0.5, 1.0, 3.0])}),
], ids=["sigmoid", "relu-kinks", "weighted"])
def test_the_network_is_left_as_loss_and_grad_leaves_it(hidden, output, kw):
    net = cr.mlp([4, 5, 3], hidden=hidden, output=output, init="ufldl", seed=0)
    Y = np.eye(3)[LABELS] if output == "sigmoid" else LABELS
    twin = net.copy()
    twin.loss_and_grad(X, Y, sample_weight=kw.get("sample_weight"))  # the reference
    result = cr.gradient_check(net, X, Y, **kw)
    assert result.verdict == "PASS"
    for got, expected in zip(_arrays(net), _arrays(twin), strict=True):
        np.testing.assert_array_equal(got, expected)


def test_the_tour_s_delta_after_a_check():
    """The README tour's worked example: output delta -0.488499 (hand-worked in courses:
    a = sigmoid(-0.3 + 0.5 h1 + 0.1 h2), delta = a - 1 with m = 1), read after a check."""
    net = cr.Network.from_transfer_matrices(
        [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]],
        activation="sigmoid", loss="log_loss")
    cr.gradient_check(net, [[0, 1]], [1])
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = sig(np.array([0.4 - 0.2, 0.6 + 0.3]))
    a = sig(-0.3 + 0.5 * h[0] + 0.1 * h[1])
    assert net.layers[1].delta[0, 0] == pytest.approx(a - 1, rel=1e-15, abs=1e-16)
    assert round(float(net.layers[1].delta[0, 0]), 6) == -0.488499


@pytest.mark.parametrize(("args", "exc"), [
    ((np.ones((5, 3)), LABELS), ValueError),
    ((X, np.array([0, 1, 2, 3, 0])), ValueError),
    ((np.full((5, 4), np.nan), LABELS), ValueError),
    ((X, LABELS[:3]), ValueError),
], ids=["3-features", "class-3", "NaN", "short-y"])
def test_a_refused_check_changes_nothing(args, exc):
    net = cr.mlp([4, 5, 3], hidden="sigmoid", output="softmax", seed=0)
    net.loss_and_grad(X[:2], LABELS[:2])
    before = _arrays(net)
    with pytest.raises(exc):
        cr.gradient_check(net, *args)
    for got, expected in zip(_arrays(net), before, strict=True):
        np.testing.assert_array_equal(got, expected)
