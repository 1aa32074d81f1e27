"""cr.tracing.trace_hvp: every number of Pearlmutter's R-operator (Neural Computation 6(1),
1994) for a tiny network, checked against references written here, not chainrule's code:

* a 2-2-1 ReLU / identity network whose passes are worked by hand in exact fractions
  (ReLU and identity make every number rational);
* plain NumPy from the R-operator's formulas (R{z} = a_prev V + R{a_prev} W + c,
  R{a} = f'(z) R{z}, R{delta} with the f'' term, R{dW}, R{db}) on Matt Mazur's 2-2-2 sigmoid
  network ("A Step by Step Backpropagation Example", tests/mazur_net.py) and on a 2-2-1 tanh
  network with a batch of three;
* chainrule.hessian_vector_product (1e-14) and torch.autograd.functional.hvp (1e-12).
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

import chainrule as cr
from mazur_net import X as MAZUR_X
from mazur_net import Y as MAZUR_Y
from mazur_net import mazur_network


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _net(W1, b1, W2, b2, hidden, output, loss):
    l1 = cr.Dense(*np.shape(W1), activation=hidden)
    l2 = cr.Dense(*np.shape(W2), activation=output)
    net = cr.Network([l1, l2], loss=loss)
    l1.W, l1.b = np.array(W1, dtype=float), np.array(b1, dtype=float)
    l2.W, l2.b = np.array(W2, dtype=float), np.array(b2, dtype=float)
    return net


# the hand-worked example: x = [2, 1], W1 = [[1, -1], [1, 1]], b1 = [0, 1/2], ReLU;
# W2 = [[2], [1]], b2 = [1], identity output, squared error (J = (a - y)^2 / 2), y = 5
HAND = dict(W1=[[1, -1], [1, 1]], b1=[0, 0.5], W2=[[2], [1]], b2=[1])
HAND_V = [1, 0, 0, 1, 1, 1, 1, -1, 0]  # V1 = I, c1 = [1, 1], V2 = [[1], [-1]], c2 = [0]


def _hand_trace():
    net = _net(HAND["W1"], HAND["b1"], HAND["W2"], HAND["b2"], "relu", "identity",
               "squared_error")
    return net, cr.tracing.trace_hvp(net, [2.0, 1.0], [5.0], np.array(HAND_V, dtype=float))


def test_hand_worked_relu_example_in_fractions():
    # z1 = [2 + 1, -2 + 1 + 1/2] = [3, -1/2], a1 = [3, 0]; z2 = 6 + 0 + 1 = 7; delta2 = 7 - 5 = 2
    # R{z1} = x V1 + c1 = [2, 1] + [1, 1] = [3, 2]; R{a1} = f'(z1) R{z1} = [1, 0] * [3, 2] = [3, 0]
    # R{z2} = a1 V2 + R{a1} W2 + c2 = 3 + 6 + 0 = 9; R{delta2} = 1 * 9 = 9 (identity + SE)
    # R{dW2} = R{a1}^T delta2 + a1^T R{delta2} = [6, 0] + [27, 0] = [33, 0]; R{db2} = 9
    # R{delta1} = (R{delta2} W2^T + delta2 V2^T) * f'(z1) + 0 = ([18, 9] + [2, -2]) * [1, 0]
    #           = [20, 0]; R{dW1} = x^T R{delta1} = [[40, 0], [20, 0]]; R{db1} = [20, 0]
    _, t = _hand_trace()
    l1, l2 = t.layers
    exact = {
        "Z1": (l1["Z"], [[3, Fraction(-1, 2)]]), "A1": (l1["A"], [[3, 0]]),
        "Z2": (l2["Z"], [[7]]), "delta2": (l2["delta"], [[2]]),
        "RZ1": (l1["RZ"], [[3, 2]]), "RA1": (l1["RA"], [[3, 0]]), "RZ2": (l2["RZ"], [[9]]),
        "Rdelta2": (l2["Rdelta"], [[9]]), "RdW2": (l2["RdW"], [[33], [0]]),
        "Rdb2": (l2["Rdb"], [9]), "Rdelta1": (l1["Rdelta"], [[20, 0]]),
        "RdW1": (l1["RdW"], [[40, 0], [20, 0]]), "Rdb1": (l1["Rdb"], [20, 0]),
        "hv": (t.hv, [40, 0, 20, 0, 20, 0, 33, 0, 9]),
    }
    for name, (got, want) in exact.items():
        got_f = [Fraction(float(g)) for g in np.ravel(got)]
        assert got_f == [Fraction(w) for w in np.ravel(np.array(want, dtype=object))], name
    text = str(t)
    assert "R{Z1} = A0 V1 + c1" in text and "R{delta1} = (R{delta2} W2^T" in text
    assert "H v = [40, 0, 20, 0, 20, 0, 33, 0, 9]" in text


def _check_against_numpy(net, X, Y, v, hidden, out_f, delta_out, H_out, atol):
    """Every quantity of the four passes of a 2-layer network from the formulas (rows =
    examples, 1/m in delta), against the trace's; hidden in {"sigmoid", "tanh"};
    delta_out / H_out: the output's dJ/dz and d delta / dz of one example."""
    W1, b1, W2, b2 = (np.array(a) for a in (net.layers[0].W, net.layers[0].b,
                                             net.layers[1].W, net.layers[1].b))
    m = X.shape[0]
    z1 = X @ W1 + b1
    a1 = {"sigmoid": _sigmoid, "tanh": np.tanh}[hidden](z1)
    fp = {"sigmoid": a1 * (1 - a1), "tanh": 1 - a1**2}[hidden]
    fpp = {"sigmoid": a1 * (1 - a1) * (1 - 2 * a1), "tanh": -2 * a1 * (1 - a1**2)}[hidden]
    z2 = a1 @ W2 + b2
    n1, n2 = W1.size, W1.size + b1.size
    V1, c1 = v[:n1].reshape(W1.shape), v[n1:n2]
    V2, c2 = v[n2:n2 + W2.size].reshape(W2.shape), v[n2 + W2.size:]
    a2 = out_f(z2)
    d2 = delta_out(z2, a2, Y) / m
    d1 = (d2 @ W2.T) * fp
    Rz1 = X @ V1 + c1
    Ra1 = fp * Rz1
    Rz2 = a1 @ V2 + Ra1 @ W2 + c2
    Rd2 = H_out(z2, a2, Y) / m * Rz2
    RdW2 = Ra1.T @ d2 + a1.T @ Rd2
    Rdb2 = Rd2.sum(0)
    Rd1 = (Rd2 @ W2.T + d2 @ V2.T) * fp + (d2 @ W2.T) * fpp * Rz1
    RdW1 = X.T @ Rd1
    Rdb1 = Rd1.sum(0)
    t = cr.tracing.trace_hvp(net, X if X.shape[0] > 1 else X[0], Y if Y.shape[0] > 1 else Y[0],
                             v)
    l1, l2 = t.layers
    pairs = [(l1["Z"], z1), (l1["A"], a1), (l2["Z"], z2), (l2["A"], a2), (l2["delta"], d2),
             (l1["delta"], d1), (l1["RZ"], Rz1), (l1["RA"], Ra1), (l2["RZ"], Rz2),
             (l2["Rdelta"], Rd2), (l2["RdW"], RdW2), (l2["Rdb"], Rdb2), (l1["Rdelta"], Rd1),
             (l1["RdW"], RdW1), (l1["Rdb"], Rdb1), (l1["fpp"], fpp), (l1["fp"], fp),
             (l2["dW"], a1.T @ d2), (l1["dW"], X.T @ d1)]
    for i, (got, want) in enumerate(pairs):
        np.testing.assert_allclose(got, want, rtol=0, atol=atol, err_msg=f"pair {i}")
    want_hv = np.concatenate([RdW1.ravel(), Rdb1, RdW2.ravel(), Rdb2])
    np.testing.assert_allclose(t.hv, want_hv, rtol=0, atol=atol)
    return t


def test_mazur_every_r_quantity_matches_numpy_formulas():
    # Mazur's sigmoid output under J = sum (a - y)^2 / 2: delta = (a - y) a (1 - a),
    # d delta / dz = (a (1 - a))^2 + (a - y) a (1 - a) (1 - 2a)
    net = mazur_network()
    v = np.linspace(-0.6, 0.5, net.n_params)
    t = _check_against_numpy(
        net, MAZUR_X, MAZUR_Y, v, "sigmoid", _sigmoid,
        lambda z, a, y: (a - y) * a * (1 - a),
        lambda z, a, y: (a * (1 - a)) ** 2 + (a - y) * a * (1 - a) * (1 - 2 * a), 1e-15)
    # Mazur's published forward pass and total error: out_o1 = 0.75136507, E = 0.298371109
    np.testing.assert_allclose(t.layers[1]["A"][0, 0], 0.75136507, atol=5e-9)
    np.testing.assert_allclose(t.cost, 0.298371109, atol=5e-10)


def test_tanh_batch_of_three_matches_numpy_formulas():
    rng = np.random.default_rng(3)
    net = _net(rng.normal(size=(2, 2)), rng.normal(size=2), rng.normal(size=(2, 1)),
               rng.normal(size=1), "tanh", "identity", "squared_error")
    X, Y = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    _check_against_numpy(net, X, Y, rng.normal(size=net.n_params), "tanh", lambda z: z,
                         lambda z, a, y: a - y, lambda z, a, y: np.ones_like(a), 1e-14)


def _torch_cost(torch, shapes, hidden, output, X, Y, loss):
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
         "identity": lambda z: z}

    def cost(theta):
        a, off = X, 0
        for i, (fi, fo) in enumerate(shapes):
            W = theta[off:off + fi * fo].reshape(fi, fo)
            off += fi * fo
            b = theta[off:off + fo]
            off += fo
            z = a @ W + b
            if i == len(shapes) - 1 and loss == "ce":
                return -(Y * torch.log_softmax(z, dim=1)).sum() / X.shape[0]
            a = f[hidden if i < len(shapes) - 1 else output](z)
        return 0.5 * ((a - Y) ** 2).sum() / X.shape[0]

    return cost


@pytest.mark.parametrize("case", ["mazur", "hand", "softmax-batch"])
def test_hv_matches_hessian_vector_product_and_torch(case):
    rng = np.random.default_rng(7)
    if case == "mazur":
        net, X, Y, hidden, output, loss = (mazur_network(), MAZUR_X, MAZUR_Y, "sigmoid",
                                           "sigmoid", "se")
    elif case == "hand":
        net, _ = _hand_trace()
        X, Y, hidden, output, loss = np.array([[2.0, 1.0]]), np.array([[5.0]]), "relu", \
            "identity", "se"
    else:
        net = cr.mlp([3, 2, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=1)
        X, Y = rng.normal(size=(4, 3)), np.eye(3)[[0, 2, 1, 2]]
        hidden, output, loss = "tanh", "softmax", "ce"
    v = rng.normal(size=net.n_params)
    t = cr.tracing.trace_hvp(net, X, Y, v)
    np.testing.assert_allclose(t.hv, cr.hessian_vector_product(net, X, Y, v), rtol=0,
                               atol=1e-14)
    torch = pytest.importorskip("torch")
    shapes = [layer.W.shape for layer in net.layers]
    cost = _torch_cost(torch, shapes, hidden, output, torch.from_numpy(X),
                       torch.from_numpy(Y), loss)
    _, theirs = torch.autograd.functional.hvp(cost, torch.from_numpy(net.params.copy()),
                                              torch.from_numpy(v))
    np.testing.assert_allclose(t.hv, theirs.numpy(), rtol=0, atol=1e-12)


def test_weight_decay_adds_c_v_on_the_weights():
    net = mazur_network()
    net.weight_decay = 0.5
    v = np.ones(net.n_params)
    t = cr.tracing.trace_hvp(net, MAZUR_X, MAZUR_Y, v)
    np.testing.assert_allclose(t.hv, cr.hessian_vector_product(net, MAZUR_X, MAZUR_Y, v),
                               rtol=0, atol=1e-14)
    assert "weight decay adds c v on the weights, c = 0.5" in str(t)


def test_to_dict_is_json_and_laid_out_as_params():
    net, t = _hand_trace()
    d = json.loads(json.dumps(t.to_dict()))
    assert d["hv"] == [40, 0, 20, 0, 20, 0, 33, 0, 9]
    assert d["hv_parts"] == {"W1": [[40, 0], [20, 0]], "b1": [20, 0], "W2": [[33], [0]],
                             "b2": [9]}
    assert d["layers"][0]["RZ"] == [[3, 2]] and d["layers"][1]["activation"] == "identity"
    assert net.layers[0].W.tolist() == HAND["W1"]  # the network is not changed


def test_refusals_name_the_argument():
    net = mazur_network()
    with pytest.raises(ValueError, match=r"v: expected a vector of shape \(12,\)"):
        cr.tracing.trace_hvp(net, MAZUR_X, MAZUR_Y, np.ones(3))
    with pytest.raises(TypeError, match="net: expected a chainrule Network"):
        cr.tracing.trace_hvp("net", MAZUR_X, MAZUR_Y, np.ones(12))
    with pytest.raises(ValueError, match="max_params=5"):
        cr.tracing.trace_hvp(net, MAZUR_X, MAZUR_Y, np.ones(12), max_params=5)
    with pytest.raises(ValueError, match="digits"):
        cr.tracing.trace_hvp(net, MAZUR_X, MAZUR_Y, np.ones(12), digits=0)
    bad = cr.Network([cr.Dense(2, 2, activation="sigmoid"), cr.Dense(2, 1, activation="step")])
    with pytest.raises(ValueError, match=r"trace_hvp: net\.layers\[1\]"):
        cr.tracing.trace_hvp(bad, [1.0, 2.0], [1.0], np.ones(bad.n_params))
