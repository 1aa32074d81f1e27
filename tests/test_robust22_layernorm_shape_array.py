"""LayerNorm takes ``normalized_shape`` as a 1-D integer array too (``np.array(X.shape[1:])``),
as it takes a list or a tuple.

Before, ``LayerNorm(np.array([2, 3, 3]))`` was refused with "normalized_shape must be an
int >= 1, got array([2, 3, 3])", a message that hides the (channels, height, width) form
the layer takes.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import LayerNorm


@pytest.mark.parametrize("shape", [np.array([2, 3, 3]), np.array([6], dtype=np.int32),
                                   np.array([2, 3, 3], dtype=np.uint8)])
def test_an_integer_array_is_the_shape_it_holds(shape: np.ndarray) -> None:
    X = np.random.default_rng(0).normal(size=(4, *shape.tolist()))
    layer = LayerNorm(shape)
    assert layer.normalized_shape == (tuple(shape.tolist()) if shape.size == 3
                                      else int(shape[0]))
    A = layer.forward(X)
    # plain NumPy: each example over all its values, biased variance, eps 1e-5
    rows = X.reshape(4, -1)
    ref = (rows - rows.mean(axis=1, keepdims=True)) / np.sqrt(rows.var(axis=1, keepdims=True)
                                                             + 1e-5)
    np.testing.assert_allclose(A.reshape(4, -1), ref, rtol=0, atol=1e-12)
    saved = layer.get_config()["normalized_shape"]  # JSON: Python ints, not NumPy's
    assert all(type(v) is int for v in (saved if isinstance(saved, list) else [saved]))


@pytest.mark.parametrize("shape, message", [
    (np.array([2, 3]), r"\(channels, height, width\), got \(2, 3\)"),
    (np.array([2.0, 3.0, 3.0]), "normalized_shape must be an int >= 1, got 2.0"),
])
def test_other_arrays_are_refused_naming_normalized_shape(shape, message) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        LayerNorm(shape)
