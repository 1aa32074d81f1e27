"""Convolutions whose kernels or padded arrays are past what an array holds: refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Conv2D


@pytest.mark.parametrize(("args", "sizes"), [
    ((3, 4, 10**10), r"4 x 3 x 10000000000 x 10000000000"),
    ((10**10, 10**10, 1), r"10000000000 x 10000000000 x 1 x 1"),
    ((3, 4, (2, 10**30)), r"4 x 3 x 2 x 1" + "0" * 30),
    ((3, 10**400, 3), r"an int of about 10\^400 x 3 x 3 x 3"),
])
def test_kernels_past_what_an_array_holds_are_refused_naming_the_sizes(args, sizes):
    # NumPy's "Maximum allowed dimension exceeded" (or Python's OverflowError for
    # 10**400) named no argument; the product of the sizes is past intp's largest
    limit = np.iinfo(np.intp).max
    with pytest.raises(ValueError, match=rf"^out_channels x in_channels x kernel_size: {sizes} "
                                         rf"weights, more than an array holds \({limit} "
                                         r"entries\)$"):
        Conv2D(*args)


def test_kernels_an_array_holds_are_built():
    assert Conv2D(3, 4, (2, 5), seed=0).W.shape == (4, 3, 2, 5)


LIMIT = np.iinfo(np.intp).max


@pytest.mark.parametrize(("kwargs", "given", "pixels"), [
    ({"padding": 10**12}, "1000000000000", "2000000000001 x 2000000000001"),
    ({"padding": (0, 10**400)}, r"\(0, an int of about 10\^400\)", r"1 x an int of about 10\^400"),
    ({"padding": (3 * 10**9, 2 * 10**9)}, r"\(3000000000, 2000000000\)",
     "6000000001 x 4000000001"),
    # "same" pads d (k - 1) = 2 * 10**12 rows, half above and half below
    ({"padding": "same", "dilation": 10**12}, "'same'", "2000000000001 x 2000000000001"),
])
def test_a_padding_past_what_an_array_holds_is_refused_at_construction(kwargs, given, pixels):
    # NumPy's "array is too big" in forward named no argument; a one-pixel image padded
    # has (1 + 2 p) rows, past intp's largest in entries
    with pytest.raises(ValueError, match=rf"^padding: {given} pads even a one-pixel image to "
                                         rf"{pixels} pixels, more than an array holds "
                                         rf"\({LIMIT} entries\)$"):
        Conv2D(3, 4, 3, **kwargs)


@pytest.mark.parametrize(("args", "image", "what", "sizes", "added"), [
    # 5 + 2 * 10**9 rows, and im2col's spare row; 5 + 2 * 10**9 columns
    ((3, 4, 3, 1, 10**9), 5, "the padded images", "1 x 3 x 2000000006 x 2000000005",
     "2000000000 rows and 2000000000 columns"),
    # 3 x 3 x 3 taps of (5 + 6 * 10**8 - 3 + 1)^2 windows, where the padded images fit
    ((3, 4, 3, 1, 3 * 10**8), 5, r"the windows side by side \(im2col\)",
     "1 x 3 x 3 x 3 x 600000003 x 600000003", "600000000 rows and 600000000 columns"),
    # 10**5 channels of (1 + 6 * 10**6)^2 pixels, where the padded image and windows fit
    ((3, 10**5, 1, 1, 3 * 10**6), 1, "the output", "1 x 100000 x 6000001 x 6000001",
     "6000000 rows and 6000000 columns"),
])
def test_a_forward_pass_past_what_an_array_holds_is_refused_naming_the_padding(
        args, image, what, sizes, added):
    layer = Conv2D(*args)
    with pytest.raises(ValueError, match=rf"^Conv2D\(.*\): {what} would be {sizes} values of 8 "
                                         rf"bytes, more than an array holds \({LIMIT} bytes\); "
                                         rf"the padding adds {added} to the {image}x{image} "
                                         r"images$"):
        layer.forward(np.ones((1, 3, image, image)))
    assert layer.A is None  # refused before anything was computed


def test_a_padding_an_array_holds_is_computed():
    # the zeros around a 1x1 image: each 3x3 window of the padded image sees the pixel or not
    layer = Conv2D(1, 1, 3, padding=50, init=np.ones((1, 1, 3, 3)), activation="identity")
    A = layer.forward(np.full((1, 1, 1, 1), 2.0))
    assert A.shape == (1, 1, 99, 99)
    want = np.zeros((99, 99))
    want[48:51, 48:51] = 2.0  # the windows whose 3x3 taps cover pixel (50, 50) of the padded
    np.testing.assert_array_equal(A[0, 0], want)
