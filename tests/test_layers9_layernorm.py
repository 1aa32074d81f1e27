"""LayerNorm against PyTorch's ``torch.nn.LayerNorm`` (``F.layer_norm``) autograd: the
forward pass and every gradient (input, gamma, beta) over rows of features and images
normalised over (C, H, W), with and without the elementwise affine, in float64 and
float32; central differences (chainrule.gradient_check); the docstring's example worked
by hand; whole training runs equal to torch's under every optimizer; a model file's round
trip, ``chainrule info``, architecture dicts and the refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import Conv2D, Dense, Flatten, LayerNorm, Network, train
from chainrule.cli import main
from chainrule.io import load, save
from chainrule.optimizers import SGD, AdaGrad, Adam, AdamW, RMSProp

torch = pytest.importorskip("torch")
F = torch.nn.functional

_ACT = {"identity": lambda z: z, "tanh": torch.tanh, "relu": torch.relu,
        "sigmoid": torch.sigmoid}
_TDT = {np.float64: torch.float64, np.float32: torch.float32}
_TOL = {np.float64: {"rtol": 1e-10, "atol": 1e-10}, np.float32: {"rtol": 2e-5, "atol": 2e-5}}

# (batch shape, normalized_shape): rows of features and images over (C, H, W)
_GEOMETRIES = [((4, 7), 7), ((1, 5), 5), ((3, 2), 2), ((3, 1), 1), ((5, 3), (3,)),
               ((2, 3, 4, 5), (3, 4, 5)), ((1, 2, 3, 3), (2, 3, 3)), ((3, 1, 1, 1), (1, 1, 1)),
               ((2, 1, 6, 2), (1, 6, 2))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("act", ["identity", "tanh"])
@pytest.mark.parametrize("shape, normalized", _GEOMETRIES)
def test_forward_and_every_gradient_equal_torchs_autograd(shape, normalized, act, affine,
                                                          dtype):
    rng = np.random.default_rng(sum(shape))
    X = (rng.normal(size=shape) * 3 + 1).astype(dtype)
    G = rng.normal(size=shape).astype(dtype)
    layer = LayerNorm(normalized, activation=act, elementwise_affine=affine, dtype=dtype)
    dims = tuple(shape[1:])
    Xt = torch.tensor(X, requires_grad=True)
    w = b = None
    if affine:
        layer.gamma = rng.uniform(0.5, 2, dims)
        layer.beta = rng.normal(size=dims)
        w = torch.tensor(np.array(layer.gamma), requires_grad=True)
        b = torch.tensor(np.array(layer.beta), requires_grad=True)
    out = _ACT[act](F.layer_norm(Xt, dims, w, b, 1e-5))
    (out * torch.tensor(G)).sum().backward()

    A = layer.forward(X, training=True)
    dX = layer.backward(G)
    assert A.dtype == dX.dtype == dtype and A.shape == dX.shape == shape
    np.testing.assert_allclose(A, out.detach().numpy(), **_TOL[dtype])
    # dJ/dX is inv_std times sums that cancel: its rounding scales with inv_std (torch's
    # float32 gives -3e-5 where one feature's exact gradient is 0, inv_std = 1/sqrt(eps))
    scale = max(1.0, float(np.max(layer.inv_std)))
    np.testing.assert_allclose(dX, Xt.grad.numpy(), rtol=_TOL[dtype]["rtol"],
                               atol=_TOL[dtype]["atol"] * scale)
    if affine:  # dgamma sums delta * Xhat, whose rounding scales with inv_std too
        np.testing.assert_allclose(layer.dgamma, w.grad.numpy(), rtol=_TOL[dtype]["rtol"],
                                   atol=_TOL[dtype]["atol"] * scale)
        np.testing.assert_allclose(layer.dbeta, b.grad.numpy(), **_TOL[dtype])
    else:
        assert layer.gamma is None and layer.param_specs() == []
    # no running statistics: evaluation mode computes the same
    np.testing.assert_array_equal(layer.forward(X, training=False), A)


def test_the_docstring_example_worked_by_hand():
    """[1, 2, 3]: mean 2, variance 2/3; [0, 0, 6]: mean 2, variance 8 (biased, over the
    three features); Z = gamma * (x - mean) / sqrt(var + eps) + beta."""
    layer = LayerNorm(3)
    layer.gamma, layer.beta = [1.0, 2.0, 0.5], [0.0, 1.0, 0.0]
    A = layer.forward(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 6.0]]))
    s0, s1 = np.sqrt(2 / 3 + 1e-5), np.sqrt(8 + 1e-5)
    expected = np.array([[-1 / s0, 2 * 0 / s0 + 1, 0.5 * 1 / s0],
                         [-2 / s1, 2 * -2 / s1 + 1, 0.5 * 4 / s1]])
    np.testing.assert_allclose(A, expected, rtol=1e-14)
    # the rounded values the docstring prints
    np.testing.assert_array_equal(np.round(expected, 4), [[-1.2247, 1.0, 0.6124],
                                                         [-0.7071, -0.4142, 0.7071]])
    assert "[[-1.2247  1.      0.6124]" in LayerNorm.__doc__


@pytest.mark.parametrize("images", [False, True])
def test_central_differences_agree_with_backpropagation(images):
    rng = np.random.default_rng(0)
    if images:
        net = Network([Conv2D(1, 2, 2, activation="tanh", seed=0),
                       LayerNorm((2, 2, 3), activation="tanh"), Flatten(),
                       Dense(12, 3, "softmax", seed=1)], input_shape=(1, 3, 4))
        X = rng.normal(size=(4, 12))
    else:
        net = Network([LayerNorm(4, activation="tanh"), Dense(4, 3, "identity", seed=0),
                       LayerNorm(3, activation="sigmoid"), Dense(3, 3, "softmax", seed=1)])
        X = rng.normal(size=(5, 4)) * 2
    for layer in net.layers:
        if isinstance(layer, LayerNorm):
            layer.gamma = rng.uniform(0.5, 2, layer.gamma.shape)
            layer.beta = rng.normal(size=layer.beta.shape)
    y = np.arange(len(X)) % 3
    # the differences' truncation error goes as eps**2 (9.7e-6 at 1e-4 on the rows), then
    # rounding as 1e-16 / eps
    check = cr.gradient_check(net, X, y, eps=1e-6)
    assert check.verdict == "PASS" and check.rel_diff < 1e-8, check


def _pair(dtype):
    """A network of Conv2D, LayerNorm over (C, H, W), Dense, LayerNorm over features and a
    softmax output, and a torch function of the same parameters."""
    rng = np.random.default_rng(3)
    c1 = Conv2D(2, 3, 2, activation="tanh", seed=0, dtype=dtype)
    ln1 = LayerNorm((3, 3, 4), activation="relu")
    d1 = Dense(36, 5, "identity", seed=1, dtype=dtype)
    ln2 = LayerNorm(5, activation="sigmoid")
    d2 = Dense(5, 3, "softmax", seed=2, dtype=dtype)
    net = Network([c1, ln1, Flatten(), d1, ln2, d2], input_shape=(2, 4, 5))
    for ln in (ln1, ln2):
        ln.gamma = rng.uniform(0.5, 2, ln.gamma.shape)
        ln.beta = rng.normal(size=ln.beta.shape)
    P = [torch.nn.Parameter(torch.tensor(np.array(a))) for a in (
        c1.W, c1.b, ln1.gamma, ln1.beta, d1.W.T, d1.b, ln2.gamma, ln2.beta, d2.W.T, d2.b)]

    def model(X):
        h = torch.tanh(F.conv2d(X, P[0], P[1]))
        h = torch.relu(F.layer_norm(h, (3, 3, 4), P[2], P[3], 1e-5))
        h = F.linear(h.flatten(1), P[4], P[5])
        h = torch.sigmoid(F.layer_norm(h, (5,), P[6], P[7], 1e-5))
        return F.linear(h, P[8], P[9])

    return net, P, model


T = torch.optim
_OPTIMIZERS = {
    "momentum": (lambda: SGD(lr=0.05, momentum=0.9),
                 lambda g: T.SGD(g, lr=0.05, momentum=0.9)),
    "nesterov": (lambda: SGD(lr=0.05, momentum=0.9, nesterov=True),
                 lambda g: T.SGD(g, lr=0.05, momentum=0.9, nesterov=True)),
    "adagrad": (lambda: AdaGrad(lr=0.05, eps=1e-10), lambda g: T.Adagrad(g, lr=0.05, eps=1e-10)),
    "rmsprop": (lambda: RMSProp(lr=0.01, rho=0.8), lambda g: T.RMSprop(g, lr=0.01, alpha=0.8)),
    "adam": (lambda: Adam(lr=0.01, beta1=0.8, beta2=0.99),
             lambda g: T.Adam(g, lr=0.01, betas=(0.8, 0.99))),
    "adamw": (lambda: AdamW(lr=0.01, weight_decay=0.5), lambda g: T.AdamW(g, lr=0.01)),
}


@pytest.mark.parametrize("case", sorted(_OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_training_equals_pytorchs_under_every_optimizer(case, dtype, tmp_path):
    """3 epochs of mini-batches of 3 of 10 images (the last batch one image: a layer norm
    needs no batch), then the evaluation outputs and a model file's round trip."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(10, 2, 4, 5)).astype(dtype)
    y = rng.integers(0, 3, size=10)
    net, P, model = _pair(dtype)
    ours, theirs = _OPTIMIZERS[case]
    # torch's weight decay (AdamW's) on the kernels and weights only, as chainrule's
    decayed = [P[0], P[4], P[8]]
    opt = theirs([{"params": decayed, "weight_decay": 0.5 if case == "adamw" else 0.0},
                  {"params": [p for p in P if all(p is not q for q in decayed)],
                   "weight_decay": 0.0}])
    for _ in range(3):
        for s in range(0, 10, 3):
            opt.zero_grad()
            F.cross_entropy(model(torch.tensor(X[s:s + 3])), torch.tensor(y[s:s + 3])).backward()
            opt.step()
    train(net, X, y, optimizer=ours(), batch_size=3, epochs=3, shuffle=False)

    c1, ln1, _, d1, ln2, d2 = net.layers
    got = [c1.W, c1.b, ln1.gamma, ln1.beta, d1.W.T, d1.b, ln2.gamma, ln2.beta, d2.W.T, d2.b]
    tol = {"rtol": 1e-9, "atol": 1e-11} if dtype == np.float64 else {"rtol": 5e-4, "atol": 5e-5}
    for a, t in zip(got, P, strict=True):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, t.detach().numpy(), **tol)
    X_new = rng.normal(size=(4, 2, 4, 5)).astype(dtype)
    A = net.forward(X_new)
    with torch.no_grad():
        np.testing.assert_allclose(A, torch.softmax(model(torch.tensor(X_new)), 1), **tol)

    save(net, tmp_path / "net.npz")
    back = load(tmp_path / "net.npz")
    assert back.dtype == dtype and repr(back.layers) == repr(net.layers)
    np.testing.assert_array_equal(back.forward(X_new), A)
    np.testing.assert_array_equal(back.forward(X_new, training=True), A)


def test_save_load_without_the_affine_and_info(tmp_path, capsys):
    net = cr.network_from_layers(
        [{"type": "Dense", "fan_out": 4, "activation": "identity"},
         {"type": "LayerNorm", "activation": "tanh", "elementwise_affine": False, "eps": 1e-3},
         {"type": "Dense", "fan_out": 2, "activation": "softmax"}], input_shape=3, seed=0)
    assert repr(net.layers[1]) == "LayerNorm(4, activation='tanh', elementwise_affine=False)"
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2  # no gamma, no beta
    X = np.random.default_rng(0).normal(size=(5, 3))
    path = save(net, tmp_path / "net.npz")
    back = load(path)
    assert back.layers[1].get_config() == {
        "type": "LayerNorm", "normalized_shape": 4, "activation": "tanh", "eps": 1e-3,
        "elementwise_affine": False}
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    # the hidden layer's outputs, against the formula with eps 1e-3
    H = X @ net.layers[0].W + net.layers[0].b
    Hn = (H - H.mean(1, keepdims=True)) / np.sqrt(H.var(1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(back.layers[1].forward(H), np.tanh(Hn), rtol=1e-13)

    assert main(["info", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["layers"]
    assert rows[1]["layer"] == "LayerNorm" and rows[1]["params"] == {} and rows[1]["count"] == 0
    assert main(["info", str(path)]) == 0
    assert "LayerNorm" in capsys.readouterr().out


def test_architecture_dicts_infer_the_normalized_shape():
    net = cr.network_from_layers(
        [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3},
         {"type": "LayerNorm", "activation": "relu"}, {"type": "Flatten"},
         {"type": "Dense", "fan_out": 6, "activation": "identity"}, {"type": "LayerNorm"},
         {"type": "Dense", "fan_out": 2, "activation": "softmax"}],
        input_shape=(1, 5, 4), seed=0)
    assert net.layers[1].normalized_shape == (2, 3, 2) and net.layers[1].gamma.shape == (2, 3, 2)
    assert net.layers[4].normalized_shape == 6
    # torch's normalized_shape=[C, H, W] as a JSON list
    given = cr.network_from_layers([{"type": "LayerNorm", "normalized_shape": [2, 3, 2]},
                                    {"type": "Flatten"}, {"type": "Dense", "fan_out": 1}],
                                   input_shape=(2, 3, 2))
    assert given.layers[0].normalized_shape == (2, 3, 2)


def test_the_refusals_name_the_argument():
    with pytest.raises(ValueError, match=r"normalized_shape must be .* got \(2, 3\) \(2 values"):
        LayerNorm((2, 3))
    with pytest.raises(ValueError, match="normalized_shape"):
        LayerNorm(0)
    with pytest.raises(ValueError, match="elementwise activation"):
        LayerNorm(3, activation="softmax")
    layer = LayerNorm(3)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\), got shape \(2, 4\)"):
        layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\)"):
        layer.gamma = [1.0, 2.0]
    with pytest.raises(ValueError, match="beta"):
        layer.beta = [1.0, np.nan, 2.0]
    with pytest.raises(ValueError, match="elementwise_affine=False"):
        LayerNorm(3, elementwise_affine=False).gamma = [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"use LayerNorm\(\(2, 3, 3\)\)"):
        Network([LayerNorm(18)], input_shape=(2, 3, 3))
    with pytest.raises(ValueError, match="backward needs a forward pass"):
        LayerNorm(3).backward(np.ones((2, 3)))


def test_gamma_is_a_view_into_the_networks_parameters():
    net = Network([Dense(3, 4, "identity", seed=0), LayerNorm(4), Dense(4, 1, "identity",
                                                                      seed=1)])
    layer = net.layers[1]
    layer.gamma = [1.0, 2.0, 3.0, 4.0]
    assert np.shares_memory(layer.gamma, net.params)
    np.testing.assert_array_equal(net.params[16:20], [1.0, 2.0, 3.0, 4.0])
