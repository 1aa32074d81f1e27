"""Pooling (subsampling) and flattening: the layers between convolutions and Dense ones.

* :class:`MaxPool2D`: each output is the largest value of its window (whose
  pixels may be spaced apart: ``dilation``, as PyTorch's ``MaxPool2d``);
  backward sends the gradient to that one pixel (the first largest, if
  several tie; a window of -inf pixels only sends it to its first pixel in
  the image, never to the padding, as PyTorch).  NaN counts as the largest,
  as in PyTorch: a window holding NaN gives NaN and sends the gradient to its
  last NaN pixel.  (A Network refuses NaN data; NaN inside one comes from
  diverged weights, which the training guard reports.)
* :class:`AvgPool2D`: each output is the mean of its window (padding counts
  as zeros in the mean, as PyTorch's default ``count_include_pad=True``);
  backward spreads the gradient evenly over the window.
* :class:`Flatten`: (n, c, h, w) -> (n, c*h*w) in row-major (channel, row,
  column) order, so a Dense layer can follow.

The pools take PyTorch's ``ceil_mode``: the number of windows per axis is
``ceil((in + 2 p - d (k - 1) - 1) / s) + 1`` instead of the floor, so that a
last window that hangs over the bottom or right edge is kept, unless it would
start in the padding after the image (PyTorch's rule).  Its pixels past
the padded input are left out of the maximum and of the mean.

None of them has parameters.  The pools keep float32 and float64 images and
take any other (integers, float16) as float64, as every layer does (see
``Layer``); Flatten keeps the dtype.  Windows are strided views (see ``_spatial``);
the loop versions are :func:`chainrule.reference.maxpool2d_forward` and
friends.  What the two pools share (the windows' geometry) is in ``_pooling_base``.
"""

from __future__ import annotations

import numpy as np

from ._flatten import Flatten
from ._layers_base import check_grad_out
from ._pooling_base import WINDOW_IN_PADDING, _Pool2D  # noqa: F401 (io imports the words here)
from ._pooling_nonfinite import route_minus_inf_windows, route_nan_windows
from ._spatial import pair, scatter_taps, single, tap
from ._validation import check_bool

__all__ = ["AvgPool2D", "Flatten", "MaxPool2D"]


class MaxPool2D(_Pool2D):
    """``A[n, c, y, x] = max over the window (y, x) of channel c``.

    Parameters
    ----------
    size : int or (int, int), default 2
        Window height and width.
    stride : int or (int, int), optional
        Step between windows; by default ``size`` (windows side by side).
    padding : int or (int, int), default 0
        Rows/columns of -inf added on each side (at most half the window).
    dilation : int or (int, int), default 1
        Spacing of the window's pixels, as PyTorch's: pixel ``(i, j)`` of window
        ``(y, x)`` is ``(sh y + dh i, sw x + dw j)`` of the padded input, so a
        window spans ``d (k - 1) + 1`` pixels per axis.
    ceil_mode : bool, default False
        True: ``ceil`` instead of ``floor`` in the number of windows, as
        PyTorch's, keeping a last window that hangs past the bottom or right
        edge (the maximum of the pixels it covers).

    Attributes
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
    A : ndarray of shape (n_samples, channels, out_h, out_w)
    argmax : ndarray of unsigned int, shape (n_samples, channels, out_h, out_w)
        Which tap ``i * kw + j`` of each window held the maximum.
    delta : ndarray of shape (n_samples, channels, out_h, out_w)
        ``dJ/dA`` of the last backward pass (a pooling layer has no net input):
        each example's share divided by the batch size, since the cost is the
        batch mean, as for a Dense layer's ``delta``.
    """

    kind = "MaxPool2D"
    _caches = ("X", "A", "delta", "argmax")

    def __init__(
        self,
        size: int | tuple[int, int] = 2,
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(size, stride, padding, ceil_mode)
        self.dilation = pair(dilation, "dilation")

    def get_config(self) -> dict:
        return {**super().get_config(), "dilation": single(self.dilation)}

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Max over each window: X (n, c, h, w) -> A (n, c, out_h, out_w).

        Parameters
        ----------
        X : array-like of shape (n_samples, channels, height, width)
        training : bool, default False
            Unused: pooling is the same in training and evaluation.

        Returns
        -------
        ndarray of shape (n_samples, channels, out_h, out_w)
        """
        taps = self._taps(X, -np.inf)
        A = taps[0].copy()
        argmax = np.zeros(A.shape, dtype=np.uint8 if len(taps) < 256 else np.intp)
        values = np.empty_like(A)
        for t, pixels in enumerate(taps[1:], start=1):  # a loop over taps, not pixels
            # the tap's pixels copied side by side once, so that the comparison and the
            # maximum read them contiguously, not strided: 0.7-0.85x the time (LeNet's pools)
            np.copyto(values, pixels)
            better = values > A  # strictly: the first maximum wins ties
            np.maximum(A, values, out=A)
            # argmax = where(better, t, argmax), as arithmetic: masked writes are slower
            argmax += better * (argmax.dtype.type(t) - argmax)
        # the least maximum: NaN if a window held NaN (np.maximum propagates it, as
        # PyTorch), whose gradient goes to its (last) NaN pixel, as PyTorch's
        low = A.min() if A.size else 0.0
        if np.isnan(low):
            route_nan_windows(taps, argmax)
        if self.padding != (0, 0) and not low > -np.inf:
            # a window of -inf pixels kept tap 0, which may be padding: the gradient
            # would be lost there (windows without padding start in the image)
            route_minus_inf_windows(A, argmax, self.size, self.stride, self.padding,
                                    self.dilation)
        self.A, self.argmax = A, argmax
        return A

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """``dJ/dX``: each window's gradient goes to the pixel that was its maximum.

        Parameters
        ----------
        grad_out : array-like of shape (n_samples, channels, out_h, out_w)
        need_input_grad : bool, default True

        Returns
        -------
        ndarray of shape (n_samples, channels, height, width), or None
            The last forward's ``X``'s shape; None when ``need_input_grad`` is false.
        """
        grad_out = check_grad_out(self, grad_out, None if self.A is None else self.A.shape)
        self.delta = grad_out
        if not need_input_grad:
            return None
        (h, w), (kh, kw), (dh, dw) = self.X.shape[2:], self.size, self.dilation
        (ph, pb), (pw, pr) = self._sides((h, w), grad_out.shape[2:])
        padded = (h + ph + pb, w + pw + pr)
        # windows apart: a step of at least the span d (k - 1) + 1 (dilated windows with a
        # smaller step interleave: window y's pixel i can be window y + 1's pixel i - 1)
        apart = all(s >= d * (k - 1) + 1
                    for s, k, d in zip(self.stride, self.size, self.dilation, strict=True))
        # windows that tile the padded input (side by side, no pixel left over) write every
        # pixel once below: no zeros needed first (0.9x the time, LeNet's 2x2 pools)
        tiled = self.dilation == (1, 1) and self.stride == self.size and all(
            n * s == p for n, s, p in zip(grad_out.shape[2:], self.stride, padded, strict=True))
        dXp = (np.empty if tiled else np.zeros)((*self.X.shape[:2], *padded),
                                                dtype=grad_out.dtype)
        for t in range(kh * kw):
            view = tap(dXp, dh * (t // kw), dw * (t % kw), self.stride, grad_out.shape[2:])
            if apart:  # windows do not overlap: each pixel is written once
                np.multiply(grad_out, self.argmax == t, out=view)
            else:
                view += grad_out * (self.argmax == t)
        return dXp[:, :, ph : ph + h, pw : pw + w]


class AvgPool2D(_Pool2D):
    """``A[n, c, y, x] = mean over the window (y, x) of channel c`` (padding counts as 0).

    Parameters
    ----------
    size, stride, padding :
        As :class:`MaxPool2D`'s (padding adds zeros), but no ``dilation``
        (PyTorch's AvgPool2d has none either).
    ceil_mode : bool, default False
        True: ``ceil`` instead of ``floor`` in the number of windows, as
        PyTorch's; a last window that hangs past the padded input is the mean
        of the pixels (and padding) it covers.
    count_include_pad : bool, default True
        Whether the padding's zeros count in a window's mean (PyTorch's
        default): True divides by the window's pixels within the padded
        input, ``kh * kw`` unless in ceil mode; False only by the image's
        pixels it covers.

    Attributes
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
    A : ndarray of shape (n_samples, channels, out_h, out_w)
    divisor : ndarray of shape (out_h, out_w)
        What each window's sum was divided by in the last forward pass.
    delta : ndarray of shape (n_samples, channels, out_h, out_w)
        ``dJ/dA`` of the last backward pass, as :class:`MaxPool2D`'s: each
        example's share divided by the batch size.
    """

    kind = "AvgPool2D"
    _caches = ("X", "A", "delta", "divisor")
    count_include_pad = True  # (a layer pickled before it was an option counted the padding)

    def __init__(
        self,
        size: int | tuple[int, int] = 2,
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(size, stride, padding, ceil_mode)
        self.count_include_pad = check_bool(count_include_pad, "count_include_pad")
        self.divisor = None

    def get_config(self) -> dict:
        return {**super().get_config(), "count_include_pad": self.count_include_pad}

    def _divisor(self, in_hw: tuple[int, ...], out_hw: tuple[int, ...]) -> np.ndarray:
        """(out_h, out_w): the pixels each window's mean divides by (see the class)."""
        counts = []
        for size, n, k, s, p in zip(in_hw, out_hw, self.size, self.stride, self.padding,
                                    strict=True):
            # in the image's coordinates (one window: its stride, maybe past int64, unused)
            start = np.arange(n) * (s if n > 1 else 0) - p
            end = np.minimum(start + k, size + p)  # not past the padding (ceil mode)
            if not self.count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, size)
            counts.append(end - start)
        return np.outer(counts[0], counts[1])

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Mean over each window: X (n, c, h, w) -> A (n, c, out_h, out_w).

        Parameters
        ----------
        X : array-like of shape (n_samples, channels, height, width)
        training : bool, default False
            Unused: pooling is the same in training and evaluation.

        Returns
        -------
        ndarray of shape (n_samples, channels, out_h, out_w)
        """
        taps = self._taps(X, 0.0)
        A = taps[0].copy()
        for values in taps[1:]:
            A += values
        divisor = self._divisor(self.X.shape[2:], A.shape[2:])
        if np.all(divisor == len(taps)):
            A *= A.dtype.type(1.0 / len(taps))
        else:
            A /= divisor.astype(A.dtype)
        self.A, self.divisor = A, divisor
        return A

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """``dJ/dX``: each window's gradient divided by its ``divisor`` (``kh * kw`` unless
        ``ceil_mode`` or ``count_include_pad=False``) goes to each of its pixels.

        Parameters
        ----------
        grad_out : array-like of shape (n_samples, channels, out_h, out_w)
        need_input_grad : bool, default True

        Returns
        -------
        ndarray of shape (n_samples, channels, height, width), or None
            The last forward's ``X``'s shape; None when ``need_input_grad`` is false.
        """
        grad_out = check_grad_out(self, grad_out, None if self.A is None else self.A.shape)
        self.delta = grad_out
        if not need_input_grad:
            return None
        n, c, ho, wo = grad_out.shape
        kh, kw = self.size
        if np.all(self.divisor == kh * kw):
            share = grad_out * grad_out.dtype.type(1.0 / (kh * kw))
        else:
            share = grad_out / self.divisor.astype(grad_out.dtype)
        g = np.broadcast_to(share[:, :, None, None], (n, c, kh, kw, ho, wo))
        return scatter_taps(g, self.X.shape[2:], self._sides(self.X.shape[2:], (ho, wo)),
                            self.stride)
