"""Every number of one AvgPool2D forward and backward pass: each window's sum over its
size, and each pixel's gradient as the sum of its windows' shares.

>>> import numpy as np, chainrule as cr
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> t = cr.tracing.trace_avgpool2d(cr.AvgPool2D(2), x, np.ones((1, 1, 2, 2)))
>>> print("\\n".join(t.text().splitlines()[2:4]))
A[0,0,0,0] = (x[0,0,0,0] + x[0,0,0,1] + x[0,0,1,0] + x[0,0,1,1]) / 4
  = (0 + 1 + 4 + 5) / 4 = 2.5

The numbers are the layer's own (a copy of it runs):

* ``A[n,c,i,j] = (sum of the window's entries) / size``.  With ``padding`` the window's
  padding taps are zeros (``pad``); they count in its size when the layer's
  ``count_include_pad`` is true (PyTorch's default) and are left out of the sum and
  the size when it is false.  A ceil-mode window that hangs past the padded input
  covers fewer taps, and its size is theirs (the layer's ``divisor``).
* ``dX[n,c,r,s] = sum of dout[n,c,i,j] / size[i,j]`` over the windows that cover
  pixel (r, s): one window when they lie side by side (stride K), several when the
  stride is smaller than the window (they overlap), none for a pixel no window
  covers (its gradient is 0).

The trace's own sums are compared with the layer's forward and backward: a difference
beyond rounding is a RuntimeError.  This is the "subsampling" of LeCun et al.'s LeNet-5
(1998) without its extras: its S2 and S4 layers add the four inputs of a 2x2 window
(stride 2), multiply the sum by a trainable coefficient, add a trainable bias and pass
the result through a sigmoid; chainrule's AvgPool2D has no coefficient, bias or
activation (a channel's coefficient 1/4 and bias 0 make its mean).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..pooling import AvgPool2D
from ._text_trace import TextTrace
from .conv_trace import (
    MAX_TERMS,
    _check_digits,
    _check_dout,
    _check_images,
    _fmt,
    _ix,
    _val,
)

__all__ = ["AvgPoolTrace", "trace_avgpool2d"]


@dataclass(eq=False)
class AvgPoolTrace(TextTrace):
    """One AvgPool2D step: each window's sum and size, and the spread gradient.

    Attributes
    ----------
    layer : str
        The layer's repr.
    X : ndarray of shape (n, C, H, W)
    A, dout : ndarray of shape (n, C, out_h, out_w)
        The layer's output and the upstream gradient ``dJ/dA``.
    dX : ndarray of shape (n, C, H, W)
        The layer's backward pass.
    count_include_pad : bool
        The layer's: whether padding taps count in a window's size.
    windows : dict
        ``(n, c, i, j) -> [(n, c, r, s) or None, ...]``: the taps the window sums, in
        row-major order, None for a padding tap (listed only when it counts, with
        ``count_include_pad``; taps past the padded input, in ceil mode, never).
    sizes : dict
        ``(n, c, i, j) -> int``: what the window's sum is divided by, ``len(windows[k])``.
    dx_terms : dict
        ``(n, c, r, s) -> [(n, c, i, j), ...]``: the windows covering the pixel, whose
        ``dout / size`` it receives.
    max_diff : dict
        ``{"A": float, "dX": float}``: the largest difference between the trace's sums
        and the layer's forward / backward.
    digits : int
        Significant digits of the printed numbers.
    """

    layer: str
    X: np.ndarray
    A: np.ndarray
    dout: np.ndarray
    dX: np.ndarray
    count_include_pad: bool
    windows: dict = field(repr=False)
    sizes: dict = field(repr=False)
    dx_terms: dict = field(repr=False)
    max_diff: dict = field(default_factory=dict)
    digits: int = 6

    def text(self) -> str:
        """Each output as its window's sum over its size, then each pixel's gradient.

        Returns
        -------
        str
            Two lines a sum: the symbols, then the numbers and the value.
        """
        d, X = self.digits, self.X
        pads = ("padding taps (pad) are zeros counted in the size (count_include_pad=True)"
                if self.count_include_pad else
                "padding taps left out of the sum and the size (count_include_pad=False)")
        lines = [f"{self.layer}: x {X.shape}, A {self.A.shape}",
                 f"forward: A[n,c,i,j] = (sum of the window's entries) / its size; {pads}"]
        for out, taps in self.windows.items():
            sym = ["pad" if t is None else _ix("x", t) for t in taps]
            num = ["0" if t is None else _fmt(X[t], d) for t in taps]
            size = self.sizes[out]
            lines += [f"{_ix('A', out)} = ({' + '.join(sym)}) / {size}",
                      f"  = ({' + '.join(num)}) / {size} = {_val(self.A[out], d)}"]
        lines.append("backward: dX[n,c,r,s] = sum of dout[n,c,i,j] / size over the windows "
                     "(i, j) that cover pixel (r, s)")
        for xi, outs in self.dx_terms.items():
            sym = [f"{_ix('dout', o)}/{self.sizes[o]}" for o in outs]
            num = [f"{_fmt(self.dout[o], d)}/{self.sizes[o]}" for o in outs]
            lines += [f"{_ix('dX', xi)} = {' + '.join(sym) or '0'}",
                      f"  = {' + '.join(num) or '0'} = {_val(self.dX[xi], d)}"]
        lines.append("the trace and the layer's forward and backward agree: max |diff| "
                     f"A {self.max_diff.get('A', 0.0):.3g}, dX {self.max_diff.get('dX', 0.0):.3g}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Every array (nested lists, full precision), the windows, sizes and routes.

        Returns
        -------
        dict
            JSON-serialisable.
        """
        return {
            "layer": self.layer, "count_include_pad": self.count_include_pad,
            **{k: np.asarray(getattr(self, k), dtype=float).tolist()
               for k in ("X", "A", "dout", "dX")},
            "windows": [{"entry": list(k), "taps": [None if t is None else list(t) for t in v],
                         "size": self.sizes[k]} for k, v in self.windows.items()],
            "dx_terms": [{"entry": list(k), "from": [list(o) for o in v]}
                         for k, v in self.dx_terms.items()],
            "max_diff": dict(self.max_diff),
        }


def trace_avgpool2d(layer: AvgPool2D, X: object, dout: object, *, digits: int = 6,
                    max_terms: int = MAX_TERMS) -> AvgPoolTrace:
    """Trace one forward and backward pass of an average pooling layer on small images.

    Parameters
    ----------
    layer : AvgPool2D
        Its size, stride, padding, ceil mode and ``count_include_pad`` are used (on a
        copy: the layer's own caches are left as they were).
    X : array-like of shape (n, channels, height, width)
    dout : array-like of shape (n, channels, out_h, out_w)
        The upstream gradient ``dJ/dA``.
    digits : int, default 6
        Significant digits of the printed numbers (the arrays keep full precision).
    max_terms : int, default MAX_TERMS
        Refuse a layer and input whose windows hold more taps than this
        (``n * C * out_h * out_w * kh * kw``).

    Returns
    -------
    AvgPoolTrace
        ``str(trace)`` prints every sum; ``A`` and ``dX`` are the layer's own results.

    Raises
    ------
    TypeError
        ``layer`` is not an AvgPool2D.
    ValueError
        ``X`` not (n, C, H, W), ``dout`` not of the output's shape, NaN or inf in
        either, bad ``digits``, or more than ``max_terms`` taps.
    RuntimeError
        The trace's sizes or sums and the layer's forward or backward disagree.
    """
    if not isinstance(layer, AvgPool2D):
        raise TypeError(f"layer must be a chainrule AvgPool2D, got {type(layer).__name__}")
    digits = _check_digits(digits)
    X = _check_images(X)
    lay = copy.deepcopy(layer)
    A = np.array(lay.forward(X))
    (kh, kw), (sh, sw), (pt, pl) = lay.size, lay.stride, lay.padding
    count = A.size * kh * kw
    if count > max_terms:
        raise ValueError(
            f"trace_avgpool2d: this layer and input make {count} window taps "
            f"(n x C x out {A.shape[2]}x{A.shape[3]} = {A.size} windows of {kh}x{kw}), more "
            f"than max_terms={max_terms}; trace a smaller image or fewer channels")
    dout = _check_dout(dout, A.shape)
    dX = np.array(lay.backward(dout.astype(A.dtype)))
    H, W = X.shape[2:]
    include = bool(lay.count_include_pad)
    windows, sizes = {}, {}
    dx_terms: dict = {k: [] for k in np.ndindex(X.shape)}
    for out in np.ndindex(A.shape):
        m, c, i, j = out
        taps = []
        for p, q in np.ndindex(kh, kw):
            r, s = sh * i + p - pt, sw * j + q - pl
            if not (-pt <= r < H + pt and -pl <= s < W + pl):
                continue  # past the padded input (a ceil-mode window): not in the mean
            if 0 <= r < H and 0 <= s < W:
                taps.append((m, c, r, s))
                dx_terms[(m, c, r, s)].append(out)
            elif include:
                taps.append(None)
        windows[out], sizes[out] = taps, len(taps)
    divisor = np.asarray(lay.divisor)
    for (_, _, i, j), size in sizes.items():
        if size != divisor[i, j]:
            raise RuntimeError(f"trace_avgpool2d: window ({i}, {j}) covers {size} taps, the "
                               f"layer divides its sum by {divisor[i, j]}")
    mine_A = np.array([sum((X[t] for t in taps if t is not None), 0.0) / sizes[o]
                       for o, taps in windows.items()]).reshape(A.shape)
    mine_dX = np.array([sum((dout[o] / sizes[o] for o in outs), 0.0)
                        for outs in dx_terms.values()]).reshape(X.shape)
    tol = 1e3 * np.finfo(A.dtype).eps
    max_diff = {}
    for k, (mine, theirs) in {"A": (mine_A, A), "dX": (mine_dX, dX)}.items():
        max_diff[k] = float(np.abs(mine - theirs).max()) if mine.size else 0.0
        scale = max(float(np.abs(mine).max()) if mine.size else 0.0, 1.0)
        if not max_diff[k] <= tol * scale:
            raise RuntimeError(f"trace_avgpool2d: the trace's {k} differs from the layer's by "
                               f"{max_diff[k]:.3g} (more than {tol * scale:.3g})")
    return AvgPoolTrace(layer=repr(layer), X=np.array(X), A=A, dout=dout, dX=dX,
                        count_include_pad=include, windows=windows, sizes=sizes,
                        dx_terms=dx_terms, max_diff=max_diff, digits=digits)

