"""Every layer takes a nested list, as X in forward and as grad_out in backward, as
np.asarray of it (NumPy's rule for array-likes); an ndarray is used as it is, float32
included; what NumPy cannot make an array of numbers of is refused by name."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule import (
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LayerNorm,
    MaxPool2D,
)
from chainrule.layers import Layer

_IMAGES = np.random.default_rng(0).normal(size=(3, 2, 5, 4))
_ROWS = _IMAGES[:, :, 0, 0].copy()

# (a fresh layer, a batch it takes): each built twice alike, seeds included
_CASES = {
    "Dense": (lambda: Dense(2, 3, "tanh", seed=0), _ROWS),
    "Conv2D": (lambda: Conv2D(2, 3, 3, stride=(1, 2), padding=1, activation="tanh", seed=0),
               _IMAGES),
    "MaxPool2D": (lambda: MaxPool2D(2, stride=1, padding=1), _IMAGES),
    "AvgPool2D": (lambda: AvgPool2D(3, stride=2, padding=1, ceil_mode=True), _IMAGES),
    "BatchNorm": (lambda: BatchNorm(2), _ROWS),
    "BatchNorm images": (lambda: BatchNorm(2), _IMAGES),
    "Dropout": (lambda: Dropout(0.5, seed=0), _ROWS),
    "Dropout images": (lambda: Dropout(0.5, seed=0), _IMAGES),
    "Flatten": (lambda: Flatten(), _IMAGES),
    "Flatten rows": (lambda: Flatten(), _ROWS),
    "LayerNorm": (lambda: LayerNorm(2), _ROWS),
    "LayerNorm images": (lambda: LayerNorm((2, 5, 4)), _IMAGES),
}


def _gradients(layer: Layer) -> list[np.ndarray]:
    names = ("dW", "db", "dgamma", "dbeta")
    return [getattr(layer, name) for name in names if getattr(layer, name, None) is not None]


def test_the_cases_cover_every_layer_class_chainrule_exports():
    exported = {name for name in chainrule.__all__ if isinstance(getattr(chainrule, name), type)
                and issubclass(getattr(chainrule, name), Layer) and name != "Layer"}
    # Embedding takes indices and gives no dX: its array-likes in test_student29_embedding.py
    assert exported == {name.split()[0] for name in _CASES} | {"Embedding"}


@pytest.mark.parametrize("case", list(_CASES))
@pytest.mark.parametrize("training", [False, True])
def test_a_nested_list_gives_what_np_asarray_of_it_gives(case, training):
    make, X = _CASES[case]
    listed, arrayed = make(), make()
    A_list = listed.forward(X.tolist(), training=training)
    A = arrayed.forward(np.asarray(X.tolist()), training=training)
    assert type(A_list) is np.ndarray and A_list.dtype == A.dtype == np.float64
    np.testing.assert_array_equal(A_list, A)
    G = np.random.default_rng(1).normal(size=A.shape)
    dX_list = listed.backward(G.tolist())
    dX = arrayed.backward(np.asarray(G.tolist()))
    assert type(dX_list) is np.ndarray and dX_list.shape == X.shape
    np.testing.assert_array_equal(dX_list, dX)
    for g_list, g in zip(_gradients(listed), _gradients(arrayed), strict=True):
        np.testing.assert_array_equal(g_list, g)


def test_dense_on_a_list_against_numpy_formulas():
    # Dense(2, 1).forward([[1., 2.]]) worked, its backward stopped in "'list' object has
    # no attribute 'T'"
    layer = Dense(2, 1, "sigmoid", seed=0)
    W, b = layer.W.copy(), layer.b.copy()
    X, G = [[1.0, 2.0], [-0.5, 3.0]], [[0.5], [-2.0]]
    A = 1.0 / (1.0 + np.exp(-(np.array(X) @ W + b)))
    np.testing.assert_allclose(layer.forward(X), A, rtol=1e-15)
    delta = np.array(G) * A * (1.0 - A)
    np.testing.assert_allclose(layer.backward(G), delta @ W.T, rtol=1e-14)
    np.testing.assert_allclose(layer.dW, np.array(X).T @ delta, rtol=1e-14)
    np.testing.assert_allclose(layer.db, delta.sum(axis=0), rtol=1e-14)


def test_pools_on_a_list_against_numpy_formulas():
    # Conv2D, MaxPool2D and AvgPool2D stopped in "'list' object has no attribute 'ndim'"
    X = np.arange(16.0).reshape(1, 1, 4, 4)
    blocks = X.reshape(1, 1, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 1, 2, 2, 4)
    np.testing.assert_array_equal(MaxPool2D(2).forward(X.tolist()), blocks.max(axis=-1))
    np.testing.assert_array_equal(AvgPool2D(2).forward(X.tolist()), blocks.mean(axis=-1))
    K = np.array([[[[1.0, -1.0], [2.0, 0.5]]]])
    conv = Conv2D(1, 1, 2, stride=2, activation="identity", init=K, bias=False)
    np.testing.assert_array_equal(conv.forward(X.tolist()),
                                  blocks @ K.reshape(4))


_FLOAT32 = {  # the layers with parameters, in float32
    "Dense": lambda: Dense(2, 3, "tanh", seed=0, dtype=np.float32),
    "Conv2D": lambda: Conv2D(2, 3, 3, stride=(1, 2), padding=1, activation="tanh", seed=0,
                             dtype=np.float32),
    "BatchNorm": lambda: BatchNorm(2, dtype=np.float32),
    "LayerNorm": lambda: LayerNorm(2, dtype=np.float32),
    "LayerNorm images": lambda: LayerNorm((2, 5, 4), dtype=np.float32),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_an_ndarray_is_used_as_it_is_float32_kept(case):
    make, X = _CASES[case]
    layer = _FLOAT32.get(case, _FLOAT32.get(case.split()[0], make))()
    X32 = X.astype(np.float32)
    A = layer.forward(X32, training=True)
    assert A.dtype == np.float32
    G = np.ones_like(A)
    dX = layer.backward(G)
    assert dX.dtype == np.float32 and dX.shape == X.shape
    if isinstance(layer, Dense):
        assert layer.X is X32  # neither copied nor cast
    if isinstance(layer, Flatten):  # a reshape: a view of grad_out
        assert np.shares_memory(dX, G)


@pytest.mark.parametrize("case", list(_CASES))
@pytest.mark.parametrize(("X", "given"), [
    ([[1.0, 2.0], [3.0]], r"\[\[1.0, 2.0\], \[3.0\]\] \(list\)"),
    ([["a", "b"]], r"\[\['a', 'b'\]\] \(list\)"),
    (None, r"None \(NoneType\)"),
])
def test_what_is_no_array_of_numbers_is_refused_by_name(case, X, given):
    layer = _CASES[case][0]()
    with pytest.raises(ValueError, match=re.escape(f"{layer!r}: X must be an array or a nested "
                                                   "list of numbers of one shape, got ") + given):
        layer.forward(X)


@pytest.mark.parametrize("case", list(_CASES))
def test_a_ragged_grad_out_is_refused_by_name(case):
    make, X = _CASES[case]
    layer = make()
    layer.forward(X)
    with pytest.raises(ValueError, match=re.escape(
            f"{layer!r}: grad_out must be an array or a nested list of numbers of one shape, "
            "got [[1.0], [1.0, 2.0]] (list)")):
        layer.backward([[1.0], [1.0, 2.0]])


def test_a_list_of_another_shape_is_refused_as_an_array_of_it_would_be():
    layer = Dense(2, 3, seed=0)
    layer.forward(_ROWS)
    with pytest.raises(ValueError, match=re.escape(
            "grad_out must have the shape of the last forward pass's output, (3, 3), got "
            "shape (1, 3)")):
        layer.backward([[1.0, 1.0, 1.0]])
