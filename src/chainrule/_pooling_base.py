"""What max and average pooling share (private): :class:`_Pool2D`, the windows' geometry
(ceil mode, the padding they need, the refusal of a window wholly in the padding), the tap
views of a padded batch, the configuration and the repr.  The layers are in
:mod:`chainrule.pooling`, which imports these names.
"""

from __future__ import annotations

import numpy as np

from ._conv_padding import check_pool_padding, check_pool_sizes
from ._layers_base import as_array
from ._spatial import SpatialLayer, pad, pair, shown, single, tap, window_output
from ._validation import check_bool

__all__ = ["WINDOW_IN_PADDING", "_Pool2D"]

# the words of the refusal of a window wholly in the padding, which loading a file of an
# older chainrule (that let such windows through) tells from a damaged file
WINDOW_IN_PADDING = "has a window wholly in the padding"


class _Pool2D(SpatialLayer):
    """Shared by max and average pooling: window geometry, shapes, configuration."""

    kind = ""
    dilation = (1, 1)  # spacing of a window's pixels: MaxPool2D's option, as in PyTorch
    ceil_mode = False  # (a layer pickled before it was an option had none)

    def __init__(
        self,
        size: int | tuple[int, int] = 2,
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
    ) -> None:
        self.size = pair(size, "size")
        self.stride = self.size if stride is None else pair(stride, "stride")
        self.padding = pair(padding, "padding", minimum=0)
        if any(2 * p > k for p, k in zip(self.padding, self.size, strict=True)):
            raise ValueError(
                f"padding must be at most half the window size {single(self.size)}, got "
                f"{single(self.padding)}"
            )
        check_pool_padding(self.padding)  # in Conv2D's words
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode")
        self.X = self.A = self.delta = None

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, int, int]:
        c, h, w = in_shape
        out = None
        if self.ceil_mode:
            out = tuple(self._ceil_output(*axis) for axis in zip(
                (h, w), self.size, self.stride, self.padding, self.dilation, strict=True))
        if out is None or min(out) < 1:  # floor mode, or no window at all: the refusal
            out = window_output(self, (h, w), self.size, self.stride, self.padding,
                                self.dilation)
        self._check_windows_reach_the_image((h, w), out)
        return (c, *out)

    @staticmethod
    def _ceil_output(size: int, k: int, s: int, p: int, d: int) -> int:
        """Windows along one axis in ceil mode, as PyTorch: ceil instead of floor, less
        a last window that would start past the image (in the padding after it)."""
        n_out = -(-(size + 2 * p - d * (k - 1) - 1) // s) + 1  # ceil, rounding down below 0
        if (n_out - 1) * s >= size + p:
            n_out -= 1
        return n_out

    def _sides(self, in_hw: tuple[int, ...], out_hw: tuple[int, ...]
               ) -> tuple[tuple[int, int], tuple[int, int]]:
        """The padding ((top, bottom), (left, right)) the windows need: ``padding`` on
        each side, and below and on the right the rows and columns a ceil-mode window
        hangs past it."""
        return tuple(
            (p, max(p, (n - 1) * s + d * (k - 1) + 1 - size - p))
            for size, n, k, s, p, d in zip(in_hw, out_hw, self.size, self.stride,
                                           self.padding, self.dilation, strict=True))

    def _check_windows_reach_the_image(self, in_hw: tuple[int, int],
                                       out_hw: tuple[int, int]) -> None:
        """Refuse a window whose every tap lies in the padding (with dilation it can skip
        the image): its maximum would be the fill, -inf as in PyTorch, and NaN after."""
        for size, n_out, k, s, p, d, axis in zip(in_hw, out_hw, self.size, self.stride,
                                                  self.padding, self.dilation,
                                                  ("height", "width"), strict=True):
            if d == 1:
                # pixels side by side: a window that fits in the padded input covers at
                # least one pixel, as the padding is at most half of it.  Its k taps are not
                # listed (a size of 10**12 from a damaged file would ask for terabytes)
                continue
            # with d >= 2 a window that fits spans d (k - 1) + 1 <= size + 2 p <= size + k
            # pixels, so (d - 1) k <= size + d - 1: at most one tap more than the pixels
            taps = (np.arange(n_out)[:, None] * s - p) + d * np.arange(k)[None, :]
            empty = np.flatnonzero(~((taps >= 0) & (taps < size)).any(axis=1))
            if empty.size:
                o = int(empty[0])
                raise ValueError(
                    f"{self!r}: output {o} along the {axis} {WINDOW_IN_PADDING} (its taps "
                    f"at {', '.join(map(str, taps[o]))} miss the "
                    f"{size} pixel{'' if size == 1 else 's'} of the input): its maximum "
                    "would be -inf; lower the padding or the dilation"
                )

    def _taps(self, X: np.ndarray, fill: float) -> list[np.ndarray]:
        """The ``kh * kw`` tap views (n, c, out_h, out_w) of ``X`` padded with ``fill``.

        Integer, bool and float16 images are taken as float64 (the rule of
        ``Layer``): the mean of integers is not one, the -inf of max pooling's
        padding is no integer, and float16's sums overflow past 65504.
        """
        X = as_array(X, self, "X")
        _, ho, wo = self._check_batch(X)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        padding = self._sides(X.shape[2:], (ho, wo))
        check_pool_sizes(self, X.shape, padding, X.itemsize)  # NumPy's words name nothing
        self.X = X
        Xp = pad(X, padding, fill)
        (kh, kw), (dh, dw) = self.size, self.dilation
        return [tap(Xp, dh * i, dw * j, self.stride, (ho, wo))
                for i in range(kh) for j in range(kw)]

    def get_config(self) -> dict:
        return {"type": self.kind, "size": single(self.size), "stride": single(self.stride),
                "padding": single(self.padding), "ceil_mode": self.ceil_mode}

    def __repr__(self) -> str:
        extra = "" if self.stride == self.size else f", stride={shown(self.stride)}"
        extra += "" if self.padding == (0, 0) else f", padding={shown(self.padding)}"
        extra += "" if self.dilation == (1, 1) else f", dilation={shown(self.dilation)}"
        extra += ", ceil_mode=True" if self.ceil_mode else ""
        extra += "" if getattr(self, "count_include_pad", True) else ", count_include_pad=False"
        return f"{self.kind}({shown(self.size)}{extra})"
