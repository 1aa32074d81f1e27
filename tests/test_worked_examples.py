"""SPEC section 10: the worked examples, number by number, through the public API.

Every expected number below is the hand-worked value printed in the SPEC (examples A
and B) or a closed-form formula evaluated independently with numpy (example C).
``layer.delta`` is dJ/dz of the batch-mean cost, which for one example equals the
textbook error term.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Dense, Network
from chainrule.notation import from_transfer_matrices, from_ufldl

TOL = 1e-6


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _grad_as(net: Network, grad: np.ndarray, notation: str):
    """The flat gradient laid out like the parameters, in a course notation.

    A copy of the network gets the gradient as its parameters; its exporters then
    place every entry where the corresponding weight is printed.
    """
    holder = net.copy()
    holder.set_params(grad)
    if notation == "transfer":
        return holder.to_transfer_matrices()
    return holder.to_ufldl()


# --------------------------------------------------------------------------------------------
# Example A: transfer matrices, sigmoid, log loss, learning rate 1
# --------------------------------------------------------------------------------------------
A_W0 = [[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]]
A_W1 = [[-0.3], [0.5], [0.1]]
A_X = [0.0, 1.0]
A_Y = [1.0]


@pytest.fixture(params=["function", "classmethod"])
def net_a(request) -> Network:
    if request.param == "function":
        return from_transfer_matrices([A_W0, A_W1], activation="sigmoid", loss="log_loss")
    return Network.from_transfer_matrices([A_W0, A_W1], activation="sigmoid", loss="log_loss")


def test_a_import_is_exact(net_a):
    mats = net_a.to_transfer_matrices()
    np.testing.assert_array_equal(mats[0], np.array(A_W0))
    np.testing.assert_array_equal(mats[1], np.array(A_W1))
    hidden, out = net_a.layers
    # first row = biases, the rest = W in (fan_in, fan_out) orientation
    np.testing.assert_array_equal(hidden.b, [0.4, 0.6])
    np.testing.assert_array_equal(hidden.W, [[0.7, -0.4], [-0.2, 0.3]])
    np.testing.assert_array_equal(out.b, [-0.3])
    np.testing.assert_array_equal(out.W, [[0.5], [0.1]])


def test_a_forward(net_a):
    pred = net_a.forward(A_X)
    hidden, out = net_a.layers
    np.testing.assert_allclose(hidden.A[0], [0.549834, 0.710950], atol=TOL)
    np.testing.assert_allclose(out.A[0], [0.511501], atol=TOL)
    np.testing.assert_allclose(pred, [[0.511501]], atol=TOL)
    # net inputs: 0.4 - 0.2 = 0.2 and 0.6 + 0.3 = 0.9 (hand arithmetic)
    np.testing.assert_allclose(hidden.Z[0], [0.2, 0.9], atol=1e-12)


def test_a_loss_deltas_and_gradients(net_a):
    J, grad = net_a.loss_and_grad(A_X, A_Y)
    assert J == pytest.approx(0.670406, abs=TOL)
    hidden, out = net_a.layers
    np.testing.assert_allclose(out.delta[0], [-0.488499], atol=TOL)
    np.testing.assert_allclose(hidden.delta[0], [-0.0604558, -0.0100387], atol=TOL)

    g0, g1 = _grad_as(net_a, grad, "transfer")
    np.testing.assert_allclose(g1[:, 0], [-0.488499, -0.268593, -0.347298], atol=TOL)
    np.testing.assert_allclose(
        g0, [[-0.0604558, -0.0100387], [0.0, 0.0], [-0.0604558, -0.0100387]], atol=TOL
    )
    # the same numbers through the layers' own gradient views
    np.testing.assert_allclose(out.dW[:, 0], [-0.268593, -0.347298], atol=TOL)
    np.testing.assert_allclose(out.db, [-0.488499], atol=TOL)
    np.testing.assert_allclose(hidden.db, [-0.0604558, -0.0100387], atol=TOL)
    np.testing.assert_allclose(hidden.dW, [[0, 0], [-0.0604558, -0.0100387]], atol=TOL)


def test_a_one_update_and_new_prediction(net_a):
    _, grad = net_a.loss_and_grad(A_X, A_Y)
    net_a.set_params(net_a.params - 1.0 * grad)
    W0, W1 = net_a.to_transfer_matrices()
    np.testing.assert_allclose(W1[:, 0], [0.188499, 0.768593, 0.447298], atol=TOL)
    np.testing.assert_allclose(
        W0, [[0.460456, 0.610039], [0.7, -0.4], [-0.139544, 0.310039]], atol=TOL
    )
    np.testing.assert_allclose(net_a.forward(A_X), [[0.721874]], atol=TOL)


def test_a_params_is_a_live_view(net_a):
    """Writing into ``net.params`` in place is the same update as ``set_params``."""
    _, grad = net_a.loss_and_grad(A_X, A_Y)
    net_a.params[...] -= grad
    np.testing.assert_allclose(net_a.forward(A_X), [[0.721874]], atol=TOL)


# --------------------------------------------------------------------------------------------
# Example B: integers, activation square, no biases, 1/2 sum (o - t)^2, learning rate 0.5
# --------------------------------------------------------------------------------------------
B_HIDDEN = [[1, 1], [2, 1]]  # per hidden unit: h1, h2  (UFLDL: rows = destination)
B_OUTPUT = [[2, 1], [1, 0]]  # per output unit: o1, o2
B_X = [1, 1]
B_Y = [[290, 14]]  # one example, two outputs (a 1-D target would read as labels)


@pytest.fixture
def net_b() -> Network:
    return from_ufldl([B_HIDDEN, B_OUTPUT], None, activation="square", loss="squared_error")


def test_b_import_is_exact(net_b):
    Ws, bs = net_b.to_ufldl()
    np.testing.assert_array_equal(Ws[0], B_HIDDEN)
    np.testing.assert_array_equal(Ws[1], B_OUTPUT)
    assert bs == [None, None]
    assert all(layer.b is None for layer in net_b.layers)
    assert net_b.params.dtype == np.float64
    # chainrule's own orientation is the transpose
    np.testing.assert_array_equal(net_b.layers[0].W, np.array(B_HIDDEN).T)


def test_b_forward(net_b):
    out = net_b.forward(B_X)
    hidden, output = net_b.layers
    np.testing.assert_allclose(hidden.Z[0], [2, 3], atol=TOL)
    np.testing.assert_allclose(hidden.A[0], [4, 9], atol=TOL)
    np.testing.assert_allclose(output.Z[0], [17, 4], atol=TOL)
    np.testing.assert_allclose(output.A[0], [289, 16], atol=TOL)
    np.testing.assert_allclose(out, [[289, 16]], atol=TOL)


def test_b_error_deltas_gradients(net_b):
    E, grad = net_b.loss_and_grad(B_X, B_Y)
    assert E == pytest.approx(2.5, abs=TOL)
    hidden, output = net_b.layers
    # dE/do_out = o - t = [-1, 2]; output deltas = dE/do_out * 2 net
    np.testing.assert_allclose(output.A[0] - np.array(B_Y[0]), [-1, 2], atol=TOL)
    np.testing.assert_allclose(output.delta[0], [-34, 16], atol=TOL)
    # dE/dh_out: the output deltas sent back through the hidden-to-output weights
    dE_dh = output.delta[0] @ output.W.T
    np.testing.assert_allclose(dE_dh, [-52, -34], atol=TOL)
    np.testing.assert_allclose(hidden.delta[0], [-208, -204], atol=TOL)

    gWs, gbs = _grad_as(net_b, grad, "ufldl")
    assert gbs == [None, None]
    np.testing.assert_allclose(gWs[1][0], [-136, -306], atol=TOL)  # o1
    np.testing.assert_allclose(gWs[1][1], [64, 144], atol=TOL)  # o2
    np.testing.assert_allclose(gWs[0][0], [-208, -208], atol=TOL)  # h1
    np.testing.assert_allclose(gWs[0][1], [-204, -204], atol=TOL)  # h2
    assert grad.size == 8  # four weights per layer, no biases


def test_b_one_update(net_b):
    _, grad = net_b.loss_and_grad(B_X, B_Y)
    net_b.set_params(net_b.params - 0.5 * grad)
    Ws, _ = net_b.to_ufldl()
    np.testing.assert_allclose(Ws[1][0], [70, 154], atol=TOL)  # o1
    np.testing.assert_allclose(Ws[1][1], [-31, -72], atol=TOL)  # o2
    np.testing.assert_allclose(Ws[0][0], [105, 105], atol=TOL)  # h1
    np.testing.assert_allclose(Ws[0][1], [104, 103], atol=TOL)  # h2


# --------------------------------------------------------------------------------------------
# Example C: closed forms for sigmoid + log loss
# --------------------------------------------------------------------------------------------
def _log_loss(a, y):
    return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("m", [1, 7])
@pytest.mark.parametrize("soft", [False, True], ids=["binary", "soft"])
def test_c_single_neuron(seed, m, soft):
    rng = np.random.default_rng(seed)
    n = 2 + seed % 4
    X = rng.normal(size=(m, n))
    w = rng.normal(size=n)
    b = rng.normal()
    y = rng.uniform(size=m) if soft else rng.integers(0, 2, size=m).astype(float)
    net = from_ufldl([w[None, :]], [[b]], activation="sigmoid", loss="log_loss")

    J, grad = net.loss_and_grad(X, y)
    y_hat = _sigmoid(X @ w + b)
    # cost: mean binary cross-entropy
    assert J == pytest.approx(np.mean(_log_loss(y_hat[:, None], y[:, None])), rel=1e-12)
    # dJ/dw = mean over the batch of (y_hat - y) x ; dJ/db = mean of (y_hat - y)
    np.testing.assert_allclose(grad[:n], (y_hat - y) @ X / m, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grad[n], np.mean(y_hat - y), rtol=1e-10, atol=1e-14)
    if m == 1:  # one example: exactly (y_hat - y) x
        np.testing.assert_allclose(grad[:n], (y_hat[0] - y[0]) * X[0], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(net.layers[0].delta, [[y_hat[0] - y[0]]], rtol=1e-10)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("m", [1, 6])
def test_c_three_layer_sigmoid_network(seed, m):
    rng = np.random.default_rng(100 + seed)
    n0, n1, n2, n3 = 3, 4, 5, 2 + seed % 2
    Ws = [rng.normal(size=(o, i)) for i, o in [(n0, n1), (n1, n2), (n2, n3)]]  # UFLDL
    bs = [rng.normal(size=o) for o in (n1, n2, n3)]
    net = from_ufldl(Ws, bs, activation="sigmoid", loss="log_loss")
    X = rng.normal(size=(m, n0))
    Y = rng.integers(0, 2, size=(m, n3)).astype(float)

    J, grad = net.loss_and_grad(X, Y)
    _, l2, l3 = net.layers
    a2, a3 = l2.A, l3.A

    # a2, a3 from the layer attributes agree with an independent forward pass (UFLDL z = W a + b)
    r1 = _sigmoid(X @ Ws[0].T + bs[0])
    r2 = _sigmoid(r1 @ Ws[1].T + bs[1])
    r3 = _sigmoid(r2 @ Ws[2].T + bs[2])
    np.testing.assert_allclose(a2, r2, rtol=1e-12)
    np.testing.assert_allclose(a3, r3, rtol=1e-12)
    assert J == pytest.approx(np.mean(_log_loss(r3, Y)), rel=1e-12)

    # flat layout: W1 (n0, n1), b1, W2 (n1, n2), b2, W3 (n2, n3), b3
    off = n0 * n1 + n1 + n1 * n2 + n2
    gW3 = grad[off : off + n2 * n3].reshape(n2, n3)  # chainrule orientation (fan_in, fan_out)
    gb3 = grad[off + n2 * n3 :]
    assert gb3.shape == (n3,)

    # UFLDL: dJ/dW3 = (a3 - y) a2^T (shape (n3, n2)), averaged over the batch
    expected_W3_ufldl = sum(np.outer(a3[i] - Y[i], a2[i]) for i in range(m)) / m
    np.testing.assert_allclose(gW3.T, expected_W3_ufldl, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gb3, np.mean(a3 - Y, axis=0), rtol=1e-10, atol=1e-14)
    # the same through the UFLDL exporter
    gWs, gbs = _grad_as(net, grad, "ufldl")
    np.testing.assert_allclose(gWs[2], expected_W3_ufldl, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gbs[2], np.mean(a3 - Y, axis=0), rtol=1e-10, atol=1e-14)
    # output error term is (a3 - y) / m (dJ/dz of the batch mean)
    np.testing.assert_allclose(l3.delta * m, a3 - Y, rtol=1e-10, atol=1e-14)
    if m == 1:
        np.testing.assert_allclose(gW3.T, np.outer(a3[0] - Y[0], a2[0]), rtol=1e-10, atol=1e-14)


def test_c_neuron_built_from_dense_matches_closed_form():
    """Zero hidden layers built directly from a Dense layer (chainrule orientation)."""
    rng = np.random.default_rng(7)
    w = rng.normal(size=(4, 1))
    X = rng.normal(size=(1, 4))
    net = Network([Dense(4, 1, "sigmoid", init=w)], loss="log_loss")
    _, grad = net.loss_and_grad(X, [0.0])
    y_hat = _sigmoid(float(X[0] @ w[:, 0]))
    np.testing.assert_allclose(grad[:4], y_hat * X[0], rtol=1e-10)
    np.testing.assert_allclose(grad[4], y_hat, rtol=1e-10)
