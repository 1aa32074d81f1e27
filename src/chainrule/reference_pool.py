"""Max and average pooling as plain loops over examples, channels and pixels: a readable oracle.

Re-exported by :mod:`chainrule.reference`; the argument checks are those of the
convolution loops (:mod:`chainrule.reference_conv`).  Everything here runs on
Python floats with explicit loops and shares no arithmetic with ``pooling.py``.

The window size, stride, padding and dilation are each an integer or a pair
(height, width), as :class:`chainrule.MaxPool2D` and :class:`chainrule.AvgPool2D`
take them: ``size=(2, 3)`` is a window of 2 rows and 3 columns, ``size=2`` is
``(2, 2)``.  Pixel (i, j) of window (y, x), with stride (sh, sw), dilation
(dh, dw) and padding (ph, pw), is pixel ``(sh*y + dh*i - ph, sw*x + dw*j - pw)``
of the image; pixels outside it are padding (-inf for the maximum, 0 for the
mean).  There are ``floor((height + 2*ph - dh*(kh - 1) - 1) / sh) + 1`` windows
down (and likewise across), or with ``ceil_mode`` (as PyTorch's pools)
``ceil(...)`` instead of ``floor``, less a last window that would start after
the image: that last window may hang past the padded image, and its pixels out
there count in neither the maximum nor the mean.  An average window divides its
sum by its pixels inside the padded image (``count_include_pad=True``,
``kh*kw`` unless in ceil mode) or only by those inside the image (False).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_bool
from .reference_conv import _check, _nested, _pixel

__all__ = [
    "avgpool2d_backward",
    "avgpool2d_forward",
    "maxpool2d_backward",
    "maxpool2d_forward",
]

Pair = int | tuple[int, int]


def _pool_windows(x: list, size: tuple[int, int], stride: tuple[int, int],
                  padding: tuple[int, int], fill: float, out_hw: tuple[int, int],
                  dilation: tuple[int, int] = (1, 1)):
    """Yield (n, c, y, x, pixels) with pixels = [(value, row, col), ...] of each window.

    Pixel (i, j) of window (y, x) is ``(sh*y + dh*i - ph, sw*x + dw*j - pw)``;
    ``size`` is (kh, kw), ``stride`` (sh, sw), ``padding`` (ph, pw), ``dilation``
    (dh, dw), and ``out_hw`` the number of windows, all from :func:`_check`.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = size, stride, padding, dilation
    for n, img in enumerate(x):
        for c, chan in enumerate(img):
            for y in range(out_hw[0]):
                for xx in range(out_hw[1]):
                    pixels = []
                    for i in range(kh):
                        for j in range(kw):
                            r = sh * y + dh * i - ph
                            col = sw * xx + dw * j - pw
                            pixels.append((_pixel(chan, r, col, fill), r, col))
                    yield n, c, y, xx, pixels


def _pool_output(x: list, out_hw: tuple[int, int]) -> list:
    return np.zeros((len(x), len(x[0]), *out_hw)).tolist()


def _divisor(pixels: list, h: int, w: int, padding: tuple[int, int],
             count_include_pad: bool) -> int:
    """How many of a window's pixels its mean divides by: those inside the padded image
    (``count_include_pad``), or only those inside the image."""
    ph, pw = padding if count_include_pad else (0, 0)
    return sum(1 for _, r, col in pixels if -ph <= r < h + ph and -pw <= col < w + pw)


def maxpool2d_forward(x: object, size: Pair = 2, stride: Pair | None = None,
                      padding: Pair = 0, dilation: Pair = 1, ceil_mode: bool = False
                      ) -> np.ndarray:
    """Max pooling by loops: the largest pixel of each window (padding is -inf; NaN if the
    window holds NaN, as PyTorch).

    Parameters
    ----------
    x : array-like of shape (n_samples, channels, height, width)
    size : int or (int, int), default 2
        Window height and width (an int: a square window).
    stride : int or (int, int), optional
        Step between windows, down and across; by default ``size``.
    padding : int or (int, int), default 0
        Rows above and below, columns left and right (at most half the window).
    dilation : int or (int, int), default 1
        Spaces a window's pixels apart, as in :class:`chainrule.MaxPool2D`.
    ceil_mode : bool, default False
        Count the windows per axis with ``ceil`` instead of ``floor``, as
        :class:`chainrule.MaxPool2D` and PyTorch (see the module docstring).

    Returns
    -------
    ndarray of shape (n_samples, channels, out_h, out_w)
    """
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    size, stride, padding, dilation, _, out_hw = _check(
        x, size if stride is None else stride, padding, size=size, dilation=dilation,
        ceil_mode=ceil_mode)
    x = _nested(x)
    out = _pool_output(x, out_hw)
    for n, c, y, xx, pixels in _pool_windows(x, size, stride, padding, -float("inf"), out_hw,
                                             dilation):
        values = [value for value, _, _ in pixels]
        # NaN is the largest, as in PyTorch (Python's max would keep it only if first)
        out[n][c][y][xx] = float("nan") if any(v != v for v in values) else max(values)
    return np.array(out)


def maxpool2d_backward(x: object, grad_out: object, size: Pair = 2, stride: Pair | None = None,
                       padding: Pair = 0, dilation: Pair = 1, ceil_mode: bool = False
                       ) -> np.ndarray:
    """``dJ/dx`` of max pooling: each window's gradient goes to its (first) largest pixel.

    A window whose pixels are all -inf sends it to its first pixel in the image
    (never to the padding), one holding NaN to its last NaN pixel, as PyTorch.

    Parameters
    ----------
    x : array-like of shape (n_samples, channels, height, width)
    grad_out : array-like of shape (n_samples, channels, out_h, out_w)
        ``dJ/d(output)``.
    size, stride, padding, dilation, ceil_mode
        As in :func:`maxpool2d_forward`.

    Returns
    -------
    ndarray of shape (n_samples, channels, height, width)
    """
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    size, stride, padding, dilation, _, out_hw = _check(
        x, size if stride is None else stride, padding, size=size, grad=grad_out,
        dilation=dilation, ceil_mode=ceil_mode)
    x, grad_out = _nested(x), _nested(grad_out)
    h, w = len(x[0][0]), len(x[0][0][0])
    dx = np.zeros((len(x), len(x[0]), h, w)).tolist()
    for n, c, y, xx, pixels in _pool_windows(x, size, stride, padding, -float("inf"), out_hw,
                                             dilation):
        # the first pixel in the image, which keeps the gradient of a window of -inf
        # pixels (as PyTorch), where the padding before it would lose it
        best = next(t for t, (_, r, col) in enumerate(pixels) if 0 <= r < h and 0 <= col < w)
        for t, (value, _, _) in enumerate(pixels):
            # strictly larger: the first maximum wins ties; NaN is larger than all, and
            # the last NaN wins (PyTorch's loop: larger than the maximum so far, or NaN)
            if value > pixels[best][0] or value != value:
                best = t
        _, r, col = pixels[best]
        dx[n][c][r][col] += grad_out[n][c][y][xx]
    return np.array(dx)


def avgpool2d_forward(x: object, size: Pair = 2, stride: Pair | None = None,
                      padding: Pair = 0, ceil_mode: bool = False,
                      count_include_pad: bool = True) -> np.ndarray:
    """Average pooling by loops: each window's sum over its divisor (padding counts as 0).

    Parameters
    ----------
    x : array-like of shape (n_samples, channels, height, width)
    size : int or (int, int), default 2
        Window height and width (an int: a square window).
    stride : int or (int, int), optional
        Step between windows, down and across; by default ``size``.
    padding : int or (int, int), default 0
        Rows above and below, columns left and right (at most half the window).
    ceil_mode : bool, default False
        As in :func:`maxpool2d_forward`.
    count_include_pad : bool, default True
        Divide by the window's pixels inside the padded image (``kh * kw``
        unless in ceil mode); False: only by those inside the image, as
        :class:`chainrule.AvgPool2D` and PyTorch.

    Returns
    -------
    ndarray of shape (n_samples, channels, out_h, out_w)
    """
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    count_include_pad = check_bool(count_include_pad, "count_include_pad")
    size, stride, padding, _, _, out_hw = _check(
        x, size if stride is None else stride, padding, size=size, ceil_mode=ceil_mode)
    x = _nested(x)
    h, w = len(x[0][0]), len(x[0][0][0])
    out = _pool_output(x, out_hw)
    for n, c, y, xx, pixels in _pool_windows(x, size, stride, padding, 0.0, out_hw):
        total = sum(value for value, _, _ in pixels)
        out[n][c][y][xx] = total / _divisor(pixels, h, w, padding, count_include_pad)
    return np.array(out)


def avgpool2d_backward(x: object, grad_out: object, size: Pair = 2, stride: Pair | None = None,
                       padding: Pair = 0, ceil_mode: bool = False,
                       count_include_pad: bool = True) -> np.ndarray:
    """``dJ/dx`` of average pooling: each image pixel of a window gets grad / divisor.

    The divisor is the window's, as in :func:`avgpool2d_forward` (``kh * kw``
    by default).

    Parameters
    ----------
    x : array-like of shape (n_samples, channels, height, width)
    grad_out : array-like of shape (n_samples, channels, out_h, out_w)
        ``dJ/d(output)``.
    size, stride, padding, ceil_mode, count_include_pad
        As in :func:`avgpool2d_forward`.

    Returns
    -------
    ndarray of shape (n_samples, channels, height, width)
    """
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    count_include_pad = check_bool(count_include_pad, "count_include_pad")
    size, stride, padding, _, _, out_hw = _check(
        x, size if stride is None else stride, padding, size=size, grad=grad_out,
        ceil_mode=ceil_mode)
    x, grad_out = _nested(x), _nested(grad_out)
    h, w = len(x[0][0]), len(x[0][0][0])
    dx = np.zeros((len(x), len(x[0]), h, w)).tolist()
    for n, c, y, xx, pixels in _pool_windows(x, size, stride, padding, 0.0, out_hw):
        share = grad_out[n][c][y][xx] / _divisor(pixels, h, w, padding, count_include_pad)
        for _, r, col in pixels:
            if 0 <= r < h and 0 <= col < w:
                dx[n][c][r][col] += share
    return np.array(dx)
