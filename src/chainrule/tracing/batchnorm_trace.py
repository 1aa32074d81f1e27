"""Every number of one BatchNorm forward and backward pass in training mode, as sums.

>>> import numpy as np, chainrule as cr
>>> t = cr.tracing.trace_batchnorm(cr.BatchNorm(1), [[1.0], [2.0], [6.0]], [[1.0], [0.0], [0.0]])
>>> print(t.text().splitlines()[3])
  = (1 + 2 + 6) / 3 = 3

The batch is normalised with its own statistics, per feature ``j`` over the ``n`` rows
(chainrule's :class:`~chainrule.BatchNorm`: the biased ``1/n`` variance):

* ``mu[j] = (x[0,j] + ... + x[n-1,j]) / n``, ``var[j] = sum_i (x[i,j] - mu[j])^2 / n``;
* ``xhat[i,j] = (x[i,j] - mu[j]) / sqrt(var[j] + eps)``, ``y = gamma[j] xhat + beta[j]``.

Backward from ``dout = dJ/dy``: ``dbeta[j] = sum_i dout[i,j]``, ``dgamma[j] = sum_i
dout[i,j] xhat[i,j]``; then the computational graph step by step (cs231n's assignment 2,
Karpathy's "backprop ninja" exercise 3): ``dxhat = dout gamma``, ``dvar``, ``dmu`` and
``dx`` as its three terms (through xhat, through var, through mu); and the compact
formula ``dx = gamma / (n sqrt(var + eps)) (n dout - sum dout - xhat sum(dout xhat))``
(the same as ``1 / (n sqrt(var + eps)) (n dxhat - sum dxhat - xhat sum(dxhat xhat))``:
``dxhat = gamma dout``), whose two sums are ``dbeta`` and ``dgamma``.

The values after the last ``=`` of ``xhat``, ``y``, ``sqrt(var + eps)``, ``dgamma``,
``dbeta`` and ``dx`` are the layer's own (forward and backward on a copy of it); ``mu``,
``var``, ``dxhat``, ``dvar``, ``dmu`` and the terms are the trace's arithmetic, and its
``dgamma``, ``dbeta`` and both ``dx`` (steps and compact) are checked against the layer's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..batchnorm import BatchNorm
from ._norm_trace import NormTrace
from ._text_trace import check_finite
from .conv_trace import _check_digits, _fmt, _val

__all__ = ["MAX_ENTRIES", "BatchNormTrace", "trace_batchnorm"]

#: the most entries (n * n_features) a trace lists: it is for batches worked by hand
MAX_ENTRIES = 400


@dataclass(eq=False)
class BatchNormTrace(NormTrace):
    """One BatchNorm training step's numbers, the layer's and the trace's.

    Attributes
    ----------
    layer : str
        The layer's repr.
    eps : float
    X, xhat, y, dout, dxhat, dx, dx_steps, dx_compact : ndarray of shape (n, n_features)
        Input, normalised input and output (the layer's), the upstream gradient ``dJ/dy``,
        ``dJ/dxhat``, the layer's ``dJ/dx`` and the trace's by the graph and by the
        compact formula.
    gamma, beta, mu, var, std, dgamma, dbeta, dvar, dmu : ndarray of shape (n_features,)
        Parameters, the batch mean and ``1/n`` variance (the trace's), ``sqrt(var + eps)``
        (the layer's ``1 / inv_std``), the layer's parameter gradients, ``dJ/dvar`` and
        ``dJ/dmu`` (the trace's).
    dx_terms : ndarray of shape (n, n_features, 3)
        ``dx``'s terms through xhat, var and mu.
    max_diff : dict
        Largest ``|trace - layer|`` of ``dx_steps``, ``dx_compact``, ``dgamma``, ``dbeta``.
    digits : int
        Significant digits of the printed numbers.
    """

    def _feature(self, j: int) -> list[str]:
        d, X, n = self.digits, self.X, self.X.shape[0]
        v = (lambda a: _val(a, d))  # noqa: E731
        f = (lambda a: _fmt(a, d))  # noqa: E731
        rows = range(n)
        mu, s, ve = f"mu[{j}]", f"sqrt(var[{j}] + eps)", f"var[{j}]"
        dev = [f"(x[{i},{j}] - {mu})" for i in rows]
        devn = [X[i, j] - self.mu[j] for i in rows]
        out = [f"feature {j}, forward:",
               f"{mu} = ({' + '.join(f'x[{i},{j}]' for i in rows)}) / {n}",
               f"  = ({' + '.join(f(X[i, j]) for i in rows)}) / {n} = {v(self.mu[j])}",
               f"{ve} = ({' + '.join(f'{t}^2' for t in dev)}) / {n}",
               f"  = ({' + '.join(f'{f(t)}^2' for t in devn)}) / {n} = {v(self.var[j])}",
               f"{s} = sqrt({v(self.var[j])} + {v(self.eps)}) = {v(self.std[j])}"]
        for i in rows:
            out += [f"xhat[{i},{j}] = (x[{i},{j}] - {mu}) / {s} = ({f(X[i, j])} - "
                    f"{f(self.mu[j])}) / {v(self.std[j])} = {v(self.xhat[i, j])}",
                    f"y[{i},{j}] = gamma[{j}]*xhat[{i},{j}] + beta[{j}] = {f(self.gamma[j])}*"
                    f"{f(self.xhat[i, j])} + {f(self.beta[j])} = {v(self.y[i, j])}"]
        out += [f"feature {j}, backward:",
                f"dbeta[{j}] = {' + '.join(f'dout[{i},{j}]' for i in rows)}",
                f"  = {' + '.join(f(self.dout[i, j]) for i in rows)} = {v(self.dbeta[j])}",
                f"dgamma[{j}] = {' + '.join(f'dout[{i},{j}]*xhat[{i},{j}]' for i in rows)}",
                "  = " + " + ".join(f"{f(self.dout[i, j])}*{f(self.xhat[i, j])}" for i in rows)
                + f" = {v(self.dgamma[j])}"]
        out += [f"dxhat[{i},{j}] = dout[{i},{j}]*gamma[{j}] = {f(self.dout[i, j])}*"
                f"{f(self.gamma[j])} = {v(self.dxhat[i, j])}" for i in rows]
        c = -0.5 * self.std[j] ** -3
        out += [f"d{ve} = -1/2 ({ve} + eps)^(-3/2) * ("
                + " + ".join(f"dxhat[{i},{j}]*{dev[i]}" for i in rows) + ")",
                f"  = {f(c)} * (" + " + ".join(f"{f(self.dxhat[i, j])}*{f(devn[i])}"
                                                for i in rows) + f") = {v(self.dvar[j])}",
                f"d{mu} = -({' + '.join(f'dxhat[{i},{j}]' for i in rows)}) / {s}"
                f" + d{ve} * (-2/{n}) * ({' + '.join(dev)})",
                f"  = -({' + '.join(f(self.dxhat[i, j]) for i in rows)}) / {v(self.std[j])}"
                f" + {f(self.dvar[j])} * (-2/{n}) * ({' + '.join(f(t) for t in devn)})"
                f" = {v(self.dmu[j])}  (the deviations sum to 0: the second term is 0 up to "
                "rounding)"]
        for i in rows:
            t = self.dx_terms[i, j]
            out += [f"dx[{i},{j}] = dxhat[{i},{j}] / {s} + d{ve} * 2 {dev[i]} / {n} + "
                    f"d{mu} / {n}",
                    f"  = {f(t[0])} + {f(t[1])} + {f(t[2])} = {v(self.dx_steps[i, j])}"]
        k = self.gamma[j] / (n * self.std[j])
        out.append(f"compact: dx[i,{j}] = gamma[{j}] / ({n} {s}) * ({n} dout[i,{j}] - "
                   f"sum_k dout[k,{j}] - xhat[i,{j}] sum_k dout[k,{j}]*xhat[k,{j}]), the sums "
                   f"being dbeta[{j}] and dgamma[{j}]")
        for i in rows:
            out.append(f"dx[{i},{j}] = {f(k)} * ({n}*{f(self.dout[i, j])} - "
                       f"{f(self.dbeta[j])} - {f(self.xhat[i, j])}*{f(self.dgamma[j])}) = "
                       f"{v(self.dx_compact[i, j])}; the layer's dx[{i},{j}] = "
                       f"{v(self.dx[i, j])}")
        return out

    def text(self) -> str:
        """The forward sums, then the backward ones, feature by feature.

        Returns
        -------
        str
        """
        n, D = self.X.shape
        lines = [f"{self.layer}: x ({n}, {D}), training mode (the batch's mean and 1/n "
                 f"variance), eps = {_val(self.eps, self.digits)}"]
        for j in range(D):
            lines += self._feature(j)
        m = self.max_diff
        lines.append("the graph's dx, the compact formula's and the layer's agree: max |diff| "
                     f"{m['dx_steps']:.2g} (steps), {m['dx_compact']:.2g} (compact); dgamma "
                     f"{m['dgamma']:.2g}, dbeta {m['dbeta']:.2g}")
        return "\n".join(lines) + "\n"


def trace_batchnorm(layer: BatchNorm, X: object, dout: object, *, digits: int = 6,
                    max_entries: int = MAX_ENTRIES) -> BatchNormTrace:
    """Trace one training-mode forward and backward pass of ``layer`` on a batch.

    Parameters
    ----------
    layer : BatchNorm
        With ``activation="identity"``; its ``gamma``, ``beta`` and ``eps`` are used (on a
        copy: the layer's running statistics, caches and gradients are left).
    X : array-like of shape (n, n_features)
        The batch, n >= 2 rows.
    dout : array-like of shape (n, n_features)
        The upstream gradient ``dJ/dy``.
    digits : int, default 6
        Significant digits of the printed numbers (the arrays keep full precision).
    max_entries : int, default MAX_ENTRIES
        Refuse batches of more than this many entries.

    Returns
    -------
    BatchNormTrace
        ``str(trace)`` prints every sum; ``xhat``, ``y``, ``dgamma``, ``dbeta``, ``dx``
        are the layer's results.

    Raises
    ------
    TypeError
        ``layer`` is not a BatchNorm.
    ValueError
        Another activation, ``X`` not (n, n_features) with n >= 2, ``dout`` not of X's
        shape, or more than ``max_entries`` entries.
    RuntimeError
        The trace's arithmetic and the layer's backward disagree.
    """
    if not isinstance(layer, BatchNorm):
        raise TypeError(f"layer must be a chainrule BatchNorm, got {type(layer).__name__}")
    if layer.activation.name != "identity":
        raise ValueError(f"trace_batchnorm: {layer!r} has activation "
                         f"{layer.activation.name!r}; the trace is of y = gamma xhat + beta "
                         "(activation='identity'): trace the activation apart")
    digits = _check_digits(digits)
    Xa = np.asarray(X)
    D = layer.n_in
    if Xa.ndim != 2 or Xa.shape[1] != D:
        raise ValueError(f"X must have shape (n, {D}) ({D} features of {layer!r}), got shape "
                         f"{Xa.shape}")
    n = Xa.shape[0]
    if n < 2:
        raise ValueError(f"X must have at least 2 rows (a batch), got {n}: one row has no "
                         "variance, and BatchNorm normalises it with its running statistics")
    if Xa.size > max_entries:
        raise ValueError(f"trace_batchnorm: {n} x {D} = {Xa.size} entries, more than "
                         f"max_entries={max_entries}; trace fewer rows")
    dout = np.asarray(dout, dtype=float)
    if dout.shape != Xa.shape:
        raise ValueError(f"dout must have X's shape {Xa.shape}, got {dout.shape}")
    check_finite(Xa, "X")
    check_finite(dout, "dout")
    lay = copy.deepcopy(layer)
    y = np.array(lay.forward(Xa, training=True), dtype=float)
    dx = np.array(lay.backward(dout.astype(lay.A.dtype)), dtype=float)
    x = np.asarray(Xa, dtype=float)
    gamma, beta = np.array(lay.gamma, dtype=float), np.array(lay.beta, dtype=float)
    xhat, std = np.array(lay.Xhat, dtype=float), 1.0 / np.array(lay.inv_std, dtype=float)
    # the trace's own arithmetic, the graph of cs231n's and Karpathy's exercise
    mu = x.sum(axis=0) / n
    dev = x - mu
    var = (dev ** 2).sum(axis=0) / n
    dxhat = dout * gamma
    tdbeta = dout.sum(axis=0)
    tdgamma = (dout * xhat).sum(axis=0)
    dvar = -0.5 * (var + lay.eps) ** -1.5 * (dxhat * dev).sum(axis=0)
    dmu = -dxhat.sum(axis=0) / np.sqrt(var + lay.eps) + dvar * (-2.0 / n) * dev.sum(axis=0)
    terms = np.stack([dxhat / np.sqrt(var + lay.eps), dvar * 2 * dev / n,
                      np.broadcast_to(dmu / n, x.shape)], axis=-1)
    steps = terms.sum(axis=-1)
    compact = gamma / (n * std) * (n * dout - tdbeta - xhat * tdgamma)
    lay_dgamma, lay_dbeta = np.array(lay.dgamma, dtype=float), np.array(lay.dbeta, dtype=float)
    diffs = {"dx_steps": (steps, dx, np.abs(terms).max()),
             "dx_compact": (compact, dx, np.abs(terms).max()),
             "dgamma": (tdgamma, lay_dgamma, np.abs(dout * xhat).max()),
             "dbeta": (tdbeta, lay_dbeta, np.abs(dout).max())}
    tol = 1e3 * np.finfo(lay.gamma.dtype).eps * n
    max_diff = {}
    for k, (mine, theirs, scale) in diffs.items():
        max_diff[k] = float(np.abs(mine - theirs).max())
        if max_diff[k] > tol * max(scale, 1.0):
            raise RuntimeError(f"trace_batchnorm: the trace's {k} differs from the layer's "
                               f"by {max_diff[k]:.3g} (more than {tol * max(scale, 1.0):.3g})")
    return BatchNormTrace(
        layer=repr(layer), eps=float(lay.eps), X=x, gamma=gamma, beta=beta, mu=mu, var=var,
        std=std, xhat=xhat, y=y, dout=dout, dgamma=lay_dgamma, dbeta=lay_dbeta, dxhat=dxhat,
        dvar=dvar, dmu=dmu, dx_terms=terms, dx_steps=steps, dx_compact=compact, dx=dx,
        max_diff=max_diff, digits=digits)
