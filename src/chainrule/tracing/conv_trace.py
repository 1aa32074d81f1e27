"""Every number of one Conv2D forward and backward pass, as explicit sums.

>>> import numpy as np, chainrule as cr
>>> conv = cr.Conv2D(1, 1, 2, activation="identity", init=np.ones((1, 1, 2, 2)))
>>> t = cr.tracing.trace_conv2d(conv, np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)))
>>> print(t.text().splitlines()[2][:48])
Z[0,0,0,0] = x[0,0,0,0]*w[0,0,0,0] + x[0,0,0,1]*
>>> print(t.text().splitlines()[3])
  = 0*1 + 1*1 + 3*1 + 4*1 + 0 = 8

The numbers (``Z``, ``A``, ``dW``, ``db``, ``dX``) are the layer's own forward and
backward outputs, computed on a copy of the layer; the sums list which entries
make each of them, as cs231n's ``conv_forward_naive`` / ``conv_backward_naive``
loops visit them:

* ``Z[n,f,i,j] = sum_{c,p,q} x[n,c,sh*i+dh*p-pt, sw*j+dw*q-pl] * w[f,c,p,q] + b[f]``;
* ``dW[f,c,p,q] = sum_{n,i,j} dZ[n,f,i,j] * x_padded[n,c,sh*i+dh*p, sw*j+dw*q]``;
* ``db[f] = sum_{n,i,j} dZ[n,f,i,j]``;
* ``dX[n,c,r,s]`` sums ``dZ[n,f,i,j] * w[f,c,p,q]`` over every window tap that
  lands on pixel (r, s): the "full" correlation of dZ with the flipped kernel.

Terms that fall in the zero padding are left out of the sums (they add 0), so
every index printed is one of the image itself.  ``dZ = dout * f'(Z)`` (``dout``
itself for ``activation="identity"``, cs231n's case).  Layers whose sums
would hold more than ``max_terms`` products are refused (the message gives the
count): the trace is for small examples worked by hand.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation_digits import check_digits
from ..conv import Conv2D
from ._text_trace import TextTrace, check_finite

__all__ = ["MAX_TERMS", "ConvTrace", "trace_conv2d"]

# the most products a trace lists (per kind of sum): a 6x6 image, 3 channels, 4 filters
# of 3x3 with "same" padding makes 3888; beyond a few thousand nobody reads the text
MAX_TERMS = 5000


def _val(v: float, digits: int) -> str:
    """``v`` with ``digits`` significant digits: a result, after ``=``."""
    return f"{float(v):.{digits}g}"


def _fmt(v: float, digits: int) -> str:
    """``v`` as :func:`_val` writes it, in parentheses when negative: a term of a sum."""
    s = _val(v, digits)
    return f"({s})" if s.startswith("-") else s


def _sum_lines(name: str, sym: list[str], num: list[str], value: str) -> list[str]:
    """A sum's two lines: ``name = `` its terms in symbols, then ``  = `` in numbers
    ``= value`` (an empty sum is written ``0``)."""
    return [f"{name} = {' + '.join(sym) or '0'}", f"  = {' + '.join(num) or '0'} = {value}"]


def _ix(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{','.join(str(int(i)) for i in index)}]"


@dataclass(eq=False)
class ConvTrace(TextTrace):
    """One Conv2D step's numbers and, for each entry, the terms of its sum.

    Attributes
    ----------
    layer : str
        The layer's repr.
    X : ndarray of shape (n, C, H, W)
    W : ndarray of shape (F, C, kh, kw)
    b : ndarray of shape (F,) or None
    Z, A, dout, dZ : ndarray of shape (n, F, out_h, out_w)
        Net input, output, the upstream gradient ``dJ/dA`` and ``dJ/dZ``.
    dW : ndarray of shape (F, C, kh, kw)
    db : ndarray of shape (F,) or None
    dX : ndarray of shape (n, C, H, W)
    activation : str
        The layer's activation's name (``dZ = dout`` for "identity").
    z_terms : dict
        ``(n, f, i, j) -> [((n, c, r, s), (f, c, p, q)), ...]``: the x and w
        entries multiplied (padding taps left out), ``+ b[f]`` with biases.
    dw_terms : dict
        ``(f, c, p, q) -> [((n, f, i, j), (n, c, r, s)), ...]``: dZ times x entries.
    dx_terms : dict
        ``(n, c, r, s) -> [((n, f, i, j), (f, c, p, q)), ...]``: dZ times w entries.
    digits : int
        Significant digits of the printed numbers.
    """

    layer: str
    X: np.ndarray
    W: np.ndarray
    b: np.ndarray | None
    Z: np.ndarray
    A: np.ndarray
    dout: np.ndarray
    dZ: np.ndarray
    dW: np.ndarray
    db: np.ndarray | None
    dX: np.ndarray
    activation: str
    z_terms: dict = field(repr=False)
    dw_terms: dict = field(repr=False)
    dx_terms: dict = field(repr=False)
    digits: int = 6

    def text(self) -> str:
        """The sums, one entry a pair of lines: the symbols, then the numbers.

        Returns
        -------
        str
        """
        d = self.digits
        X, W, dZ = self.X, self.W, self.dZ
        lines = [f"{self.layer}: x {X.shape}, w {W.shape}, Z {self.Z.shape}",
                 "forward: Z[n,f,i,j] = sum of x*w over the window (+ b[f]); padding taps "
                 "(zeros) left out"]
        for out, terms in self.z_terms.items():
            sym = [f"{_ix('x', xi)}*{_ix('w', wi)}" for xi, wi in terms]
            num = [f"{_fmt(X[xi], d)}*{_fmt(W[wi], d)}" for xi, wi in terms]
            if self.b is not None:
                sym.append(_ix("b", out[1:2]))
                num.append(_fmt(self.b[out[1]], d))
            lines += _sum_lines(_ix("Z", out), sym, num, _val(self.Z[out], d))
        if self.activation != "identity":
            lines.append(f"activation {self.activation}: A = f(Z), dZ = dout * f'(Z)")
            for out in self.z_terms:
                lines.append(f"{_ix('A', out)} = {_val(self.A[out], d)}, "
                             f"{_ix('dout', out)} = {_val(self.dout[out], d)}, "
                             f"{_ix('dZ', out)} = {_val(self.dZ[out], d)}")
        else:
            lines.append("activation identity: A = Z, dZ = dout")
        lines.append("backward: dW[f,c,p,q] = sum of dZ[n,f,i,j]*x_padded[n,c,i*sh+p*dh,"
                     "j*sw+q*dw] (x shown unpadded, padding terms left out)")
        for wi, terms in self.dw_terms.items():
            sym = [f"{_ix('dZ', zi)}*{_ix('x', xi)}" for zi, xi in terms]
            num = [f"{_fmt(dZ[zi], d)}*{_fmt(X[xi], d)}" for zi, xi in terms]
            lines += _sum_lines(_ix("dW", wi), sym, num, _val(self.dW[wi], d))
        if self.db is not None:
            lines.append("db[f] = sum of dZ[n,f,i,j]")
            for f in range(W.shape[0]):
                idx = list(np.ndindex(dZ[:, f].shape))
                sym = [_ix("dZ", (n, f, i, j)) for n, i, j in idx]
                num = [_fmt(dZ[n, f, i, j], d) for n, i, j in idx]
                lines += _sum_lines(f"db[{f}]", sym, num, _val(self.db[f], d))
        lines.append("backward: dX[n,c,r,s] = sum of dZ[n,f,i,j]*w[f,c,p,q] over the taps that "
                     "cover pixel (r, s): the full correlation of dZ with the flipped kernel")
        for xi, terms in self.dx_terms.items():
            sym = [f"{_ix('dZ', zi)}*{_ix('w', wi)}" for zi, wi in terms]
            num = [f"{_fmt(dZ[zi], d)}*{_fmt(W[wi], d)}" for zi, wi in terms]
            lines += _sum_lines(_ix("dX", xi), sym, num, _val(self.dX[xi], d))
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Every array (nested lists, full precision) and the sums' index lists.

        Returns
        -------
        dict
            JSON-serialisable.
        """
        def arr(a: np.ndarray | None) -> Any:
            return None if a is None else np.asarray(a, dtype=float).tolist()

        def terms(t: dict) -> list:
            return [{"entry": list(k), "terms": [[list(a), list(b)] for a, b in v]}
                    for k, v in t.items()]

        return {"layer": self.layer, "activation": self.activation,
                **{k: arr(getattr(self, k)) for k in ("X", "W", "b", "Z", "A", "dout", "dZ",
                                                      "dW", "db", "dX")},
                "z_terms": terms(self.z_terms), "dw_terms": terms(self.dw_terms),
                "dx_terms": terms(self.dx_terms)}


_check_digits = check_digits  # (the name the other layer traces import it by)


def _check_images(X: object, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=float) if not isinstance(X, np.ndarray) else X
    if X.ndim != 4:
        raise ValueError(f"{name} must be images of shape (n, channels, height, width), "
                         f"got an array of shape {X.shape}")
    check_finite(X, name)
    return X


def _check_dout(dout: object, shape: tuple[int, ...]) -> np.ndarray:
    dout = np.asarray(dout, dtype=float)
    if dout.shape != tuple(shape):
        raise ValueError(f"dout must have the output's shape {tuple(shape)}, got {dout.shape}")
    return check_finite(dout, "dout")


def trace_conv2d(layer: Conv2D, X: object, dout: object, *, digits: int = 6,
                 max_terms: int = MAX_TERMS) -> ConvTrace:
    """Trace one forward and backward pass of ``layer`` on small images.

    Parameters
    ----------
    layer : Conv2D
        Its kernels, biases, stride, padding, dilation and activation are used
        (on a copy: the layer's own caches and gradients are left as they were).
    X : array-like of shape (n, in_channels, height, width)
    dout : array-like of shape (n, out_channels, out_h, out_w)
        The upstream gradient ``dJ/dA``.
    digits : int, default 6
        Significant digits of the printed numbers (the arrays keep full precision).
    max_terms : int, default MAX_TERMS
        Refuse a layer whose forward sums hold more products than this
        (``n * F * out_h * out_w * C * kh * kw``).

    Returns
    -------
    ConvTrace
        ``str(trace)`` prints every sum; the arrays are the layer's own results.

    Raises
    ------
    TypeError
        ``layer`` is not a Conv2D.
    ValueError
        Bad arguments, or more than ``max_terms`` products.
    """
    if not isinstance(layer, Conv2D):
        raise TypeError(f"layer must be a chainrule Conv2D, got {type(layer).__name__}")
    digits = _check_digits(digits)
    X = _check_images(X)
    lay = copy.deepcopy(layer)
    A = np.array(lay.forward(X))
    n, F, ho, wo = A.shape
    C, kh, kw = lay.in_channels, *lay.kernel_size
    count = n * F * ho * wo * C * kh * kw
    if count > max_terms:
        raise ValueError(
            f"trace_conv2d: this layer and input make {count} products per kind of sum "
            f"(n {n} x F {F} x out {ho}x{wo} x C {C} x kernel {kh}x{kw}), more than "
            f"max_terms={max_terms}; trace a smaller image or fewer channels/filters")
    Z = np.array(lay.Z)
    dout = _check_dout(dout, A.shape)
    dX = np.array(lay.backward(dout.astype(A.dtype)))
    dZ = np.array(lay.delta)
    (sh, sw), (dh, dw), ((pt, _), (pl, _)) = lay.stride, lay.dilation, lay.padding_sides
    H, Wd = X.shape[2:]
    z_terms: dict = {}
    dw_terms: dict = {k: [] for k in np.ndindex(lay.W.shape)}
    dx_terms: dict = {k: [] for k in np.ndindex(X.shape)}
    for m, f, i, j in np.ndindex(A.shape):
        terms = z_terms.setdefault((m, f, i, j), [])
        for c, p, q in np.ndindex(C, kh, kw):
            r, s = sh * i + dh * p - pt, sw * j + dw * q - pl
            if 0 <= r < H and 0 <= s < Wd:  # a padding tap adds 0
                terms.append(((m, c, r, s), (f, c, p, q)))
                dw_terms[(f, c, p, q)].append(((m, f, i, j), (m, c, r, s)))
                dx_terms[(m, c, r, s)].append(((m, f, i, j), (f, c, p, q)))
    dw_terms = {k: sorted(v, key=lambda t: t[0]) for k, v in dw_terms.items()}
    return ConvTrace(
        layer=repr(layer), X=np.array(X), W=np.array(lay.W), b=None if lay.b is None
        else np.array(lay.b), Z=Z, A=A, dout=dout, dZ=dZ, dW=np.array(lay.dW),
        db=None if lay.db is None else np.array(lay.db), dX=dX,
        activation=lay.activation.name, z_terms=z_terms, dw_terms=dw_terms,
        dx_terms=dx_terms, digits=digits)
