"""Exact H v (the R-operator) beyond Dense layers: Conv2D, MaxPool2D, AvgPool2D, Flatten,
Dropout (evaluation mode) and Embedding, each in a tiny network, checked against central
differences of chainrule's own gradient along v, the whole Hessian stacked from H e_i
(symmetric), the Gauss-Newton matrix (symmetric, positive semi-definite, and J^T H_out J
built in NumPy from a Jacobian of differences), and ARPACK's eigenvalues against eigvalsh
of the stacked matrix; LayerNorm likewise (BatchNorm: tests/test_hessian4_batchnorm.py).  A
layer class without an R-operator is refused, naming the layer."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    LayerNorm,
    MaxPool2D,
    Network,
)
from chainrule.hessian import (
    gauss_newton_vector_product,
    hessian_eigenvalues,
    hessian_vector_product,
    hessian_vector_products,
)
from chainrule.tracing import trace_hvp


def _cnn_tanh():
    return Network([Conv2D(1, 2, 3, activation="tanh", seed=1), Flatten(),
                    Dense(2 * 4 * 4, 3, "softmax", seed=2)], loss="cross_entropy",
                   input_shape=(1, 6, 6))


def _cnn_maxpool():  # two convolutions, a max pool, a dropout (identity: evaluation mode)
    return Network([Conv2D(2, 3, 3, padding=1, activation="softplus", seed=1), MaxPool2D(2),
                    Conv2D(3, 2, 2, activation="sigmoid", seed=3), Flatten(), Dropout(0.3),
                    Dense(2 * 2 * 2, 3, "softmax", seed=2)], loss="cross_entropy",
                   input_shape=(2, 6, 6))


def _cnn_avgpool():  # stride, padding, no bias, a relu conv, an identity output
    return Network([Conv2D(2, 3, 3, stride=2, padding=1, activation="gelu", seed=1),
                    AvgPool2D(2, stride=1), Conv2D(3, 2, 1, activation="relu", bias=False,
                                                   seed=4),
                    Flatten(), Dense(2 * 2 * 2, 2, "identity", seed=2)],
                   loss="squared_error", input_shape=(2, 6, 6), weight_decay=0.3)


def _cnn_dilated():  # dilation, "same" padding, a sigmoid + log_loss output
    return Network([Conv2D(1, 2, 2, padding="same", dilation=2, activation="silu", seed=1),
                    MaxPool2D(3, stride=2), Flatten(), Dense(2 * 2 * 2, 1, "sigmoid", seed=2)],
                   loss="log_loss", input_shape=(1, 6, 6))


def _embedding():
    return Network([Embedding(5, 2, block_size=3, seed=0), Dense(6, 4, "tanh", seed=1),
                    Dense(4, 5, "softmax", seed=2)], loss="cross_entropy", input_shape=3,
                   weight_decay=0.1, decay="per_sample")


def _layernorm():  # gamma and beta moved off 1 and 0 in _moved
    return Network([Dense(3, 5, "identity", seed=1), LayerNorm(5, activation="tanh"),
                    Dense(5, 3, "softmax", seed=2)], loss="cross_entropy")


def _layernorm_images():  # over each image's channels and pixels; no affine in the second
    return Network([Conv2D(1, 2, 3, activation="identity", seed=1),
                    LayerNorm((2, 4, 4), activation="softplus"), Flatten(),
                    Dense(32, 4, "tanh", seed=3),
                    LayerNorm(4, activation="sigmoid", elementwise_affine=False),
                    Dense(4, 3, "softmax", seed=2)], loss="cross_entropy",
                   input_shape=(1, 6, 6))


NETS = {"conv_flatten": _cnn_tanh, "conv_maxpool_dropout": _cnn_maxpool,
        "conv_avgpool_decay": _cnn_avgpool, "conv_dilated": _cnn_dilated,
        "embedding": _embedding, "layernorm": _layernorm,
        "layernorm_images": _layernorm_images}


def _moved(net, rng):
    """The network with gamma, beta (ones, zeros) and every weight moved at random."""
    net.params[...] += 0.3 * rng.normal(size=net.n_params)
    return net


def _data(net, rng, m=5):
    _moved(net, rng)
    first = net.layers[0]
    if isinstance(first, Embedding):
        X = rng.integers(0, first.num_embeddings, (m, 3)).astype(float)
    else:
        X = rng.normal(size=(m, getattr(first, "in_channels", 3), 6, 6)
                       if isinstance(first, Conv2D) else (m, 3))  # (every net here: 6 x 6 images)
    k, loss = net.layers[-1].n_out, net.loss.name
    if loss == "cross_entropy":
        return X, rng.integers(0, k, m)
    if loss == "log_loss":
        return X, rng.integers(0, 2, m).astype(float)
    return X, rng.normal(size=(m, k))


def _fd_hv(net, X, y, v, sw=None, eps=1e-5):
    """(g(theta + eps v) - g(theta - eps v)) / (2 eps), g chainrule's own gradient."""
    theta = net.params.copy()
    net.params[...] = theta + eps * v
    gp = net.loss_and_grad(X, y, sample_weight=sw)[1].copy()
    net.params[...] = theta - eps * v
    gm = net.loss_and_grad(X, y, sample_weight=sw)[1].copy()
    net.params[...] = theta
    return (gp - gm) / (2 * eps)


@pytest.mark.parametrize("name", NETS)
def test_hv_matches_central_differences_of_the_gradient(name):
    rng = np.random.default_rng(1)
    net = NETS[name]()
    X, y = _data(net, rng)
    sw = rng.random(X.shape[0]) + 0.5
    for weights in (None, sw):
        for _ in range(2):
            v = rng.normal(size=net.n_params)
            hv = hessian_vector_product(net, X, y, v, sample_weight=weights)
            ref = _fd_hv(net, X, y, v, weights)
            assert np.max(np.abs(hv - ref)) < 1e-6 * max(1.0, np.max(np.abs(ref)))
            assert np.max(np.abs(ref)) > 1e-3  # a real check, not 0 == 0


@pytest.mark.parametrize("name", NETS)
def test_stacked_hessian_is_symmetric_and_gauss_newton_psd(name):
    rng = np.random.default_rng(2)
    net = NETS[name]()
    X, y = _data(net, rng)
    eye = np.eye(net.n_params)
    H = hessian_vector_products(net, X, y, eye)
    assert np.max(np.abs(H - H.T)) < 1e-10
    G = hessian_vector_products(net, X, y, eye, gauss_newton=True)
    assert np.max(np.abs(G - G.T)) < 1e-10
    assert np.linalg.eigvalsh((G + G.T) / 2).min() > -1e-10
    # with a negative curvature or a first-order term somewhere: H is not G
    assert np.max(np.abs(H - G)) > 1e-4


def test_gauss_newton_is_jt_hout_j_from_a_jacobian_of_differences():
    """G = J^T H_out J + c I (weight decay) with J = d z_out / d theta by central differences
    and H_out the softmax + cross-entropy Hessian, (diag(p) - p p^T) / m per row."""
    rng = np.random.default_rng(3)
    net = _cnn_maxpool()
    X, y = _data(net, rng, m=4)
    theta, eps = net.params.copy(), 1e-6

    def z_out(t):
        net.params[...] = t
        net.forward(X)
        return net.layers[-1].Z.copy()

    J = np.stack([(z_out(theta + eps * e) - z_out(theta - eps * e)) / (2 * eps)
                  for e in np.eye(net.n_params)], axis=-1)  # (m, k, n_params)
    P = np.exp(z_out(theta))
    P /= P.sum(axis=1, keepdims=True)
    m = X.shape[0]
    G_ref = sum(J[i].T @ ((np.diag(P[i]) - np.outer(P[i], P[i])) / m) @ J[i] for i in range(m))
    v = rng.normal(size=net.n_params)
    gv = gauss_newton_vector_product(net, X, y, v)
    assert np.allclose(gv, G_ref @ v, rtol=0, atol=1e-7)


@pytest.mark.parametrize("name", ["conv_maxpool_dropout", "conv_avgpool_decay",
                                  "layernorm_images"])
def test_eigenvalues_match_eigvalsh_of_the_stacked_hessian(name):
    rng = np.random.default_rng(4)
    net = NETS[name]()
    X, y = _data(net, rng)
    H = hessian_vector_products(net, X, y, np.eye(net.n_params))
    ref = np.linalg.eigvalsh((H + H.T) / 2)
    top = hessian_eigenvalues(net, X, y, k=3)
    low = hessian_eigenvalues(net, X, y, k=2, which="SA")
    assert np.allclose(top, ref[::-1][:3], rtol=1e-8, atol=1e-10)
    assert np.allclose(low, ref[:2], rtol=1e-8, atol=1e-10)


def test_the_network_is_left_as_loss_and_grad_leaves_it():
    rng = np.random.default_rng(5)
    net = _cnn_maxpool()
    X, y = _data(net, rng)
    theta = net.params.copy()
    J, g = net.loss_and_grad(X, y)
    g = g.copy()
    hessian_vector_product(net, X, y, rng.normal(size=net.n_params))
    assert np.array_equal(net.params, theta)
    J2, g2 = net.loss_and_grad(X, y)
    assert J2 == J and np.array_equal(g2, g)


class _OwnLayerNorm(LayerNorm):
    """A subclass of a covered layer: its passes may differ, so it has no R-operator."""


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Network([Dense(3, 4, "tanh"), _OwnLayerNorm(4), Dense(4, 2)]),
     r"^hessian_vector_product: net\.layers\[1\] is a _OwnLayerNorm layer .*no R-operator "
     r"here; supported: Dense layers, Conv2D, LayerNorm and BatchNorm \(training mode: the "
     r"batch's statistics\) .*MaxPool2D"),
])
def test_layers_without_an_r_operator_are_refused_naming_them(make, message):
    net = make()
    X, y = np.random.default_rng(6).normal(size=(4, 3)), np.zeros((4, 2))
    with pytest.raises(ValueError, match=message):
        hessian_vector_product(net, X, y, np.ones(net.n_params))


def test_a_conv_net_step_by_step_trace_is_still_refused():
    net = _cnn_tanh()
    with pytest.raises(ValueError, match=r"trace_hvp: net\.layers\[0\] is a Conv2D layer .*"
                       r"Dense layers only"):
        trace_hvp(net, np.zeros((1, 1, 6, 6)), [0], np.ones(net.n_params),
                                    max_params=1000)
