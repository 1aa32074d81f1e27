"""Conv2D built from kernels that are a transposed (non-contiguous) view, as an NHWC course
writes them (deeplearning.ai's W of shape (f, f, n_C_prev, n_C), given as
``W.transpose(3, 2, 0, 1)``): its dW must be the sums, not left at zero.

Reference: dW, db and dX by plain NumPy loops over the zero-padded input, written here.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Conv2D


def loops(x: np.ndarray, w: np.ndarray, dz: np.ndarray, stride: int, pad: int) -> tuple:
    """dW, db, dX of Z = conv(x, w) + b for the upstream gradient dz (NCHW, no flip)."""
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dW, dxp = np.zeros_like(w), np.zeros_like(xp)
    for n, f, i, j in np.ndindex(dz.shape):
        r, c = i * stride, j * stride
        dW[f] += dz[n, f, i, j] * xp[n, :, r : r + k, c : c + k]
        dxp[n, :, r : r + k, c : c + k] += dz[n, f, i, j] * w[f]
    return dW, dz.sum(axis=(0, 2, 3)), dxp[:, :, pad : xp.shape[2] - pad, pad : xp.shape[3] - pad]


@pytest.mark.parametrize("k, c_in", [(2, 3), (7, 3)])  # 12 and 147 patch rows: both products
def test_dw_of_kernels_given_as_a_transposed_view(k: int, c_in: int) -> None:
    rs = np.random.RandomState(0)
    W_nhwc = rs.randn(k, k, c_in, 4)  # the course's (f, f, n_C_prev, n_C)
    kernels = W_nhwc.transpose(3, 2, 0, 1)
    assert not kernels.flags.c_contiguous
    x = rs.randn(2, c_in, 9, 8)
    layer = Conv2D(c_in, 4, k, stride=2, padding=1, activation="identity", init=kernels)
    Z = layer.forward(x)
    dz = rs.randn(*Z.shape)
    dX = layer.backward(dz)
    dW, db, dX_ref = loops(x, np.ascontiguousarray(kernels), dz, 2, 1)
    assert np.abs(dW).max() > 1  # the sums are not zero
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, db, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dX, dX_ref, rtol=1e-12, atol=1e-12)
