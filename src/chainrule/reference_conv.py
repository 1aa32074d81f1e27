"""Convolution as plain loops over examples, channels and pixels: a readable oracle.

Re-exported by :mod:`chainrule.reference`, with the pooling loops of
:mod:`chainrule.reference_pool`, which share the argument checks here.  Everything
here runs on Python floats with explicit loops and shares no arithmetic with
``conv.py`` or ``pooling.py``, so tests (and students) can check the vectorised
layers against something they can follow.  Images are nested as ``x[n][c][row][col]``
(any array-like of shape (n_samples, channels, height, width)).

Every function (the pooling loops' too) first checks its arguments (one shared
validator, :func:`_check`): shapes that agree, a window that fits the padded
image, stride >= 1, padding >= 0 (or "same" / "valid" for a convolution),
dilation >= 1, and no pooling window wholly in the padding (its maximum would
be -inf).  Window size, stride, padding and dilation are each an integer or a
pair (height, width), as the layers take them: 2 is (2, 2).

Convolution, output unit (n, o, y, x), with stride (sh, sw), dilation (dh, dw)
and zero padding (ph, pw) (ph rows above and below, pw columns left and right)::

    z[n][o][y][x] = b[o] + sum_c sum_i sum_j W[o][c][i][j]
                                               * x[n][c][sh*y + dh*i - ph][sw*x + dw*j - pw]

where pixels outside the image count as 0.  ``padding="same"`` (stride 1
only) adds ``d*(k - 1)`` zeros per axis, ``d*(k - 1) // 2`` of them before
(above, left: that ``ph``, ``pw``) and the rest after, so ``z`` has the size of
``x``; ``"valid"`` is no padding.  Backward: every term of that sum
sends ``delta[n][o][y][x] * W[o][c][i][j]`` to the pixel and
``delta[n][o][y][x] * pixel`` to the weight.
"""

from __future__ import annotations

import math

import numpy as np

from .pooling import WINDOW_IN_PADDING

__all__ = ["conv2d_backward", "conv2d_forward"]


def _nested(a: object) -> list:
    return np.asarray(a, dtype=np.float64).tolist()


def _pair(value: object, name: str, minimum: int) -> tuple[int, int]:
    """An integer, or a pair (height, width) of them, each >= ``minimum``: 2 -> (2, 2)."""
    items = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    if len(items) != 2 or any(
            isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < minimum
            for v in items):
        raise ValueError(f"{name} must be an integer >= {minimum} or a pair of them "
                         f"(height, width), got {value!r}")
    return int(items[0]), int(items[1])


def _shown(p: tuple[int, int]) -> int | tuple[int, int]:
    """A pair as a message shows it: one number when both are equal."""
    return p[0] if p[0] == p[1] else p


def _array(a: object, name: str, ndim: int, what: str) -> np.ndarray:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of shape {what} of numbers") from None
    if arr.ndim != ndim or 0 in arr.shape:
        raise ValueError(f"{name} must be a non-empty array of shape {what}, got shape "
                         f"{arr.shape}")
    return arr


def _check(x: object, stride: object, padding: object, *, W: object = None, b: object = None,
           size: object = None, grad: object = None, grad_name: str = "grad_out",
           dilation: object = 1, ceil_mode: bool = False) -> tuple:
    """The inputs of one public function, checked.

    ``x`` must be (n_samples, channels, height, width); a convolution's ``W`` must
    have as many input channels as ``x`` and ``b`` one value per output channel; a
    pooling window is ``size`` (with padding at most half of it, as MaxPool2D and
    AvgPool2D require) and each one must reach the image (not wholly in the
    padding); the window must fit in the padded image; ``grad`` (a
    backward pass's ``delta`` / ``grad_out``) must have the shape of the output.
    ``size``, ``stride``, ``padding`` and ``dilation`` are each an integer or a
    pair (height, width), as the layers take them.  ``ceil_mode`` (pooling only)
    counts the windows as PyTorch's pools do in ceil mode (see
    :func:`chainrule.reference_pool.maxpool2d_forward`).

    Returns
    -------
    kernel, stride, padding, dilation, sides, out_hw
        ``kernel``, ``stride`` and ``dilation`` as pairs (height, width);
        ``padding`` a pair, or a convolution's "same" / "valid" as given;
        ``sides`` the zeros it adds ((top, bottom), (left, right)), ``out_hw``
        the output's (height, width).
    """
    xa = _array(x, "x", 4, "(n_samples, channels, height, width)")
    if W is None:
        size = _pair(size, "size", 1)  # first: the stride defaults to it
    sh, sw = _pair(stride, "stride", 1)
    if W is not None and isinstance(padding, str):  # a convolution's "same" or "valid"
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same', 'valid', an integer >= 0 or a pair of "
                             f"them (height, width), got {padding!r}")
        if padding == "same" and (sh, sw) != (1, 1):
            raise ValueError(f"padding='same' needs stride 1, got stride={_shown((sh, sw))}")
    else:
        padding = _pair(padding, "padding", 0)
    dh, dw = _pair(dilation, "dilation", 1)
    n, c, h, w = xa.shape
    if W is not None:
        Wa = _array(W, "W", 4, "(out_channels, in_channels, kh, kw)")
        if Wa.shape[1] != c:
            raise ValueError(f"W has {Wa.shape[1]} input channel(s) (W.shape[1]) but x has "
                             f"{c} (x.shape[1]); W must have shape (out_channels, {c}, kh, kw)")
        out_c, (kh, kw) = Wa.shape[0], Wa.shape[2:]
        if b is not None:
            try:
                ba = np.asarray(b, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"b must be an array of shape ({out_c},) of numbers, one bias "
                                 f"per output channel of W, got {b!r:.60}") from None
            if ba.shape != (out_c,):
                raise ValueError(f"b must have shape ({out_c},), one bias per output channel "
                                 f"of W, got shape {ba.shape}")
    else:
        kh, kw = size
        out_c = c
        if 2 * padding[0] > kh or 2 * padding[1] > kw:
            raise ValueError(f"padding must be at most half the window size {_shown(size)}, "
                             f"got {_shown(padding)}")
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if padding == "same":  # d (k - 1) zeros, the odd one after
        sides = tuple((t // 2, t - t // 2) for t in (span_h - 1, span_w - 1))
    elif padding == "valid":
        sides = ((0, 0), (0, 0))
    else:
        sides = ((padding[0], padding[0]), (padding[1], padding[1]))
    hp, wp = h + sum(sides[0]), w + sum(sides[1])
    out_hw = ((hp - span_h) // sh + 1, (wp - span_w) // sw + 1)
    if ceil_mode:  # per axis: round up, keeping a last window that hangs past the padded
        counts = []  # image, unless it would start after the image (PyTorch's rule)
        for pixels, padded, span, s, (p, _) in ((h, hp, span_h, sh, sides[0]),
                                                (w, wp, span_w, sw, sides[1])):
            n_out = math.ceil((padded - span) / s) + 1
            if (n_out - 1) * s - p >= pixels:  # starts in the padding after it
                n_out -= 1
            counts.append(n_out)
        out_hw = tuple(counts)
    if min(out_hw) < 1:  # no window: the window is larger than the padded image
        window = f"{kh}x{kw} window"
        if (dh, dw) != (1, 1):
            window += f" with dilation {_shown((dh, dw))} (spanning {span_h}x{span_w} pixels)"
        shown_padding = padding if isinstance(padding, str) else _shown(padding)
        raise ValueError(
            f"the {window} does not fit in the {h}x{w} image with padding {shown_padding} "
            f"(padded {hp}x{wp}): no output pixel")
    if W is None:  # pooling: every window must reach the image (as MaxPool2D requires)
        for axis, pixels, n_out, k, s, p, d in (("height", h, out_hw[0], kh, sh, sides[0][0], dh),
                                                ("width", w, out_hw[1], kw, sw, sides[1][0], dw)):
            for o in range(n_out):
                taps = [s * o + d * i - p for i in range(k)]
                if not any(0 <= t < pixels for t in taps):
                    raise ValueError(
                        f"output {o} along the {axis} {WINDOW_IN_PADDING} (its taps at "
                        f"{', '.join(map(str, taps))} miss the {pixels} "
                        f"pixel{'' if pixels == 1 else 's'} of the input): its maximum "
                        "would be -inf; lower the padding or the dilation")
    expected = (n, out_c, *out_hw)
    if grad is not None and np.shape(grad) != expected:
        raise ValueError(f"{grad_name} must have the shape of the output {expected}, got "
                         f"shape {np.shape(grad)}")
    return (kh, kw), (sh, sw), padding, (dh, dw), sides, out_hw


def _pixel(img: list, row: int, col: int, fill: float) -> float:
    """``img[row][col]``, or ``fill`` outside the image (the padding)."""
    if 0 <= row < len(img) and 0 <= col < len(img[0]):
        return img[row][col]
    return fill


def conv2d_forward(x: object, W: object, b: object = None,
                   stride: int | tuple[int, int] = 1,
                   padding: int | tuple[int, int] | str = 0,
                   dilation: int | tuple[int, int] = 1) -> np.ndarray:
    """Net input ``z`` of a convolution, by loops.

    Takes every argument :class:`chainrule.Conv2D` takes that changes ``z``
    (Conv2D has no groups: every kernel sees every input channel).

    Parameters
    ----------
    x : array-like of shape (n_samples, in_channels, height, width)
    W : array-like of shape (out_channels, in_channels, kh, kw)
    b : array-like of shape (out_channels,), optional
    stride : int or (int, int), default 1
        Step between windows, (sh, sw) down and across.
    padding : int, (int, int), "same" or "valid", default 0
        (ph, pw): ``ph`` zero rows above and below, ``pw`` zero columns left
        and right.
    dilation : int or (int, int), default 1
        (dh, dw): the spacing of the kernel's taps.

    Returns
    -------
    z : ndarray of shape (n_samples, out_channels, out_h, out_w)
        ``out_h = (height + pad above + pad below - dh*(kh - 1) - 1) // sh + 1``,
        and likewise ``out_w``.
    """
    _, (sh, sw), _, (dh, dw), ((top, _), (left, _)), (ho, wo) = _check(
        x, stride, padding, W=W, b=b, dilation=dilation)
    x, W = _nested(x), _nested(W)
    n_out, n_in, kh, kw = len(W), len(W[0]), len(W[0][0]), len(W[0][0][0])
    bias = _nested(b) if b is not None else [0.0] * n_out
    z = []
    for img in x:
        maps = []
        for o in range(n_out):
            rows = []
            for y in range(ho):
                row = []
                for xx in range(wo):
                    total = bias[o]
                    for c in range(n_in):
                        for i in range(kh):
                            for j in range(kw):
                                pix = _pixel(img[c], sh * y + dh * i - top,
                                             sw * xx + dw * j - left, 0.0)
                                total += W[o][c][i][j] * pix
                    row.append(total)
                rows.append(row)
            maps.append(rows)
        z.append(maps)
    return np.array(z)


def conv2d_backward(x: object, W: object, delta: object, stride: int | tuple[int, int] = 1,
                    padding: int | tuple[int, int] | str = 0,
                    dilation: int | tuple[int, int] = 1
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a convolution from ``delta = dJ/dz``, by loops.

    Parameters
    ----------
    x : array-like of shape (n_samples, in_channels, height, width)
    W : array-like of shape (out_channels, in_channels, kh, kw)
    delta : array-like of shape (n_samples, out_channels, out_h, out_w)
    stride, padding, dilation
        As in :func:`conv2d_forward`.

    Returns
    -------
    dx : ndarray of shape (n_samples, in_channels, height, width)
    dW : ndarray of shape (out_channels, in_channels, kh, kw)
    db : ndarray of shape (out_channels,)
    """
    _, (sh, sw), _, (dh, dw), ((top, _), (left, _)), _ = _check(
        x, stride, padding, W=W, grad=delta, grad_name="delta", dilation=dilation)
    x, W, delta = _nested(x), _nested(W), _nested(delta)
    n_out, n_in, kh, kw = len(W), len(W[0]), len(W[0][0]), len(W[0][0][0])
    h, w = len(x[0][0]), len(x[0][0][0])
    dx = np.zeros((len(x), n_in, h, w)).tolist()
    dW = np.zeros((n_out, n_in, kh, kw)).tolist()
    db = [0.0] * n_out
    for n, img in enumerate(x):
        for o in range(n_out):
            for y, drow in enumerate(delta[n][o]):
                for xx, d in enumerate(drow):
                    db[o] += d
                    for c in range(n_in):
                        for i in range(kh):
                            for j in range(kw):
                                r = sh * y + dh * i - top
                                col = sw * xx + dw * j - left
                                if 0 <= r < h and 0 <= col < w:  # padding pixels are constants
                                    dW[o][c][i][j] += d * img[c][r][col]
                                    dx[n][c][r][col] += d * W[o][c][i][j]
    return np.array(dx), np.array(dW), np.array(db)
