"""A layer given big-endian arrays ('>f8', '>f4': read from a file of a big-endian machine)
returns its outputs and gradients in the machine's byte order and in the dtype the same
numbers in that order give: the same values, bit for bit.

Before (robust24): MaxPool2D's ``dX`` kept a big-endian ``grad_out``'s '>f8' (its buffer was
made of ``grad_out.dtype``), so did Flatten's and Dropout's outputs and gradients and every
layer's ``delta``; and both poolings took a '>f4' image as no float32 one (``X.dtype not in
(float32, float64)``), pooling it in float64 where a '<f4' image stays float32.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(24)

LAYERS = {  # name -> (a layer made anew, the input's shape)
    "Dense": (lambda: cr.Dense(3, 4, "tanh", seed=0), (5, 3)),
    "BatchNorm": (lambda: cr.BatchNorm(3, activation="relu"), (5, 3)),
    "BatchNorm images": (lambda: cr.BatchNorm(2), (3, 2, 4, 4)),
    "LayerNorm": (lambda: cr.LayerNorm(3), (5, 3)),
    "Dropout": (lambda: cr.Dropout(0.5, seed=0), (5, 3)),
    "Conv2D": (lambda: cr.Conv2D(2, 3, 3, padding=1, seed=0), (2, 2, 5, 5)),
    "MaxPool2D": (lambda: cr.MaxPool2D(2), (2, 2, 4, 4)),
    "MaxPool2D overlapping": (lambda: cr.MaxPool2D(3, stride=1), (2, 2, 5, 5)),
    "MaxPool2D padded": (lambda: cr.MaxPool2D(2, padding=1), (2, 2, 5, 5)),
    "AvgPool2D": (lambda: cr.AvgPool2D(2), (2, 2, 4, 4)),
    "AvgPool2D padded": (lambda: cr.AvgPool2D(3, stride=2, padding=1), (2, 2, 5, 5)),
    "Flatten": (lambda: cr.Flatten(), (2, 2, 3, 3)),
}


def _pass(make, X, G, training):
    layer = make()
    A = layer.forward(X, training)
    return A, layer.backward(G), layer.delta if hasattr(layer, "delta") else None


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("order", [">f8", ">f4"])
@pytest.mark.parametrize("name", list(LAYERS))
def test_outputs_and_gradients_are_native_and_equal(name, order, training):
    make, shape = LAYERS[name]
    X = RNG.normal(size=shape)
    native = np.dtype(order).newbyteorder("=")
    layer = make()  # the reference: the same numbers in the machine's order
    A_native = layer.forward(X.astype(native), training)
    G = RNG.normal(size=A_native.shape)
    dX_native = layer.backward(G.astype(native))
    A, dX, delta = _pass(make, X.astype(order), G.astype(order), training)
    for got, expected in ((A, A_native), (dX, dX_native)):
        assert got.dtype.isnative and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    if delta is not None:
        assert delta.dtype.isnative


@pytest.mark.parametrize("order", [">f8", ">f4", "<f4"])
def test_max_pooling_by_hand(order):
    """One 2x2 window: its maximum 4 (bottom right) gets the whole gradient, 2.5."""
    X = np.array([[[[1.0, 3.0], [2.0, 4.0]]]], dtype=order)
    pool = cr.MaxPool2D(2)
    A = pool.forward(X)
    dX = pool.backward(np.array([[[[2.5]]]], dtype=order))
    float32 = np.dtype(order).char == "f"
    assert A.dtype == dX.dtype == (np.float32 if float32 else np.float64)
    assert A.dtype.isnative and dX.dtype.isnative
    np.testing.assert_array_equal(A, [[[[4.0]]]])
    np.testing.assert_array_equal(dX, [[[[0.0, 0.0], [0.0, 2.5]]]])


@pytest.mark.parametrize("order", [">f8", ">f4"])
def test_average_pooling_by_hand(order):
    """One 2x2 window: the mean (1 + 3 + 2 + 4) / 4 = 2.5; each pixel gets 2 / 4."""
    X = np.array([[[[1.0, 3.0], [2.0, 4.0]]]], dtype=order)
    pool = cr.AvgPool2D(2)
    A = pool.forward(X)
    dX = pool.backward(np.array([[[[2.0]]]], dtype=order))
    expected = np.float32 if np.dtype(order).char == "f" else np.float64
    assert A.dtype == dX.dtype == expected and A.dtype.isnative and dX.dtype.isnative
    np.testing.assert_array_equal(A, [[[[2.5]]]])
    np.testing.assert_array_equal(dX, np.full((1, 1, 2, 2), 0.5))
