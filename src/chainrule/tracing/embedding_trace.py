"""Every number of one Embedding forward and backward pass: the lookup and the scatter-add.

>>> import numpy as np, chainrule as cr
>>> emb = cr.Embedding(3, 2, init=[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
>>> t = cr.tracing.trace_embedding(emb, [[2, 0], [1, 1]], np.ones((2, 4)))
>>> print(t.text().splitlines()[2])
A[0] = W[2] | W[0] = [4, 5] | [0, 1]

The numbers (``A``, ``dW``) are the layer's own forward and backward outputs, computed on
a copy of the layer; the text says where each comes from, as Karpathy's makemore
exercise writes the table gradient with a loop (``dC[Xb[k, j]] += demb[k, j]``):

* ``A[n] = W[x[n,0]] | ... | W[x[n,T-1]]``: the rows of the table, one after the other
  (``|`` joins them: ``A[n, t*D:(t+1)*D] = W[x[n,t]]``);
* ``dW[v] = sum of dout[n, t*D:(t+1)*D]`` over the positions ``(n, t)`` whose index
  ``x[n,t]`` is ``v``: each row receives the slices of ``dout`` it was looked up for (an
  index used twice, both), a row no index used stays 0;
* no ``dX``: indices have no gradient (the layer comes first in its network).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._layers_embedding import Embedding
from ._text_trace import TextTrace, check_finite
from .conv_trace import _check_digits, _fmt, _val

__all__ = ["MAX_LOOKUPS", "EmbeddingTrace", "trace_embedding"]

#: the most lookups (n * block_size) a trace lists: beyond a few hundred nobody reads it
MAX_LOOKUPS = 500


def _vec(v: np.ndarray, digits: int) -> str:
    return "[" + ", ".join(_val(x, digits) for x in v) + "]"


@dataclass(eq=False)
class EmbeddingTrace(TextTrace):
    """One Embedding step's numbers and, for each row of ``dW``, the positions it sums.

    Attributes
    ----------
    layer : str
        The layer's repr.
    X : ndarray of int of shape (n, block_size)
        The indices.
    W : ndarray of shape (num_embeddings, embedding_dim)
        The table.
    A, dout : ndarray of shape (n, block_size * embedding_dim)
        The output (the rows looked up, concatenated) and the upstream gradient ``dJ/dA``.
    dW : ndarray of shape (num_embeddings, embedding_dim)
        The table's gradient, the layer's scatter-add.
    rows : dict
        ``v -> [(n, t), ...]``: the positions whose index is ``v``, the ``dout`` slices
        that ``dW[v]`` sums (every row of the table, an unused one with none).
    digits : int
        Significant digits of the printed numbers.
    """

    layer: str
    X: np.ndarray
    W: np.ndarray
    A: np.ndarray
    dout: np.ndarray
    dW: np.ndarray
    rows: dict = field(repr=False)
    digits: int = 6

    def text(self) -> str:
        """The lookups, then each row of ``dW`` as its sum of ``dout`` slices.

        Returns
        -------
        str
        """
        d, D = self.digits, self.W.shape[1]
        X, W, dout = self.X, self.W, self.dout
        lines = [f"{self.layer}: x {X.shape} indices, W {W.shape}, A {self.A.shape}",
                 "forward: A[n] = W[x[n,0]] | W[x[n,1]] | ... (| joins the rows looked up)"]
        for n in range(X.shape[0]):
            lines.append(f"A[{n}] = " + " | ".join(f"W[{int(v)}]" for v in X[n]) + " = "
                         + " | ".join(_vec(W[int(v)], d) for v in X[n]))
        lines.append(f"backward: dW[v] = sum of dout[n, t*{D}:(t+1)*{D}] over the (n, t) "
                     "with x[n,t] = v (scatter-add); a row no index used stays 0; no dX "
                     "(indices have no gradient)")

        def part(n: int, t: int) -> str:
            return f"dout[{n},{t * D}:{(t + 1) * D}]"

        for v, where in self.rows.items():
            sym = " + ".join(part(n, t) for n, t in where) or "0"
            num = " + ".join(
                "[" + ", ".join(_fmt(x, d) for x in dout[n, t * D:(t + 1) * D]) + "]"
                for n, t in where) or "0"
            lines += [f"dW[{v}] = {sym}", f"  = {num} = {_vec(self.dW[v], d)}"]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Every array (nested lists, full precision) and each row's positions.

        Returns
        -------
        dict
            JSON-serialisable.
        """
        return {"layer": self.layer, "X": self.X.tolist(),
                **{k: np.asarray(getattr(self, k), dtype=float).tolist()
                   for k in ("W", "A", "dout", "dW")},
                "rows": [{"row": v, "from": [list(p) for p in where]}
                         for v, where in self.rows.items()]}


def trace_embedding(layer: Embedding, X: object, dout: object, *, digits: int = 6,
                    max_lookups: int = MAX_LOOKUPS) -> EmbeddingTrace:
    """Trace one forward and backward pass of ``layer`` on a few rows of indices.

    Parameters
    ----------
    layer : Embedding
        Its table is used (on a copy: the layer's own caches and gradients are left).
    X : array-like of int of shape (n, block_size)
        Indices in ``[0, num_embeddings)``.
    dout : array-like of shape (n, block_size * embedding_dim)
        The upstream gradient ``dJ/dA``.
    digits : int, default 6
        Significant digits of the printed numbers (the arrays keep full precision).
    max_lookups : int, default MAX_LOOKUPS
        Refuse more lookups (``n * block_size``) than this.

    Returns
    -------
    EmbeddingTrace
        ``str(trace)`` prints every lookup and sum; the arrays are the layer's own results.

    Raises
    ------
    TypeError
        ``layer`` is not an Embedding.
    ValueError
        Bad indices (as the layer refuses them), ``dout`` not of the output's shape, or
        more than ``max_lookups`` lookups.
    """
    if not isinstance(layer, Embedding):
        raise TypeError(f"layer must be a chainrule Embedding, got {type(layer).__name__}")
    digits = _check_digits(digits)
    lay = copy.deepcopy(layer)
    A = np.array(lay.forward(X))
    idx = np.array(lay.X)
    if idx.size > max_lookups:
        raise ValueError(f"trace_embedding: {idx.shape[0]} x {idx.shape[1]} = {idx.size} "
                         f"lookups, more than max_lookups={max_lookups}; trace fewer rows")
    dout = np.asarray(dout, dtype=float)
    if dout.shape != A.shape:
        raise ValueError(f"dout must have the output's shape {A.shape}, got {dout.shape}")
    check_finite(dout, "dout")
    lay.backward(dout.astype(A.dtype), need_input_grad=False)
    rows: dict = {v: [] for v in range(lay.num_embeddings)}
    for n, t in np.ndindex(idx.shape):
        rows[int(idx[n, t])].append((n, t))
    return EmbeddingTrace(layer=repr(layer), X=idx, W=np.array(lay.W), A=A, dout=dout,
                          dW=np.array(lay.dW), rows=rows, digits=digits)
