"""The faster forms of the CNN layers' passes give the numbers of the loop references.

Conv2D's dW in either product orientation.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Conv2D, conv, reference


@pytest.mark.parametrize("threshold", [0, 10**9])  # every patch transposed, or none
@pytest.mark.parametrize(("c", "k", "s", "p", "d"), [
    (6, 5, 1, 0, 1), (6, 5, 1, 2, 1), (3, 3, 1, 1, 1), (7, (5, 4), 2, 1, 1), (5, 3, 1, 2, 2)])
def test_dW_in_either_orientation_matches_the_loop_reference(rng, monkeypatch, threshold, c, k,
                                                            s, p, d):
    """Both products, per example ``delta @ patches^T`` and ``patches @ delta^T``, sum to dW.

    (6, 5): 150 rows, transposed by default; (3, 3): 27 rows, not.
    """
    monkeypatch.setattr(conv, "DW_TRANSPOSED_ROWS", threshold)
    X = rng.normal(size=(3, c, 11, 9))
    layer = Conv2D(c, 4, k, stride=s, padding=p, dilation=d, activation="identity", seed=1)
    Z = layer.forward(X)
    delta = rng.normal(size=Z.shape)
    dX = layer.backward(delta)
    dx, dW, db = reference.conv2d_backward(X, layer.W, delta, s, p, dilation=d)
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, db, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dX, dx, rtol=1e-12, atol=1e-12)


def test_dW_orientations_agree_on_float32_lenet_shapes(rng, monkeypatch):
    """LeNet's second convolution in float32: the two orientations within float rounding."""
    X = rng.random((16, 6, 14, 14), dtype=np.float32)
    delta = rng.standard_normal((16, 16, 10, 10), dtype=np.float32)
    dWs = []
    for threshold in (0, 10**9):
        monkeypatch.setattr(conv, "DW_TRANSPOSED_ROWS", threshold)
        layer = Conv2D(6, 16, 5, activation="identity", seed=0, dtype=np.float32)
        layer.forward(X)
        layer.backward(delta)
        dWs.append(layer.dW.astype(np.float64))
    # float64 by hand: dW[o, c, i, j] = sum_{n, y, x} delta[n, o, y, x] X[n, c, y + i, x + j]
    Xd, dd = X.astype(np.float64), delta.astype(np.float64)
    ref = np.zeros((16, 6, 5, 5))
    for i in range(5):
        for j in range(5):
            ref[:, :, i, j] = np.einsum("noyx,ncyx->oc", dd, Xd[:, :, i : i + 10, j : j + 10])
    for dW in dWs:
        np.testing.assert_allclose(dW, ref, rtol=1e-4, atol=1e-4)
