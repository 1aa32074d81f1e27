"""Conv2D and pooling against PyTorch's conv2d / max_pool2d / avg_pool2d (float64, autograd).

Skipped when torch is not installed.  Kernels use the same (out, in, kh, kw)
layout in both libraries, so they are copied as they are.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from chainrule import AvgPool2D, BatchNorm, Conv2D, MaxPool2D, network_from_layers  # noqa: E402
from cnn_helpers import draw_away_from_ties  # noqa: E402

TOL = {"rtol": 1e-11, "atol": 1e-12}


def _t(a: np.ndarray, grad: bool = False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


@pytest.mark.parametrize(
    ("k", "s", "p"), [(3, 1, 0), (3, 2, 1), (5, 1, 2), (2, 3, 1), ((3, 2), (2, 1), (1, 0))]
)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_forward_and_backward_agree_with_torch(rng, k, s, p, bias):
    X = rng.normal(size=(3, 2, 9, 8))
    layer = Conv2D(2, 4, k, stride=s, padding=p, activation="identity", bias=bias, seed=0)
    if bias:
        layer.b = rng.normal(size=4)
    Z = layer.forward(X)
    G = rng.normal(size=Z.shape)
    dX = layer.backward(G)
    Xt, Wt = _t(X, True), _t(layer.W, True)
    bt = _t(layer.b, True) if bias else None
    Zt = F.conv2d(Xt, Wt, bt, stride=s, padding=p)
    Zt.backward(_t(G))
    np.testing.assert_allclose(Z, Zt.detach().numpy(), **TOL)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.dW, Wt.grad.numpy(), **TOL)
    if bias:
        np.testing.assert_allclose(layer.db, bt.grad.numpy(), **TOL)


@pytest.mark.parametrize(("size", "s", "p"), [(2, None, 0), (3, 2, 1), (2, 1, 1), (3, 3, 1)])
def test_max_pool2d_agrees_with_torch_away_from_ties(rng, size, s, p):
    X = rng.permutation(np.arange(2 * 3 * 7 * 6, dtype=np.float64)).reshape(2, 3, 7, 6) / 10
    layer = MaxPool2D(size, s, p)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    dX = layer.backward(G)
    Xt = _t(X, True)
    At = F.max_pool2d(Xt, size, stride=s, padding=p)
    At.backward(_t(G))
    np.testing.assert_array_equal(A, At.detach().numpy())
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)


@pytest.mark.parametrize(("size", "s", "p"), [(2, None, 0), (3, 2, 1), (2, 1, 1), (3, 3, 1)])
def test_avg_pool2d_agrees_with_torch(rng, size, s, p):
    X = rng.normal(size=(2, 3, 7, 6))
    layer = AvgPool2D(size, s, p)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    dX = layer.backward(G)
    Xt = _t(X, True)
    At = F.avg_pool2d(Xt, size, stride=s, padding=p)  # count_include_pad=True, as chainrule
    At.backward(_t(G))
    np.testing.assert_allclose(A, At.detach().numpy(), **TOL)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)


def test_a_whole_cnn_cost_and_gradient_agree_with_torch(rng):
    specs = [
        {"type": "Conv2D", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1,
         "activation": "tanh"},
        {"type": "MaxPool2D", "size": 2, "stride": 1},
        {"type": "Conv2D", "out_channels": 3, "kernel_size": 2, "padding": 1,
         "activation": "relu"},
        {"type": "AvgPool2D", "size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "fan_out": 5, "activation": "softmax"},
    ]
    net = network_from_layers(specs, input_shape=(2, 9, 9), weight_decay=0.01, seed=0)
    c1, _, c2, _, _, dense = net.layers
    X = draw_away_from_ties(rng, (6, 2, 9, 9), c1.forward, 2, 1, 0)
    y = rng.integers(0, 5, size=6)
    J, grad = net.loss_and_grad(X, y)

    p = {name: _t(a, True) for name, a in
         [("W1", c1.W), ("b1", c1.b), ("W2", c2.W), ("b2", c2.b), ("W3", dense.W.T),
          ("b3", dense.b)]}
    h = torch.tanh(F.conv2d(_t(X), p["W1"], p["b1"], stride=2, padding=1))
    h = F.max_pool2d(h, 2, stride=1)
    h = F.avg_pool2d(torch.relu(F.conv2d(h, p["W2"], p["b2"], padding=1)), 2)
    logits = F.linear(h.flatten(1), p["W3"], p["b3"])
    decay = sum((p[w] ** 2).sum() for w in ("W1", "W2", "W3"))
    Jt = F.cross_entropy(logits, torch.tensor(y)) + 0.5 * 0.01 * decay
    Jt.backward()
    assert J == pytest.approx(Jt.item(), rel=1e-12)
    twin = net.copy()  # torch's gradients, written through the layers into a flat vector
    t1, _, t2, _, _, t3 = twin.layers
    t1.W, t1.b, t2.W, t2.b = (p[k].grad.numpy() for k in ("W1", "b1", "W2", "b2"))
    t3.W, t3.b = p["W3"].grad.numpy().T, p["b3"].grad.numpy()
    np.testing.assert_allclose(grad, twin.params, rtol=1e-10, atol=1e-13)


def test_float32_conv_agrees_with_torch_float32(rng):
    X = rng.normal(size=(4, 3, 10, 10)).astype(np.float32)
    layer = Conv2D(3, 8, 3, padding=1, activation="relu", seed=0, dtype=np.float32)
    A = layer.forward(X)
    ref = torch.relu(F.conv2d(torch.from_numpy(X), torch.from_numpy(layer.W),
                              torch.from_numpy(layer.b), padding=1))
    assert A.dtype == np.float32
    np.testing.assert_allclose(A, ref.numpy(), rtol=1e-5, atol=1e-5)


def test_batchnorm_on_feature_maps_agrees_with_torch_batchnorm2d(rng):
    X = rng.normal(loc=2.0, scale=3.0, size=(4, 3, 5, 6))
    G = rng.normal(size=X.shape)
    bn = BatchNorm(3)
    bn.gamma[...], bn.beta[...] = rng.normal(size=3), rng.normal(size=3)
    A = bn.forward(X, training=True)
    dX = bn.backward(G)
    ref = torch.nn.BatchNorm2d(3, momentum=0.1, eps=1e-5).double()  # torch's 0.1 = our 0.9
    ref.weight.data, ref.bias.data = _t(bn.gamma), _t(bn.beta)
    Xt = _t(X, True)
    At = ref(Xt)
    At.backward(_t(G))
    np.testing.assert_allclose(A, At.detach().numpy(), **TOL)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(bn.dgamma, ref.weight.grad.numpy(), **TOL)
    np.testing.assert_allclose(bn.dbeta, ref.bias.grad.numpy(), **TOL)
    np.testing.assert_allclose(bn.running_mean, ref.running_mean.numpy(), **TOL)
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy(), **TOL)


# --- padding="same" / "valid" and dilation, as torch.nn.functional.conv2d takes them ----------
# (kernel, stride, padding, dilation): odd and even kernels (torch pads "same" with the odd
# zero after: asymmetric), rectangular kernels, per-axis strides and dilations
OPTIONS = [
    (3, 1, "same", 1), (2, 1, "same", 1), (4, 1, "same", 1), ((2, 3), 1, "same", 1),
    (2, 1, "same", 2), (3, 1, "same", (2, 3)), ((4, 1), 1, "same", (1, 2)),
    (3, 1, "valid", 1), (2, 2, "valid", 1), ((3, 2), (2, 1), "valid", 2),
    (3, 1, 0, 2), (2, 2, 1, 3), ((3, 2), (1, 2), (1, 0), (2, 1)), (4, (2, 3), (2, 1), 2),
]
# torch's own note that it copies the input to pad "same" asymmetrically
TORCH_PADS_A_COPY = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


@TORCH_PADS_A_COPY
@pytest.mark.parametrize(("k", "s", "p", "d"), OPTIONS)
@pytest.mark.parametrize(("shape", "out_c"), [((2, 1, 7, 8), 1), ((3, 3, 9, 6), 4)])
def test_padding_same_valid_and_dilation_agree_with_torch(rng, k, s, p, d, shape, out_c):
    X = rng.normal(size=shape)
    layer = Conv2D(shape[1], out_c, k, stride=s, padding=p, dilation=d, activation="identity",
                   seed=0)
    layer.b = rng.normal(size=out_c)
    Z = layer.forward(X)
    G = rng.normal(size=Z.shape)
    dX = layer.backward(G)
    Xt, Wt, bt = _t(X, True), _t(layer.W, True), _t(layer.b, True)
    Zt = F.conv2d(Xt, Wt, bt, stride=s, padding=p, dilation=d)
    Zt.backward(_t(G))
    assert Z.shape == tuple(Zt.shape) == (shape[0], out_c, *layer.output_shape(shape[1:])[1:])
    if p == "same":
        assert Z.shape[2:] == X.shape[2:]
    np.testing.assert_allclose(Z, Zt.detach().numpy(), **TOL)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.dW, Wt.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.db, bt.grad.numpy(), **TOL)


@TORCH_PADS_A_COPY
@pytest.mark.parametrize(("k", "s", "p", "d"), OPTIONS[::2])
def test_padding_and_dilation_in_float32_agree_with_torch_float32(rng, k, s, p, d):
    X = rng.normal(size=(3, 2, 8, 7)).astype(np.float32)
    layer = Conv2D(2, 3, k, stride=s, padding=p, dilation=d, activation="tanh", seed=0,
                   dtype=np.float32)
    A = layer.forward(X)
    G = rng.normal(size=A.shape).astype(np.float32)
    dX = layer.backward(G)
    Xt = torch.from_numpy(X).requires_grad_()
    Wt = torch.from_numpy(layer.W.copy()).requires_grad_()
    bt = torch.from_numpy(layer.b.copy()).requires_grad_()
    At = torch.tanh(F.conv2d(Xt, Wt, bt, stride=s, padding=p, dilation=d))
    At.backward(torch.from_numpy(G))
    assert A.dtype == dX.dtype == layer.dW.dtype == np.float32
    for ours, theirs in [(A, At), (dX, Xt.grad), (layer.dW, Wt.grad), (layer.db, bt.grad)]:
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-4, atol=1e-4)


@TORCH_PADS_A_COPY
def test_a_cnn_with_same_padding_and_dilation_agrees_with_torch(rng):
    specs = [
        {"type": "Conv2D", "out_channels": 3, "kernel_size": 2, "padding": "same",
         "dilation": 2, "activation": "tanh"},
        {"type": "Conv2D", "out_channels": 2, "kernel_size": (3, 2), "stride": 2,
         "padding": "valid", "dilation": (1, 2), "activation": "sigmoid"},
        {"type": "Flatten"},
        {"type": "Dense", "fan_out": 3, "activation": "softmax"},
    ]
    net = network_from_layers(specs, input_shape=(2, 8, 9), weight_decay=0.01, seed=0)
    c1, c2, _, dense = net.layers
    net.params[...] = rng.normal(scale=0.5, size=net.n_params)  # biases too
    X, y = rng.normal(size=(5, 2, 8, 9)), rng.integers(0, 3, size=5)
    J, grad = net.loss_and_grad(X, y)
    p = {name: _t(a, True) for name, a in
         [("W1", c1.W), ("b1", c1.b), ("W2", c2.W), ("b2", c2.b), ("W3", dense.W.T),
          ("b3", dense.b)]}
    h = torch.tanh(F.conv2d(_t(X), p["W1"], p["b1"], padding="same", dilation=2))
    h = torch.sigmoid(F.conv2d(h, p["W2"], p["b2"], stride=2, padding="valid", dilation=(1, 2)))
    logits = F.linear(h.flatten(1), p["W3"], p["b3"])
    decay = sum((p[w] ** 2).sum() for w in ("W1", "W2", "W3"))
    Jt = F.cross_entropy(logits, torch.tensor(y)) + 0.5 * 0.01 * decay
    Jt.backward()
    assert J == pytest.approx(Jt.item(), rel=1e-12)
    twin = net.copy()
    t1, t2, _, t3 = twin.layers
    t1.W, t1.b, t2.W, t2.b = (p[k].grad.numpy() for k in ("W1", "b1", "W2", "b2"))
    t3.W, t3.b = p["W3"].grad.numpy().T, p["b3"].grad.numpy()
    np.testing.assert_allclose(grad, twin.params, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(("size", "s", "p", "d"), [
    (2, None, 0, 2), (2, 1, 1, 2), (3, 2, 1, (2, 1)), ((2, 3), (1, 2), (1, 0), (3, 2)),
    (2, 3, 0, 2),
])
def test_dilated_max_pool2d_agrees_with_torch_away_from_ties(rng, size, s, p, d):
    X = rng.permutation(np.arange(2 * 3 * 9 * 8, dtype=np.float64)).reshape(2, 3, 9, 8) / 10
    layer = MaxPool2D(size, s, p, dilation=d)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    dX = layer.backward(G)
    Xt = _t(X, True)
    At = F.max_pool2d(Xt, size, stride=s, padding=p, dilation=d)
    At.backward(_t(G))
    np.testing.assert_array_equal(A, At.detach().numpy())
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)


@pytest.mark.parametrize(("init", "torch_init"), [("glorot_uniform", "xavier_uniform_"),
                                                  ("glorot_normal", "xavier_normal_")])
@pytest.mark.parametrize(("c_in", "c_out", "k"), [(16, 64, 5), (3, 32, (3, 5))])
def test_glorot_initialisers_have_the_scale_of_torch_xavier_on_a_conv_weight(
        init, torch_init, c_in, c_out, k):
    layer = Conv2D(c_in, c_out, k, activation="tanh", init=init, seed=0)
    torch.manual_seed(0)
    Wt = getattr(torch.nn.init, torch_init)(torch.empty(layer.W.shape, dtype=torch.float64))
    Wt = Wt.numpy()
    if init == "glorot_uniform":  # the same bound, which thousands of draws reach
        np.testing.assert_allclose(np.abs(layer.W).max(), np.abs(Wt).max(), rtol=2e-3)
    np.testing.assert_allclose(layer.W.std(), Wt.std(), rtol=0.06)


@pytest.mark.parametrize(("size", "s", "p"), [(2, None, 0), (3, 2, 1), (2, 3, 1), (3, 3, 0),
                                              ((3, 2), (2, 3), (1, 0))])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool2d_ceil_mode_agrees_with_torch(rng, size, s, p, ceil_mode):
    X = rng.permutation(np.arange(2 * 3 * 7 * 6, dtype=np.float64)).reshape(2, 3, 7, 6) / 10
    layer = MaxPool2D(size, s, p, ceil_mode=ceil_mode)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    dX = layer.backward(G)
    Xt = _t(X, True)
    At = F.max_pool2d(Xt, size, stride=s, padding=p, ceil_mode=ceil_mode)
    At.backward(_t(G))
    np.testing.assert_array_equal(A, At.detach().numpy())
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)


@pytest.mark.parametrize(("size", "s", "p"), [(2, None, 0), (3, 2, 1), (2, 3, 1), (3, 3, 0),
                                              ((3, 2), (2, 3), (1, 0))])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("count_include_pad", [False, True])
def test_avg_pool2d_ceil_mode_and_count_include_pad_agree_with_torch(
        rng, size, s, p, ceil_mode, count_include_pad):
    X = rng.normal(size=(2, 3, 7, 6))
    layer = AvgPool2D(size, s, p, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    dX = layer.backward(G)
    Xt = _t(X, True)
    At = F.avg_pool2d(Xt, size, stride=s, padding=p, ceil_mode=ceil_mode,
                      count_include_pad=count_include_pad)
    At.backward(_t(G))
    np.testing.assert_allclose(A, At.detach().numpy(), **TOL)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)


@pytest.mark.parametrize(("size", "s", "p", "d"), [(2, 2, 0, 2), (3, 2, 1, 2), (2, 3, 1, 2)])
def test_dilated_max_pool2d_ceil_mode_agrees_with_torch(rng, size, s, p, d):
    X = rng.permutation(np.arange(2 * 7 * 8, dtype=np.float64)).reshape(1, 2, 7, 8) / 10
    layer = MaxPool2D(size, s, p, dilation=d, ceil_mode=True)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    dX = layer.backward(G)
    Xt = _t(X, True)
    At = F.max_pool2d(Xt, size, stride=s, padding=p, dilation=d, ceil_mode=True)
    At.backward(_t(G))
    np.testing.assert_array_equal(A, At.detach().numpy())
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **TOL)
