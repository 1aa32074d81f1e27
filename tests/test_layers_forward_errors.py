"""Layers called on their own refuse a batch of the wrong rank by name, as PyTorch's do."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Flatten


@pytest.mark.parametrize(("X", "given"), [
    (np.ones(3), r"an array of shape \(3,\)"),
    (np.float64(2.0), r"an array of shape \(\)"),
    ([[1.0, 2.0]], "list"),
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
