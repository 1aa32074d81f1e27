"""Layers called on their own refuse a batch of the wrong rank, and a grad_out of another
shape than their output, by name, as PyTorch's do."""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule import Flatten


@pytest.mark.parametrize(("X", "given"), [
    (np.ones(3), r"an array of shape \(3,\)"),
    (np.float64(2.0), r"an array of shape \(\)"),
    ([1.0, 2.0, 3.0], r"an array of shape \(3,\)"),  # a list: as np.asarray of it
])
def test_flatten_refuses_what_is_no_batch(X, given):
    # it read a 1-D array of 3 values as 3 examples of one value (and a scalar stopped
    # in an IndexError); PyTorch's nn.Flatten refuses a 1-D tensor too
    with pytest.raises(ValueError, match=r"Flatten: X must be a batch of shape \(n_samples, "
                       r"channels, height, width\) or \(n_samples, n_features\), got " + given):
        Flatten().forward(X)


def test_flatten_refuses_a_1d_tensor_in_pytorch_as_well():
    torch = pytest.importorskip("torch")
    with pytest.raises((IndexError, RuntimeError)):
        torch.nn.Flatten()(torch.ones(3))
    assert torch.nn.Flatten()(torch.ones(2, 3)).shape == Flatten().forward(np.ones((2, 3))).shape


def _layers():
    from chainrule import AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, MaxPool2D

    images = np.random.default_rng(0).normal(size=(3, 2, 4, 4))
    rows = images[:, :, 0, 0].copy()
    return [
        (Conv2D(2, 2, 3, padding=1, seed=0), images), (MaxPool2D(2), images),
        (AvgPool2D(2), images), (BatchNorm(2), images), (BatchNorm(2), rows),
        (Dropout(0.5, seed=0), images), (Dropout(0.5, seed=0), rows), (Flatten(), images),
        (Dense(2, 3, seed=0), rows),
    ]


@pytest.mark.parametrize("case", range(9))
@pytest.mark.parametrize("training", [True, False])
def test_backward_refuses_a_grad_out_of_another_shape_by_name(case, training):
    # NumPy broadcast a gradient of one example (or of one column) over the batch: a
    # wrong dX without a word (AvgPool2D's even had 1 example, not 3); PyTorch's
    # autograd refuses such a grad_output
    layer, X = _layers()[case]
    A = layer.forward(X, training=training)
    for G in (np.ones((1, *A.shape[1:])), np.ones((*A.shape[:-1], 1)), np.ones(A.shape[1:])):
        with pytest.raises(ValueError, match=re.escape(
                f"{layer!r}: grad_out must have the shape of the last forward pass's output, "
                f"{A.shape}, got shape {G.shape}")):
            layer.backward(G)
    assert layer.backward(np.ones(A.shape)).shape == X.shape  # the right shape passes


@pytest.mark.parametrize("case", range(9))
def test_backward_before_any_forward_pass_says_so(case):
    layer, _ = _layers()[case]
    with pytest.raises(ValueError, match="backward needs a forward pass first"):
        layer.backward(np.ones((3, 2)))


def test_pytorch_refuses_a_grad_output_of_another_shape_as_well():
    torch = pytest.importorskip("torch")
    X = torch.ones((3, 2, 4, 4), dtype=torch.float64, requires_grad=True)
    A = torch.nn.functional.avg_pool2d(X, 2)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        A.backward(torch.ones((1, 2, 2, 2), dtype=torch.float64))


@pytest.mark.parametrize(("keep", "given"), [
    (np.full((2, 3), 0.5), "float64 with 0.5"),
    (np.array([[1.0, 0.0, np.nan]]), "float64 with nan"),
    (np.array([[1, 0, 2]]), "int64 with 2"),
    (np.array([["a"]]), "<U1 with 'a'"),
])
def test_dropout_fix_mask_refuses_what_is_no_keep_mask(keep, given):
    # 0.5, NaN and 2 were all taken as "keep" (astype(bool)), text as well: a mask of
    # probabilities kept every unit, scaled by 1 / (1 - rate), without a word
    from chainrule import Dropout

    layer = Dropout(0.5)
    with pytest.raises(ValueError, match=re.escape(
            f"keep must hold booleans or 0 and 1 (which units to keep), got an array of dtype "
            f"{given}")):
        layer.fix_mask(keep)
    assert layer.fixed_mask is None


def test_dropout_fix_mask_takes_booleans_and_zeros_and_ones():
    from chainrule import Dropout

    X = np.arange(1.0, 5.0).reshape(2, 2)
    for keep in ([[1, 0], [0, 1]], np.array([[True, False], [False, True]]),
                 np.array([[1.0, 0.0], [0.0, 1.0]])):
        layer = Dropout(0.5)
        layer.fix_mask(keep)
        np.testing.assert_array_equal(layer.forward(X, training=True), [[2.0, 0.0], [0.0, 8.0]])
