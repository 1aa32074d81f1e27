"""What convolution and pooling share: image shapes, padding, sliding windows, scatter-add.

Images are batches of shape (n_samples, channels, height, width).  A layer
slides a window of ``kh x kw`` pixels with steps ``(sh, sw)`` over the input
padded by ``(ph, pw)`` pixels on each side, so the output has

    out = (in + 2 p - k) // s + 1          (per spatial axis)

positions.  Windows are strided *views* (``numpy.lib.stride_tricks``), never
a Python loop over pixels; the backward passes add each of the ``kh * kw``
kernel taps back in one vectorised step per tap.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .layers import Layer

__all__ = ["SpatialLayer", "pad", "pair", "scatter_taps", "single", "window_output", "windows"]

Shape = int | tuple[int, ...] | None


def pair(value: object, name: str, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints (>= ``minimum``) as a pair: 3 -> (3, 3)."""
    items = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    if len(items) != 2 or any(
        isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum for v in items
    ):
        raise ValueError(
            f"{name} must be an int >= {minimum} or a pair of them (height, width), got {value!r}"
        )
    return int(items[0]), int(items[1])


def single(p: tuple[int, int]) -> int | list[int]:
    """A pair as written in a configuration: an int when both are equal."""
    return p[0] if p[0] == p[1] else list(p)


def pad(X: np.ndarray, padding: tuple[int, int], value: float = 0.0) -> np.ndarray:
    """``X`` of shape (n, c, h, w) with ``padding`` rows/columns of ``value`` on each side."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return X
    n, c, h, w = X.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=X.dtype)
    out[:, :, ph : ph + h, pw : pw + w] = X
    return out


def windows(
    Xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
) -> np.ndarray:
    """View of shape (n, c, out_h, out_w, kh, kw): window (y, x) starts at pixel (sh y, sw x)."""
    (sh, sw), (ho, wo) = stride, out_hw
    view = sliding_window_view(Xp, kernel, axis=(2, 3))
    return view[:, :, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw]


def scatter_taps(
    grad_windows: np.ndarray, in_hw: tuple[int, int], padding: tuple[int, int],
    stride: tuple[int, int],
) -> np.ndarray:
    """Adjoint of :func:`windows` + :func:`pad`: add every window's gradient back to its pixels.

    Parameters
    ----------
    grad_windows : ndarray of shape (n, out_h, out_w, c, kh, kw)
        ``dJ/d(window value)`` for every window and tap (pixels of overlapping
        windows receive the sum of their contributions).
    in_hw, padding, stride : the unpadded input size, the padding and the stride.

    Returns
    -------
    ndarray of shape (n, c, h, w)
        A (n, c, h, w) view of an array stored as (n, h, w, c).
    """
    n, ho, wo, c, kh, kw = grad_windows.shape
    (h, w), (ph, pw), (sh, sw) = in_hw, padding, stride
    dXp = np.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=grad_windows.dtype)
    for i in range(kh):  # one vectorised add per kernel tap, never a loop over pixels
        rows = slice(i, i + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            dXp[:, rows, j : j + sw * (wo - 1) + 1 : sw] += grad_windows[..., i, j]
    return dXp[:, ph : ph + h, pw : pw + w].transpose(0, 3, 1, 2)


class SpatialLayer(Layer):
    """A layer on images (n_samples, channels, height, width) that works out its shapes.

    Subclasses define :meth:`_out_shape` (pure: checks an input shape
    (c, h, w) and returns the output shape).  ``n_in``/``n_out`` stay None
    until the layer is part of a network that knows its input shape.
    """

    n_in: tuple[int, int, int] | None = None
    n_out: Shape = None
    _caches: tuple[str, ...] = ("X", "Z", "A", "delta")

    def _out_shape(self, in_shape: tuple[int, int, int]) -> Shape:
        raise NotImplementedError  # pragma: no cover - abstract

    def output_shape(self, input_shape: Shape) -> Shape:
        if input_shape is None:
            input_shape = self.n_in
        if input_shape is None:
            raise ValueError(
                f"{self!r}: the size of its input images is not known; give the network "
                "input_shape=(channels, height, width)"
            )
        if not isinstance(input_shape, tuple) or len(input_shape) != 3:
            raise ValueError(
                f"{self!r}: expects images of shape (channels, height, width), but the layer "
                f"before it gives vectors of {input_shape} features"
            )
        return self._out_shape(input_shape)

    def build(self, input_shape: Shape) -> None:
        out = self.output_shape(input_shape)
        self.n_in = input_shape if input_shape is not None else self.n_in
        self.n_out = out

    def _check_batch(self, X: np.ndarray) -> tuple[int, ...]:
        """Check a batch handed to :meth:`forward` and return the output shape per example."""
        if X.ndim != 4:
            raise ValueError(
                f"{self!r}: expects a batch of images of shape (n_samples, channels, height, "
                f"width), got an array of shape {X.shape}"
            )
        return self._out_shape(X.shape[1:])

    def __getstate__(self) -> dict:
        """Copies (Network.copy, astype) drop what the last forward/backward pass cached."""
        state = self.__dict__.copy()
        for name in self._caches:
            if name in state:
                state[name] = None
        return state


def window_output(
    layer: Layer, in_hw: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
    padding: tuple[int, int],
) -> tuple[int, int]:
    """Output height and width of a sliding window; ValueError naming ``layer`` if none fits."""
    out = []
    for size, k, s, p, axis in zip(in_hw, kernel, stride, padding, ("height", "width"),
                                   strict=True):
        if k > size + 2 * p:
            raise ValueError(
                f"{layer!r}: the {kernel[0]}x{kernel[1]} window is larger than the padded "
                f"input ({axis} {size} + 2 x padding {p} = {size + 2 * p}); the input images "
                f"are {in_hw[0]}x{in_hw[1]}"
            )
        out.append((size + 2 * p - k) // s + 1)
    return out[0], out[1]
