"""A network's ``loss``, ``weight_decay`` and ``decay`` assigned after it is built are
checked as the constructor checks them (robust19).

Before, ``net.loss = "squared_error"`` stored the string and the next cost failed with
``AttributeError: 'str' object has no attribute 'check_targets'``; ``net.weight_decay = -1``
trained on a cost that rewards large weights, and ``net.decay = "l2"`` silently computed
the "ufldl" decay.  A refused assignment leaves the network bit for bit as it was.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 3))
Y = RNG.normal(size=(6, 2))
LABELS = np.array([0, 1, 1, 0, 1, 0])


def _net(output="identity"):
    net = cr.mlp([3, 4, 2], hidden="tanh", output=output, seed=0)
    net.loss_and_grad(X, LABELS if output == "softmax" else Y)  # caches of a pass
    return net


def _state(net):
    """Everything a refused assignment must leave as it was."""
    arrays = [net.params.copy(), net.grads.copy()]
    for layer in net.layers:
        arrays += [np.array(getattr(layer, k)) for k in ("A", "Z", "delta")]
    return arrays, net.loss, net.weight_decay, net.decay


def _assert_same(before, after):
    (a0, *rest0), (a1, *rest1) = before, after
    assert len(a0) == len(a1) and all(np.array_equal(u, v) for u, v in zip(a0, a1, strict=True))
    assert rest0 == rest1


BAD = [
    # attribute, value, output, exception, words of the message
    ("loss", "squared_eror", "identity", ValueError, ["unknown loss", "squared_error"]),
    ("loss", "crossentropy", "softmax", ValueError, ["unknown loss", "cross_entropy"]),
    ("loss", 3, "identity", TypeError, ["loss", "int"]),
    ("loss", None, "identity", TypeError, ["loss", "NoneType"]),
    ("loss", "log_loss", "identity", ValueError, ["log_loss", "activation", "identity"]),
    ("loss", "hinge", "softmax", ValueError, ["hinge", "softmax", "identity"]),
    ("weight_decay", -1.0, "identity", ValueError, ["weight_decay", ">= 0", "-1.0"]),
    ("weight_decay", np.nan, "identity", ValueError, ["weight_decay", "finite", "nan"]),
    ("weight_decay", np.inf, "identity", ValueError, ["weight_decay", "finite", "inf"]),
    ("weight_decay", "0.1", "identity", TypeError, ["weight_decay", "str"]),
    ("decay", "l2", "identity", ValueError, ["decay", "ufldl", "per_sample", "'l2'"]),
    ("decay", None, "identity", ValueError, ["decay", "ufldl", "None"]),
]


@pytest.mark.parametrize(("attr", "value", "output", "exc", "words"), BAD,
                         ids=[f"{a}={v!r}" for a, v, *_ in BAD])
def test_bad_assignment_refused_network_unchanged(attr, value, output, exc, words):
    net = _net(output)
    before = _state(net)
    with pytest.raises(exc) as info:
        setattr(net, attr, value)
    for word in words:
        assert word.lower() in str(info.value).lower(), (word, str(info.value))
    _assert_same(before, _state(net))
    # and the network still computes
    net.loss_and_grad(X, LABELS if output == "softmax" else Y)


def test_loss_by_name_after_construction_is_that_loss():
    """``net.loss = "mean_squared_error"`` is the loss of that name: J is the mean over
    outputs and rows of (a - y)^2, computed here in plain NumPy from the forward pass."""
    net = _net()
    net.loss = "mean_squared_error"
    assert net.loss.name == "mean_squared_error"
    J, _ = net.loss_and_grad(X, Y)
    A = net.forward(X)
    assert J == pytest.approx(np.mean((A - Y) ** 2), rel=1e-13)
    net.loss = {"name": "huber", "delta": 0.5}
    J, _ = net.loss_and_grad(X, Y)
    r = np.abs(A - Y)
    huber = np.where(r <= 0.5, r**2 / 2, 0.5 * (r - 0.25)).sum(axis=1).mean()
    assert J == pytest.approx(huber, rel=1e-13)


def test_weight_decay_and_decay_assigned_are_used():
    """J = mean of 1/2 ||a - y||^2 + (lambda / m) / 2 sum W^2 (per_sample), in NumPy."""
    net = _net()
    net.weight_decay = 0.3
    net.decay = "per_sample"
    assert isinstance(net.weight_decay, float)
    J, _ = net.loss_and_grad(X, Y)
    A = net.forward(X)
    penalty = 0.3 / len(X) / 2 * sum(np.sum(layer.W**2) for layer in net.layers)
    assert J == pytest.approx(0.5 * np.sum((A - Y) ** 2) / len(X) + penalty, rel=1e-13)


def test_settings_survive_copy_pickle_and_files(tmp_path):
    net = _net()
    net.loss, net.weight_decay, net.decay = "mae", 0.25, "per_sample"
    for other in (net.copy(), pickle.loads(pickle.dumps(net)),
                  cr.load(cr.io.save(net, tmp_path / "m.npz"))):
        assert (other.loss.name, other.weight_decay, other.decay) == (
            "mean_absolute_error", 0.25, "per_sample")
