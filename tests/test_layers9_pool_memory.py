"""A forward pass whose padded images and window need more than the machine's memory is
refused by name before anything is set aside.  ``MaxPool2D((1, 10**9), padding=(0,
5 * 10**8))`` on one pixel passed the checks of what an array holds: it set aside an
8 GB row of -inf (7.45 GiB) and then built a view per tap of its 10**9 taps (168 GB
more), for hours.  The bound is the machine's memory (``_conv_padding.MEMORY``, set
here so that the tests do not depend on the machine); the bytes are counted in the test
from the shapes: padded values x itemsize, and ``TAP_BYTES`` per tap."""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest

from chainrule import AvgPool2D, Conv2D, MaxPool2D, _conv_padding

GB16 = 16 * 2**30


@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
def test_the_briefs_window_of_a_billion_taps_is_refused_before_allocating(pool, monkeypatch):
    monkeypatch.setattr(_conv_padding, "MEMORY", GB16)
    layer = pool((1, 10**9), padding=(0, 5 * 10**8))
    padded = (1 + 10**9) * 8  # one row of 1 + 2 * 5e8 values of float64
    taps = 10**9 * _conv_padding.TAP_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as err:
            layer.forward(np.zeros((1, 1, 1, 1)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10**6  # nothing of the gigabytes was set aside
    assert str(err.value) == (
        f"{layer!r}: its forward pass would need {(padded + taps) / 1e9:.3g} GB: the padded "
        f"images 1 x 1 x 1 x 1000000001 values of 8 bytes ({padded / 1e9:.3g} GB), the "
        f"window's 1000000000 taps, a view of them each ({taps / 1e9:.3g} GB), more than "
        f"this machine's memory ({GB16 / 1e9:.3g} GB); the padding adds 0 rows and "
        "1000000000 columns to the 1x1 images")
    assert layer.X is None and layer.A is None


@pytest.mark.parametrize("pool", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_bound_counts_the_padded_images_and_the_taps(pool, dtype, monkeypatch):
    """Exactly at the bound the pass is computed (the max or the mean of each 3x3 window,
    against NumPy on the padded images); one byte below it, refused."""
    X = np.random.default_rng(0).normal(size=(2, 3, 10, 8)).astype(dtype)
    itemsize = np.dtype(dtype).itemsize
    need = 2 * 3 * 12 * 10 * itemsize + 9 * _conv_padding.TAP_BYTES
    monkeypatch.setattr(_conv_padding, "MEMORY", need)
    A = pool(3, stride=1, padding=1).forward(X)
    fill = -np.inf if pool is MaxPool2D else 0.0
    Xp = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill)
    windows = np.lib.stride_tricks.sliding_window_view(Xp, (3, 3), axis=(2, 3))
    want = windows.max(axis=(4, 5)) if pool is MaxPool2D else windows.mean(axis=(4, 5))
    tol = {"rtol": 1e-6, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-15}
    np.testing.assert_allclose(A, want, **tol)
    monkeypatch.setattr(_conv_padding, "MEMORY", need - 1)
    with pytest.raises(ValueError, match=re.escape(
            f"more than this machine's memory ({(need - 1) / 1e9:.3g} GB); the padding adds 2 "
            "rows and 2 columns to the 10x8 images")):
        pool(3, stride=1, padding=1).forward(X)


def test_a_convolution_past_the_machines_memory_is_refused_by_name(monkeypatch):
    """Conv2D(1, 1, 1, padding=10**5) on one pixel: 200001 x 200001 padded values, as many
    windows and outputs, 320 GB each, where an array holds them."""
    monkeypatch.setattr(_conv_padding, "MEMORY", GB16)
    layer = Conv2D(1, 1, 1, padding=10**5)
    side = 2 * 10**5 + 1
    with pytest.raises(ValueError, match=re.escape(
            f"the padded images 1 x 1 x {side + 1} x {side} values of 8 bytes "
            f"({(side + 1) * side * 8 / 1e9:.3g} GB), the windows side by side (im2col) 1 x 1 "
            f"x 1 x 1 x {side} x {side} values of 8 bytes")):
        layer.forward(np.zeros((1, 1, 1, 1)))
    assert layer.A is None


def test_where_the_memory_is_not_known_nothing_more_is_refused(monkeypatch):
    monkeypatch.setattr(_conv_padding, "MEMORY", None)
    X = np.ones((1, 1, 4, 4))
    np.testing.assert_array_equal(MaxPool2D(2).forward(X), np.ones((1, 1, 2, 2)))
    assert Conv2D(1, 1, 1, init=np.ones((1, 1, 1, 1)), activation="identity").forward(X).sum() == 16


def test_the_machines_memory_is_what_the_system_says():
    import os

    try:
        expected = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        expected = None
    assert _conv_padding.MEMORY == expected
