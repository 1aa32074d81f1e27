"""Exact Hessian-vector products (Pearlmutter's R-operator), chainrule.hessian, checked against
independent references: central differences of chainrule's own gradient along v, PyTorch's
torch.autograd.functional.hvp on a plain-torch twin of the network, the full Hessian by
differences, and the Gauss-Newton matrix J^T H_out J built in NumPy from a Jacobian of
differences."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import Dense, Network, mlp
from chainrule.activations import Activation
from chainrule.hessian import (
    gauss_newton_vector_product,
    hessian_vector_product,
    hessian_vector_products,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(15, 3))
W8 = RNG.random(15) + 0.2  # sample weights


def _targets(output, loss, k, rng):
    if output == "softmax":
        return rng.integers(0, k, 15)
    if loss == "poisson":
        return rng.poisson(1.0, (15, k)).astype(float)
    if output == "sigmoid" and loss is None:
        return rng.integers(0, 2, (15, k)).astype(float)
    return rng.random((15, k))


def _fd_hv(net, X, y, v, sw=None, eps=1e-5):
    """(g(theta + eps v) - g(theta - eps v)) / (2 eps), g chainrule's own gradient."""
    theta = net.params.copy()
    net.params[...] = theta + eps * v
    _, gp = net.loss_and_grad(X, y, sample_weight=sw)
    net.params[...] = theta - eps * v
    _, gm = net.loss_and_grad(X, y, sample_weight=sw)
    net.params[...] = theta
    return (gp - gm) / (2 * eps)


CASES = [  # hidden activations, output, loss
    (["tanh"], "identity", None),
    (["sigmoid", "relu"], "softmax", None),
    (["softplus", "gelu"], "sigmoid", None),
    (["silu", "elu"], "sigmoid", "squared_error"),
    (["lecun_tanh"], "tanh", "mean_squared_error"),
    (["square"], "exp", "poisson"),
    (["leaky_relu"], "identity", "mean_squared_error"),
    ([], "softmax", None),  # no hidden layer: softmax regression
]


@pytest.mark.parametrize(("hidden", "output", "loss"), CASES)
@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_hv_is_the_central_difference_of_the_gradient(hidden, output, loss, decay):
    rng = np.random.default_rng(len(hidden) + len(output))
    k = 3 if output == "softmax" else 2
    net = mlp([3, *[4] * len(hidden), k], hidden=hidden or "tanh", output=output, loss=loss,
              seed=1, weight_decay=0.05, decay=decay)
    if hidden == ["square"]:
        net.params[...] *= 0.3  # exp(square(.)) of moderate size
    y = _targets(output, loss, k, rng)
    v = rng.normal(size=net.n_params)
    theta = net.params.copy()
    hv = hessian_vector_product(net, X, y, v, sample_weight=W8)
    np.testing.assert_array_equal(net.params, theta)  # the point is left as it was
    ref = _fd_hv(net, X, y, v, W8)
    assert hv.shape == (net.n_params,)
    np.testing.assert_allclose(hv, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def test_label_smoothing_and_rows_that_do_not_sum_to_one():
    net = mlp([3, 4, 3], hidden="tanh", output="softmax",
              loss={"name": "cross_entropy", "label_smoothing": 0.2}, seed=2)
    y = RNG.random((15, 3)) * 0.6  # soft targets, rows summing to 0.x .. 1.8
    v = RNG.normal(size=net.n_params)
    ref = _fd_hv(net, X, y, v)
    np.testing.assert_allclose(hessian_vector_product(net, X, y, v), ref, rtol=1e-6,
                               atol=1e-6 * np.abs(ref).max())


def test_full_hessian_is_symmetric_and_its_columns_are_h_e_i():
    """A 2-3-1 tanh net (13 parameters): H by differences of the gradient, column by
    column, is symmetric, and equals the stacked exact products H e_i."""
    net = mlp([2, 3, 1], hidden="tanh", seed=3, weight_decay=0.1)
    Xs, ys = X[:6, :2], RNG.normal(size=6)
    n = net.n_params
    H_fd = np.column_stack([_fd_hv(net, Xs, ys, e) for e in np.eye(n)])
    np.testing.assert_allclose(H_fd, H_fd.T, atol=1e-8)
    H = hessian_vector_products(net, Xs, ys, np.eye(n))
    np.testing.assert_allclose(H, H.T, atol=1e-14)
    np.testing.assert_allclose(H, H_fd, atol=1e-8)
    for i in (0, 7, 12):  # the one-vector function gives the same columns
        np.testing.assert_allclose(hessian_vector_product(net, Xs, ys, np.eye(n)[i]), H[:, i],
                                   rtol=1e-13, atol=1e-15)


def _torch_cost(torch, net, kind, out_act, Xt, Yt, wt):
    """J(theta) written in plain torch for the Dense network ``net`` (its shapes, hidden
    activations and weight decay, "ufldl"): the weighted mean of the per-example loss
    ``kind`` ("ce": softmax cross entropy, "log": sigmoid log loss, "se": 1/2 the squared
    error of ``out_act(z)``) plus lambda/2 sum W^2."""
    F = torch.nn.functional
    acts = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "softplus": F.softplus,
            "gelu": F.gelu, "silu": F.silu, "elu": F.elu, "identity": lambda z: z}
    layers, lam = net.layers, net.weight_decay

    def cost(theta):
        a, off, wsq = Xt, 0, 0.0
        for i, layer in enumerate(layers):
            n_in, n_out = layer.W.shape
            W = theta[off:off + n_in * n_out].reshape(n_in, n_out)
            b = theta[off + n_in * n_out:off + n_in * n_out + n_out]
            off += n_in * n_out + n_out
            wsq = wsq + (W * W).sum()
            a = a @ W + b
            if i < len(layers) - 1:
                a = acts[layer.activation.name](a)
        if kind == "ce":
            per = -(Yt * torch.log_softmax(a, dim=1)).sum(1)
        elif kind == "log":
            per = (Yt * F.softplus(-a) + (1 - Yt) * F.softplus(a)).sum(1)
        else:
            per = 0.5 * ((acts[out_act](a) - Yt) ** 2).sum(1)
        return (wt * per).sum() / wt.sum() + 0.5 * lam * wsq

    return cost


@pytest.mark.parametrize(("hidden", "output", "loss", "kind"), [
    (["tanh", "sigmoid"], "softmax", None, "ce"), (["softplus", "gelu"], "sigmoid", None, "log"),
    (["silu", "elu"], "identity", None, "se"), (["tanh"], "sigmoid", "squared_error", "se"),
])
def test_hv_matches_torch_autograd_hvp(hidden, output, loss, kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    k = 3 if output == "softmax" else 2
    net = mlp([3, *[5] * len(hidden), k], hidden=hidden, output=output, loss=loss, seed=5,
              weight_decay=0.03)
    Y = np.eye(k)[rng.integers(0, k, 15)] if kind == "ce" else rng.random((15, k))
    if kind == "log":
        Y = (Y > 0.5).astype(float)
    v = rng.normal(size=net.n_params)
    ours = hessian_vector_product(net, X, Y, v, sample_weight=W8)
    t = torch.from_numpy
    cost = _torch_cost(torch, net, kind, output, t(X), t(Y), t(W8))
    _, theirs = torch.autograd.functional.hvp(cost, t(net.params.copy()), t(v))
    theirs = theirs.numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10 * np.abs(theirs).max())


def _jacobian_of_output_z(net, X, eps=1e-6):
    """d z_L / d theta by central differences: shape (n_samples, n_outputs, n_params)."""
    theta = net.params.copy()
    cols = []
    for j in range(net.n_params):
        zs = []
        for sign in (1, -1):
            net.params[...] = theta
            net.params[j] += sign * eps
            net.forward(X)
            zs.append(net.layers[-1].Z.copy())
        cols.append((zs[0] - zs[1]) / (2 * eps))
    net.params[...] = theta
    return np.stack(cols, axis=-1)


def test_gauss_newton_product_is_j_t_h_j_and_psd():
    """G = sum_i w_i / sum(w) J_i^T (diag p_i - p_i p_i^T) J_i + lambda I on the weights,
    for softmax + cross entropy; J_i the Jacobian of example i's logits by differences."""
    net = mlp([3, 4, 3], hidden="tanh", output="softmax", seed=6, weight_decay=0.1)
    y = RNG.integers(0, 3, 15)
    Jz = _jacobian_of_output_z(net, X)
    p = net.forward(X)
    r = W8 / W8.sum()
    G = sum(r[i] * Jz[i].T @ (np.diag(p[i]) - np.outer(p[i], p[i])) @ Jz[i] for i in range(15))
    for s in net._decay_slices:  # the weights, not the biases
        G[s, s] += 0.1 * np.eye(s.stop - s.start)
    ours = hessian_vector_products(net, X, y, np.eye(net.n_params), sample_weight=W8,
                                   gauss_newton=True)
    np.testing.assert_allclose(ours, G, rtol=1e-6, atol=1e-8)
    assert np.linalg.eigvalsh((ours + ours.T) / 2).min() > -1e-12
    v = RNG.normal(size=net.n_params)
    np.testing.assert_allclose(gauss_newton_vector_product(net, X, y, v, W8), G @ v,
                               rtol=1e-6, atol=1e-8)


def test_gauss_newton_of_a_net_without_hidden_layers_is_the_hessian():
    net = mlp([3, 2], output="sigmoid", seed=7)
    y = (RNG.random((15, 2)) > 0.5).astype(float)
    v = RNG.normal(size=net.n_params)
    np.testing.assert_allclose(gauss_newton_vector_product(net, X, y, v),
                               hessian_vector_product(net, X, y, v), rtol=1e-13, atol=1e-15)


def test_float32_network_gives_float32_close_to_float64():
    net = mlp([3, 4, 2], hidden="tanh", seed=8)
    y = RNG.normal(size=(15, 2))
    v = RNG.normal(size=net.n_params)
    ref = hessian_vector_product(net, X, y, v)
    hv = hessian_vector_product(net.astype("float32"), X, y, v)
    assert hv.dtype == np.float32
    np.testing.assert_allclose(hv, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


def test_public_names():
    assert chainrule.hessian_vector_product is hessian_vector_product
    assert chainrule.gauss_newton_vector_product is gauss_newton_vector_product


class _OwnDense(Dense):
    """A subclass of a covered layer: its passes may differ, so it has no R-operator."""


CUBE = Activation("cube", lambda z: z**3, lambda z: 3 * z**2)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Network([Dense(3, 4, "tanh"), _OwnDense(4, 2)]),
     r"net\.layers\[1\] is a _OwnDense layer .*no R-operator here; supported: Dense layers"),
    (lambda: Network([Dense(3, 4, CUBE), Dense(4, 2)]),
     r"net\.layers\[0\] has activation 'cube', which has no second derivative here "
     r"\(a registered activation gives f and f' only\); supported: .*silu"),
    (lambda: mlp([3, 4, 2], hidden="tanh", loss="huber"),
     r"the output 'identity' with loss 'huber' has no second-order path here"),
    (lambda: mlp([3, 2], output="softmax", loss="log_loss"),
     r"the output 'softmax' with loss 'log_loss' has no second-order path"),
])
def test_refuses_what_has_no_second_derivative_naming_it(make, message):
    net = make()
    y = RNG.integers(0, 2, 15) if net.loss.name == "log_loss" else RNG.random((15, 2))
    with pytest.raises(ValueError, match="^hessian_vector_product: " + message):
        hessian_vector_product(net, X, y, np.zeros(net.n_params))


def test_refuses_a_v_of_the_wrong_shape_or_not_finite():
    net = mlp([3, 2], seed=0)
    y = RNG.random((15, 2))
    with pytest.raises(ValueError, match=r"^v: expected a vector of shape \(8,\), the layout "
                                         r"of net.params, got shape \(7,\)$"):
        hessian_vector_product(net, X, y, np.zeros(7))
    with pytest.raises(ValueError, match=r"^v contains 8 NaN or infinite value\(s\)"):
        hessian_vector_product(net, X, y, np.full(8, np.nan))
    with pytest.raises(TypeError, match=r"^network: expected a chainrule Network, got list$"):
        hessian_vector_product([], X, y, np.zeros(8))
