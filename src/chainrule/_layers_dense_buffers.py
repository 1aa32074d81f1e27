"""The reusable buffers of a Dense layer while a network trains (private).

:class:`DenseBuffers` is what :class:`chainrule.layers.Dense` inherits for the training
fast path: the products into buffers of the batch's shape (BLAS, or in index order),
the in-place forward pass from ``Z = X @ W``, and the bias folded into the products.
It reads the Dense layer's ``_W``, ``_b``, ``dW``, ``db``, ``activation``, ``n_in`` and
``n_out``; import :class:`~chainrule.layers.Dense` from :mod:`chainrule.layers`.
"""

from __future__ import annotations

import numpy as np

from ._activations_inplace import _FORWARD_INTO, _relu_into, _softmax_lse_into
from ._layers_base import Layer
from ._symmetry import ordered_matmul, ordered_scratch

__all__ = ["DenseBuffers"]


class DenseBuffers(Layer):
    """The training buffers and fast-path products of :class:`~chainrule.layers.Dense`."""

    # -- reusable buffers (private): while a network trains, see Network._workspace ----------
    # ``_work`` is None outside training, so every forward pass returns new arrays; during
    # training it maps names to buffers of the current batch's shape, and each batch
    # overwrites the last batch's X, Z, A, delta (the values a reader sees after a step are
    # always those of the last batch, as before).
    _work: dict[tuple, np.ndarray] | None = None
    _lse: np.ndarray | None = None  # log-sum-exp of the rows of Z (softmax, buffered forward)
    # the buffers of the Dense layer right above this one in the same workspace (None
    # outside one, or when the layer above is not a Dense): see _owns_scratch
    _above_work: dict[tuple, np.ndarray] | None = None
    # whether a fit computes this layer's products in index order (set at each fit's start by
    # _symmetry.choose_products: equal hidden units stay equal), only while training (_work)
    _ordered: bool = False

    def _product(self, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = a @ b`` while training: BLAS, or in index order (see ``_ordered``)."""
        if self._ordered and self._work is not None:
            size = ordered_scratch(*a.shape, b.shape[1])
            return ordered_matmul(a, b, out, self._buffer("ordered", (size,), out.dtype))
        return np.matmul(a, b, out=out)

    def _owns_scratch(self, grad_out: np.ndarray, dtype: np.dtype) -> bool:
        """Whether ``grad_out`` may be overwritten: the input gradient that the Dense layer
        right above returned into its own ``dX`` buffer, in this dtype.

        That buffer goes from the layer above straight to this layer's :meth:`backward`;
        neither layer keeps it, so this layer's ``delta`` can be written over it (and then
        is that buffer, until the next batch of the shape).  Any other array (a Dropout's
        product, a user's layer's result, a caller's array) is never written.
        """
        above = self._above_work
        return (above is not None and grad_out.dtype == dtype
                and grad_out is above.get(("dX", grad_out.shape, dtype)))

    def _buffer(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """The buffer ``name`` of this shape and dtype, allocated on first use."""
        key = (name, shape, dtype)
        buf = self._work.get(key)
        if buf is None:
            if len(self._work) > 40:  # a few batch sizes at most (batch, last batch, validation)
                self._work.clear()
            buf = self._work[key] = np.empty(shape, dtype=dtype)
        return buf

    def _constant(self, name: str, shape: tuple[int, ...], dtype: np.dtype,
                  value: float) -> np.ndarray:
        """A buffer filled with ``value`` once, when allocated (never written afterwards)."""
        key = (name, shape, dtype)
        buf = self._work.get(key)
        if buf is None:
            buf = self._buffer(name, shape, dtype)
            buf.fill(value)
        return buf

    def _forward_into(self, Z: np.ndarray, biased: bool = False) -> np.ndarray:
        """The rest of :meth:`forward` from ``Z = X @ W`` (n_samples, fan_out), into this
        batch size's buffers (the same numbers): ``Z += b`` (unless ``biased``: added in
        the product, see :meth:`_fold_bias`), ``A = f(Z)``; returns ``A``.

        Where the workspace marks this layer "relu over Z" (SciPy's objective, whose
        caches nobody reads: ``scipy_fit._objective``), a ReLU writes ``A`` over ``Z`` in
        its buffer and ``Z`` is not kept (None): its derivative is read off ``A``
        (``a > 0`` exactly where ``z > 0``), and the pass writes one array of the batch's
        size less (digits' full batch, 1,347 x 100 float64: 1 MB)."""
        shape = Z.shape
        if self._b is not None and not biased:
            Z += self._b
        act = self._activation  # a plain attribute's read (see _layers_activation)
        into = _FORWARD_INTO.get(act.name) if act.builtin else None
        if into is _relu_into and self._work.get("relu over Z"):  # (see above)
            self.Z = None
            self.A = _relu_into(Z, Z)
            return self.A
        self.Z = Z
        if into is _FORWARD_INTO["softmax"] and Z.ndim == 2:  # keep the loss's log-sum-exp
            self.A, self._lse = _softmax_lse_into(Z, self._buffer("A", shape, Z.dtype))
        else:
            self.A = into(Z, self._buffer("A", shape, Z.dtype)) if into else act.f(Z)
        return self.A

    # -- the bias folded into the products (private): for an input evaluated again and again,
    # the full batch of scipy_fit's objective.  With X1 = [X, 1] made once, Z = X1 @ [W; b]
    # needs no pass adding b, and [dW; db] = X1.T @ delta no column sums of delta; W and b
    # are consecutive in the network's vector, so [W; b] and [dW; db] are views of it.
    def _fold_bias(self, X: np.ndarray) -> tuple | None:
        """``(X, [X, 1], [W; b], [dW; db])``, which a workspace holds as "bias folded" for
        :meth:`forward` and :meth:`backward_delta` to use when they get this very ``X``; or
        None where this layer's ``W`` and ``b`` (or ``dW`` and ``db``) are not consecutive
        in one vector."""
        stacked = []
        for W, b in ((self._W, self._b), (self.dW, self.db)):
            base = W.base
            if (b is None or base is None or b.base is not base or base.ndim != 1
                    or not (W.flags.c_contiguous and base.flags.c_contiguous)
                    or b.ctypes.data != W.ctypes.data + W.nbytes):
                return None
            start = (W.ctypes.data - base.ctypes.data) // base.itemsize
            stacked.append(base[start:start + W.size + b.size].reshape(self.n_in + 1, self.n_out))
        X1 = np.empty((X.shape[0], self.n_in + 1), dtype=np.result_type(X, self._W))
        X1[:, :-1] = X
        X1[:, -1] = 1
        return X, X1, stacked[0], stacked[1]
