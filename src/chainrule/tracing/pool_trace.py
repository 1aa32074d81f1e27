"""Every number of one MaxPool2D forward and backward pass: each window's pixels, its winner,
and where the gradient goes.

The winners are the layer's own (its ``argmax`` on a copy of the layer): the first
largest pixel of a window in row-major order when several tie, the last NaN when a
window holds NaN, as :class:`chainrule.pooling.MaxPool2D` documents.  ``dX[n,c,r,s]``
is the sum of ``dout`` over the windows that pixel won (0 if none).  Padding taps
(``-inf``) are shown as ``pad``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..pooling import MaxPool2D
from ._text_trace import TextTrace
from .conv_trace import (
    MAX_TERMS,
    _check_digits,
    _check_dout,
    _check_images,
    _fmt,
    _ix,
    _sum_lines,
    _val,
)

__all__ = ["PoolTrace", "trace_maxpool2d"]


@dataclass(eq=False)
class PoolTrace(TextTrace):
    """One MaxPool2D step: windows, winners and the routed gradient.

    Attributes
    ----------
    layer : str
    X : ndarray of shape (n, C, H, W)
    A, dout : ndarray of shape (n, C, out_h, out_w)
    dX : ndarray of shape (n, C, H, W)
    windows : dict
        ``(n, c, i, j) -> [(n, c, r, s) or None, ...]``: the window's taps in
        row-major order, None for a padding tap.
    winners : dict
        ``(n, c, i, j) -> (n, c, r, s)``: the pixel that gave the maximum.
    dx_terms : dict
        ``(n, c, r, s) -> [(n, c, i, j), ...]``: the windows whose dout it receives.
    digits : int
    """

    layer: str
    X: np.ndarray
    A: np.ndarray
    dout: np.ndarray
    dX: np.ndarray
    windows: dict = field(repr=False)
    winners: dict = field(repr=False)
    dx_terms: dict = field(repr=False)
    digits: int = 6

    def text(self) -> str:
        """Each window's maximum and winner, then each pixel's gradient as a sum of dout.

        Returns
        -------
        str
        """
        d, X = self.digits, self.X
        lines = [f"{self.layer}: x {X.shape}, A {self.A.shape}",
                 "forward: A[n,c,i,j] = max of the window; ties: the first largest in "
                 "row-major order wins"]
        for out, taps in self.windows.items():
            vals = ["pad" if t is None else f"{_ix('x', t)}={_val(X[t], d)}"
                    for t in taps]
            lines.append(f"{_ix('A', out)} = max({', '.join(vals)}) = "
                         f"{_val(self.A[out], d)} from {_ix('x', self.winners[out])}")
        lines.append("backward: dX[n,c,r,s] = sum of dout over the windows pixel (r, s) won")
        for xi, outs in self.dx_terms.items():
            lines += _sum_lines(_ix("dX", xi), [_ix("dout", o) for o in outs],
                                [_fmt(self.dout[o], d) for o in outs], _val(self.dX[xi], d))
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Every array (nested lists) and the windows, winners and routes.

        Returns
        -------
        dict
            JSON-serialisable.
        """
        return {
            "layer": self.layer,
            **{k: np.asarray(getattr(self, k), dtype=float).tolist()
               for k in ("X", "A", "dout", "dX")},
            "windows": [{"entry": list(k), "taps": [None if t is None else list(t) for t in v],
                         "winner": list(self.winners[k])} for k, v in self.windows.items()],
            "dx_terms": [{"entry": list(k), "from": [list(o) for o in v]}
                         for k, v in self.dx_terms.items()],
        }


def trace_maxpool2d(layer: MaxPool2D, X: object, dout: object, *, digits: int = 6,
                    max_terms: int = MAX_TERMS) -> PoolTrace:
    """Trace one forward and backward pass of a max pooling layer on small images.

    Parameters
    ----------
    layer : MaxPool2D
        Its size, stride, padding, dilation and ceil mode are used (on a copy).
    X : array-like of shape (n, channels, height, width)
    dout : array-like of shape (n, channels, out_h, out_w)
        The upstream gradient ``dJ/dA``.
    digits : int, default 6
    max_terms : int, default MAX_TERMS
        Refuse a layer and input whose windows hold more taps than this
        (``n * C * out_h * out_w * kh * kw``).

    Returns
    -------
    PoolTrace

    Raises
    ------
    TypeError
        ``layer`` is not a MaxPool2D.
    ValueError
        Bad arguments, or more than ``max_terms`` taps.
    RuntimeError
        The layer chose a padding tap as a window's maximum (never expected: MaxPool2D
        routes an all -inf window to its first image pixel).
    """
    if not isinstance(layer, MaxPool2D):
        raise TypeError(f"layer must be a chainrule MaxPool2D, got {type(layer).__name__}")
    digits = _check_digits(digits)
    X = _check_images(X)
    lay = copy.deepcopy(layer)
    A = np.array(lay.forward(X))
    (kh, kw), (sh, sw), (dh, dw) = lay.size, lay.stride, lay.dilation
    count = A.size * kh * kw
    if count > max_terms:
        raise ValueError(
            f"trace_maxpool2d: this layer and input make {count} window taps "
            f"(n x C x out {A.shape[2]}x{A.shape[3]} = {A.size} windows of {kh}x{kw}), more "
            f"than max_terms={max_terms}; trace a smaller image or fewer channels")
    argmax = np.array(lay.argmax)
    dout = _check_dout(dout, A.shape)
    dX = np.array(lay.backward(dout.astype(A.dtype)))
    pt, pl = lay.padding
    H, W = X.shape[2:]
    windows, winners = {}, {}
    dx_terms: dict = {k: [] for k in np.ndindex(X.shape)}
    for out in np.ndindex(A.shape):
        m, c, i, j = out
        taps = []
        for p, q in np.ndindex(kh, kw):
            r, s = sh * i + dh * p - pt, sw * j + dw * q - pl
            taps.append((m, c, r, s) if 0 <= r < H and 0 <= s < W else None)
        win = taps[int(argmax[out])]
        if win is None:  # the layer never routes to padding (see pooling.py)
            raise RuntimeError(f"MaxPool2D chose a padding tap for window {out}")
        windows[out], winners[out] = taps, win
        dx_terms[win].append(out)
    return PoolTrace(layer=repr(layer), X=np.array(X), A=A, dout=dout, dX=dX, windows=windows,
                     winners=winners, dx_terms=dx_terms, digits=digits)
