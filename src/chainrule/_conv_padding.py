"""A convolution's ``padding`` argument: checked, and the zeros it adds on each side.

Private to :mod:`chainrule.conv` (SPEC 12): ``"same"`` pads ``d (k - 1)`` zeros per
axis, half before and half after, the odd one after (as PyTorch's ``conv2d``),
``"valid"`` none, an int or a pair that many on both sides.
"""

from __future__ import annotations

from ._spatial import pair, shown, sides

PADDING_NAMES = ("same", "valid")


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
