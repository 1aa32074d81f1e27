"""Pools whose padded images are past what an array holds: refused by name, in the words
Conv2D's refusal uses (tests/test_conv_too_big.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule import AvgPool2D, Conv2D, MaxPool2D

LIMIT = np.iinfo(np.intp).max  # 2**63 - 1 on 64-bit machines


@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize(("size", "padding", "given", "pixels"), [
    ((1, 10**19), (0, 5 * 10**18), r"\(0, 5000000000000000000\)", "1 x 10000000000000000001"),
    (2 * 10**12, 10**12, "1000000000000", "2000000000001 x 2000000000001"),
    ((4 * 10**9, 6 * 10**9), (2 * 10**9, 3 * 10**9), r"\(2000000000, 3000000000\)",
     "4000000001 x 6000000001"),
    ((2, 2 * 10**400), (1, 10**400), r"\(1, an int of about 10\^400\)",
     r"3 x an int of about 10\^400"),
])
def test_a_padding_past_what_an_array_holds_is_refused_at_construction(pool, size, padding,
                                                                      given, pixels):
    # MaxPool2D((1, 10**19), padding=(0, 5 * 10**18)).forward(np.ones((1, 1, 1, 1))) stopped
    # in NumPy's "Maximum allowed dimension exceeded" (AvgPool2D too), naming nothing: a
    # one-pixel image padded has (1 + 2 ph) x (1 + 2 pw) pixels, past intp's largest
    rows, cols = (1 + 2 * p for p in (padding if isinstance(padding, tuple) else (padding,) * 2))
    assert rows * cols > LIMIT
    with pytest.raises(ValueError, match=rf"^padding: {given} pads even a one-pixel image to "
                                         rf"{pixels} pixels, more than an array holds "
                                         rf"\({LIMIT} entries\)$"):
        pool(size, padding=padding)


@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
def test_the_refusal_is_worded_as_conv2d_s(pool):
    padding = (0, 5 * 10**18)
    with pytest.raises(ValueError) as conv:
        Conv2D(1, 1, 1, padding=padding)
    with pytest.raises(ValueError) as pooled:
        pool((1, 10**19), padding=padding)
    assert str(pooled.value) == str(conv.value)


@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize(("dtype", "itemsize"), [(np.float64, 8), (np.float32, 4), (int, 8)])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_a_forward_pass_past_what_an_array_holds_is_refused_naming_the_padding(
        pool, dtype, itemsize, ceil_mode):
    # (1 + 2 * 10**9)**2 pixels fit in an array's entries, not in its bytes: NumPy said
    # "array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum
    # possible size" (integers are pooled as float64)
    padded = 1 + 2 * 10**9
    assert padded**2 <= LIMIT < padded**2 * itemsize
    layer = pool(2 * 10**9, padding=10**9, ceil_mode=ceil_mode)
    with pytest.raises(ValueError, match=re.escape(
            f"{layer!r}: the padded images would be 1 x 2 x {padded} x {padded} values of "
            f"{itemsize} bytes, more than an array holds ({LIMIT} bytes); the padding adds "
            f"{padded - 1} rows and {padded - 1} columns to the 1x1 images")):
        layer.forward(np.ones((1, 2, 1, 1), dtype=dtype))
    assert layer.X is None and layer.A is None  # refused before anything was kept


def test_a_padding_an_array_holds_is_computed():
    # a 1x1 image in the middle of its 3x3 padded window: the max is the pixel, the mean
    # (the padding counting as zeros, PyTorch's default) a ninth of it
    X = np.full((1, 1, 1, 1), 2.0)
    np.testing.assert_array_equal(MaxPool2D(3, stride=1, padding=1).forward(X), X)
    np.testing.assert_allclose(AvgPool2D(3, stride=1, padding=1).forward(X), X / 9, rtol=1e-15)
