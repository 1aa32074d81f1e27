"""The public contract of Dense, Network and mlp (SPEC 1, 4, 6).

Every expected number here comes from an independent reference written in the
test: a numpy forward pass, a closed form for the weight-decay term, central
differences of a numpy cost, the defining formula of an initialiser, or the
course notations' own forward formulas.
"""

from __future__ import annotations

import inspect
import itertools
import math
import re

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, logsumexp

import chainrule
from chainrule import Dense, Network, mlp
from chainrule.activations import ACTIVATIONS, unregister_activation

# --- numpy references ---------------------------------------------------------------------

NP_ACT = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "square": lambda z: z * z,
    "softmax": lambda z: np.exp(z - logsumexp(z, axis=1, keepdims=True)),
}


def np_forward(Ws, bs, acts, X):
    """Plain numpy forward pass, W of shape (fan_in, fan_out)."""
    a = np.asarray(X, dtype=np.float64)
    for W, b, act in zip(Ws, bs, acts, strict=True):
        z = a @ W + (0.0 if b is None else b)
        a = NP_ACT[act](z)
    return a


def np_cross_entropy(P, Y):
    return float(np.mean(-np.sum(Y * np.log(P), axis=1)))


def unpack(theta, shapes):
    """Split a flat vector into arrays of the given shapes, in order."""
    out, k = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        out.append(np.asarray(theta[k : k + n]).reshape(shape))
        k += n
    assert k == theta.size
    return out


def central_diff(f, theta, eps=1e-5):
    g = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = eps
        g[i] = (f(theta + e) - f(theta - e)) / (2 * eps)
    return g


@pytest.fixture
def small_net():
    """3-4-3 tanh/softmax network with nonzero biases."""
    net = mlp([3, 4, 3], hidden="tanh", output="softmax", seed=7)
    rng = np.random.default_rng(1)
    net.layers[0].b[...] = rng.normal(size=4)
    net.layers[1].b[...] = rng.normal(size=3)
    return net


@pytest.fixture
def data3(rng):
    X = rng.normal(size=(6, 3))
    labels = np.array([0, 1, 2, 1, 0, 2])
    return X, labels, np.eye(3)[labels]


# --- Dense ---------------------------------------------------------------------------------


def test_dense_shapes_and_default_activation():
    layer = Dense(5, 3, seed=0)
    assert layer.W.shape == (5, 3)
    assert layer.b.shape == (3,)
    assert np.all(layer.b == 0)
    assert layer.activation.name == "sigmoid"
    X = np.random.default_rng(0).normal(size=(4, 5))
    np.testing.assert_allclose(layer.forward(X), expit(X @ layer.W + layer.b), rtol=1e-14)


def test_dense_without_bias():
    layer = Dense(4, 2, activation="identity", bias=False, seed=0)
    assert layer.b is None
    net = Network([layer])
    assert net.n_params == 8
    X = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_allclose(net.forward(X), X @ layer.W, rtol=1e-14)


# --- mlp and the flat parameter vector -----------------------------------------------------


def test_mlp_structure_and_defaults():
    net = mlp([64, 100, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)
    assert len(net.layers) == 2
    assert [(lay.W.shape, lay.b.shape) for lay in net.layers] == [
        ((64, 100), (100,)),
        ((100, 10), (10,)),
    ]
    assert [lay.activation.name for lay in net.layers] == ["relu", "softmax"]
    assert net.loss.name == "cross_entropy"
    assert net.n_params == 64 * 100 + 100 + 100 * 10 + 10
    # canonical default losses
    assert mlp([2, 3, 1], output="sigmoid").loss.name == "log_loss"
    assert mlp([2, 3, 4], output="softmax").loss.name == "cross_entropy"
    assert mlp([2, 3, 1]).loss.name == "squared_error"


def test_mlp_per_layer_hidden_activations():
    net = mlp([3, 4, 5, 2], hidden=["tanh", "sigmoid"], output="identity", seed=0)
    assert [lay.activation.name for lay in net.layers] == ["tanh", "sigmoid", "identity"]
    X = np.random.default_rng(3).normal(size=(7, 3))
    Ws = [lay.W.copy() for lay in net.layers]
    bs = [lay.b.copy() for lay in net.layers]
    expected = np_forward(Ws, bs, ["tanh", "sigmoid", "identity"], X)
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-13, atol=1e-15)


def test_mlp_takes_an_activation_object_for_every_hidden_layer():
    """hidden=act (the object register_activation returns, or a built-in's) raised
    "TypeError: 'Activation' object is not iterable"; hidden=5 the same about an int.
    An Activation("relu") object also got Glorot instead of He weights from init="auto"."""
    act = chainrule.register_activation("cube_mlp", lambda z: z**3, lambda z: 3 * z**2)
    try:
        net = mlp([3, 4, 5, 2], hidden=act, seed=0)
        assert [lay.activation.name for lay in net.layers] == ["cube_mlp", "cube_mlp", "identity"]
        X = np.random.default_rng(3).normal(size=(7, 3))
        A = X
        for lay in net.layers[:2]:
            A = (A @ lay.W + lay.b) ** 3
        expected = A @ net.layers[2].W + net.layers[2].b
        np.testing.assert_allclose(net.forward(X), expected, rtol=1e-12)
    finally:
        unregister_activation("cube_mlp")
    relu = mlp([3, 4, 2], hidden=ACTIVATIONS["relu"], seed=0)
    assert relu.layers[0].init == "he_normal"
    np.testing.assert_array_equal(relu.params, mlp([3, 4, 2], hidden="relu", seed=0).params)
    with pytest.raises(TypeError, match=r"hidden must be an activation .* got int"):
        mlp([3, 4, 2], hidden=5)


def test_mlp_takes_sizes_and_activations_as_arrays_and_other_iterables():
    """mlp(hidden=np.array(["tanh", "relu"])) worked until the check for Activation
    objects (which accepted only Sequences) refused it, with generators and Series; sizes
    as an array or a range were refused too.  The reference is the same call with lists."""
    pd = pytest.importorskip("pandas")
    ref = mlp([2, 3, 3, 1], hidden=["tanh", "relu"], seed=0)
    for hidden in (np.array(["tanh", "relu"]), pd.Series(["tanh", "relu"]),
                   (name for name in ("tanh", "relu"))):
        net = mlp([2, 3, 3, 1], hidden=hidden, seed=0)
        assert [layer.activation.name for layer in net.layers] == ["tanh", "relu", "identity"]
        np.testing.assert_array_equal(net.params, ref.params)
    for sizes in (np.array([2, 3, 3, 1]), range(2, 6)):
        net = mlp(sizes, hidden="tanh", seed=0)
        np.testing.assert_array_equal(
            net.params, mlp([int(v) for v in sizes], hidden="tanh", seed=0).params)
    assert mlp([2, 1], hidden=np.array([]), seed=0).n_params == 3  # no hidden layer
    for bad in ("23", np.array(3), {784, 100, 10}, {4: "in", 2: "out"}):  # sets: no order
        with pytest.raises(TypeError, match="sizes must be a list of ints"):
            mlp(bad)


def test_network_from_layers_gives_he_weights_to_a_relu_activation_object():
    """The default init compared the activation with the strings "relu" / "leaky_relu": a
    Dense dict with the Activation object ACTIVATIONS["relu"] got Glorot weights."""
    from chainrule import network_from_layers

    for name in ("relu", "leaky_relu", "tanh"):
        by_object = network_from_layers(
            [{"type": "Dense", "fan_out": 50, "activation": ACTIVATIONS[name]}],
            input_shape=40, seed=0)
        by_name = network_from_layers(
            [{"type": "Dense", "fan_out": 50, "activation": name}], input_shape=40, seed=0)
        np.testing.assert_array_equal(by_object.params, by_name.params)
        W = by_object.layers[0].W
        if name == "tanh":  # Glorot uniform: within +-sqrt(6 / (fan_in + fan_out))
            assert np.abs(W).max() <= np.sqrt(6 / 90) and by_object.layers[0].init != "he_normal"
        else:  # He normal: standard deviation sqrt(2 / fan_in) = 0.2236
            assert by_object.layers[0].init == "he_normal"
            assert W.std() == pytest.approx(np.sqrt(2 / 40), rel=0.05)


def test_zero_hidden_layers_is_a_single_neuron():
    net = mlp([3, 1], output="sigmoid", seed=0)
    assert len(net.layers) == 1
    x = np.array([0.5, -1.0, 2.0])
    w, b = net.layers[0].W[:, 0], net.layers[0].b[0]
    np.testing.assert_allclose(net.forward(x)[0, 0], 1 / (1 + np.exp(-(x @ w + b))), rtol=1e-14)


def test_params_is_flat_view_in_layer_order(small_net):
    net = small_net
    W0, b0, W1, b1 = net.layers[0].W, net.layers[0].b, net.layers[1].W, net.layers[1].b
    expected = np.concatenate([W0.ravel(), b0, W1.ravel(), b1])
    assert net.params.shape == (4 * 3 + 4 + 3 * 4 + 3,)
    assert np.array_equal(net.params, expected)
    for arr in (W0, b0, W1, b1):
        assert np.shares_memory(net.params, arr)
    # row-major W: element (i, j) of W0 sits at i * fan_out + j
    net.params[1 * 4 + 2] = 123.0
    assert W0[1, 2] == 123.0
    # writing into W shows in params
    M = np.arange(12.0).reshape(3, 4)
    net.layers[0].W[...] = M
    assert np.array_equal(net.params[:12], M.ravel())
    net.layers[1].b[...] = [7.0, 8.0, 9.0]
    assert np.array_equal(net.params[-3:], [7.0, 8.0, 9.0])
    # assigning the property writes into the shared buffer too
    net.layers[1].W = np.ones((4, 3))
    assert np.array_equal(net.params[16:28], np.ones(12))


def test_set_params_updates_layers(small_net):
    net = small_net
    theta = np.linspace(-1, 1, net.n_params)
    net.set_params(theta)
    W0, b0, W1, b1 = unpack(theta, [(3, 4), (4,), (4, 3), (3,)])
    assert np.array_equal(net.layers[0].W, W0)
    assert np.array_equal(net.layers[0].b, b0)
    assert np.array_equal(net.layers[1].W, W1)
    assert np.array_equal(net.layers[1].b, b1)
    # a copy was taken: changing theta afterwards does not reach the network
    theta[0] = 99.0
    assert net.layers[0].W[0, 0] == -1.0


@pytest.mark.parametrize(
    ("hidden", "output"),
    [("relu", "softmax"), ("sigmoid", "sigmoid"), ("tanh", "identity"), ("softplus", "identity")],
)
def test_forward_matches_numpy(hidden, output, rng):
    net = mlp([5, 7, 6, 3], hidden=hidden, output=output, seed=11)
    for layer in net.layers:
        layer.b[...] = rng.normal(size=layer.b.shape)
    X = rng.normal(size=(9, 5))
    Ws = [lay.W.copy() for lay in net.layers]
    bs = [lay.b.copy() for lay in net.layers]
    expected = np_forward(Ws, bs, [hidden, hidden, output], X)
    out = net.forward(X)
    assert out.shape == (9, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    # a 1-D input is one example
    np.testing.assert_allclose(net.forward(X[2]), expected[2:3], rtol=1e-12, atol=1e-14)
    if output == "softmax":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-14)


def test_cost_equals_loss_and_grad_at_theta_and_leaves_params(small_net, data3):
    net = small_net
    X, labels, Y = data3
    before = net.params.copy()
    theta = np.random.default_rng(5).normal(scale=0.5, size=net.n_params)

    J, grad = net.cost(theta, X, Y)
    assert np.array_equal(net.params, before)  # bit-identical

    other = net.copy()
    other.set_params(theta)
    J2, grad2 = other.loss_and_grad(X, Y)
    assert J == J2
    np.testing.assert_allclose(grad, grad2, rtol=1e-14, atol=1e-16)

    # independent reference: numpy cross-entropy of a numpy forward pass
    shapes = [(3, 4), (4,), (4, 3), (3,)]

    def np_cost(t):
        W0, b0, W1, b1 = unpack(t, shapes)
        return np_cross_entropy(np_forward([W0, W1], [b0, b1], ["tanh", "softmax"], X), Y)

    np.testing.assert_allclose(J, np_cost(theta), rtol=1e-12)
    np.testing.assert_allclose(grad, central_diff(np_cost, theta), rtol=1e-6, atol=1e-9)
    # integer labels give the same cost
    J3, grad3 = net.cost(theta, X, labels)
    assert J3 == J
    assert np.array_equal(grad3, grad)


# --- weight decay --------------------------------------------------------------------------


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
@pytest.mark.parametrize("lam", [0.1, 3e-3])
def test_weight_decay_cost_and_gradient(decay, lam, rng):
    X = rng.normal(size=(8, 3))
    Y = rng.normal(size=(8, 2))
    kw = dict(hidden="tanh", output="identity", seed=4)
    plain = mlp([3, 5, 2], **kw)
    decayed = mlp([3, 5, 2], weight_decay=lam, decay=decay, **kw)
    theta = rng.normal(size=plain.n_params)  # biases nonzero too
    plain.set_params(theta)
    decayed.set_params(theta)
    J0, g0 = plain.loss_and_grad(X, Y)
    J1, g1 = decayed.loss_and_grad(X, Y)

    W0, _, W1, _ = unpack(theta, [(3, 5), (5,), (5, 2), (2,)])
    m = X.shape[0]
    c = lam if decay == "ufldl" else lam / m
    np.testing.assert_allclose(J1 - J0, c / 2 * (np.sum(W0**2) + np.sum(W1**2)), rtol=1e-10)
    expected_diff = np.concatenate([c * W0.ravel(), np.zeros(5), c * W1.ravel(), np.zeros(2)])
    np.testing.assert_allclose(g1 - g0, expected_diff, rtol=1e-9, atol=1e-13)
    # biases are never decayed: their gradient is untouched exactly
    bias_slots = np.r_[15:20, 30:32]
    assert np.array_equal(g1[bias_slots], g0[bias_slots])
    # loss_value and cost agree with loss_and_grad
    assert decayed.loss_value(X, Y) == pytest.approx(J1, rel=1e-14)
    assert decayed.cost(theta, X, Y)[0] == pytest.approx(J1, rel=1e-14)


def test_weight_decay_conventions_differ_by_m(rng):
    X = rng.normal(size=(10, 2))
    Y = rng.normal(size=(10, 1))
    base = mlp([2, 3, 1], hidden="sigmoid", seed=0).loss_value(X, Y)
    uf = mlp([2, 3, 1], hidden="sigmoid", seed=0, weight_decay=0.5).loss_value(X, Y)
    ps = mlp([2, 3, 1], hidden="sigmoid", seed=0, weight_decay=0.5, decay="per_sample")
    np.testing.assert_allclose(ps.loss_value(X, Y) - base, (uf - base) / 10, rtol=1e-10)



# --- weight decay with sample weights: rows repeated -----------------------------------------

# (name, sizes, mlp keywords, target maker): the logit path of softmax / sigmoid and the
# loss.grad path (tanh output with mean squared error), with and without hidden layers
WEIGHTED_NETS = [
    ("softmax_ce", [3, 4, 3], dict(hidden="tanh", output="softmax"),
     lambda rng, m: rng.integers(0, 3, m)),
    ("sigmoid_logloss", [3, 5, 4, 2], dict(hidden=["relu", "sigmoid"], output="sigmoid",
                                           loss="log_loss"),
     lambda rng, m: (rng.uniform(size=(m, 2)) > 0.5).astype(float)),
    ("identity_se", [3, 2], dict(output="identity", loss="squared_error"),
     lambda rng, m: rng.normal(size=(m, 2))),
    ("tanh_mse", [3, 4, 2], dict(hidden="softplus", output="tanh", loss="mean_squared_error"),
     lambda rng, m: rng.uniform(-0.9, 0.9, size=(m, 2))),
]


@pytest.mark.parametrize(("name", "sizes", "kw", "targets"), WEIGHTED_NETS,
                         ids=[c[0] for c in WEIGHTED_NETS])
@pytest.mark.parametrize("decay", ["per_sample", "ufldl"])
def test_integer_weights_give_the_cost_and_gradient_of_repeated_rows(name, sizes, kw, targets,
                                                                       decay, rng):
    net = mlp(sizes, seed=5, weight_decay=0.3, decay=decay, **kw)
    net.set_params(rng.normal(scale=0.7, size=net.n_params))  # biases nonzero too
    X = rng.normal(size=(6, 3))
    Y = targets(rng, 6)
    w = np.array([2, 0, 1, 3, 1, 4])  # a zero (the row is dropped) and repeats
    J, g = net.loss_and_grad(X, Y, sample_weight=w)
    Jr, gr = net.loss_and_grad(np.repeat(X, w, axis=0), np.repeat(Y, w, axis=0))
    assert J == pytest.approx(Jr, rel=1e-13, abs=1e-15)
    np.testing.assert_allclose(g, gr, rtol=1e-12, atol=1e-15)
    # the decay term alone, by its closed form: m is the 11 rows of the repeated set
    sum_w2 = sum(float(np.sum(layer.W**2)) for layer in net.layers)
    data_only = mlp(sizes, seed=5, **kw)
    data_only.set_params(net.params)
    c = 0.3 / 11 if decay == "per_sample" else 0.3
    J0 = data_only.loss_and_grad(X, Y, sample_weight=w)[0]
    assert J - J0 == pytest.approx(0.5 * c * sum_w2, rel=1e-12)


@pytest.mark.parametrize(("name", "sizes", "kw", "targets"), WEIGHTED_NETS,
                         ids=[c[0] for c in WEIGHTED_NETS])
def test_weights_whose_sum_overflows_give_the_cost_of_repeated_rows(name, sizes, kw, targets,
                                                                     rng):
    """Unequal weights summing past the largest float: each example's factor
    ``m / sum(w)`` was m / inf = 0, so the cost was the decay alone and the data's
    gradient 0 (training on nothing, silently).  The weighted mean does not depend
    on the weights' scale: the cost and gradient of the rows repeated w times."""
    net = mlp(sizes, seed=5, weight_decay=0.3, decay="ufldl", **kw)
    net.set_params(rng.normal(scale=0.7, size=net.n_params))
    X = rng.normal(size=(6, 3))
    Y = targets(rng, 6)
    w = np.array([2, 0, 1, 3, 1, 4])
    big = w * (1e308 / 4)
    with np.errstate(over="ignore"):
        assert np.isinf(big.sum())
    rows = (np.repeat(X, w, axis=0), np.repeat(Y, w, axis=0))
    for decay, weight_decay in (("ufldl", 0.3), ("per_sample", 0.0)):  # lam / inf: no decay
        reference = mlp(sizes, seed=5, weight_decay=weight_decay, decay="ufldl", **kw)
        reference.set_params(net.params)
        Jr, gr = reference.loss_and_grad(*rows)
        net.decay = decay
        with np.errstate(all="raise"):
            J, g = net.loss_and_grad(X, Y, sample_weight=big)
        assert J == pytest.approx(Jr, rel=1e-13, abs=1e-15)
        np.testing.assert_allclose(g, gr, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("name", "sizes", "kw", "targets"), WEIGHTED_NETS,
                         ids=[c[0] for c in WEIGHTED_NETS])
def test_subnormal_weights_give_the_cost_of_repeated_rows(name, sizes, kw, targets, rng):
    """Unequal weights so small that their sum is subnormal: each example's factor
    ``m / sum(w)`` was inf, so the cost was inf and the gradient NaN.  The weighted mean
    does not depend on the weights' scale: the cost and gradient of the rows repeated w
    times (the weights are powers of two times the smallest subnormal, exact)."""
    net = mlp(sizes, seed=5, weight_decay=0.3, decay="ufldl", **kw)
    net.set_params(rng.normal(scale=0.7, size=net.n_params))
    X = rng.normal(size=(6, 3))
    Y = targets(rng, 6)
    w = np.array([2, 0, 1, 4, 1, 4])
    tiny = w * np.nextafter(0.0, 1.0) * 2.0 ** 10
    assert 0 < tiny.sum() and math.isinf(6 / float(tiny.sum()))
    reference = mlp(sizes, seed=5, weight_decay=0.3, decay="ufldl", **kw)
    reference.set_params(net.params)
    Jr, gr = reference.loss_and_grad(np.repeat(X, w, axis=0), np.repeat(Y, w, axis=0))
    with np.errstate(over="raise", invalid="raise"):
        J, g = net.loss_and_grad(X, Y, sample_weight=tiny)
    assert J == pytest.approx(Jr, rel=1e-13, abs=1e-15)
    np.testing.assert_allclose(g, gr, rtol=1e-12, atol=1e-15)


def test_per_sample_decay_with_weights_by_hand():
    # 1 input, 1 linear output, no hidden layer: J = sum_i w_i (w x_i + b - y_i)^2 / 2 / sum w
    # + lam/(2 sum w) w^2, worked out here for w = 0.5, b = 0.25, lam = 0.6
    net = Network([Dense(1, 1, "identity")], loss="squared_error", weight_decay=0.6,
                  decay="per_sample")
    net.set_params([0.5, 0.25])
    X, y, sw = np.array([[1.0], [2.0], [-1.0]]), np.array([1.0, 0.0, 0.0]), [1.0, 2.0, 1.0]
    # residuals r = 0.5 x + 0.25 - y = -0.25, 1.25, -0.25; sum w = 4
    # data: (1 * 0.0625 + 2 * 1.5625 + 1 * 0.0625) / 2 / 4 = 3.25 / 8 = 0.40625
    # decay: 0.6 / (2 * 4) * 0.25 = 0.01875
    # dJ/dw = (1 * -0.25 * 1 + 2 * 1.25 * 2 + 1 * -0.25 * -1) / 4 + 0.6 / 4 * 0.5 = 1.325
    # dJ/db = (1 * -0.25 + 2 * 1.25 + 1 * -0.25) / 4 = 0.5
    J, g = net.loss_and_grad(X, y, sample_weight=sw)
    assert J == pytest.approx(0.40625 + 0.01875, rel=1e-15)
    np.testing.assert_allclose(g, [1.325, 0.5], rtol=1e-15)


@pytest.mark.parametrize(("name", "sizes", "kw", "targets"), WEIGHTED_NETS,
                         ids=[c[0] for c in WEIGHTED_NETS])
def test_weighted_per_sample_decay_gradient_matches_central_differences(name, sizes, kw,
                                                                        targets, rng):
    net = mlp(sizes, seed=6, weight_decay=0.4, decay="per_sample", **kw)
    theta = rng.normal(scale=0.7, size=net.n_params)
    net.set_params(theta)
    X = rng.normal(size=(5, 3))
    Y = targets(rng, 5)
    w = rng.uniform(0.0, 2.5, size=5)
    _, g = net.loss_and_grad(X, Y, sample_weight=w)
    num = central_diff(lambda t: _weighted_cost(net, t, X, Y, w), theta)
    rel = np.linalg.norm(num - g) / np.linalg.norm(num + g)
    assert rel < 1e-9


def _weighted_cost(net, theta, X, Y, w):
    """The weighted cost at ``theta``; the network keeps its parameters."""
    saved = net.params.copy()
    net.set_params(theta)
    try:
        return net.loss_and_grad(X, Y, sample_weight=w)[0]
    finally:
        net.set_params(saved)


def test_a_batch_whose_weights_are_all_zero_keeps_a_finite_decay_over_its_rows(rng):
    # inside training a mini-batch can have only zero weights: no data term, and the
    # per-sample decay divides by its row count (not by the zero weight sum)
    net = mlp([3, 4, 2], hidden="tanh", output="softmax", seed=2, weight_decay=0.5,
              decay="per_sample")
    X, labels = rng.normal(size=(4, 3)), np.array([0, 1, 1, 0])
    Xc, Yc = net._check_xy(X, labels)
    with np.errstate(all="raise"):
        J, g = net._loss_and_grad(Xc, Yc, False, np.zeros(4))
    sum_w2 = sum(float(np.sum(layer.W**2)) for layer in net.layers)
    assert J == pytest.approx(0.5 * 0.5 / 4 * sum_w2, rel=1e-14)
    W0, b0, W1, b1 = (net.layers[0].W, net.layers[0].b, net.layers[1].W, net.layers[1].b)
    expected = np.concatenate([0.5 / 4 * W0.ravel(), 0 * b0, 0.5 / 4 * W1.ravel(), 0 * b1])
    np.testing.assert_allclose(g, expected, rtol=1e-14, atol=0)


# --- initialisers --------------------------------------------------------------------------

FAN_IN, FAN_OUT = 300, 200


def _uniform_ok(W, r):
    assert np.all(np.abs(W) <= r)
    assert np.max(np.abs(W)) > 0.99 * r
    assert stats.kstest(W.ravel(), stats.uniform(loc=-r, scale=2 * r).cdf).pvalue > 1e-3


def _normal_ok(W, std):
    n = W.size
    assert abs(W.mean()) < 5 * std / np.sqrt(n)
    assert W.std() == pytest.approx(std, rel=0.02)
    assert stats.kstest(W.ravel(), stats.norm(scale=std).cdf).pvalue > 1e-3


INIT_CHECKS = {
    "normal": lambda W: _normal_ok(W, 0.01),
    "ufldl": lambda W: _uniform_ok(W, np.sqrt(6 / (FAN_IN + FAN_OUT + 1))),
    "glorot_uniform": lambda W: _uniform_ok(W, np.sqrt(6 / (FAN_IN + FAN_OUT))),
    "glorot_normal": lambda W: _normal_ok(W, np.sqrt(2 / (FAN_IN + FAN_OUT))),
    "he_normal": lambda W: _normal_ok(W, np.sqrt(2 / FAN_IN)),
    "he_uniform": lambda W: _uniform_ok(W, np.sqrt(6 / FAN_IN)),
}


@pytest.mark.parametrize("name", sorted(INIT_CHECKS))
def test_initializer_distribution(name):
    layer = Dense(FAN_IN, FAN_OUT, init=name, seed=2024)
    assert layer.W.dtype == np.float64
    INIT_CHECKS[name](layer.W)
    assert np.all(layer.b == 0)


def test_default_init_is_normal_eps_001():
    layer = Dense(FAN_IN, FAN_OUT, seed=3)
    _normal_ok(layer.W, 0.01)


@pytest.mark.parametrize("eps", [0.1, 0.003, 2.5])
def test_normal_with_a_chosen_eps_has_the_right_moments(eps, tmp_path):
    from chainrule.initializers import normal_with_eps

    W = Dense(1000, 1000, init=normal_with_eps(eps), seed=7).W  # 10^6 samples of N(0, eps^2)
    x = W.ravel() / eps  # standard normal if right
    n = x.size
    # standard errors: mean 1/sqrt(n); variance sqrt(2/n); E x^4 = 3 with sqrt(96/n)
    assert abs(x.mean()) < 5 / np.sqrt(n)
    assert abs(x.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(np.mean(x**4) - 3) < 5 * np.sqrt(96 / n)
    assert abs(np.mean(np.abs(x) < 1) - 0.682689492) < 5 * np.sqrt(0.2166 / n)
    # the name form gives the same weights, and a saved model records it
    layer = Dense(4, 3, init=f"normal(eps={eps})", seed=7)
    np.testing.assert_array_equal(layer.W, Dense(4, 3, init=normal_with_eps(eps), seed=7).W)
    net = mlp([4, 3, 2], init=normal_with_eps(eps), seed=0)
    assert [lay.init for lay in net.layers] == [f"normal(eps={eps!r})"] * 2
    loaded = chainrule.load(net.save(tmp_path / "n.npz"))
    assert [lay.init for lay in loaded.layers] == [f"normal(eps={eps!r})"] * 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_normal_with_eps_pickles_alone_and_as_an_estimators_init():
    import pickle

    from chainrule.initializers import normal_with_eps

    init = pickle.loads(pickle.dumps(normal_with_eps(0.25)))
    assert init.__name__ == "normal(eps=0.25)"
    # the weights NumPy draws for N(0, 0.25^2) with the same generator
    np.testing.assert_array_equal(init(np.random.default_rng(4), 3, 2),
                                  np.random.default_rng(4).normal(0.0, 0.25, size=(3, 2)))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    est = chainrule.MLPClassifier((4,), init=normal_with_eps(0.1), max_iter=3,
                                  random_state=0).fit(X, X[:, 0] > 0)
    copy = pickle.loads(pickle.dumps(est))  # and so joblib.dump, or a process pool
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))
    assert "init=normal_with_eps(0.1)" in repr(copy)


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), float("inf"), np.float32(-1)])
def test_normal_with_eps_refuses_a_bad_eps(bad):
    from chainrule.initializers import normal_with_eps

    with pytest.raises(ValueError, match=r"^eps must be a finite number > 0 \(the standard "
                                         r"deviation of the weights\), got"):
        normal_with_eps(bad)
    # in a name, E is text: one that is no number is a bad value of the name
    for name in ("normal(eps=x)", "normal(eps=True)", "normal(eps=-1)"):
        with pytest.raises(ValueError, match=rf"^init '{re.escape(name)}': eps must be"):
            Dense(2, 2, init=name)


@pytest.mark.parametrize("bad", ["0.1", True, None, [0.1], 0.1j])
def test_normal_with_eps_refuses_what_is_no_number_with_a_type_error(bad):
    """normal_with_eps("0.1") raised ValueError; a value of the wrong type is a TypeError
    everywhere else in the library (check_positive_float: lr, momentum, ...), with the
    type named, as here."""
    from chainrule.initializers import normal_with_eps

    message = (f"eps must be a finite number > 0 (the standard deviation of the weights), got "
               f"{bad!r} ({type(bad).__name__})")
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        normal_with_eps(bad)
    with pytest.raises(TypeError, match=r"^lr must be a finite float > 0, got "):
        chainrule.SGD(lr=bad)  # the library's rule for the same value


@pytest.mark.parametrize("name", sorted(INIT_CHECKS))
def test_initializer_reproducible_from_seed(name):
    a = Dense(20, 30, init=name, seed=42).W
    b = Dense(20, 30, init=name, seed=42).W
    c = Dense(20, 30, init=name, seed=43).W
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # a Generator seeded alike gives the same numbers
    g = Dense(20, 30, init=name, seed=np.random.default_rng(42)).W
    assert np.array_equal(a, g)


def test_mlp_reproducible_from_seed():
    a = mlp([10, 8, 3], hidden="tanh", seed=5).params
    b = mlp([10, 8, 3], hidden="tanh", seed=5).params
    c = mlp([10, 8, 3], hidden="tanh", seed=6).params
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_mlp_auto_init_he_for_relu_glorot_otherwise():
    net = mlp([400, 300, 200], hidden="relu", output="sigmoid", seed=1)
    _normal_ok(net.layers[0].W, np.sqrt(2 / 400))
    _uniform_ok(net.layers[1].W, np.sqrt(6 / (300 + 200)))


def test_mlp_takes_a_callable_init_for_every_layer():
    calls = []

    def ramp(rng, fan_in, fan_out):
        calls.append((fan_in, fan_out))
        return np.arange(fan_in * fan_out, dtype=float).reshape(fan_in, fan_out) / 10

    net = mlp([3, 2, 1], init=ramp, seed=0)
    assert calls == [(3, 2), (2, 1)]
    np.testing.assert_array_equal(net.layers[0].W, [[0, 0.1], [0.2, 0.3], [0.4, 0.5]])
    np.testing.assert_array_equal(net.layers[1].W, [[0], [0.1]])


@pytest.mark.parametrize("init", [np.ones((3, 2)), [[1.0, 1.0]] * 3, 0.5])
def test_mlp_refuses_explicit_weights_and_says_where_they_go(init):
    with pytest.raises(TypeError, match=r"init must be an initialiser name or a callable.*"
                                        r"Dense\(fan_in, fan_out, activation, init=W\).*"
                                        r"from_transfer_matrices"):
        mlp([3, 2], init=init)


def test_zeros_and_explicit_init():
    assert np.array_equal(Dense(4, 3, init="zeros").W, np.zeros((4, 3)))
    M = np.arange(12.0).reshape(4, 3) / 7
    layer = Dense(4, 3, activation="identity", init=M)
    assert np.array_equal(layer.W, M)
    assert layer.W is not M  # copied, not aliased
    M32 = M.astype(np.float32)
    assert Dense(4, 3, init=M32).W.dtype == np.float32
    # explicit integer weights: exact values, float64
    layer = Dense(2, 2, init=[[1, 2], [3, 4]])
    assert layer.W.dtype == np.float64
    assert np.array_equal(layer.W, [[1.0, 2.0], [3.0, 4.0]])


def test_zero_init_hidden_units_stay_identical(rng):
    """The symmetry problem: with zeros every hidden unit learns the same thing."""
    X = rng.normal(size=(30, 4))
    Y = (rng.random(size=(30, 2)) > 0.5).astype(float)
    net = mlp([4, 5, 2], hidden="sigmoid", output="sigmoid", init="zeros", seed=0)
    chainrule.train(net, X, Y, optimizer="gd", lr=0.5, epochs=25)
    W0, b0, W1 = net.layers[0].W, net.layers[0].b, net.layers[1].W
    assert np.max(np.abs(W0)) > 1e-3  # the hidden weights did move
    for j in range(1, 5):
        np.testing.assert_allclose(W0[:, j], W0[:, 0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b0[j], b0[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(W1[j], W1[0], rtol=1e-12, atol=1e-15)
    # and a random start breaks the symmetry
    net = mlp([4, 5, 2], hidden="sigmoid", output="sigmoid", seed=0)
    chainrule.train(net, X, Y, optimizer="gd", lr=0.5, epochs=25)
    assert not np.allclose(net.layers[0].W[:, 1], net.layers[0].W[:, 0])


# --- notations -----------------------------------------------------------------------------


def _random_transfer(rng, sizes):
    return [rng.normal(size=(a + 1, b)) for a, b in itertools.pairwise(sizes)]


@pytest.mark.parametrize("activation", ["sigmoid", ["tanh", "relu", "identity"]])
def test_transfer_matrices_round_trip_and_forward(activation, rng):
    mats = _random_transfer(rng, [3, 4, 5, 2])
    net = Network.from_transfer_matrices(mats, activation=activation)
    acts = [activation] * 3 if isinstance(activation, str) else activation
    assert [lay.activation.name for lay in net.layers] == acts
    back = net.to_transfer_matrices()
    assert len(back) == 3
    for m0, m1 in zip(mats, back, strict=True):
        assert np.array_equal(m0, m1)
    # course forward: x_next = phi(M.T @ [1, x]), one example at a time
    X = rng.normal(size=(4, 3))
    for x, out in zip(X, net.forward(X), strict=True):
        h = x
        for M, act in zip(mats, acts, strict=True):
            h = NP_ACT[act]((M.T @ np.concatenate([[1.0], h]))[None, :])[0]
        np.testing.assert_allclose(out, h, rtol=1e-12, atol=1e-14)
    # first row = biases
    assert np.array_equal(net.layers[0].b, mats[0][0])
    assert np.array_equal(net.layers[0].W, mats[0][1:])


@pytest.mark.parametrize("activation", ["tanh", ["sigmoid", "softplus"]])
def test_ufldl_round_trip_and_forward(activation, rng):
    Ws = [rng.normal(size=(5, 3)), rng.normal(size=(2, 5))]  # (fan_out, fan_in)
    bs = [rng.normal(size=5), rng.normal(size=2)]
    net = Network.from_ufldl(Ws, bs, activation=activation)
    Ws2, bs2 = net.to_ufldl()
    for a, b in zip(Ws + bs, Ws2 + bs2, strict=True):
        assert np.array_equal(a, b)
    acts = [activation] * 2 if isinstance(activation, str) else activation
    X = rng.normal(size=(6, 3))
    for x, out in zip(X, net.forward(X), strict=True):
        a = x
        for W, b, act in zip(Ws, bs, acts, strict=True):
            a = NP_ACT[act]((W @ a + b)[None, :])[0]  # z = W a + b
        np.testing.assert_allclose(out, a, rtol=1e-12, atol=1e-14)
    # and the two notations describe the same network
    mats = net.to_transfer_matrices()
    assert np.array_equal(mats[1], np.vstack([bs[1][None, :], Ws[1].T]))


def test_ufldl_without_biases(rng):
    Ws = [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))]
    net = Network.from_ufldl(Ws, activation="sigmoid")
    assert net.n_params == 6 + 3
    Ws2, bs2 = net.to_ufldl()
    assert bs2 == [None, None]
    assert all(np.array_equal(a, b) for a, b in zip(Ws, Ws2, strict=True))
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose(
        net.forward(x)[0], expit(Ws[1] @ expit(Ws[0] @ x)), rtol=1e-13
    )
    # transfer-matrix export writes a zero bias row
    assert np.array_equal(net.to_transfer_matrices()[0][0], np.zeros(3))


def test_network_from_transfer_round_trip_through_ufldl(rng):
    mats = _random_transfer(rng, [2, 3, 1])
    net = Network.from_transfer_matrices(mats)
    Ws, bs = net.to_ufldl()
    net2 = Network.from_ufldl(Ws, bs)
    assert np.array_equal(net.params, net2.params)
    assert all(np.array_equal(a, b) for a, b in zip(mats, net2.to_transfer_matrices(), strict=True))


# --- dtypes and copies ---------------------------------------------------------------------


def test_float32_network_stays_float32(rng):
    net = mlp([4, 6, 3], hidden="tanh", output="softmax", seed=0, dtype=np.float32)
    assert net.params.dtype == np.float32
    assert all(lay.W.dtype == np.float32 and lay.b.dtype == np.float32 for lay in net.layers)
    X = rng.normal(size=(5, 4))  # float64 data
    out = net.forward(X)
    assert out.dtype == np.float32
    Ws = [lay.W.astype(np.float64) for lay in net.layers]
    bs = [lay.b.astype(np.float64) for lay in net.layers]
    np.testing.assert_allclose(out, np_forward(Ws, bs, ["tanh", "softmax"], X), rtol=1e-5)
    labels = np.array([0, 1, 2, 0, 1])
    J, grad = net.loss_and_grad(X, labels)
    assert grad.dtype == np.float32
    J64, grad64 = net.astype(np.float64).loss_and_grad(X, labels)
    np.testing.assert_allclose(J, J64, rtol=1e-5)
    np.testing.assert_allclose(grad, grad64, rtol=1e-3, atol=1e-5)
    chainrule.train(net, X, labels, optimizer="sgd", batch_size=2, epochs=2, seed=0)
    assert net.params.dtype == np.float32
    assert net.forward(X).dtype == np.float32


def test_copy_is_independent(small_net, data3):
    X, _, Y = data3
    net = small_net
    twin = net.copy()
    assert np.array_equal(twin.params, net.params)
    assert not np.shares_memory(twin.params, net.params)
    assert np.array_equal(twin.forward(X), net.forward(X))
    before = net.params.copy()
    twin.layers[0].W[...] = 0.0
    twin.params[-1] = 5.0
    assert np.array_equal(net.params, before)
    chainrule.train(twin, X, Y, epochs=2)
    assert np.array_equal(net.params, before)
    # and the other way round
    net.params[0] = -3.0
    assert twin.params[0] != -3.0


def test_astype_float32_is_independent_copy(small_net, data3):
    X, _, _ = data3
    net = small_net
    before = net.params.copy()
    n32 = net.astype(np.float32)
    assert n32.params.dtype == np.float32
    assert n32.layers[0].W.dtype == np.float32
    assert np.array_equal(n32.params, before.astype(np.float32))
    assert n32.forward(X).dtype == np.float32
    np.testing.assert_allclose(n32.forward(X), net.forward(X), rtol=1e-5, atol=1e-6)
    n32.params[:] = 1.0
    assert np.array_equal(net.params, before)
    assert net.params.dtype == np.float64
    back = n32.astype(np.float64)
    assert back.params.dtype == np.float64
    assert np.array_equal(back.params, np.ones(net.n_params))


# --- XOR -----------------------------------------------------------------------------------

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def _xor_loss(net):
    p = net.forward(XOR_X)[:, 0]
    return float(np.mean(-(XOR_Y * np.log(p) + (1 - XOR_Y) * np.log(1 - p)))), p


def test_xor_gd_momentum():
    net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    assert net.loss.name == "log_loss"
    hist = chainrule.train(net, XOR_X, XOR_Y, optimizer="gd", lr=0.5, momentum=0.9, epochs=2000)
    loss, p = _xor_loss(net)
    assert np.array_equal(p > 0.5, XOR_Y > 0.5)
    assert loss < 0.01
    assert hist["accuracy"][-1] == 1.0


def test_xor_lbfgs():
    net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    result = chainrule.minimize(net, XOR_X, XOR_Y, method="L-BFGS-B", maxiter=500)
    loss, p = _xor_loss(net)
    assert np.array_equal(p > 0.5, XOR_Y > 0.5)
    assert loss < 1e-3
    np.testing.assert_allclose(result.fun, loss, rtol=1e-6, atol=1e-10)


# --- user activations ----------------------------------------------------------------------


@pytest.fixture
def cube():
    name = "test_network_cube"
    act = chainrule.register_activation(name, lambda z: z**3, lambda z: 3 * z**2)
    yield name, act
    unregister_activation(name)


def test_register_activation_usable_in_dense(cube, rng):
    name, _ = cube
    assert name in ACTIVATIONS
    layer = Dense(3, 2, activation=name, seed=0)
    layer.b[...] = [0.1, -0.2]
    net = Network([Dense(2, 3, activation="tanh", seed=1), layer])
    X = rng.normal(size=(4, 2))
    Y = rng.normal(size=(4, 2))
    h = np.tanh(X @ net.layers[0].W + net.layers[0].b)
    expected = (h @ layer.W + layer.b) ** 3
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-13)
    # backprop through it agrees with central differences of a numpy cost
    theta = net.params.copy()
    shapes = [(2, 3), (3,), (3, 2), (2,)]

    def np_cost(t):
        W0, b0, W1, b1 = unpack(t, shapes)
        out = (np.tanh(X @ W0 + b0) @ W1 + b1) ** 3
        return 0.5 * np.mean(np.sum((out - Y) ** 2, axis=1))

    J, grad = net.loss_and_grad(X, Y)
    np.testing.assert_allclose(J, np_cost(theta), rtol=1e-12)
    np.testing.assert_allclose(grad, central_diff(np_cost, theta), rtol=1e-6, atol=1e-9)
    # also through mlp
    assert mlp([2, 3, 1], hidden=name, seed=0).layers[0].activation.name == name


@pytest.mark.parametrize("builtin", ["sigmoid", "relu", "softmax", "identity", "linear"])
def test_register_activation_refuses_builtin(builtin):
    original = ACTIVATIONS.get(builtin)
    with pytest.raises(ValueError, match="built in"):
        chainrule.register_activation(builtin, np.sin, np.cos)
    with pytest.raises(ValueError, match="built in"):
        chainrule.register_activation(builtin, np.sin, np.cos, overwrite=True)
    assert ACTIVATIONS.get(builtin) is original


def test_register_activation_twice_needs_overwrite(cube):
    name, act = cube
    with pytest.raises(ValueError, match="overwrite"):
        chainrule.register_activation(name, np.sin, np.cos)
    assert ACTIVATIONS[name] is act
    new = chainrule.register_activation(name, np.sin, np.cos, overwrite=True)
    assert ACTIVATIONS[name] is new
    np.testing.assert_allclose(Dense(1, 1, activation=name, init=[[1.0]]).forward(
        np.array([[0.5]])), [[np.sin(0.5)]])


def test_a_1d_target_out_of_label_range_says_how_to_give_values():
    net = mlp([2, 3, 2], output="identity", loss="squared_error", seed=0)
    with pytest.raises(ValueError, match=r"class labels must lie in 0\.\.1 .*got labels from "
                                         r"290 to 290; to give 2 target values per example, "
                                         r"pass Y of shape \(n_samples, 2\)"):
        net.loss_and_grad([[1.0, 1.0]], [290])


# --------------------------------------------------------------------------------------------
# Network refuses outputs the loss cannot use
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["log_loss", "cross_entropy", "squared_error"])
def test_one_unit_softmax_output_is_refused(loss):
    """A softmax over one unit is the constant 1: the cost cannot depend on the weights."""
    with pytest.raises(ValueError, match=r"softmax over 1 unit.*sigmoid"):
        Network([Dense(3, 1, "softmax")], loss=loss)
    with pytest.raises(ValueError, match="softmax over 1 unit"):
        mlp([3, 4, 1], output="softmax", loss=loss)
    # the two-class alternatives it points to are accepted, and learnable
    net = Network([Dense(3, 1, "sigmoid", seed=0)], loss="log_loss")
    X = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]])
    y = np.array([[1.0], [0.0]])
    _, g = net.loss_and_grad(X, y)
    assert np.any(g != 0)
    Network([Dense(3, 2, "softmax")], loss="cross_entropy")


@pytest.mark.parametrize("last", ["dropout", "flatten"])
def test_network_ending_without_activation_is_refused(last):
    from chainrule import Dropout, Flatten

    layer = Dropout(0.5) if last == "dropout" else Flatten()
    with pytest.raises(ValueError, match=rf"layers\[1\] is a {type(layer).__name__} layer.*"
                                         "Dense output"):
        Network([Dense(3, 2), layer])


def test_a_layer_object_appears_only_once():
    """[Dense(3, 3)] * 2 is one layer twice: its W and b were bound to the second slice of
    the flat vector (the first was left unused) and the second pass overwrote what the
    first had kept for backpropagation, so the gradient was silently wrong (relative
    difference 0.98 against central differences).  A Dropout used twice kept only the
    last mask.  Now refused; one layer per place works and matches the hand computation."""
    from chainrule import Dropout

    d = Dense(3, 3, "tanh", seed=0)
    with pytest.raises(ValueError, match=r"layers\[1\] is the same object as layers\[0\]"):
        Network([d, d])
    drop = Dropout(0.5)
    with pytest.raises(ValueError, match=r"layers\[3\] is the same object as layers\[1\]"):
        Network([Dense(3, 4), drop, Dense(4, 4), drop, Dense(4, 1)])
    assert getattr(d, "_owner", None) is None  # nothing was bound
    net = Network([d, Dense(3, 3, "tanh", init=d.W.copy())])
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    W = d.W.copy()
    H = np.tanh(X @ W)
    A = np.tanh(H @ W)
    delta2 = (A - Y) * (1 - A**2) / 4
    delta1 = delta2 @ W.T * (1 - H**2)
    _, grad = net.loss_and_grad(X, Y)
    expected = np.concatenate([(X.T @ delta1).ravel(), delta1.sum(0),
                               (H.T @ delta2).ravel(), delta2.sum(0)])
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------------
# a callable init is checked as explicit weights are
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("returned, match", [
    (np.full((3, 2), np.nan), "init.*NaN|init.*finite"),
    (np.ones((2, 3)), r"shape \(2, 3\), expected \(fan_in, fan_out\) = \(3, 2\)"),
    (np.ones(6), "init must be 2-D"),
    (0.5, "init must be 2-D"),
    (np.array([["a", "b"]] * 3), "init must hold numbers"),
])
def test_dense_callable_init_result_is_checked(returned, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Dense(3, 2, init=lambda rng, fan_in, fan_out: returned)


def test_dense_callable_init_values_are_used():
    W = np.arange(6.0).reshape(3, 2) / 10
    seen = []

    def init(rng, fan_in, fan_out):
        seen.append((fan_in, fan_out))
        return W.tolist()  # a nested list is fine too

    layer = Dense(3, 2, "identity", init=init)
    assert seen == [(3, 2)]
    np.testing.assert_array_equal(layer.W, W)
    assert layer.W.dtype == np.float64


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_deepcopy_and_pickle_give_a_working_independent_network(how):
    """The flat vector and the layers' views of it must stay one after copying: a
    default deep copy (or an unpickle) made them separate arrays, so that the copy's
    params no longer moved its layers."""
    import copy
    import pickle

    from chainrule import BatchNorm, Dense, Dropout, Network

    net = Network([Dense(3, 4, "relu", seed=0), BatchNorm(4, "relu"), Dropout(0.3, seed=1),
                   Dense(4, 2, "softmax", seed=2)], loss="cross_entropy")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), np.arange(20) % 2
    chainrule.train(net, X, y, optimizer="sgd", epochs=2, batch_size=5, seed=0)
    new = copy.deepcopy(net) if how == "deepcopy" else pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(new.params, net.params)
    np.testing.assert_array_equal(new.layers[1].running_var, net.layers[1].running_var)
    np.testing.assert_array_equal(new.forward(X), net.forward(X))
    # the dropout generator continues from the same state
    np.testing.assert_array_equal(new.forward(X, training=True), net.forward(X, training=True))
    before = net.params.copy()
    new.params[...] = 0.0  # moves the copy's layers, not the original's
    assert not new.layers[0].W.any() and not new.layers[3].b.any()
    np.testing.assert_array_equal(net.params, before)
    np.testing.assert_array_equal(new.forward(X), np.full((20, 2), 0.5))


def test_shallow_copy_shares_the_parameters():
    import copy

    net = mlp([3, 4, 2], output="softmax", seed=0)
    shallow = copy.copy(net)
    assert shallow.layers is net.layers and np.shares_memory(shallow.params, net.params)


def _sigmoid_net_and_data(rng):
    """A 3-4-2 sigmoid network (squared error, UFLDL weight decay) and 5 examples."""
    net = mlp([3, 4, 2], hidden="sigmoid", output="sigmoid", loss="squared_error",
              weight_decay=0.1, init="glorot_uniform", seed=3)
    net.params[...] += rng.normal(scale=0.3, size=net.n_params)  # biases away from zero
    return net, rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))


def test_gradient_in_the_transfer_matrix_notation(rng):
    """No helper turned a gradient into the course notations.  Reference: backprop by hand
    in the transfer-matrix notation, x_next = s(M.T @ [1, x]) one example at a time,
    J = mean 1/2 ||a - y||^2 + (lambda/2) sum of the non-bias rows squared."""
    from chainrule.notation import gradient_from_transfer_matrices, gradient_to_transfer_matrices

    net, X, Y = _sigmoid_net_and_data(rng)
    with pytest.raises(ValueError, match=r"net\.grads holds no gradient yet"):
        gradient_to_transfer_matrices(net)  # its zeros are no gradient
    _, grad = net.loss_and_grad(X, Y)
    Ms = net.to_transfer_matrices()
    dMs = [np.zeros_like(M) for M in Ms]
    for x, y in zip(X, Y, strict=True):
        a0 = np.concatenate([[1.0], x])
        a1 = np.concatenate([[1.0], expit(Ms[0].T @ a0)])
        a2 = expit(Ms[1].T @ a1)
        d2 = (a2 - y) * a2 * (1 - a2)
        d1 = (Ms[1][1:] @ d2) * a1[1:] * (1 - a1[1:])
        dMs[1] += np.outer(a1, d2) / len(X)
        dMs[0] += np.outer(a0, d1) / len(X)
    for M, dM in zip(Ms, dMs, strict=True):
        dM[1:] += 0.1 * M[1:]  # decay on weights, never on the bias row
    for mine, ref in zip(gradient_to_transfer_matrices(net), dMs, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)  # net.grads
    for mine, ref in zip(gradient_to_transfer_matrices(net, grad), dMs, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)
    back = gradient_from_transfer_matrices(net, gradient_to_transfer_matrices(net, grad))
    np.testing.assert_array_equal(back, grad)  # round trip, exact
    with pytest.raises(ValueError, match=r"grad must be a flat gradient of shape \(26,\)"):
        gradient_to_transfer_matrices(net, grad[:-1])
    with pytest.raises(ValueError, match=r"mats\[1\] must have shape \(5, 2\) \(in the "
                                         r"transfer layout"):
        gradient_from_transfer_matrices(net, [dMs[0], dMs[1][1:]])


def test_gradient_in_the_ufldl_notation(rng):
    """Reference: UFLDL's vectorised backprop by hand, columns = examples, z = W a + b,
    dJ/dW = delta a^T / m + lambda W, dJ/db = mean of delta."""
    from chainrule.notation import gradient_from_ufldl, gradient_to_ufldl

    net, X, Y = _sigmoid_net_and_data(rng)
    _, grad = net.loss_and_grad(X, Y)
    (W1, W2), (b1, b2) = net.to_ufldl()
    m = len(X)
    a1, y = X.T, Y.T
    a2 = expit(W1 @ a1 + b1[:, None])
    a3 = expit(W2 @ a2 + b2[:, None])
    d3 = (a3 - y) * a3 * (1 - a3)
    d2 = (W2.T @ d3) * a2 * (1 - a2)
    ref_W = [d2 @ a1.T / m + 0.1 * W1, d3 @ a2.T / m + 0.1 * W2]
    ref_b = [d2.mean(axis=1), d3.mean(axis=1)]
    dWs, dbs = gradient_to_ufldl(net, grad)
    for mine, ref in zip(dWs + dbs, ref_W + ref_b, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(gradient_from_ufldl(net, dWs, dbs), grad)  # exact
    dWs[0][...] = 0.0  # new arrays: the network's gradient is untouched
    np.testing.assert_array_equal(net.grads, grad)
    with pytest.raises(ValueError, match=r"dWs\[0\] must have shape \(4, 3\)"):
        gradient_from_ufldl(net, [ref_W[0].T, ref_W[1]], ref_b)


def test_gradient_notations_without_biases(rng):
    """Worked example B's network has no biases: the transfer layout's first row is 0 and
    must stay 0 coming back; UFLDL's dbs are None.  Reference: the round trips and the
    UFLDL gradient transposed against chainrule's own layers' dW."""
    from chainrule.notation import (
        gradient_from_transfer_matrices,
        gradient_from_ufldl,
        gradient_to_transfer_matrices,
        gradient_to_ufldl,
    )

    net = Network.from_ufldl([rng.normal(size=(2, 2)), rng.normal(size=(2, 2))],
                             activation=["square", "identity"])
    _, grad = net.loss_and_grad(np.ones((1, 2)), [[290.0, 14.0]])
    mats = gradient_to_transfer_matrices(net, grad)
    assert all(not M[0].any() for M in mats)
    np.testing.assert_array_equal(gradient_from_transfer_matrices(net, mats), grad)
    dWs, dbs = gradient_to_ufldl(net, grad)
    assert dbs == [None, None]
    np.testing.assert_array_equal(dWs[1], net.layers[1].dW.T)
    np.testing.assert_array_equal(gradient_from_ufldl(net, dWs), grad)
    mats[0][0, 1] = 1.0
    with pytest.raises(ValueError, match=r"mats\[0\]: layer 0 has no biases"):
        gradient_from_transfer_matrices(net, mats)
    with pytest.raises(ValueError, match=r"dbs\[1\]: layer 1 has no biases"):
        gradient_from_ufldl(net, dWs, [None, np.zeros(2)])


def test_network_docstring_names_every_loss():
    """The Network docstring listed four losses of the five: poisson was left out."""
    import re

    from chainrule.losses import LOSSES

    # inspect.getdoc: Python >= 3.13 takes the indentation off __doc__ itself
    entry = inspect.getdoc(Network).split("\nloss : ", 1)[1]
    entry = re.split(r"\n(?=\S)", entry)[0]
    assert [name for name in LOSSES if f'"{name}"' not in entry] == []


@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "log_loss"),
                                          ("identity", "squared_error"),
                                          ("tanh", "squared_error"), ("exp", "squared_error")])
def test_a_network_takes_its_outputs_canonical_loss_by_default(output, loss):
    """Network() took squared_error whatever its output, where mlp() and
    network_from_layers() take the output's canonical loss: a softmax network built layer
    by layer trained on 1/2 ||a - y||^2 without a word.  All three agree now; the cost of
    the softmax network is the mean cross-entropy written out here."""
    from chainrule.layers import Dense

    rng = np.random.default_rng(0)
    sizes = [3, 4, 3 if output == "softmax" else 2]
    net = chainrule.Network([Dense(3, 4, "tanh", seed=0), Dense(4, sizes[-1], output, seed=1)])
    assert net.loss.name == loss
    assert chainrule.mlp(sizes, hidden="tanh", output=output).loss.name == loss
    built = chainrule.network_from_layers(
        [{"type": "Dense", "fan_out": 4, "activation": "tanh"},
         {"type": "Dense", "fan_out": sizes[-1], "activation": output}], input_shape=3)
    assert built.loss.name == loss
    assert chainrule.Network(net.layers, loss="squared_error").loss.name == "squared_error"
    if output == "softmax":
        X, y = rng.normal(size=(6, 3)), np.arange(6) % 3
        A = net.forward(X)
        expected = -np.mean(np.log(A[np.arange(6), y]))
        assert net.loss_value(X, y) == pytest.approx(expected, rel=1e-12)
