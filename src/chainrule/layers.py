"""Layers: forward and backward side by side.

A layer maps a batch ``X`` of shape (n_samples, n_in) to ``A`` of shape
(n_samples, n_out).  Its ``backward`` takes ``dJ/dA`` and returns ``dJ/dX``,
writing the gradients of its own parameters into ``dW``/``db``.  What the
backward pass needs from the forward pass is kept in named attributes
(``X``, ``Z``, ``A``) so a reader, or the trace, can look at every number.

Weight orientation, once for the whole library: ``W`` has shape
(fan_in, fan_out), so ``Z = X @ W + b``.

This module holds the fully connected layer, :class:`Dense`; what every layer is
(the :class:`Layer` base class, :class:`ParamSpec`, ``check_init_result``) is in
``_layers_base``, the buffers and products of its training fast path in
``_layers_dense_buffers``, and the other layer families in modules of their own (dropout,
batchnorm, conv, pooling).  Import ``Layer`` and ``ParamSpec`` from here.
"""

from __future__ import annotations

import sys

import numpy as np

from ._activations_inplace import _DELTA_INTO, _DELTA_OVER_GRAD
from ._layers_activation import ActivationSetting
from ._layers_base import (
    Layer,
    ParamSpec,
    as_array,
    check_explicit_init,
    check_grad_out,
    check_init_result,
    check_weight_count,
    write_param,
)
from ._layers_dense_buffers import DenseBuffers
from ._names import naming
from ._symmetry import ordered_row_sum
from ._validation import (
    check_bool,
    check_float_dtype,
    check_positive_int,
    data_dtype,
)
from .activations import Activation, get_activation
from .initializers import auto_init, get_initializer, make_rng

__all__ = ["Dense", "Layer", "ParamSpec"]

_BOOL = np.dtype(bool)


def _is_sparse(X: object) -> bool:
    """Whether ``X`` is a scipy.sparse matrix or array (without importing scipy.sparse)."""
    sparse = sys.modules.get("scipy.sparse")  # not imported: X cannot be one
    return sparse is not None and sparse.issparse(X)


def _takes_sparse(layer: Layer) -> bool:
    """Whether ``layer`` computes on a SciPy sparse batch (CSR) as given, without densifying.

    A :class:`Dense` layer does (not a subclass, whose forward may differ): its
    forward ``X @ W + b`` and its weight gradient ``X.T @ delta`` are sparse
    products with dense results, and as the first layer it computes no ``dJ/dX``.
    """
    return type(layer) is Dense


class Dense(DenseBuffers):
    """Fully connected layer ``A = f(X @ W + b)``.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs and of units.
    activation : str or Activation, default "sigmoid"
        Name from :data:`chainrule.activations.ACTIVATIONS`.
    init : str, callable or array-like, default "normal"
        Initialiser name from :data:`chainrule.initializers.INITIALIZERS`,
        "auto" (what :func:`~chainrule.mlp` and :class:`~chainrule.Conv2D` take
        by default: He normal after a ReLU-family activation, Glorot uniform
        otherwise, by :func:`~chainrule.initializers.auto_init`), a callable
        ``init(rng, fan_in, fan_out)`` returning finite weights of shape
        (fan_in, fan_out) (checked as explicit weights are), or explicit
        weights of shape (fan_in, fan_out).
    bias : bool, default True
        Whether the layer has a bias vector.
    seed : int, numpy.random.Generator or None
        Source of randomness for the initialiser.
    dtype : numpy dtype, optional
        float64 or float32.  None: float64, or with explicit weights float32
        when they are float32 (weights of another dtype, integers or float16
        among them, give float64).

    Attributes
    ----------
    W : ndarray of shape (fan_in, fan_out)
        Weights; a writable view into the network's parameter vector once the
        layer is part of a :class:`~chainrule.Network`.
    b : ndarray of shape (fan_out,) or None
        Biases (``None`` when ``bias=False``).
    dW, db : ndarray of shape (fan_in, fan_out) and (fan_out,)
        Gradients of the cost with respect to ``W`` and ``b`` after a backward
        pass (``db`` None without biases).
    X, Z, A : ndarray of shape (n_samples, ...)
        Input, net input and output of the last forward pass.
    delta : ndarray of shape (n_samples, fan_out)
        ``dJ/dZ`` of the last backward pass (per-example error term divided by
        the batch size, since the cost is the batch mean).
    """

    activation = ActivationSetting()  # a name assigned is resolved, as __init__'s

    def __init__(
        self,
        fan_in: int,
        fan_out: int,
        activation: str | Activation = "sigmoid",
        init: object = "normal",
        bias: bool = True,
        seed: int | np.random.Generator | None = None,
        dtype: np.dtype | type | str | None = None,
    ) -> None:
        self.n_in = check_positive_int(fan_in, "fan_in")
        self.n_out = check_positive_int(fan_out, "fan_out")
        check_weight_count((self.n_in, self.n_out), "fan_in x fan_out")
        with naming("activation"):
            self.activation = get_activation(activation)
        self.has_bias = check_bool(bias, "bias")
        if isinstance(init, (str,)) or callable(init):
            if dtype is None:
                dtype = np.float64
            name = auto_init(self.activation) if isinstance(init, str) and init == "auto" else init
            with naming("init"):
                found = get_initializer(name)
            W = found(make_rng(seed), self.n_in, self.n_out)
            if not isinstance(init, str):
                W = check_init_result(W, (self.n_in, self.n_out), "(fan_in, fan_out)")
            self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        else:
            W = check_explicit_init(init, (self.n_in, self.n_out), "(fan_in, fan_out)")
            if dtype is None:  # the weights' dtype decides, as the data's does elsewhere
                dtype = data_dtype(W)
            self.init = "explicit"
        self.dtype = check_float_dtype(dtype)
        self._W = np.array(W, dtype=self.dtype)
        self._b = np.zeros(self.n_out, dtype=self.dtype) if self.has_bias else None
        self.dW = np.zeros_like(self._W)
        self.db = np.zeros_like(self._b) if self.has_bias else None
        self.X = self.Z = self.A = self.delta = None

    # -- parameters: properties so that assignment writes into the shared buffer ------------
    @property
    def W(self) -> np.ndarray:
        """Weights, ndarray of shape (n_in, n_out): a view into the network's parameters.

        Assigning an array of that shape writes into the same memory; an array with NaN
        or infinite values is refused and leaves the weights as they were.  In-place
        arithmetic on the view (``layer.W -= lr * layer.dW``) writes before any check,
        as NumPy does, so a non-finite result is reported but already written: keep a
        copy (``layer.W.copy()``) where a step may overflow.
        """
        return self._W

    @W.setter
    def W(self, value: object) -> None:
        write_param(self._W, value, "W")

    @property
    def b(self) -> np.ndarray | None:
        """Biases, ndarray of shape (n_out,) (a view, as ``W``); None with ``bias=False``."""
        return self._b

    @b.setter
    def b(self, value: object) -> None:
        write_param(self._b, value, "b")

    def param_specs(self) -> list[ParamSpec]:
        specs = [ParamSpec("W", (self.n_in, self.n_out), True)]
        if self.has_bias:
            specs.append(ParamSpec("b", (self.n_out,), False))  # biases are never decayed
        return specs

    def initial_values(self) -> dict[str, np.ndarray]:
        vals = {"W": self._W}
        if self.has_bias:
            vals["b"] = self._b
        return vals

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self._W, self.dW = params["W"], grads["W"]
        if self.has_bias:
            self._b, self.db = params["b"], grads["b"]

    # -- forward and backward ----------------------------------------------------------------
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """``Z = X @ W + b``, ``A = f(Z)``.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix (CSR) of shape (n_samples, fan_in)
            A sparse batch (the first layer's, in training and prediction) is
            multiplied as it is: ``Z`` is dense, and so is backward's ``dW = X.T @ delta``.
        training : bool, default False
            Unused by a Dense layer (it computes the same in training and in
            evaluation); there for the one signature all layers share.

        Returns
        -------
        A : ndarray of shape (n_samples, fan_out)

        Raises
        ------
        ValueError
            ``X`` is not 2-D with ``fan_in`` columns (a single example of shape
            (fan_in,) included: give it as ``X[None]``, shape (1, fan_in)).
        """
        if type(X) is np.ndarray:
            if not X.dtype.isnative:  # '>f8': kept (self.X) in the machine's order, as the
                X = as_array(X, self, "X")  # other layers keep their inputs
        elif not _is_sparse(X):  # a list, np.matrix: as_array
            X = as_array(X, self, "X")
        shape = X.shape  # one example (n_in,) or a stack (k, n, n_in) would pass X @ W and
        if len(shape) != 2 or shape[1] != self.n_in:  # break backward's X.T @ delta
            raise ValueError(f"{self!r}: X must have shape (n_samples, {self.n_in}), got "
                             f"shape {shape}")
        self.X = X
        self._lse = None
        work = self._work
        if work is not None:  # a training step: into this batch size's buffers
            if isinstance(X, np.ndarray) or not _is_sparse(X) or self._ordered:  # (a sparse
                W = self._W  # (X's dtype is W's but in a mixed-dtype call: no result_type)
                dtype = W.dtype if X.dtype == W.dtype else np.result_type(X, W)
                Z = self._buffer("Z", (X.shape[0], self.n_out), dtype)
                folded = work.get("bias folded")  # see _fold_bias
                if folded is not None and folded[0] is X:  # Z = [X, 1] @ [W; b]
                    return self._forward_into(self._product(folded[1], folded[2], Z), True)
                return self._forward_into(self._product(X, self._W, Z))
            return self._forward_into(X @ self._W)  # batch ordered: dense rows) a new dense Z
        Z = X @ self._W  # a sparse X: a dense ndarray
        if self._b is not None:
            Z += self._b
        self.Z = Z
        self.A = self._activation.f(Z)
        return self.A

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """From ``dJ/dA`` to ``dJ/dX``: ``delta = dJ/dA * f'(Z)``, then :meth:`backward_delta`.

        Parameters
        ----------
        grad_out : array-like of shape (n_samples, fan_out)
            ``dJ/dA``.
        need_input_grad : bool
            False for the first layer: nobody needs ``dJ/dX`` there.

        Returns
        -------
        grad_in : ndarray of shape (n_samples, fan_in) or None

        Raises
        ------
        ValueError
            ``grad_out`` is not of the shape of the last forward pass's output.
        """
        grad_out = check_grad_out(self, grad_out, None if self.A is None else self.A.shape)
        act = self._activation  # (see _layers_activation)
        into = _DELTA_INTO.get(act.name) if act.builtin and self._work is not None else None
        if into is not None:  # the same delta, written into this batch size's buffer
            A = self.A
            dtype = A.dtype if grad_out.dtype == A.dtype else np.result_type(grad_out, A)
            if act.name in _DELTA_OVER_GRAD and self._owns_scratch(grad_out, dtype):
                out = grad_out  # written over dJ/dA, which nobody reads afterwards
            else:
                out = self._buffer("delta", self.A.shape, dtype)
            delta = into(self.Z, self.A, grad_out, out, self._buffer("mask", self.A.shape, _BOOL))
        elif act.builtin and act.df is not None and type(act) is Activation:
            # Activation.backward's product without its two calls: dJ/dA * f'
            delta = grad_out * act.df(self.A if act.from_output else self.Z)
        else:
            delta = act.backward(self.Z, self.A, grad_out)
        return self.backward_delta(delta, need_input_grad)

    def backward_delta(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Gradients from the error term ``delta = dJ/dZ``.

        ``dW = X.T @ delta``, ``db = sum of delta over the batch``,
        ``dJ/dX = delta @ W.T``.  (``delta`` already carries the 1/m of the
        batch mean, so these are sums, not means.)

        Parameters
        ----------
        delta : ndarray of shape (n_samples, fan_out)
        need_input_grad : bool, default True
            False for the first layer: ``dJ/dX`` is then not computed.

        Returns
        -------
        ndarray of shape (n_samples, fan_in), or None
            ``dJ/dX``; None when not needed.
        """
        self.delta = delta
        folded = self._work.get("bias folded") if self._work is not None else None
        if folded is not None and folded[0] is self.X:  # [dW; db] = [X, 1].T @ delta: the
            self._product(folded[1].T, delta, folded[3])  # column sums in the product
        elif (not isinstance(self.X, np.ndarray) and _is_sparse(self.X)  # a first layer's
              and not (self._ordered and self._work is not None)):  # sparse batch: a sparse
            self.dW[...] = self.X.T @ delta  # product, a dense dW (or _product's dense rows)
        else:
            self._product(self.X.T, delta, self.dW)
        if self.db is not None and (folded is None or folded[0] is not self.X):
            if self._work is not None and delta.dtype == self.db.dtype and delta.ndim == 2:
                if self._ordered:  # the rows added in order, alike for every unit
                    ordered_row_sum(delta, self.db)
                else:  # the column sums as a BLAS product ones @ delta: a third of the
                    # time of NumPy's reduction (rounded differently: last bits)
                    np.matmul(self._constant("ones", delta.shape[:1], delta.dtype, 1),
                              delta, out=self.db)
            else:
                np.add.reduce(delta, axis=0, out=self.db)  # np.sum without its wrapper
        if not need_input_grad:
            return None
        if self._work is not None:
            shape = (delta.shape[0], self.n_in)
            W = self._W
            dtype = W.dtype if delta.dtype == W.dtype else np.result_type(delta, W)
            return self._product(delta, W.T, self._buffer("dX", shape, dtype))
        return delta @ self._W.T

    def __setstate__(self, state: dict) -> None:
        """A layer pickled before ``_activation`` was kept (see _layers_activation)."""
        if "activation" in state:
            state["_activation"] = state.pop("activation")
        self.__dict__.update(state)

    def get_config(self) -> dict:
        return {
            "type": "Dense", "fan_in": self.n_in, "fan_out": self.n_out,
            "activation": self.activation.name, "bias": self.has_bias,
        }

    def __repr__(self) -> str:
        bias = "" if self.has_bias else ", bias=False"
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}{bias})"
