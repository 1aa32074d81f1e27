"""What convolution and pooling share: image shapes, padding, sliding windows, scatter-add.

Images are batches of shape (n_samples, channels, height, width).  A layer
slides a window of ``kh x kw`` pixels with steps ``(sh, sw)`` over the input
padded by ``(ph, pw)`` pixels on each side, so the output has

    out = (in + 2 p - k) // s + 1          (per spatial axis)

positions.  A convolution's window may also be *dilated*: its taps ``(i, j)``
sit ``(dh, dw)`` pixels apart, at offsets ``(dh i, dw j)``, so that it spans
``d (k - 1) + 1`` pixels per axis, and its padding may differ before and
after (``padding="same"`` with an even kernel): there a padding is written
``((top, bottom), (left, right))`` and

    out = (in + p_before + p_after - d (k - 1) - 1) // s + 1

A padding ``(ph, pw)`` is short for ``((ph, ph), (pw, pw))``.  Windows are
strided *views* (``numpy.lib.stride_tricks``), never a Python loop over
pixels; the backward passes add each of the ``kh * kw`` kernel taps back in
one vectorised step per tap (a convolution of stride 1: one reduction over a
strided view of all of them, see :func:`col2im`).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .layers import Layer

__all__ = [
    "SpatialLayer", "col2im", "col2im_width", "im2col", "pad", "pair", "scatter_taps", "scratch",
    "sides", "single", "tap", "window_output", "windows",
]

Shape = int | tuple[int, ...] | None

# im2col with stride 1 copies the windows themselves when they are at least this many
# columns wide, else whole rows of the padded image (the "grid", see im2col).  Measured
# (float32, 1 thread, im2col and the forward and dW products): out_w 5 of 7 columns 1.2x
# the grid's time, 8 of 10 the same, 10 of 14 0.75x, 14 of 16 0.9x, 28 of 32 0.85x
GRID_BELOW = 8
# a padding: (ph, pw) on both sides of each axis, or ((top, bottom), (left, right))
Padding = tuple[int, int] | tuple[tuple[int, int], tuple[int, int]]


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


def shown(p: tuple[int, int]) -> int | tuple[int, int]:
    """A pair as written in a repr: an int when both are equal, else the tuple the
    constructor documents (a configuration writes a list, which JSON keeps)."""
    return p[0] if p[0] == p[1] else tuple(p)


def sides(padding: Padding) -> tuple[tuple[int, int], tuple[int, int]]:
    """A padding as ``((top, bottom), (left, right))``: (1, 2) -> ((1, 1), (2, 2))."""
    ph, pw = padding
    if isinstance(ph, tuple):
        return padding
    return (ph, ph), (pw, pw)


def pad(X: np.ndarray, padding: Padding, value: float = 0.0) -> np.ndarray:
    """``X`` of shape (n, c, h, w) with ``padding`` rows/columns of ``value`` around it.

    ``padding`` is (ph, pw), the same on both sides, or ((top, bottom), (left, right)).
    """
    (pt, pb), (pl, pr) = sides(padding)
    if pt == pb == pl == pr == 0:
        return X
    n, c, h, w = X.shape
    out = np.full((n, c, h + pt + pb, w + pl + pr), value, dtype=X.dtype)
    out[:, :, pt : pt + h, pl : pl + w] = X
    return out


def windows(
    Xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """View of shape (n, c, out_h, out_w, kh, kw): window (y, x) starts at pixel (sh y, sw x).

    With ``dilation`` (dh, dw), tap (i, j) of the window is pixel (sh y + dh i, sw x + dw j).
    """
    (sh, sw), (ho, wo), (dh, dw) = stride, out_hw, dilation
    if dilation == (1, 1):
        view = sliding_window_view(Xp, kernel, axis=(2, 3))
    else:  # windows spanning d (k - 1) + 1 pixels, of which every d-th is a tap
        span = (dh * (kernel[0] - 1) + 1, dw * (kernel[1] - 1) + 1)
        view = sliding_window_view(Xp, span, axis=(2, 3))[..., ::dh, ::dw]
    return view[:, :, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw]


def tap(
    Xp: np.ndarray, i: int, j: int, stride: tuple[int, int], out_hw: tuple[int, int]
) -> np.ndarray:
    """View of shape (n, c, out_h, out_w): pixel (i, j) of every window.

    That is kernel tap (i, j), or tap (i / dh, j / dw) of a window dilated by (dh, dw).
    """
    (sh, sw), (ho, wo) = stride, out_hw
    return Xp[:, :, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw]


def scatter_taps(
    grad_taps: np.ndarray, in_hw: tuple[int, int], padding: Padding,
    stride: tuple[int, int], dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """Adjoint of im2col: add every window's gradient back onto the pixels it came from.

    Parameters
    ----------
    grad_taps : ndarray of shape (n, c, kh, kw, out_h, out_w)
        ``dJ/d(tap (i, j) of window (y, x))``; pixels shared by overlapping
        windows receive the sum.
    in_hw, padding, stride, dilation : the unpadded input size, the padding
        ((ph, pw) or ((top, bottom), (left, right))), the stride and the dilation.

    Returns
    -------
    ndarray of shape (n, c, h, w)
    """
    n, c, kh, kw, ho, wo = grad_taps.shape
    (h, w), ((pt, pb), (pl, pr)), (dh, dw) = in_hw, sides(padding), dilation
    dXp = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=grad_taps.dtype)
    for i in range(kh):  # one vectorised add per kernel tap, never a loop over pixels
        for j in range(kw):
            tap(dXp, dh * i, dw * j, stride, (ho, wo))[...] += grad_taps[:, :, i, j]
    return dXp[:, :, pt : pt + h, pl : pl + w]


def scratch(work: dict, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A zero-initialised array kept in ``work`` and handed out again while the shape fits.

    Reusing large buffers from one batch to the next saves the allocation and
    page faults, which cost as much as the arithmetic for small images.
    Callers only ever write to the parts they read, so padding stays zero.
    """
    a = work.get(name)
    if a is None or a.shape != shape or a.dtype != dtype:
        a = work[name] = np.zeros(shape, dtype=dtype)
    return a


def im2col(
    X: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: Padding,
    out_hw: tuple[int, int], work: dict | None = None, dilation: tuple[int, int] = (1, 1),
) -> tuple[np.ndarray, int]:
    """The windows of a convolution gathered into one array (one copy).

    Parameters
    ----------
    X : ndarray of shape (n, c, h, w)
    kernel, stride, out_hw, dilation : pairs (height, width)
    padding : (ph, pw), or ((top, bottom), (left, right))
    work : dict, optional
        Buffers reused between calls (see :func:`scratch`); the patches
        returned are then overwritten by the next call.

    Returns
    -------
    patches : ndarray of shape (n, c, kh, kw, out_h * grid_w)
        ``patches[n, c, i, j, y * grid_w + x]`` is tap (i, j) of window (y, x),
        i.e. ``Xpad[n, c, sh y + dh i, sw x + dw j]``.  Reshaped to (n, c * kh * kw,
        out_h * grid_w), each column is one window of example n.
    grid_w : int
        Columns of the output grid: ``out_w``, but with stride 1 and an output
        narrower than ``GRID_BELOW`` columns the padded width: each tap is then
        one contiguous run of the flattened image (faster to copy than runs of
        a few values), and the columns ``x >= out_w`` hold values that belong
        to no window, which the caller drops.
    """
    (kh, kw), (ho, wo), (dh, dw) = kernel, out_hw, dilation
    n, c, h, w = X.shape
    if stride != (1, 1):
        win = windows(pad(X, padding), kernel, stride, out_hw, dilation)  # (n, c, ho, wo, kh, kw)
        patches = np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3))
        return patches.reshape(n, c, kh, kw, ho * wo), wo
    work = {} if work is None else work
    (pt, pb), (pl, pr) = sides(padding)
    hp, wp = h + pt + pb, w + pl + pr
    # the padded images, and a spare row of zeros for the tail of the last run (dw (kw - 1)
    # < wp values), flattened.  The buffer's shape holds the padded size, so it is only
    # reused for images of this size, whose padding it keeps at zero: a buffer of the same
    # length for another size would have pixels where these images have padding.
    buf = scratch(work, "flat", (n, c, hp + 1, wp), X.dtype)
    buf[:, :, pt : pt + h, pl : pl + w] = X
    flat = buf.reshape(n, c, (hp + 1) * wp)
    (sn, sc, sx) = flat.strides
    if wo >= GRID_BELOW:  # the windows themselves: tap (i, j) of window (y, x) is value
        # (dh i + y) wp + dw j + x of the flattened image, one strided view copied in one
        # call (runs of wo values).  No grid columns to multiply in the products that
        # follow: LeNet's second conv (10 of 14 columns) 0.75x the time of im2col,
        # forward and dW products on the grid, its first (28 of 32) 0.85x
        patches = scratch(work, "patches", (n, c, kh, kw, ho * wo), X.dtype)
        taps = as_strided(flat, shape=(n, c, kh, kw, ho, wo), writeable=False,
                          strides=(sn, sc, dh * wp * sx, dw * sx, wp * sx, sx))
        np.copyto(patches.reshape(n, c, kh, kw, ho, wo), taps)
        return patches, wo
    patches = scratch(work, "patches", (n, c, kh, kw, ho * wp), X.dtype)
    # tap (i, j) is the run of ho * wp values from dh * i * wp + dw * j in each flattened
    # image: all the taps as one strided view of it (ending within the spare row), copied
    # in one call rather than one per tap (0.6x the time for 25 taps of 384 short runs)
    taps = as_strided(flat, shape=patches.shape, strides=(sn, sc, dh * wp * sx, dw * sx, sx),
                      writeable=False)
    np.copyto(patches, taps)
    return patches, wp


def col2im_width(
    in_hw: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
    padding: Padding, out_hw: tuple[int, int], grid_w: int,
    dilation: tuple[int, int] = (1, 1),
) -> int:
    """Columns per row of the ``dpatches`` that :func:`col2im` takes (the arguments of it).

    With stride 1, ``max(hp * wp, out_h * grid_w + start)`` (``start``: the last tap's
    offset in the flattened padded image), so that the zeros after each row's
    ``out_h * grid_w`` columns cover every offset a tap reads past its row (see
    :func:`col2im`); else ``out_h * out_w``.
    """
    if stride != (1, 1):
        return out_hw[0] * out_hw[1]
    h, ((pt, pb), _), (kh, kw), (dh, dw) = in_hw[0], sides(padding), kernel, dilation
    last = dh * (kh - 1) * grid_w + dw * (kw - 1)  # the last tap's offset
    return max((h + pt + pb) * grid_w, out_hw[0] * grid_w + last)


def col2im(
    dpatches: np.ndarray, in_hw: tuple[int, int], stride: tuple[int, int],
    padding: Padding, out_hw: tuple[int, int], grid_w: int,
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """Adjoint of :func:`im2col`: add each window's gradient back onto its pixels.

    Parameters
    ----------
    dpatches : ndarray of shape (n, c, kh, kw, width)
        Columns ``[0, out_h * grid_w)``: the patches' gradients, zero in the grid
        columns ``x >= out_w``; ``width`` is :func:`col2im_width`, and with
        stride 1 the columns from ``out_h * grid_w`` on are zeros, and each
        example's (c, kh, kw, width) values are contiguous.
    in_hw, stride, padding, out_hw, dilation : as given to :func:`im2col`
    grid_w : int
        What :func:`im2col` returned.

    Returns
    -------
    ndarray of shape (n, c, h, w)
    """
    n, c, kh, kw, width = dpatches.shape
    if stride != (1, 1):
        return scatter_taps(dpatches.reshape(n, c, kh, kw, *out_hw), in_hw, padding, stride,
                            dilation)
    (h, w), ((pt, pb), (pl, _)), (dh, dw), wp = in_hw, sides(padding), dilation, grid_w
    need = col2im_width(in_hw, (kh, kw), stride, padding, out_hw, wp, dilation)
    if width != need:
        raise ValueError(f"dpatches: expected {need} columns per row (col2im_width), got {width}")
    hp = h + pt + pb
    # pixel p of the flattened padded image gets dpatches[tap (i, j), p - start_ij] from each
    # tap, start_ij = dh i wp + dw j: with each row's zeros after its out_h * grid_w columns
    # (offsets before a row's start read the zeros at the end of the row before), that is
    # element (i, j, p) of one strided view of the rows, and the pixels are its sums over
    # (i, j), one reduction rather than one strided add per tap: for a few examples at a
    # time, whose dpatches stay in cache, 0.7x the time (see Conv2D.backward_delta)
    if n and not dpatches[0].flags.c_contiguous:
        raise ValueError("dpatches: each example's (c, kh, kw, width) values must be contiguous")
    sn, sc, si, sj, sx = dpatches.strides
    taps = as_strided(dpatches, shape=(n, c, kh, kw, hp * wp), writeable=False,
                      strides=(sn, sc, si - dh * wp * sx, sj - dw * sx, sx))
    dflat = np.add.reduce(taps, axis=(2, 3))
    return dflat.reshape(n, c, hp, wp)[:, :, pt : pt + h, pl : pl + w]


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
        if "_work" in state:
            state["_work"] = {}
        return state


def window_output(
    layer: Layer, in_hw: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
    padding: Padding, dilation: tuple[int, int] = (1, 1),
) -> tuple[int, int]:
    """Output height and width of a sliding window; ValueError naming ``layer`` if none fits.

    ``padding`` is (ph, pw) or ((top, bottom), (left, right)); a window dilated
    by ``d`` spans ``d (k - 1) + 1`` pixels.
    """
    out = []
    for size, k, s, (before, after), d, axis in zip(
            in_hw, kernel, stride, sides(padding), dilation, ("height", "width"), strict=True):
        span, padded = d * (k - 1) + 1, size + before + after
        if span > padded:
            window = f"{kernel[0]}x{kernel[1]} window"
            if dilation != (1, 1):
                spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
                window += (f" with dilation {single(dilation)} (spanning "
                           f"{spans[0]}x{spans[1]} pixels)")
            added = (f"2 x padding {before}" if before == after
                     else f"padding {before} + {after}")
            raise ValueError(
                f"{layer!r}: the {window} is larger than the padded input ({axis} {size} + "
                f"{added} = {padded}); the input images are {in_hw[0]}x{in_hw[1]}"
            )
        out.append((padded - span) // s + 1)
    return out[0], out[1]
