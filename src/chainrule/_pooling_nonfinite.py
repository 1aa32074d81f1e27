"""Where max pooling sends a window's gradient when its maximum is not a finite number.

The fast loop of :meth:`chainrule.MaxPool2D.forward` keeps the first tap that
is strictly larger than the ones before it, which is PyTorch's rule for
finite pixels.  It is not for a window whose pixels are all -inf: the loop
keeps tap 0, which may lie in the padding, and the window's gradient would
be lost there; PyTorch sends it to the window's first pixel in the image.
Nor for a window holding NaN: its maximum is NaN (``np.maximum`` propagates
it), but no comparison with NaN is true, so the loop keeps another tap;
PyTorch, which takes NaN as the maximum, sends the gradient to the window's
last NaN pixel.  These run after that loop, only when the output holds -inf
or NaN.
"""

from __future__ import annotations

import numpy as np

__all__ = ["route_minus_inf_windows", "route_nan_windows"]


def first_image_taps(out_hw: tuple[int, int], size: tuple[int, int],
                     stride: tuple[int, int], padding: tuple[int, int],
                     dilation: tuple[int, int]) -> np.ndarray:
    """(out_h, out_w): the tap ``i * kw + j`` of each window that is its first pixel in the
    image, rather than in the padding above or on the left of it.

    Window ``y`` starts at row ``s y - p`` of the image; its tap ``i`` is row
    ``s y - p + d i``, so the first one at a row >= 0 is ``i = ceil((p - s y) / d)``
    (0 when the window starts in the image).  Windows never start in the padding after
    the image (ceil mode drops such a window), so that tap is in the image.
    """
    first = [np.maximum(0, -((np.arange(n) * s - p) // d))
             for n, s, p, d in zip(out_hw, stride, padding, dilation, strict=True)]
    return first[0][:, None] * size[1] + first[1][None, :]


def route_minus_inf_windows(A: np.ndarray, argmax: np.ndarray, size: tuple[int, int],
                            stride: tuple[int, int], padding: tuple[int, int],
                            dilation: tuple[int, int]) -> None:
    """Point ``argmax`` of each window whose maximum ``A`` is -inf at its first pixel in
    the image (PyTorch's choice), not at a tap in the padding.

    Parameters
    ----------
    A : ndarray of shape (n_samples, channels, out_h, out_w)
        The windows' maxima.
    argmax : ndarray of shape (n_samples, channels, out_h, out_w)
        The tap of each maximum, changed in place.
    size, stride, padding, dilation : pairs (height, width)
        The layer's.
    """
    first = first_image_taps(A.shape[2:], size, stride, padding, dilation)
    np.copyto(argmax, first.astype(argmax.dtype), where=A == -np.inf)


def route_nan_windows(taps: list[np.ndarray], argmax: np.ndarray) -> None:
    """Point ``argmax`` of each window holding NaN at its last NaN tap (PyTorch's choice:
    its loop takes a pixel that is larger than the maximum so far, or NaN).

    Parameters
    ----------
    taps : list of ndarray of shape (n_samples, channels, out_h, out_w)
        The ``kh * kw`` tap views, in the order of ``argmax``'s numbers.
    argmax : ndarray of shape (n_samples, channels, out_h, out_w)
        The tap of each maximum, changed in place.
    """
    for t, pixels in enumerate(taps):  # a later NaN tap overwrites an earlier one
        np.copyto(argmax, argmax.dtype.type(t), where=np.isnan(pixels))
