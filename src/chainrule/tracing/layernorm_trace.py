"""Every number of one LayerNorm forward and backward pass, as sums.

>>> import chainrule as cr
>>> t = cr.tracing.trace_layernorm(cr.LayerNorm(3), [[1.0, 2.0, 6.0]], [[1.0, 0.0, 0.0]])
>>> print(t.text().splitlines()[3])
  = (1 + 2 + 6) / 3 = 3

Each example (row ``i``) is normalised over its own ``D`` features (chainrule's
:class:`~chainrule.LayerNorm`, as PyTorch's: the biased ``1/D`` variance; the same in
training and evaluation, no running statistics):

* ``mu[i] = (x[i,0] + ... + x[i,D-1]) / D``, ``var[i] = sum_j (x[i,j] - mu[i])^2 / D``;
* ``xhat[i,j] = (x[i,j] - mu[i]) / sqrt(var[i] + eps)``, ``y = gamma[j] xhat + beta[j]``.

Backward from ``dout = dJ/dy``: ``dbeta[j] = sum_i dout[i,j]``, ``dgamma[j] = sum_i
dout[i,j] xhat[i,j]`` (sums over the rows, as BatchNorm's); then per row the computational
graph step by step (cs231n's ``layernorm_backward``, BatchNorm's graph with rows and
features swapped): ``dxhat = dout gamma``, ``dvar``, ``dmu`` and ``dx`` as its three terms
(through xhat, through var, through mu); and the compact formula ``dx[i,j] = 1 / (D
sqrt(var[i] + eps)) (D dxhat[i,j] - sum_k dxhat[i,k] - xhat[i,j] sum_k dxhat[i,k]
xhat[i,k])``, whose sums run over the row's features (unlike BatchNorm's, they are not
``dbeta`` and ``dgamma``: ``gamma`` varies along the row).

The values after the last ``=`` of ``xhat``, ``y``, ``sqrt(var + eps)``, ``dgamma``,
``dbeta`` and ``dx`` are the layer's own (forward and backward on a copy of it); ``mu``,
``var``, ``dxhat``, ``dvar``, ``dmu`` and the terms are the trace's arithmetic, and its
``xhat``, ``y``, ``dgamma``, ``dbeta`` and both ``dx`` (steps and compact) are checked
against the layer's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..layernorm import LayerNorm
from ._norm_trace import NormTrace
from ._text_trace import check_finite
from .conv_trace import _check_digits, _fmt, _val

__all__ = ["MAX_ENTRIES", "LayerNormTrace", "trace_layernorm"]

#: the most entries (n * n_features) a trace lists: it is for examples worked by hand
MAX_ENTRIES = 400


@dataclass(eq=False)
class LayerNormTrace(NormTrace):
    """One LayerNorm forward and backward pass's numbers, the layer's and the trace's.

    Attributes
    ----------
    layer : str
        The layer's repr.
    eps : float
    X, xhat, y, dout, dxhat, dx, dx_steps, dx_compact : ndarray of shape (n, n_features)
        Input, normalised input and output (the layer's), the upstream gradient ``dJ/dy``,
        ``dJ/dxhat``, the layer's ``dJ/dx`` and the trace's by the graph and by the
        compact formula.
    gamma, beta, dgamma, dbeta : ndarray of shape (n_features,)
        Parameters and the layer's parameter gradients (sums over the rows).
    mu, var, std, dvar, dmu : ndarray of shape (n,)
        Each example's mean and ``1/D`` variance (the trace's), ``sqrt(var + eps)`` (the
        layer's ``1 / inv_std``), ``dJ/dvar`` and ``dJ/dmu`` (the trace's).
    dx_terms : ndarray of shape (n, n_features, 3)
        ``dx``'s terms through xhat, var and mu.
    max_diff : dict
        Largest ``|trace - layer|`` of ``xhat``, ``y``, ``dx_steps``, ``dx_compact``,
        ``dgamma``, ``dbeta``.
    digits : int
        Significant digits of the printed numbers.
    """

    def _forward(self, i: int) -> list[str]:
        d, X, D = self.digits, self.X, self.X.shape[1]
        v = (lambda a: _val(a, d))  # noqa: E731
        f = (lambda a: _fmt(a, d))  # noqa: E731
        cols = range(D)
        mu, s, ve = f"mu[{i}]", f"sqrt(var[{i}] + eps)", f"var[{i}]"
        dev = [f"(x[{i},{j}] - {mu})" for j in cols]
        out = [f"example {i}, forward:",
               f"{mu} = ({' + '.join(f'x[{i},{j}]' for j in cols)}) / {D}",
               f"  = ({' + '.join(f(X[i, j]) for j in cols)}) / {D} = {v(self.mu[i])}",
               f"{ve} = ({' + '.join(f'{t}^2' for t in dev)}) / {D}",
               f"  = ({' + '.join(f'{f(X[i, j] - self.mu[i])}^2' for j in cols)}) / {D} = "
               f"{v(self.var[i])}",
               f"{s} = sqrt({v(self.var[i])} + {v(self.eps)}) = {v(self.std[i])}"]
        for j in cols:
            out += [f"xhat[{i},{j}] = (x[{i},{j}] - {mu}) / {s} = ({f(X[i, j])} - "
                    f"{f(self.mu[i])}) / {v(self.std[i])} = {v(self.xhat[i, j])}",
                    f"y[{i},{j}] = gamma[{j}]*xhat[{i},{j}] + beta[{j}] = {f(self.gamma[j])}*"
                    f"{f(self.xhat[i, j])} + {f(self.beta[j])} = {v(self.y[i, j])}"]
        return out

    def _params(self) -> list[str]:
        d, n, D = self.digits, self.X.shape[0], self.X.shape[1]
        v = (lambda a: _val(a, d))  # noqa: E731
        f = (lambda a: _fmt(a, d))  # noqa: E731
        rows = range(n)
        out = ["parameters, backward (sums over the examples):"]
        for j in range(D):
            out += [f"dbeta[{j}] = {' + '.join(f'dout[{i},{j}]' for i in rows)}",
                    f"  = {' + '.join(f(self.dout[i, j]) for i in rows)} = {v(self.dbeta[j])}",
                    f"dgamma[{j}] = "
                    + " + ".join(f"dout[{i},{j}]*xhat[{i},{j}]" for i in rows),
                    "  = " + " + ".join(f"{f(self.dout[i, j])}*{f(self.xhat[i, j])}"
                                        for i in rows) + f" = {v(self.dgamma[j])}"]
        return out

    def _backward(self, i: int) -> list[str]:
        d, X, D = self.digits, self.X, self.X.shape[1]
        v = (lambda a: _val(a, d))  # noqa: E731
        f = (lambda a: _fmt(a, d))  # noqa: E731
        cols = range(D)
        mu, s, ve = f"mu[{i}]", f"sqrt(var[{i}] + eps)", f"var[{i}]"
        dev = [f"(x[{i},{j}] - {mu})" for j in cols]
        devn = [X[i, j] - self.mu[i] for j in cols]
        out = [f"example {i}, backward:"]
        out += [f"dxhat[{i},{j}] = dout[{i},{j}]*gamma[{j}] = {f(self.dout[i, j])}*"
                f"{f(self.gamma[j])} = {v(self.dxhat[i, j])}" for j in cols]
        c = -0.5 * self.std[i] ** -3
        out += [f"d{ve} = -1/2 ({ve} + eps)^(-3/2) * ("
                + " + ".join(f"dxhat[{i},{j}]*{dev[j]}" for j in cols) + ")",
                f"  = {f(c)} * (" + " + ".join(f"{f(self.dxhat[i, j])}*{f(devn[j])}"
                                                for j in cols) + f") = {v(self.dvar[i])}",
                f"d{mu} = -({' + '.join(f'dxhat[{i},{j}]' for j in cols)}) / {s}"
                f" + d{ve} * (-2/{D}) * ({' + '.join(dev)})",
                f"  = -({' + '.join(f(self.dxhat[i, j]) for j in cols)}) / {v(self.std[i])}"
                f" + {f(self.dvar[i])} * (-2/{D}) * ({' + '.join(f(t) for t in devn)})"
                f" = {v(self.dmu[i])}  (the deviations sum to 0: the second term is 0 up to "
                "rounding)"]
        for j in cols:
            t = self.dx_terms[i, j]
            out += [f"dx[{i},{j}] = dxhat[{i},{j}] / {s} + d{ve} * 2 {dev[j]} / {D} + "
                    f"d{mu} / {D}",
                    f"  = {f(t[0])} + {f(t[1])} + {f(t[2])} = {v(self.dx_steps[i, j])}"]
        g, xh = self.dxhat[i], self.xhat[i]
        sg, sgx = g.sum(), (g * xh).sum()
        out += [f"compact: dx[{i},j] = 1 / ({D} {s}) * ({D} dxhat[{i},j] - sum_k dxhat[{i},k] "
                f"- xhat[{i},j] sum_k dxhat[{i},k]*xhat[{i},k])",
                f"sum_k dxhat[{i},k] = {' + '.join(f(g[j]) for j in cols)} = {v(sg)}",
                f"sum_k dxhat[{i},k]*xhat[{i},k] = "
                + " + ".join(f"{f(g[j])}*{f(xh[j])}" for j in cols) + f" = {v(sgx)}"]
        k = 1.0 / (D * self.std[i])
        out += [f"dx[{i},{j}] = {f(k)} * ({D}*{f(g[j])} - {f(sg)} - {f(xh[j])}*{f(sgx)}) = "
                f"{v(self.dx_compact[i, j])}; the layer's dx[{i},{j}] = {v(self.dx[i, j])}"
                for j in cols]
        return out

    def text(self) -> str:
        """The forward sums example by example, then dgamma and dbeta, then each example's
        backward graph and compact formula.

        Returns
        -------
        str
        """
        n, D = self.X.shape
        lines = [f"{self.layer}: x ({n}, {D}), each example normalised over its {D} features "
                 f"(its own mean and 1/{D} variance; the same in training and evaluation), "
                 f"eps = {_val(self.eps, self.digits)}"]
        for i in range(n):
            lines += self._forward(i)
        lines += self._params()
        for i in range(n):
            lines += self._backward(i)
        m = self.max_diff
        lines.append("the trace and the layer agree: max |diff| xhat "
                     f"{m['xhat']:.2g}, y {m['y']:.2g}; dx {m['dx_steps']:.2g} (steps), "
                     f"{m['dx_compact']:.2g} (compact); dgamma {m['dgamma']:.2g}, dbeta "
                     f"{m['dbeta']:.2g}")
        return "\n".join(lines) + "\n"


def trace_layernorm(layer: LayerNorm, X: object, dout: object, *, digits: int = 6,
                    max_entries: int = MAX_ENTRIES) -> LayerNormTrace:
    """Trace one forward and backward pass of ``layer`` on a few examples.

    Parameters
    ----------
    layer : LayerNorm
        Of ``normalized_shape`` an int D (vectors), with ``activation="identity"`` and
        ``elementwise_affine=True``; its ``gamma``, ``beta`` and ``eps`` are used (on a
        copy: the layer's caches and gradients are left as they were).
    X : array-like of shape (n, D)
        The examples, n >= 1 rows (each row is normalised on its own).
    dout : array-like of shape (n, D)
        The upstream gradient ``dJ/dy``.
    digits : int, default 6
        Significant digits of the printed numbers (the arrays keep full precision).
    max_entries : int, default MAX_ENTRIES
        Refuse inputs of more than this many entries.

    Returns
    -------
    LayerNormTrace
        ``str(trace)`` prints every sum; ``xhat``, ``y``, ``dgamma``, ``dbeta``, ``dx``
        are the layer's results.

    Raises
    ------
    TypeError
        ``layer`` is not a LayerNorm.
    ValueError
        An image LayerNorm, another activation, no gamma and beta, ``X`` not (n, D),
        ``dout`` not of X's shape, NaN or inf in either, or more than ``max_entries``
        entries.
    RuntimeError
        The trace's arithmetic and the layer's forward or backward disagree.
    """
    if not isinstance(layer, LayerNorm):
        raise TypeError(f"layer must be a chainrule LayerNorm, got {type(layer).__name__}")
    if not isinstance(layer.normalized_shape, int):
        raise ValueError(f"trace_layernorm: {layer!r} normalises images; the trace is of "
                         "(n, D) vectors: give LayerNorm(D)")
    if layer.activation.name != "identity":
        raise ValueError(f"trace_layernorm: {layer!r} has activation "
                         f"{layer.activation.name!r}; the trace is of y = gamma xhat + beta "
                         "(activation='identity'): trace the activation apart")
    if not layer.elementwise_affine:
        raise ValueError(f"trace_layernorm: {layer!r} has no gamma and beta; the trace is of "
                         "y = gamma xhat + beta: give elementwise_affine=True (gamma 1, beta 0 "
                         "trace xhat itself)")
    digits = _check_digits(digits)
    Xa = np.asarray(X)
    D = layer.normalized_shape
    if Xa.ndim != 2 or Xa.shape[1] != D or Xa.shape[0] < 1:
        raise ValueError(f"X must have shape (n, {D}) ({D} features of {layer!r}), n >= 1, "
                         f"got shape {Xa.shape}")
    n = Xa.shape[0]
    if Xa.size > max_entries:
        raise ValueError(f"trace_layernorm: {n} x {D} = {Xa.size} entries, more than "
                         f"max_entries={max_entries}; trace fewer rows or features")
    check_finite(Xa, "X")
    dout = check_finite(dout, "dout")
    if dout.shape != Xa.shape:
        raise ValueError(f"dout must have X's shape {Xa.shape}, got {dout.shape}")
    lay = copy.deepcopy(layer)
    y = np.array(lay.forward(Xa, training=True), dtype=float)
    dx = np.array(lay.backward(dout.astype(lay.A.dtype)), dtype=float)
    x = np.asarray(Xa, dtype=float)
    gamma, beta = np.array(lay.gamma, dtype=float), np.array(lay.beta, dtype=float)
    xhat = np.array(lay.Xhat, dtype=float)
    std = 1.0 / np.array(lay.inv_std, dtype=float).reshape(n)
    # the trace's own arithmetic: BatchNorm's graph along each row
    mu = x.sum(axis=1) / D
    dev = x - mu[:, None]
    var = (dev ** 2).sum(axis=1) / D
    sd = np.sqrt(var + lay.eps)
    txhat = dev / sd[:, None]
    ty = gamma * txhat + beta
    dxhat = dout * gamma
    tdbeta = dout.sum(axis=0)
    tdgamma = (dout * txhat).sum(axis=0)
    dvar = -0.5 * (var + lay.eps) ** -1.5 * (dxhat * dev).sum(axis=1)
    dmu = -dxhat.sum(axis=1) / sd + dvar * (-2.0 / D) * dev.sum(axis=1)
    terms = np.stack([dxhat / sd[:, None], dvar[:, None] * 2 * dev / D,
                      np.broadcast_to(dmu[:, None] / D, x.shape)], axis=-1)
    steps = terms.sum(axis=-1)
    compact = (1.0 / (D * std))[:, None] * (
        D * dxhat - dxhat.sum(axis=1, keepdims=True)
        - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))
    lay_dgamma, lay_dbeta = np.array(lay.dgamma, dtype=float), np.array(lay.dbeta, dtype=float)
    diffs = {"xhat": (txhat, xhat, np.abs(xhat).max()),
             "y": (ty, y, np.abs(gamma * xhat).max() + np.abs(beta).max()),
             "dx_steps": (steps, dx, np.abs(terms).max()),
             "dx_compact": (compact, dx, np.abs(terms).max()),
             "dgamma": (tdgamma, lay_dgamma, np.abs(dout * xhat).max()),
             "dbeta": (tdbeta, lay_dbeta, np.abs(dout).max())}
    tol = 1e3 * np.finfo(lay.gamma.dtype).eps * max(n, D)
    max_diff = {}
    for k, (mine, theirs, scale) in diffs.items():
        max_diff[k] = float(np.abs(mine - theirs).max())
        if not max_diff[k] <= tol * max(scale, 1.0):
            raise RuntimeError(f"trace_layernorm: the trace's {k} differs from the layer's "
                               f"by {max_diff[k]:.3g} (more than {tol * max(scale, 1.0):.3g})")
    return LayerNormTrace(
        layer=repr(layer), eps=float(lay.eps), X=x, gamma=gamma, beta=beta, mu=mu, var=var,
        std=std, xhat=xhat, y=y, dout=dout, dgamma=lay_dgamma, dbeta=lay_dbeta, dxhat=dxhat,
        dvar=dvar, dmu=dmu, dx_terms=terms, dx_steps=steps, dx_compact=compact, dx=dx,
        max_diff=max_diff, digits=digits)
