"""benchmarks/bench_conv_layout.py times a prototype of Conv2D with one product per batch;
its forward pass and gradients must be a convolution's, or its timings mean nothing.

The reference is plain NumPy written here: the padded images' windows by slicing and
``einsum`` for Z, dW and db, and dX from dW's adjoint (each tap's slice added back).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import chainrule as cr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))
import bench_conv_layout as bcl


def _numpy_conv(X, W, b, pad, delta):
    """Z, dW, db and dX of a stride-1 convolution, written tap by tap."""
    n, _, h, w = X.shape
    o, _, kh, kw = W.shape
    Xp = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = h + 2 * pad - kh + 1, w + 2 * pad - kw + 1
    Z = np.zeros((n, o, ho, wo)) + b[:, None, None]
    dW = np.zeros_like(W)
    dXp = np.zeros_like(Xp)
    for i in range(kh):
        for j in range(kw):
            window = Xp[:, :, i : i + ho, j : j + wo]
            Z += np.einsum("nchw,oc->nohw", window, W[:, :, i, j])
            dW[:, :, i, j] = np.einsum("nohw,nchw->oc", delta, window)
            dXp[:, :, i : i + ho, j : j + wo] += np.einsum("nohw,oc->nchw", delta, W[:, :, i, j])
    return Z, dW, delta.sum(axis=(0, 2, 3)), dXp[:, :, pad : pad + h, pad : pad + w]


@pytest.mark.parametrize("name", ["batch", "batch-layout"])
@pytest.mark.parametrize(("c", "o", "k", "pad", "hw", "n"),
                         [(1, 6, 5, 2, 28, 5), (6, 16, 5, 0, 14, 3), (2, 3, 3, 1, 9, 70)])
def test_prototype_is_the_convolution(name, c, o, k, pad, hw, n):
    rng = np.random.default_rng(3)
    layer = cr.Conv2D(c, o, k, padding=pad, activation="identity", seed=1)
    layer.b = rng.standard_normal(o)
    X = rng.standard_normal((n, c, hw, hw))
    delta = rng.standard_normal((n, o, hw + 2 * pad - k + 1, hw + 2 * pad - k + 1))
    Z, dW, db, dX = _numpy_conv(X, layer.W, layer.b, pad, delta)
    with bcl.variant(name):
        A = layer.forward(X)
        got_dX = layer.backward_delta(delta)
    np.testing.assert_allclose(A, Z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, db, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_dX, dX, rtol=1e-12, atol=1e-12)
    assert cr.Conv2D.forward is not bcl.forward  # the layer's own methods are back


def test_epoch_weights_match_the_layers_in_float32():
    """One epoch of the benchmark's network on 256 images: float32 rounding apart."""
    rng = np.random.default_rng(0)
    X = rng.random((256, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, len(X))
    net0 = cr.network_from_layers(bcl.LENET, input_shape=(1, 28, 28), seed=0, dtype=np.float32)
    _, ours = bcl.epoch(net0, X, y, "layer")
    _, batch = bcl.epoch(net0, X, y, "batch")
    np.testing.assert_allclose(batch, ours, rtol=0, atol=1e-5)
