"""cs231n assignment 2's layer checks on chainrule's layers (examples/cs231n_layer_checks.py).

The references are the outputs printed in cs231n's assignment 2 notebooks, independent of
chainrule: FullyConnectedNets.ipynb (affine_forward, relu_forward, the TwoLayerNet test
with its weights set by linspace) and ConvolutionalNetworks.ipynb (conv_forward_naive,
max_pool_forward_naive), spring 2017 versions; BatchNormalization.ipynb and
ConvolutionalNetworks.ipynb's spatial batch normalisation, spring 2019 versions (their
randn inputs come from np.random.seed(231), so np.random.RandomState(231) rebuilds
them).  Tolerances are the notebooks' own ("difference should be around 1e-9 / 5e-8 /
2e-8", scores summed below 1e-6, losses within 1e-10) or rel_error < 1e-7; gradients
are checked against central differences, as the notebooks do.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.activations import get_activation
from chainrule.batchnorm import BatchNorm
from chainrule.conv import Conv2D
from chainrule.dropout import Dropout
from chainrule.gradcheck import gradient_check
from chainrule.layers import Dense
from chainrule.network import Network
from chainrule.pooling import Flatten, MaxPool2D

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "cs231n_layer_checks.py"

# FullyConnectedNets.ipynb, "Affine layer: forward" and "ReLU layer: forward"
AFFINE_OUT = np.array([[1.49834967, 1.70660132, 1.91485297],
                       [3.25553199, 3.5141327, 3.77273342]])
RELU_OUT = np.array([[0., 0., 0., 0.],
                     [0., 0., 0.04545455, 0.13636364],
                     [0.22727273, 0.31818182, 0.40909091, 0.5]])
# FullyConnectedNets.ipynb, "Two-layer network": correct_scores, correct_loss (reg 0, 1.0)
TWO_LAYER_SCORES = np.array([
    [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
    [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
    [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
TWO_LAYER_LOSS = {0.0: 3.4702243556, 1.0: 26.5948426952}
# ConvolutionalNetworks.ipynb, "Convolution: Naive forward pass" (stride 2, pad 1)
CONV_OUT = np.array([
    [[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
     [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
     [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
    [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
     [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
     [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]])
# ConvolutionalNetworks.ipynb, "Max-Pooling: Naive forward" (2x2, stride 2)
POOL_OUT = np.array([
    [[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
     [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
     [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
    [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
     [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
     [[0.32631579, 0.34105263], [0.38526316, 0.4]]]])
# BatchNormalization.ipynb (vectors) and ConvolutionalNetworks.ipynb (spatial): the inputs'
# means and stds, the stds after train-mode normalisation (gamma 1 / the non-trivial
# gamma), and the test-time means and stds after 50 warm-up batches
BN = {
    False: {"input means": [-2.3814598, -13.18038246, 1.91780462],
            "input stds": [27.18502186, 34.21455511, 37.68611762],
            "stds": [0.99999999, 1., 1.], "gamma": [1., 2., 3.], "beta": [11., 12., 13.],
            "scaled stds": [0.99999999, 1.99999999, 2.99999999],
            "test means": [-0.03927354, -0.04349152, -0.10452688],
            "test stds": [1.01531428, 1.01238373, 0.97819988]},
    True: {"input means": [9.33463814, 8.90909116, 9.11056338],
           "input stds": [3.61447857, 3.19347686, 3.5168142],
           "stds": [0.99999962, 0.99999951, 0.9999996], "gamma": [3., 4., 5.],
           "beta": [6., 7., 8.], "scaled stds": [2.99999885, 3.99999804, 4.99999798],
           "test means": [-0.08034406, 0.07562881, 0.05716371, 0.04378383],
           "test stds": [0.96718744, 1.0299714, 1.02887624, 1.00585577]},
}


def rel_error(x, y) -> float:
    """cs231n's relative error."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def numerical_gradient_array(f, x: np.ndarray, dout: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of sum(f(x) * dout), as cs231n's eval_numerical_gradient_array."""
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        plus = np.array(f(x))
        x[ix] = old - h
        minus = np.array(f(x))
        x[ix] = old
        grad[ix] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def test_affine_forward_is_flatten_then_dense():
    x = np.linspace(-0.1, 0.5, num=2 * 120).reshape(2, 4, 5, 6)
    dense = Dense(120, 3, activation="identity")
    dense.W = np.linspace(-0.2, 0.3, num=120 * 3).reshape(120, 3)  # cs231n's w, (D, M)
    dense.b = np.linspace(-0.3, 0.1, num=3)
    out = dense.forward(Flatten().forward(x))
    assert rel_error(out, AFFINE_OUT) < 2e-9  # "around 1e-9" (8 printed digits)


def test_relu_forward():
    out = get_activation("relu").f(np.linspace(-0.5, 0.5, num=12).reshape(3, 4))
    assert rel_error(out, RELU_OUT) < 1e-7  # "around 5e-8"


def _two_layer_net(weight_decay: float) -> tuple[Network, float]:
    N, D, H, C = 3, 5, 50, 7
    net = Network([Dense(D, H, activation="relu"), Dense(H, C, activation="softmax")],
                  loss="cross_entropy", weight_decay=weight_decay)
    net.layers[0].W = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    net.layers[0].b = np.linspace(-0.1, 0.9, num=H)
    net.layers[1].W = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    net.layers[1].b = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return net, net.loss_and_grad(X, np.array([0, 5, 1]))[0]


@pytest.mark.parametrize("reg", [0.0, 1.0])
def test_two_layer_net_scores_and_losses(reg):
    """Assignment 2's reg is 0.5 * reg * sum W^2: chainrule's weight_decay = reg."""
    net, loss = _two_layer_net(weight_decay=reg)
    assert np.abs(net.layers[1].Z - TWO_LAYER_SCORES).sum() < 1e-6  # the notebook's asserts
    assert abs(loss - TWO_LAYER_LOSS[reg]) < 1e-10


def test_assignment_one_reg_convention_misses_the_published_loss():
    """weight_decay = 2 reg (assignment 1's reg * sum W^2, no 1/2) is another loss."""
    _, loss = _two_layer_net(weight_decay=2.0)
    assert abs(loss - TWO_LAYER_LOSS[1.0]) > 1.0


def _conv(w: np.ndarray) -> np.ndarray:
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    conv = Conv2D(3, 3, 4, stride=2, padding=1, activation="identity", init=w)
    conv.b = np.linspace(-0.1, 0.2, num=3)
    return conv.forward(x)


def test_conv_forward_naive_is_conv2d_with_cs231n_kernels():
    """Same NCHW layout, kernels (F, C, HH, WW), cross-correlation, zeros padded."""
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    assert rel_error(_conv(w), CONV_OUT) < 1e-7  # "around 2e-8"
    # a flipped kernel (true convolution) would not give cs231n's numbers
    assert rel_error(_conv(w[..., ::-1, ::-1].copy()), CONV_OUT) > 1e-2


def test_max_pool_forward_naive():
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    assert rel_error(MaxPool2D(2, stride=2).forward(x), POOL_OUT) < 1e-7


def _check_gradients(forward, backward, layer, arrays: dict, dout, limit: float) -> None:
    """dJ/dx from ``backward`` and the layer's dW, db against central differences."""
    forward(arrays["x"])
    dx = np.array(backward(dout))
    grads = {name: getattr(layer, "d" + name).copy() for name in arrays if name != "x"}
    assert rel_error(numerical_gradient_array(forward, arrays["x"].copy(), dout), dx) < limit
    for name, grad in grads.items():
        def f(v, name=name):
            setattr(layer, name, v)
            return forward(arrays["x"])
        num = numerical_gradient_array(f, arrays[name].copy(), dout)
        setattr(layer, name, arrays[name])
        assert rel_error(num, grad) < limit, name


def test_affine_backward_is_flatten_and_dense_backward():
    """FullyConnectedNets.ipynb: x randn(10, 2, 3), w (6, 5), b (5,), dout (10, 5); errors
    "around 1e-10" (the notebook printed dx 5.40e-11, dw 9.90e-11, db 2.41e-11)."""
    rng = np.random.RandomState(231)
    x, w, b, dout = rng.randn(10, 2, 3), rng.randn(6, 5), rng.randn(5), rng.randn(10, 5)
    flatten, dense = Flatten(), Dense(6, 5, activation="identity")
    dense.W, dense.b = w, b
    _check_gradients(lambda v: dense.forward(flatten.forward(v)),
                     lambda g: flatten.backward(dense.backward(g)), dense,
                     {"x": x, "W": w, "b": b}, dout, limit=1e-9)
    assert flatten.backward(dense.backward(dout)).shape == (10, 2, 3)


def test_conv_backward_naive_stride_1_pad_1():
    """ConvolutionalNetworks.ipynb: x randn(4, 3, 5, 5), w (2, 3, 3, 3), stride 1, pad 1;
    errors "around e-8 or less"."""
    rng = np.random.RandomState(231)
    x, w, b = rng.randn(4, 3, 5, 5), rng.randn(2, 3, 3, 3), rng.randn(2)
    dout = rng.randn(4, 2, 5, 5)
    conv = Conv2D(3, 2, 3, stride=1, padding=1, activation="identity", init=w)
    conv.b = b
    _check_gradients(conv.forward, conv.backward, conv, {"x": x, "W": w, "b": b}, dout,
                     limit=1e-8)


def test_max_pool_backward_naive():
    """ConvolutionalNetworks.ipynb: x randn(3, 2, 8, 8), dout (3, 2, 4, 4), 2x2 stride 2."""
    rng = np.random.RandomState(231)
    x, dout = rng.randn(3, 2, 8, 8), rng.randn(3, 2, 4, 4)
    pool = MaxPool2D(2, stride=2)
    _check_gradients(pool.forward, pool.backward, pool, {"x": x}, dout, limit=1e-10)


def _bn_input(spatial: bool) -> tuple[np.ndarray, tuple | int]:
    rng = np.random.RandomState(231)
    if spatial:
        return 4 * rng.randn(2, 3, 4, 5) + 10, (0, 2, 3)
    X, W1, W2 = rng.randn(200, 50), rng.randn(50, 60), rng.randn(60, 3)
    return np.maximum(0, X @ W1) @ W2, 0


@pytest.mark.parametrize("spatial", [False, True])
def test_batchnorm_train_mode_means_and_stds(spatial):
    ref = BN[spatial]
    x, axes = _bn_input(spatial)
    # the notebook's inputs are rebuilt (its "Before batch normalization" lines)
    assert rel_error(x.mean(axis=axes), ref["input means"]) < 1e-7
    assert rel_error(x.std(axis=axes), ref["input stds"]) < 1e-7
    bn = BatchNorm(3)
    out = bn.forward(x, training=True)
    np.testing.assert_allclose(out.mean(axis=axes), 0, atol=1e-12)
    assert rel_error(out.std(axis=axes), ref["stds"]) < 1e-7  # sqrt(var / (var + 1e-5))
    bn.gamma, bn.beta = ref["gamma"], ref["beta"]
    out = bn.forward(x, training=True)
    np.testing.assert_allclose(out.mean(axis=axes), ref["beta"], rtol=1e-13)
    assert rel_error(out.std(axis=axes), ref["scaled stds"]) < 1e-7


def _bn_test_time(spatial: bool, how: str) -> np.ndarray:
    """50 warm-up batches, then a test-time batch.  ``how``: "option" (cs231n's biased
    running variance by ``unbiased_running_var=False``), "manual" (the same by hand, from
    the unbiased one: ``* (m - 1) / m`` afterwards) or "default" (chainrule's own)."""
    rng = np.random.RandomState(231)
    if spatial:
        n_features, m = 4, 10 * 11 * 12

        def batch():
            return 2.3 * rng.randn(10, 4, 11, 12) + 13
    else:
        n_features, m = 3, 200
        W1, W2 = rng.randn(50, 60), rng.randn(60, 3)

        def batch():
            return np.maximum(0, rng.randn(200, 50) @ W1) @ W2
    # momentum 0.9, eps 1e-5: cs231n's defaults
    bn = BatchNorm(n_features, unbiased_running_var=how != "option")
    assert (bn.momentum, bn.eps) == (0.9, 1e-5)
    if how != "default":
        bn.running_var = np.zeros(n_features)  # cs231n's running_var starts at 0
    for _ in range(50):
        bn.forward(batch(), training=True)
    if how == "manual":  # the unbiased average of m / (m - 1) times the biased variances
        bn.running_var = bn.running_var * (m - 1) / m
    return bn.forward(batch())


@pytest.mark.parametrize("how", ["option", "manual"])
@pytest.mark.parametrize("spatial", [False, True])
def test_batchnorm_test_time_with_cs231n_running_variance(spatial, how):
    axes = (0, 2, 3) if spatial else 0
    out = _bn_test_time(spatial, how)
    assert rel_error(out.mean(axis=axes), BN[spatial]["test means"]) < 1e-7
    assert rel_error(out.std(axis=axes), BN[spatial]["test stds"]) < 1e-7
    if how == "manual":
        return
    # chainrule's own running variance (starts at 1, unbiased) is a little larger
    default = _bn_test_time(spatial, "default")
    ratio = default.std(axis=axes) / BN[spatial]["test stds"]
    assert np.all((ratio > 0.99) & (ratio < 1.0))


@pytest.mark.parametrize("spatial", [False, True])
def test_batchnorm_backward_against_central_differences(spatial):
    rng = np.random.RandomState(231)
    shape, D = ((2, 3, 4, 5), 3) if spatial else ((4, 5), 5)
    x = 5 * rng.randn(*shape) + 12
    gamma, beta, dout = rng.randn(D), rng.randn(D), rng.randn(*shape)
    bn = BatchNorm(D)
    bn.gamma, bn.beta = gamma, beta
    bn.forward(x, training=True)
    dx = bn.backward(dout)
    dgamma, dbeta = bn.dgamma.copy(), bn.dbeta.copy()
    dx_num = numerical_gradient_array(lambda v: bn.forward(v, training=True), x.copy(), dout)

    def with_param(name):
        def f(v):
            setattr(bn, name, v)
            return bn.forward(x, training=True)
        return f
    dgamma_num = numerical_gradient_array(with_param("gamma"), gamma.copy(), dout)
    bn.gamma = gamma
    dbeta_num = numerical_gradient_array(with_param("beta"), beta.copy(), dout)
    # the notebooks: 1e-13 to 1e-8 (vectors), 1e-12 to 1e-6 (spatial)
    assert rel_error(dx_num, dx) < (1e-6 if spatial else 1e-8)
    assert rel_error(dgamma_num, dgamma) < 1e-8
    assert rel_error(dbeta_num, dbeta) < 1e-8


def test_a_network_with_batchnorm_passes_chainrules_gradient_check():
    """The shape of the notebook's FullyConnectedNet-with-batchnorm check (affine -
    batchnorm - relu, twice, then softmax), smaller, by chainrule's own gradient_check:
    in training mode (batch statistics, what cs231n checks; the cost is strongly curved
    there, so a step of 1e-6) and in evaluation mode (running statistics)."""
    rng = np.random.RandomState(231)
    X, y = rng.randn(8, 5), rng.randint(4, size=8)
    net = Network([Dense(5, 10, activation="identity", seed=1), BatchNorm(10, "relu"),
                   Dense(10, 8, activation="identity", seed=2), BatchNorm(8, "relu"),
                   Dense(8, 4, activation="softmax", seed=3)], loss="cross_entropy")
    training = gradient_check(net, X, y, eps=1e-6, training=True)
    assert training.rel_diff < 1e-7 and training.verdict == "PASS"
    evaluation = gradient_check(net, X, y, eps=1e-5)
    assert evaluation.rel_diff < 1e-7
    # two different gradients: the batch's statistics depend on the weights
    assert np.max(np.abs(training.analytical - evaluation.analytical)) > 1e-2


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_keep_probability_p_is_rate_one_minus_p(p):
    """cs231n's p (2019 notebooks; 2017's dropped it) keeps a unit: Dropout(rate=1 - p).
    Inverted dropout keeps the mean in training; evaluation is the identity.  Bounds: 4
    standard errors."""
    x = np.random.RandomState(231).randn(500, 500) + 10
    drop = Dropout(rate=1 - p, seed=0)
    train, test = drop.forward(x, training=True), drop.forward(x, training=False)
    n = x.size
    assert np.array_equal(test, x)
    assert abs((train == 0).mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / n)
    assert abs(train.mean() - x.mean()) < 4 * np.sqrt(np.mean(x ** 2) * (1 - p) / p / n)
    np.testing.assert_allclose(train[train != 0], x[train != 0] / p, rtol=1e-15)


def test_dropout_backward_against_central_differences():
    """cs231n's check (p = 0.2 kept, one mask for every pass: fix_mask)."""
    rng = np.random.RandomState(231)
    x, dout = rng.randn(10, 10) + 10, rng.randn(10, 10)
    drop = Dropout(rate=0.8)
    keep = np.random.default_rng(123).random(x.shape) < 0.2
    drop.fix_mask(keep)
    drop.forward(x, training=True)
    dx = drop.backward(dout)
    np.testing.assert_allclose(dx, dout * keep / 0.2, rtol=1e-15)
    num = numerical_gradient_array(lambda v: drop.forward(v, training=True), x.copy(), dout)
    assert rel_error(num, dx) < 1e-10  # "around e-10 or less"


def test_the_example_prints_every_check(tmp_path, monkeypatch, capsys):
    """(Its picture is drawn by tests/test_examples.py's run of every example.)"""
    spec = importlib.util.spec_from_file_location("cs231n_layer_checks", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    drawn = []
    monkeypatch.setattr(script, "plot", lambda errors, path: drawn.append(path) or path)
    monkeypatch.setattr(sys, "argv", ["x", "--out", str(tmp_path / "p.png")])
    got = script.main()
    out = capsys.readouterr().out
    assert drawn == [str(tmp_path / "p.png")]
    errors = got["errors"]
    assert len(errors) == 21
    for name, error in errors.items():
        limit = 1e-6 if name == "spatial batchnorm backward" else 1e-7
        assert error < limit, (name, error)
    assert "TwoLayerNet loss, reg 1: chainrule 26.5948426952 (weight_decay 1)" in out
    assert "dropout keep p = 0.25 (Dropout(rate=0.75))" in out
