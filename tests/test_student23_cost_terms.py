"""``Network.cost_terms``: a network's ``J`` as the data term plus the weight-decay penalty.

References: each term written here in NumPy from the courses' formulas: Ng's ex4
``J = (1/m) sum_i sum_k [-y log h - (1 - y) log(1 - h)] + lambda/(2m) sum Theta^2`` (bias
column left out) on checkNNGradients' debug network (its weights from their definition,
sin(1 + i + j fan_out) / 10, see tests/test_student12_ng_ex4.py); UFLDL's
``(1/m) sum_i 1/2 ||h - y||^2 + (lambda/2) sum W^2``; deeplearning.ai's
``cross_entropy_cost + L2_regularization_cost`` (``lambda/(2m) sum ||W||^2``); the
weighted mean ``sum_i w_i L_i / sum_i w_i`` with ``m = sum_i w_i`` in the per-sample decay.
The total must be ``Network.cost``'s (and ``loss_and_grad``'s) ``J`` exactly.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit, softmax

import chainrule as cr
from chainrule.network import Network
from test_student12_ng_ex4 import _debug


def _forward(net, X):
    """The network's output by NumPy: hidden tanh, then the output activation."""
    h0, out = net.layers
    A = np.tanh(X @ h0.W + h0.b)
    Z = A @ out.W + out.b
    return {"identity": Z, "sigmoid": expit(Z), "exp": np.exp(Z),
            "softmax": softmax(Z, axis=1)}[out.activation.name], Z


def _losses(name, X, Y, net):
    """Each example's loss, from the formulas of chainrule.losses' docstrings."""
    a, z = _forward(net, X)
    if name == "squared_error":
        return 0.5 * np.sum((a - Y) ** 2, axis=1)
    if name == "mean_squared_error":
        return np.mean((a - Y) ** 2, axis=1)
    if name == "log_loss":
        return -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a), axis=1)
    if name == "cross_entropy":
        return -np.sum(Y * np.log(a), axis=1)
    if name == "poisson":
        ylog = np.where(Y > 0, Y * np.log(np.where(Y > 0, Y, 1) / a), 0.0)
        return np.sum(ylog - Y + a, axis=1)
    if name == "huber":  # delta = 1
        r = np.abs(a - Y)
        return np.sum(np.where(r <= 1, r ** 2 / 2, r - 0.5), axis=1)
    if name == "mean_absolute_error":
        return np.mean(np.abs(a - Y), axis=1)
    if name == "multiclass_hinge":  # Y one-hot, scores z
        correct = np.sum(z * Y, axis=1, keepdims=True)
        return np.sum(np.maximum(0, z - correct + 1) * (1 - Y), axis=1)
    if name == "hinge":  # Y in {-1, +1}
        return np.maximum(0, 1 - Y[:, 0] * z[:, 0])
    raise AssertionError(name)


# loss -> (output activation, outputs, targets for m rows drawn from rng)
_SETUPS = {
    "squared_error": ("identity", 2, lambda r, m: r.normal(size=(m, 2))),
    "mean_squared_error": ("identity", 2, lambda r, m: r.normal(size=(m, 2))),
    "log_loss": ("sigmoid", 2, lambda r, m: r.integers(0, 2, (m, 2)).astype(float)),
    "cross_entropy": ("softmax", 3, lambda r, m: np.eye(3)[r.integers(0, 3, m)]),
    "poisson": ("exp", 2, lambda r, m: r.poisson(1.5, (m, 2)).astype(float)),
    "huber": ("identity", 2, lambda r, m: 3 * r.normal(size=(m, 2))),
    "mean_absolute_error": ("identity", 2, lambda r, m: r.normal(size=(m, 2))),
    "multiclass_hinge": ("identity", 3, lambda r, m: np.eye(3)[r.integers(0, 3, m)]),
    "hinge": ("identity", 1, lambda r, m: r.choice([-1.0, 1.0], (m, 1))),
}
_WEIGHTS = {
    "none": None,
    "integers": lambda m: np.arange(m) % 3 + 1.0,
    "reals": lambda m: np.linspace(0.1, 2.0, m),
    "equal": lambda m: np.full(m, 0.25),
    "some zero": lambda m: np.where(np.arange(m) % 2 == 0, 0.0, 1.5),
}


def _net(loss, decay, dtype, lam=0.3, seed=0):
    output, k, targets = _SETUPS[loss]
    net = cr.mlp([4, 5, k], hidden="tanh", output=output, loss=loss, seed=seed,
                 weight_decay=lam, decay=decay, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    m = 7
    return net, rng.normal(size=(m, 4)), targets(rng, m)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", list(_WEIGHTS))
@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
@pytest.mark.parametrize("loss", list(_SETUPS))
def test_terms_are_the_formulas_and_add_up_to_the_cost_exactly(loss, decay, weights, dtype):
    net, X, Y = _net(loss, decay, dtype)
    m = X.shape[0]
    sw = None if _WEIGHTS[weights] is None else _WEIGHTS[weights](m)
    t = net.cost_terms(X, Y, sample_weight=sw)
    J, _ = net.cost(net.params, X, Y, sample_weight=sw)
    assert t.total == J  # bit for bit
    assert t.total == t.data + t.penalty
    J2, _ = net.loss_and_grad(X, Y, sample_weight=sw)
    assert t.total == J2
    # the reference, in float64 from the network's own (float32 or 64) weights
    ref = net.astype(np.float64)
    L = _losses(loss, X.astype(dtype).astype(np.float64), Y, ref)
    w = np.ones(m) if sw is None else np.asarray(sw, dtype=dtype).astype(np.float64)
    data = np.sum(w * L) / np.sum(w)
    m_decay = m if sw is None else np.sum(w)
    sum_w2 = sum(np.sum(layer.W.astype(np.float64) ** 2) for layer in ref.layers)
    penalty = 0.3 / 2 * sum_w2 / (m_decay if decay == "per_sample" else 1)
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    assert t.data == pytest.approx(data, rel=rtol, abs=1e-12 if dtype == np.float64 else 1e-6)
    assert t.penalty == pytest.approx(penalty, rel=rtol)
    assert t.m_decay == pytest.approx(m_decay, rel=1e-7)
    assert t.weighted is (sw is not None)
    assert t.decay == decay and t.loss == loss and t.n_samples == m


@pytest.mark.parametrize("lam", [0.0, 1.0, 3.0])
def test_ng_ex4_debug_network_terms_are_nncostfunctions(lam):
    """ex4's J without regularisation, and lambda/(2m) sum Theta^2 off the bias column."""
    Theta1, Theta2, X, y = _debug()
    m, K = X.shape[0], Theta2.shape[0]
    a2 = expit(np.hstack([np.ones((m, 1)), X]) @ Theta1.T)
    h = expit(np.hstack([np.ones((m, 1)), a2]) @ Theta2.T)
    Yk = np.eye(K)[y - 1]
    data = np.sum(-Yk * np.log(h) - (1 - Yk) * np.log(1 - h)) / m
    penalty = lam / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    net = Network.from_transfer_matrices([Theta1.T, Theta2.T], activation="sigmoid",
                                         loss="log_loss", weight_decay=lam, decay="per_sample")
    t = net.cost_terms(X, y - 1)
    assert t.data == pytest.approx(data, rel=1e-13)
    assert t.penalty == pytest.approx(penalty, rel=1e-13, abs=0)
    assert t.total == net.loss_and_grad(X, y - 1)[0]
    assert t.decayed == ("layers[0].W", "layers[1].W")
    if lam == 0:
        assert t.penalty == 0.0 and "no weight decay" in t.penalty_formula
    else:
        assert t.penalty_formula == (f"(lambda/(2 m)) sum W^2, decay=\"per_sample\"; "
                                     f"lambda = {lam:g}, m = 5")


def test_ufldl_convention_hand_worked():
    """One identity unit, W = [[1], [2]], b = 0.5, lambda = 0.1, two examples:
    h = (1*1 + 2*0 + 0.5, 0*1 + 1*2 + 0.5) = (1.5, 2.5) against y = (1, 3):
    (1/2)(1/2 (0.5^2) + 1/2 (0.5^2)) = 0.125, and (0.1/2)(1 + 4) = 0.25."""
    net = Network.from_ufldl([np.array([[1.0, 2.0]])], [np.array([0.5])],
                             activation="identity", loss="squared_error", weight_decay=0.1)
    X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0], [3.0]])
    t = net.cost_terms(X, y)
    assert t.data == 0.125 and t.penalty == pytest.approx(0.25, rel=1e-15)
    assert t.shares() == pytest.approx({"data": 1 / 3, "penalty": 2 / 3})
    text = str(t)
    assert text.splitlines()[0].startswith("J = 0.375 = data term 0.125 [(1/m) sum_i 1/2")
    assert "+ weight decay 0.25 [(lambda/2) sum W^2, decay=\"ufldl\"; lambda = 0.1]" in text
    assert "shares of J: data term 33.3%, weight decay 66.7%" in text
    d = json.loads(json.dumps(t.to_dict()))
    assert d["total"] == 0.375 and d["decayed"] == ["layers[0].W"] and d["lambda"] == 0.1


def test_frozen_weights_are_still_decayed_and_marked():
    net = cr.mlp([3, 4, 2], output="softmax", weight_decay=0.5, seed=1)
    net.layers[0].trainable = False
    t = net.cost_terms(np.ones((2, 3)), np.array([0, 1]))
    assert t.decayed == ("layers[0].W (frozen)", "layers[1].W")
    W0, W1 = net.layers[0].W, net.layers[1].W
    assert t.penalty == pytest.approx(0.25 * (np.sum(W0 ** 2) + np.sum(W1 ** 2)), rel=1e-14)


def test_the_network_is_left_as_it_was():
    net, X, Y = _net("cross_entropy", "ufldl", np.float64)
    net.loss_and_grad(X[:3], Y[:3])
    grads, Z = net.grads.copy(), net.layers[-1].Z.copy()
    net.cost_terms(X, Y)
    np.testing.assert_array_equal(net.grads, grads)
    np.testing.assert_array_equal(net.layers[-1].Z, Z)


def test_weights_past_the_float_range_take_the_scaled_path_exactly():
    net, X, Y = _net("squared_error", "per_sample", np.float32)
    sw = np.array([3e38, 3e38, 1e38, 0.0, 2e38, 1.0, 3e38], dtype=np.float32)
    t = net.cost_terms(X, Y, sample_weight=sw)
    assert t.total == net.cost(net.params, X, Y, sample_weight=sw)[0]
    assert np.isfinite(t.data) and t.penalty == 0.0  # m = inf: no per-sample decay


def test_bad_input_is_refused_with_the_arguments_name():
    net, X, Y = _net("squared_error", "ufldl", np.float64)
    with pytest.raises(ValueError, match="sample_weight"):
        net.cost_terms(X, Y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="Y has 2 rows but X has 7"):
        net.cost_terms(X, Y[:2])

