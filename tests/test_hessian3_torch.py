"""H v of small CNNs and an Embedding network (chainrule.hessian) against PyTorch's
torch.autograd.functional.hvp on the same networks written in torch as functions of the
flat parameter vector (chainrule's layout: a Conv2D's W (out, in, kh, kw) then b, a Dense
layer's W (in, out) then b, a LayerNorm's gamma then beta, an Embedding's table), weight
decay (c/2) sum W^2 included."""

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
from chainrule.hessian import hessian_vector_product

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _activation(name, z):
    return {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
            "softplus": F.softplus, "gelu": F.gelu, "silu": F.silu,
            "identity": lambda t: t}[name](z)


def _torch_cost(net, X, y, theta):
    """The cost chainrule's loss_and_grad computes, written in torch from the layers'
    settings: convolutions, pools and the loss by torch.nn.functional."""
    a, off, decayed = torch.from_numpy(X), 0, []

    def take(shape):
        nonlocal off
        size = int(np.prod(shape))
        part = theta[off:off + size].reshape(shape)
        off += size
        return part

    for layer in net.layers:
        if isinstance(layer, Conv2D):
            W = take(layer.W.shape)
            b = take(layer.b.shape) if layer.b is not None else None
            decayed.append(W)
            (pt, pb), (pl, pr) = layer.padding_sides
            a = F.pad(a, (pl, pr, pt, pb))
            a = _activation(layer.activation.name, F.conv2d(a, W, b, stride=layer.stride,
                                                            dilation=layer.dilation))
        elif isinstance(layer, Dense):
            W = take(layer.W.shape)
            decayed.append(W)
            a = a @ W + take(layer.b.shape)
            if layer.activation.name != "softmax":  # (the output's: in the loss)
                a = _activation(layer.activation.name, a)
        elif isinstance(layer, LayerNorm):
            shape = tuple(a.shape[1:])
            gamma = take(shape) if layer.elementwise_affine else None
            beta = take(shape) if layer.elementwise_affine else None
            a = _activation(layer.activation.name,
                            F.layer_norm(a, shape, gamma, beta, eps=layer.eps))
        elif isinstance(layer, Embedding):
            W = take(layer.W.shape)
            decayed.append(W)
            a = F.embedding(a.long(), W).reshape(a.shape[0], -1)
        elif isinstance(layer, MaxPool2D):
            a = F.max_pool2d(a, layer.size, layer.stride)
        elif isinstance(layer, AvgPool2D):
            a = F.avg_pool2d(a, layer.size, layer.stride)
        elif isinstance(layer, Flatten):
            a = a.reshape(a.shape[0], -1)
        else:
            assert isinstance(layer, Dropout)  # evaluation mode: the identity
    if net.loss.name == "cross_entropy":
        cost = F.cross_entropy(a, torch.from_numpy(y).long())
    else:
        cost = 0.5 * ((a - torch.from_numpy(y)) ** 2).sum(dim=1).mean()
    return cost + 0.5 * net.weight_decay * sum((W ** 2).sum() for W in decayed)


NETS = {
    "conv_maxpool": lambda: Network(
        [Conv2D(2, 3, 3, padding=1, activation="softplus", seed=1), MaxPool2D(2),
         Conv2D(3, 2, 2, activation="tanh", seed=3), Flatten(), Dropout(0.5),
         Dense(2 * 2 * 2, 3, "softmax", seed=2)], loss="cross_entropy",
        input_shape=(2, 6, 6), weight_decay=0.05),
    "conv_stride_avgpool": lambda: Network(
        [Conv2D(2, 3, 3, stride=2, padding=1, activation="gelu", seed=1), AvgPool2D(2, 1),
         Conv2D(3, 2, 2, dilation=1, activation="silu", bias=False, seed=4), Flatten(),
         Dense(2, 2, "identity", seed=2)], loss="squared_error", input_shape=(2, 6, 6)),
    "conv_same_dilated": lambda: Network(
        [Conv2D(2, 2, 3, padding="same", dilation=2, activation="sigmoid", seed=1),
         MaxPool2D(2), Flatten(), Dense(2 * 3 * 3, 3, "softmax", seed=2)],
        loss="cross_entropy", input_shape=(2, 6, 6)),
    "layernorm": lambda: Network(
        [Conv2D(2, 2, 3, activation="identity", seed=1),
         LayerNorm((2, 4, 4), activation="softplus"), Flatten(), Dense(32, 4, "tanh", seed=3),
         LayerNorm(4, activation="sigmoid", elementwise_affine=False),
         Dense(4, 3, "softmax", seed=2)], loss="cross_entropy", input_shape=(2, 6, 6)),
    "embedding": lambda: Network(
        [Embedding(5, 2, block_size=3, seed=0), Dense(6, 4, "tanh", seed=1),
         Dense(4, 5, "softmax", seed=2)], loss="cross_entropy", input_shape=3,
        weight_decay=0.1),
}


@pytest.mark.parametrize("name", NETS)
def test_hv_matches_torch_autograd_hvp(name):
    rng = np.random.default_rng(7)
    net = NETS[name]()
    net.params[...] += 0.3 * rng.normal(size=net.n_params)  # gamma, beta off 1, 0
    if name == "embedding":
        X = rng.integers(0, 5, (6, 3)).astype(float)
    else:
        X = rng.normal(size=(6, 2, 6, 6))
    k = net.layers[-1].n_out
    y = rng.integers(0, k, 6) if net.loss.name == "cross_entropy" else rng.normal(size=(6, k))
    theta = torch.from_numpy(net.params.copy())
    for _ in range(2):
        v = rng.normal(size=net.n_params)
        hv = hessian_vector_product(net, X, y, v)
        _, ref = torch.autograd.functional.hvp(lambda t: _torch_cost(net, X, y, t), theta,
                                               torch.from_numpy(v))
        ref = ref.numpy()
        assert np.max(np.abs(ref)) > 1e-2
        np.testing.assert_allclose(hv, ref, rtol=0, atol=1e-10 * max(1.0, np.abs(ref).max()))
    # and the cost itself is the same function (so the Hessians are of one thing)
    J, _ = net.loss_and_grad(X, y)
    assert abs(J - float(_torch_cost(net, X, y, theta))) < 1e-12
