"""Every number of one Dropout forward and backward pass in training mode.

>>> import chainrule as cr
>>> t = cr.tracing.trace_dropout(cr.Dropout(0.5), [[1.0, 2.0]], [[1.0, 1.0]], seed=0)
>>> t.keep, t.out.tolist()
(0.5, [[2.0, 0.0]])

chainrule's :class:`~chainrule.Dropout` is inverted dropout, and its ``rate`` is the
probability of *dropping* a unit (as PyTorch's ``p``); cs231n's ``dropout_forward`` takes
``p``, the probability of *keeping* it (2019 notebooks), so ``keep = 1 - rate`` is cs231n's
``p``.  In training:

* ``u[i,j]``: one float64 uniform draw in [0, 1) per entry, ``rng.random(x.shape)`` of the
  layer's generator; the unit is kept where ``u >= rate`` (probability ``keep``);
* ``mask[i,j] = kept / keep`` (0 or ``1 / keep``), ``out = x * mask``;
* ``dx = dout * mask`` (``out`` is linear in ``x`` for a fixed mask).

Each ``out[i,j]`` is ``x[i,j] / keep`` with probability ``keep`` and 0 otherwise, so its
expected value is ``x[i,j]``: that is why evaluation mode is the identity (``out = x``,
``dx = dout``, no mask).  cs231n's ``mask = (rand < p) / p`` keeps a unit where its draw is
*below* ``p``: with the same draws its kept units are others, each kept with the same
probability.

The trace draws ``u`` from a copy of the generator that the layer's training forward then
uses (``seed`` given: ``numpy.random.default_rng(seed)``, the generator of
``Dropout(rate, seed=seed)``), runs that forward and backward on a copy of the layer, and
checks that the layer's ``mask``, ``out`` and ``dx`` are the trace's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dropout import Dropout
from ..initializers import make_rng
from ._text_trace import TextTrace, check_finite
from .conv_trace import _check_digits, _fmt, _val

__all__ = ["MAX_ENTRIES", "DropoutTrace", "trace_dropout"]

#: the most entries (n * n_units) a trace lists: it is for examples worked by hand
MAX_ENTRIES = 400

_ARRAYS = ("X", "u", "kept", "mask", "out", "dout", "dx")


@dataclass(eq=False)
class DropoutTrace(TextTrace):
    """One Dropout training step's numbers: the draws, the mask, out and dx.

    Attributes
    ----------
    layer : str
        The layer's repr.
    rate, keep : float
        The probability of dropping a unit (the layer's ``rate``) and of keeping it
        (``1 - rate``, cs231n's ``p``).
    source : str
        Where the mask came from: ``"seed S"``, ``"the layer's generator"`` or ``"the
        layer's fixed mask"``.
    X, mask, out, dout, dx : ndarray of shape (n, n_units)
        Input, the scaled mask (0 or ``1/keep``), ``X * mask``, the upstream gradient
        and ``dout * mask`` (``mask``, ``out`` and ``dx`` are the layer's).
    u : ndarray of shape (n, n_units) or None
        The uniform draws; None when nothing was drawn (``rate == 0``, or a fixed mask).
    kept : ndarray of bool, shape (n, n_units)
        ``u >= rate``.
    max_diff : dict
        Largest ``|trace - layer|`` of ``mask``, ``out`` and ``dx``.
    digits : int
        Significant digits of the printed numbers.
    """

    layer: str
    rate: float
    keep: float
    source: str
    X: np.ndarray
    u: np.ndarray | None
    kept: np.ndarray
    mask: np.ndarray
    out: np.ndarray
    dout: np.ndarray
    dx: np.ndarray
    max_diff: dict
    digits: int = 6

    def text(self) -> str:
        """The draws and the mask, then out and dx entry by entry, then evaluation mode.

        Returns
        -------
        str
        """
        d, (n, D) = self.digits, self.X.shape
        v = (lambda a: _val(a, d))  # noqa: E731
        f = (lambda a: _fmt(a, d))  # noqa: E731
        r, k = v(self.rate), v(self.keep)
        lines = [f"{self.layer}: x ({n}, {D}), training mode (inverted dropout); rate = {r} is "
                 f"the probability of dropping a unit (PyTorch's p), keep = 1 - rate = {k} "
                 "that of keeping it (cs231n's p)"]
        if self.u is not None:
            lines.append(f"mask drawn from {self.source}: u = rng.random(({n}, {D})), float64 "
                         f"uniforms in [0, 1); a unit is kept where u >= rate = {r} (cs231n's "
                         f"(rand < p) / p keeps those below p instead), mask = kept / keep")
        elif self.rate == 0:
            lines.append("rate 0: nothing is dropped and nothing drawn; mask = 1 everywhere")
        else:
            lines.append(f"mask from {self.source} (Dropout.fix_mask): nothing drawn, "
                         "mask = kept / keep")
        for i in range(n):
            for j in range(D):
                ij = f"[{i},{j}]"
                why = ("" if self.u is None else f"u{ij} = {v(self.u[i, j])} "
                       f"{'>=' if self.kept[i, j] else '<'} {r}: ")
                val = (f"1/{k} = {v(self.mask[i, j])}" if self.kept[i, j] else "0")
                lines.append(f"{why}{'kept' if self.kept[i, j] else 'dropped'}, mask{ij} = "
                             f"{val}")
        for i in range(n):
            for j in range(D):
                ij = f"[{i},{j}]"
                lines += [f"out{ij} = x{ij}*mask{ij} = {f(self.X[i, j])}*"
                          f"{f(self.mask[i, j])} = {v(self.out[i, j] + 0.0)}",
                          f"dx{ij} = dout{ij}*mask{ij} = {f(self.dout[i, j])}*"
                          f"{f(self.mask[i, j])} = {v(self.dx[i, j] + 0.0)}"]
        nk = int(self.kept.sum())
        lines += [f"kept {nk} of {self.kept.size} units ({v(nk / self.kept.size)}; expected "
                  f"keep = {k}); each out[i,j] is x[i,j]/keep with probability keep, else 0: "
                  "its expected value is x[i,j]",
                  "evaluation mode (training=False): out = x, dx = dout (the identity, no "
                  "mask: training's 1/keep already keeps the expected value)",
                  f"the trace and the layer's training forward and backward agree: max |diff| "
                  f"mask {self.max_diff['mask']:.2g}, out {self.max_diff['out']:.2g}, dx "
                  f"{self.max_diff['dx']:.2g}"]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Every array (nested lists, full precision; ``u`` None when nothing was drawn),
        ``rate``, ``keep``, ``source`` and ``max_diff``.

        Returns
        -------
        dict
            JSON-serialisable.
        """
        return {"layer": self.layer, "rate": float(self.rate), "keep": float(self.keep),
                "source": self.source,
                **{k: (None if getattr(self, k) is None
                       else np.asarray(getattr(self, k), dtype=float if k != "kept"
                                       else bool).tolist()) for k in _ARRAYS},
                "max_diff": {k: float(v) for k, v in self.max_diff.items()}}


def trace_dropout(layer: Dropout, X: object, dout: object, *, seed: int | None = None,
                  digits: int = 6, max_entries: int = MAX_ENTRIES) -> DropoutTrace:
    """Trace one training-mode forward and backward pass of ``layer``.

    Parameters
    ----------
    layer : Dropout
        Its ``rate`` (drop probability) and generator (or fixed mask) are used, on a copy:
        the layer's generator does not advance, its ``mask`` is left as it was.
    X : array-like of shape (n, n_units)
        The input.
    dout : array-like of shape (n, n_units)
        The upstream gradient ``dJ/dout``.
    seed : int >= 0 or None, default None
        The mask's draws come from ``numpy.random.default_rng(seed)``, so that the trace is
        the first training forward of ``Dropout(rate, seed=seed)``; None: from a copy of
        the layer's own generator (the mask its next training forward would draw).
    digits : int, default 6
        Significant digits of the printed numbers (the arrays keep full precision).
    max_entries : int, default MAX_ENTRIES
        Refuse inputs of more than this many entries.

    Returns
    -------
    DropoutTrace
        ``str(trace)`` prints every draw and product; ``mask``, ``out`` and ``dx`` are the
        layer's.

    Raises
    ------
    TypeError
        ``layer`` is not a Dropout; ``seed`` not an int.
    ValueError
        ``X`` not (n, n_units), ``dout`` not of X's shape, NaN or inf in either, more
        than ``max_entries`` entries, a negative ``seed``, or a ``seed`` with a layer
        whose mask is fixed.
    RuntimeError
        The trace's arithmetic and the layer's forward or backward disagree.
    """
    if not isinstance(layer, Dropout):
        raise TypeError(f"layer must be a chainrule Dropout, got {type(layer).__name__}")
    if (seed is not None and not isinstance(seed, (int, np.integer))) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int >= 0 or None, got {type(seed).__name__}")
    digits = _check_digits(digits)
    Xa = np.asarray(X)
    if Xa.ndim != 2 or Xa.size == 0:
        raise ValueError("X must have shape (n, n_units), n >= 1 and n_units >= 1, got shape "
                         f"{Xa.shape}")
    if Xa.size > max_entries:
        raise ValueError(f"trace_dropout: {Xa.shape[0]} x {Xa.shape[1]} = {Xa.size} entries, "
                         f"more than max_entries={max_entries}; trace fewer entries")
    check_finite(Xa, "X")
    dout = check_finite(dout, "dout")
    if dout.shape != Xa.shape:
        raise ValueError(f"dout must have X's shape {Xa.shape}, got {dout.shape}")
    lay = copy.deepcopy(layer)
    rate, keep = float(lay.rate), 1.0 - float(lay.rate)
    if lay.fixed_mask is not None:
        if seed is not None:
            raise ValueError(f"seed: {layer!r} has a fixed mask (fix_mask), which nothing is "
                             "drawn for; give seed=None, or unfix it with fix_mask(None)")
        source = "the layer's fixed mask"
    elif seed is not None:
        lay.rng = make_rng(int(seed))
        source = (f"seed {int(seed)} (numpy.random.default_rng({int(seed)}), as "
                  f"Dropout(rate, seed={int(seed)})'s)")
    else:
        source = "a copy of the layer's own generator"
    raw = lay.forward(Xa, training=True)
    out = np.array(raw, dtype=float)
    x = np.asarray(Xa, dtype=float)
    if rate == 0.0:
        u, kept = None, np.ones(x.shape, dtype=bool)
    elif lay.fixed_mask is not None:
        u, kept = None, np.asarray(lay.fixed_mask) != 0
    else:
        # the draws the forward made: the generator's state before it, replayed
        u = copy.deepcopy(layer.rng if seed is None else make_rng(int(seed))).random(x.shape)
        kept = u >= rate
    lay_mask = np.ones(x.shape) if lay.mask is None else np.array(lay.mask, dtype=float)
    dx = np.array(lay.backward(dout), dtype=float)
    mask = kept / keep
    diffs = {"mask": (mask, lay_mask), "out": (x * mask, out), "dx": (dout * mask, dx)}
    tol = 1e3 * np.finfo(raw.dtype if raw.dtype.kind == "f" else float).eps
    max_diff = {}
    for k, (mine, theirs) in diffs.items():
        max_diff[k] = float(np.abs(mine - theirs).max())
        scale = max(float(np.abs(mine).max()), 1.0)
        if not max_diff[k] <= tol * scale:
            raise RuntimeError(f"trace_dropout: the trace's {k} differs from the layer's by "
                               f"{max_diff[k]:.3g} (more than {tol * scale:.3g})")
    return DropoutTrace(layer=repr(layer), rate=rate, keep=keep, source=source, X=x, u=u,
                        kept=kept, mask=lay_mask, out=out, dout=dout, dx=dx,
                        max_diff=max_diff, digits=digits)
