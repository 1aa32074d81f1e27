"""A convolution's ``padding`` argument: checked, and the zeros it adds on each side.

Private to :mod:`chainrule.conv` and :mod:`chainrule.pooling` (SPEC 12): ``"same"``
pads ``d (k - 1)`` zeros per axis, half before and half after, the odd one after (as
PyTorch's ``conv2d``), ``"valid"`` none, an int or a pair that many on both sides.  A
padding that makes the arrays of a forward pass larger than an array can be is refused
by name (NumPy would say "array is too big" naming nothing): at construction one that
even a one-pixel image cannot take, in ``forward`` one too large for the batch given.
The pools' padding is refused in the same words (:func:`check_pool_padding` and
:func:`check_pool_sizes`).  Below that, a forward pass whose arrays would need more
than this machine's memory (a pool's window of 10**9 taps padded around one pixel:
an 8 GB padded row, and a view per tap) is refused too, before anything is set aside.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ._spatial import GRID_BELOW, pair, shown, sides
from ._validation import number_text

PADDING_NAMES = ("same", "valid")
# the bytes (and entries) an array holds: intp's largest (np.iinfo takes a microsecond)
_LIMIT = int(np.iinfo(np.intp).max)
# the bytes a pool's forward pass holds per tap of its window besides the arrays: one
# strided view of the padded images (an ndarray object with its shape and strides, and
# its place in the list of taps): 168 bytes measured with tracemalloc over 10**5 taps
# (CPython 3.11, NumPy 2.4)
TAP_BYTES = 168


def _machine_memory() -> int | None:
    """The machine's physical memory in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # (Windows has no sysconf)
        return None


# a forward pass that needs more than this can only fail (or swap for hours) after
# setting gigabytes aside: refused by name first (read once; tests set it)
MEMORY = _machine_memory()


def conv_padding(
    padding: object, kernel: tuple[int, int], stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[str | tuple[int, int], tuple[tuple[int, int], tuple[int, int]]]:
    """A convolution's ``padding`` argument checked, and the zeros it adds on each side.

    Parameters
    ----------
    padding : "same", "valid", int or (int, int)
    kernel, stride, dilation : pairs (height, width)

    Returns
    -------
    padding : "same", "valid" or (ph, pw)
        As given (a pair for an int).
    sides : ((top, bottom), (left, right))
        "same": ``d (k - 1)`` per axis, ``d (k - 1) // 2`` of it before (PyTorch's
        split: the odd one after); "valid": none; (ph, pw): ph above and below,
        pw left and right.
    """
    if isinstance(padding, str):
        if padding not in PADDING_NAMES:
            raise ValueError(f"padding must be 'same', 'valid', an int >= 0 or a pair of them "
                             f"(height, width), got {padding!r}")
        if padding == "valid":
            return padding, ((0, 0), (0, 0))
        if stride != (1, 1):
            raise ValueError(f"padding='same' needs stride 1 (as in PyTorch: with a larger "
                             f"stride no padding keeps the input's size), got stride="
                             f"{shown(stride)}; give the padding as an int or a pair")
        total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return padding, ((total[0] // 2, total[0] - total[0] // 2),
                         (total[1] // 2, total[1] - total[1] // 2))
    try:
        ph, pw = pair(padding, "padding", minimum=0)
    except ValueError:
        raise ValueError(f"padding must be 'same', 'valid', an int >= 0 or a pair of them "
                         f"(height, width), got {padding!r}") from None
    return (ph, pw), sides((ph, pw))


def check_padding_fits(padding: object, padding_sides: tuple[tuple[int, int], tuple[int, int]]
                       ) -> None:
    """Refuse a padding that makes even a one-pixel image more pixels than an array holds.

    Parameters
    ----------
    padding : "same" or (ph, pw)
        As the layer keeps it, for the message.
    padding_sides : ((top, bottom), (left, right))
        The zeros it adds.

    Raises
    ------
    ValueError
        ``(1 + top + bottom) * (1 + left + right)`` is past ``np.iinfo(np.intp).max``.
    """
    (pt, pb), (pl, pr) = padding_sides
    rows, cols, limit = 1 + pt + pb, 1 + pl + pr, np.iinfo(np.intp).max
    if rows * cols > limit:
        given = (repr(padding) if isinstance(padding, str) else number_text(padding[0])
                 if padding[0] == padding[1] else f"({', '.join(map(number_text, padding))})")
        raise ValueError(
            f"padding: {given} pads "
            f"even a one-pixel image to {number_text(rows)} x {number_text(cols)} pixels, more "
            f"than an array holds ({limit} entries)"
        )


def check_pool_padding(padding: tuple[int, int]) -> None:
    """:func:`check_padding_fits` for a pool's ``padding`` (ph, pw), on both sides of each axis
    (of -inf for MaxPool2D, of zeros for AvgPool2D).

    Parameters
    ----------
    padding : (int, int)

    Raises
    ------
    ValueError
        As :func:`check_padding_fits`, in the same words as a convolution's.
    """
    check_padding_fits(padding, sides(padding))


def check_forward_sizes(layer: object, shape: tuple[int, int, int, int],
                        out_hw: tuple[int, int], itemsize: int) -> None:
    """Refuse a batch whose padded images, windows side by side (im2col) or output are past
    the bytes an array holds, naming the layer and its padding.

    Parameters
    ----------
    layer : Conv2D
        Its ``padding_sides``, ``kernel_size``, ``stride`` and ``out_channels`` are read.
    shape : (n, c, h, w)
        The batch's shape.
    out_hw : (out_h, out_w)
        The output's size.
    itemsize : int
        Bytes per value.

    Raises
    ------
    ValueError
        Any of those arrays is past ``np.iinfo(np.intp).max`` bytes.
    """
    n, c, h, w = shape
    (pt, pb), (pl, pr) = layer.padding_sides
    (kh, kw), (ho, wo) = layer.kernel_size, out_hw
    hp, wp = h + pt + pb, w + pl + pr
    unit = layer.stride == (1, 1)  # im2col then keeps a spare row, and may use the grid
    gw = wp if unit and wo < GRID_BELOW else wo
    arrays = (("the padded images", (n, c, hp + unit, wp)),
              ("the windows side by side (im2col)", (n, c, kh, kw, ho, gw)),
              ("the output", (n, layer.out_channels, ho, gw)))
    _refuse_past_limit(layer, shape, layer.padding_sides, itemsize, arrays)
    _refuse_past_memory(layer, shape, layer.padding_sides, [
        (f"{what} {' x '.join(map(str, sizes))} values of {itemsize} bytes",
         math.prod(sizes) * itemsize) for what, sizes in arrays])


def check_pool_sizes(layer: object, shape: tuple[int, int, int, int],
                     padding_sides: tuple[tuple[int, int], tuple[int, int]],
                     itemsize: int) -> None:
    """Refuse a batch whose padded images a pool's ``forward`` makes (of -inf, or of zeros)
    are past the bytes an array holds, naming the layer and its padding, as
    :func:`check_forward_sizes` a convolution's.  (Its output and the gradient's padded
    images are no larger.)

    Parameters
    ----------
    layer : MaxPool2D or AvgPool2D
        Named in the message.
    shape : (n, c, h, w)
        The batch's shape.
    padding_sides : ((top, bottom), (left, right))
        The rows and columns its windows need around the images (ceil mode's included).
    itemsize : int
        Bytes per value.

    Raises
    ------
    ValueError
        The padded images are past ``np.iinfo(np.intp).max`` bytes.
    """
    n, c, h, w = shape
    (pt, pb), (pl, pr) = padding_sides
    sizes = (n, c, h + pt + pb, w + pl + pr)
    padded = n * c * sizes[2] * sizes[3] * itemsize
    if padded > _LIMIT:  # (inline: every forward pass)
        _refuse_past_limit(layer, shape, padding_sides, itemsize,
                           (("the padded images", sizes),))
    taps = layer.size[0] * layer.size[1]
    if MEMORY is not None and padded + taps * TAP_BYTES > MEMORY:
        _refuse_past_memory(layer, shape, padding_sides, [
            (f"the padded images {' x '.join(map(str, sizes))} values of {itemsize} bytes",
             padded),
            (f"the window's {taps} taps, a view of them each", taps * TAP_BYTES)])


def _refuse_past_limit(layer: object, shape: tuple[int, int, int, int],
                       padding_sides: tuple[tuple[int, int], tuple[int, int]], itemsize: int,
                       arrays: tuple[tuple[str, tuple[int, ...]], ...]) -> None:
    """The refusal of :func:`check_forward_sizes` and :func:`check_pool_sizes`: the first of
    the ``arrays`` (what, sizes) past ``np.iinfo(np.intp).max`` bytes, named."""
    h, w = shape[2:]
    (pt, pb), (pl, pr) = padding_sides
    limit = _LIMIT
    for what, sizes in arrays:
        if math.prod(sizes) * itemsize > limit:
            raise ValueError(
                f"{layer!r}: {what} would be {' x '.join(map(str, sizes))} values of "
                f"{itemsize} bytes, more than an array holds ({limit} bytes); the padding adds "
                f"{pt + pb} rows and {pl + pr} columns to the {h}x{w} images"
            )


def _gb(n_bytes: int) -> str:
    return f"{n_bytes / 1e9:.3g} GB"


def _refuse_past_memory(layer: object, shape: tuple[int, int, int, int],
                        padding_sides: tuple[tuple[int, int], tuple[int, int]],
                        parts: list[tuple[str, int]]) -> None:
    """Refuse a forward pass whose ``parts`` (what, bytes) need more than :data:`MEMORY`
    together, naming each, the layer and its padding (nothing is refused where the
    machine's memory is not known)."""
    total = sum(n_bytes for _, n_bytes in parts)
    if MEMORY is None or total <= MEMORY:
        return
    h, w = shape[2:]
    (pt, pb), (pl, pr) = padding_sides
    said = ", ".join(f"{what} ({_gb(n_bytes)})" for what, n_bytes in parts)
    raise ValueError(
        f"{layer!r}: its forward pass would need {_gb(total)}: {said}, more than this "
        f"machine's memory ({_gb(MEMORY)}); the padding adds {pt + pb} rows and {pl + pr} "
        f"columns to the {h}x{w} images"
    )
