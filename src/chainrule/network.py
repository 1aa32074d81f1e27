"""The network: layers + loss + weight decay; forward, backward, (cost, gradient).

All parameters live in **one flat vector** ``net.params``; each layer's ``W``
and ``b`` are views into it (and its gradients ``dW``/``db`` are views into
one flat gradient vector).  So packing costs nothing, SciPy's optimisers and
the gradient check see the same vector the layers use, and an optimizer
updates every parameter in one vectorised step.

Cost of a batch of m examples::

    J = (1/m) sum_i L(a_i, y_i) + (lambda/2) sum W^2          (decay="ufldl")
    J = (1/m) sum_i L(a_i, y_i) + (1/m)(lambda/2) sum W^2     (decay="per_sample")

With sample weights ``w_i`` the mean becomes the weighted mean
``sum_i w_i L_i / sum_i w_i`` and, for decay="per_sample", ``m`` in the decay
becomes ``sum_i w_i``: integer weights give exactly the cost of the rows
repeated that many times.  Biases are never decayed.
"""

from __future__ import annotations

import copy
import os
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from pathlib import Path

import numpy as np

from ._inference import block_rows, check_inputs, input_blocks, row_values
from ._spatial import SpatialLayer
from ._validation import (
    check_bool,
    check_data,
    check_finite_array,
    check_input_shape,
    check_nonneg_float,
    check_positive_int,
)
from .activations import Activation
from .layers import Dense, Layer
from .losses import LogitPath, Loss, get_loss

__all__ = ["DECAY_MODES", "Network", "mlp"]

DECAY_MODES = ("ufldl", "per_sample")


class Network:
    """A feed-forward network trained by backpropagation.

    Parameters
    ----------
    layers : sequence of Layer
        Layers in order, e.g. ``[Dense(2, 2), Dense(2, 1)]``.  Their values are
        copied into the network's flat parameter vector and the layers then
        hold views into it, so a layer belongs to one network at a time: a
        layer that already belongs to another network joins as a copy (with
        its current values), and the other network keeps its own.  The last
        layer must have an activation (a Dense output layer, say; not Dropout
        or Flatten), and a softmax output needs at least 2 units.  A layer may
        appear only once (``[Dense(8, 8)] * 3`` is one layer three times,
        refused; build one per place).
    loss : str, default "squared_error"
        Per-example loss: "squared_error", "mean_squared_error", "log_loss"
        or "cross_entropy".
    weight_decay : float, default 0.0
        L2 penalty ``lambda`` on weights (never biases).
    decay : {"ufldl", "per_sample"}, default "ufldl"
        ``(lambda/2) sum W^2`` or ``(1/m)(lambda/2) sum W^2``, where ``m`` is
        the number of examples of the batch (the sum of their weights when
        sample weights are given; see :meth:`loss_and_grad`).
    input_shape : int or (channels, height, width), optional
        Shape of one input example.  Needed when the first layer does not fix
        it (Conv2D, pooling, a BatchNorm that normalises the images' channels);
        a Dense first layer fixes it by its ``fan_in``.  Given, it is
        :attr:`n_inputs`.

    Attributes
    ----------
    layers : list of Layer
    params : ndarray of shape (n_params,)
        Every parameter, each layer's ``W`` then ``b`` in layer order; a view
        of the storage, not a copy.
    grads : ndarray of shape (n_params,)
        Gradient of the last :meth:`loss_and_grad` call, same order.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        loss: str | Loss = "squared_error",
        weight_decay: float = 0.0,
        decay: str = "ufldl",
        input_shape: int | tuple[int, int, int] | None = None,
    ) -> None:
        if isinstance(layers, Layer) or not isinstance(layers, Sequence):
            raise TypeError(
                f"layers must be a list of layers, got {type(layers).__name__}"
            )
        layers = list(layers)
        if not layers:
            raise ValueError("layers is empty; a network needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layers[{i}] must be a chainrule Layer (e.g. Dense), "
                    f"got {type(layer).__name__}"
                )
        first: dict[int, int] = {}  # id(layer) -> its first place
        for i, layer in enumerate(layers):
            j = first.setdefault(id(layer), i)
            if j != i:
                raise ValueError(
                    f"layers[{i}] is the same object as layers[{j}]; a layer may appear only "
                    "once, since it holds its own parameters and what its last pass computed "
                    "(for repeated layers build one per place, e.g. [Dense(8, 8) for _ in "
                    "range(3)], not [Dense(8, 8)] * 3)"
                )
        # Shapes flow through the layers (an int: features; a tuple: (channels, height, width)
        # images for conv.py's layers).  Checked first, recorded only once everything passed.
        shape = None if input_shape is None else check_input_shape(input_shape)
        in_shapes = []
        for i, layer in enumerate(layers):
            in_shapes.append(shape)
            try:
                shape = layer.output_shape(shape)
            except ValueError as exc:
                raise ValueError(f"layers[{i}] {exc}") from None
        if isinstance(shape, tuple):
            raise ValueError(
                f"the last layer gives images of shape {shape} per example; a network must end "
                "with a vector per example: add Flatten() and a Dense layer"
            )
        # A layer views one network's buffer; one that already belongs to another network
        # joins this one as a copy, so the other network keeps working unchanged.
        layers = [
            _without_cache(layer, detach=True)
            if getattr(layer, "_owner", None) is not None and layer._owner() is not None
            else layer
            for layer in layers
        ]
        self.layers: list[Layer] = layers
        # what the first layer takes, when given: the layers cannot always say (a BatchNorm
        # first in a convolutional network knows its channels, not the image size)
        self._input_shape = in_shapes[0]
        self.loss = get_loss(loss)
        self.weight_decay = check_nonneg_float(weight_decay, "weight_decay")
        if decay not in DECAY_MODES:
            raise ValueError(f"decay must be one of {DECAY_MODES}, got {decay!r}")
        self.decay = decay
        act = self.output_activation
        if act is None:  # Dropout, Flatten: no activation, nothing the loss can read
            raise ValueError(
                f"layers[{len(layers) - 1}] is a {type(layers[-1]).__name__} layer; a network "
                "must end in a layer with parameters and an activation (e.g. a Dense output "
                "layer)"
            )
        if act.name == "softmax" and shape == 1:
            raise ValueError(
                "the output layer is a softmax over 1 unit, which is always 1 (no gradient "
                "reaches the parameters): for two classes use 1 unit with a sigmoid output "
                "(loss 'log_loss'), or 2 units with softmax"
            )
        if (
            self.loss.outputs is not None
            and act is not None
            and act.builtin
            and act.name not in self.loss.outputs
        ):
            raise ValueError(
                f"loss {self.loss.name!r} needs outputs in its domain: the output layer's "
                f"activation must be one of {sorted(self.loss.outputs)}, got {act.name!r}"
            )
        for layer, in_shape in zip(layers, in_shapes, strict=True):
            layer.build(in_shape)
        # the dtype: that of the layers with parameters (Dropout, pooling, Flatten don't vote,
        # nor a BatchNorm without a dtype of its own)
        voters = [layer.dtype for layer in layers
                  if layer.param_specs() and getattr(layer, "_dtype_votes", True)] or [np.float64]
        self._bind_buffers(np.result_type(*voters))

    # -- the flat parameter buffer ---------------------------------------------------------------
    def _bind_buffers(self, dtype: np.dtype) -> None:
        """Allocate the flat parameter and gradient vectors and bind every layer to views."""
        specs = [(layer, layer.param_specs()) for layer in self.layers]
        total = sum(int(np.prod(s.shape)) for _, ss in specs for s in ss)
        self.dtype = np.dtype(dtype)
        self._theta = np.empty(total, dtype=self.dtype)
        self._grad = np.zeros(total, dtype=self.dtype)
        # whether a backward pass has filled _grad since it was allocated: its zeros until
        # then are no gradient (diagnostics.layer_grad_norms says so rather than report them)
        self._grad_computed = False
        self._decay_slices: list[slice] = []
        self._decay_work: np.ndarray | None = None  # c * W of the decay gradient, on first use
        self._last_decay = 0.0  # the decay term of the last _loss_and_grad's J
        offset = 0
        for layer, ss in specs:
            values = layer.initial_values()
            pviews, gviews = {}, {}
            for spec in ss:
                n = int(np.prod(spec.shape))
                sl = slice(offset, offset + n)
                pviews[spec.name] = self._theta[sl].reshape(spec.shape)
                gviews[spec.name] = self._grad[sl].reshape(spec.shape)
                pviews[spec.name][...] = values[spec.name]
                if spec.decayed:
                    self._decay_slices.append(sl)
                offset += n
            layer.bind(pviews, gviews)
            layer.dtype = self.dtype
            layer._owner = weakref.ref(self)

    @property
    def params(self) -> np.ndarray:
        """All parameters as one flat vector (a view: writing to it changes the layers)."""
        return self._theta

    @property
    def grads(self) -> np.ndarray:
        """Gradient of the last :meth:`loss_and_grad` call, in the order of :attr:`params`."""
        return self._grad

    @property
    def n_params(self) -> int:
        """Number of parameters: the length of the flat vector ``params``."""
        return self._theta.size

    def _check_theta(self, theta: object, name: str = "theta") -> np.ndarray:
        theta = check_finite_array(theta, name, dtype=self.dtype)
        if theta.ndim != 1 or theta.size != self.n_params:
            raise ValueError(
                f"{name} must be a flat vector of length {self.n_params} (the network's "
                f"parameter count), got shape {theta.shape}"
            )
        return theta

    def set_params(self, theta: object) -> None:
        """Copy a flat parameter vector into the network (``W`` and ``b`` views follow).

        Parameters
        ----------
        theta : array-like of shape (n_params,)
        """
        self._theta[...] = self._check_theta(theta)

    # -- shapes ----------------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int | tuple[int, int, int]:
        """Input features, or the image shape (channels, height, width) of a convolutional net."""
        if self._input_shape is not None:
            return self._input_shape
        return next(layer.n_in for layer in self.layers if layer.n_in is not None)

    @property
    def n_outputs(self) -> int:
        """Outputs of the last layer with a width (the columns of :meth:`forward`)."""
        return next(layer.n_out for layer in reversed(self.layers) if layer.n_out is not None)

    @property
    def output_activation(self) -> Activation | None:
        """The last layer's activation (None for a layer without one)."""
        return getattr(self.layers[-1], "activation", None)

    # -- forward ---------------------------------------------------------------------------------
    def forward(self, X: object, training: bool = False) -> np.ndarray:
        """Outputs of the network for a batch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
            A 1-D array is read as one example.
        training : bool, default False
            Training mode (matters for dropout and batch normalisation).

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)

        See Also
        --------
        predict : the outputs for many rows, in blocks, keeping none of the layers' arrays.
        """
        training = check_bool(training, "training")
        return self._forward(check_data(X, self.n_inputs, self.dtype), training)

    __call__ = forward

    def _forward(self, X: np.ndarray, training: bool) -> np.ndarray:
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    # -- targets ---------------------------------------------------------------------------------
    def prepare_targets(self, Y: object, n_samples: int, name: str = "Y",
                        compact: bool = False, x_name: str = "X") -> np.ndarray:
        """Targets as an array of shape (n_samples, n_outputs).

        ``Y`` may be that array, a 1-D vector when there is one output, or a 1-D
        vector of integer class labels 0..n_outputs-1 (turned into one-hot rows).
        With ``compact``, one-hot rows made from labels are returned as uint8
        (exact 0 and 1, a quarter or an eighth of the network's float type), for
        a caller that converts them a batch at a time; other targets are always
        in the network's dtype.  ``name`` and ``x_name`` are the names of the
        targets and of the inputs with ``n_samples`` rows, for the messages.
        """
        k = self.n_outputs
        Y = check_finite_array(Y, name)
        one_hot = Y.ndim == 1 and k > 1
        if one_hot:
            labels = Y
            # a 1-D target may have been meant as one example's k values (a regression)
            values = (f"; to give {k} target values per example, pass {name} of shape "
                      f"(n_samples, {k})")
            if not np.all(labels == np.round(labels)):
                raise ValueError(
                    f"{name}: a 1-D target for {k} outputs is read as integer class labels "
                    f"0..{k - 1}, got non-integer values{values}"
                )
            if labels.min() < 0 or labels.max() > k - 1:
                raise ValueError(
                    f"{name}: class labels must lie in 0..{k - 1} (one per output unit), got "
                    f"labels from {labels.min():g} to {labels.max():g}{values}"
                )
            Y = np.zeros((labels.shape[0], k), dtype=np.uint8 if compact else self.dtype)
            Y[np.arange(labels.shape[0]), labels.astype(np.intp)] = 1
        elif Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if Y.ndim != 2 or Y.shape[1] != k:
            raise ValueError(
                f"{name} must have shape (n_samples, {k}) to match the output layer, "
                f"got shape {Y.shape}"
            )
        if Y.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {Y.shape[0]} rows but {x_name} has {n_samples}; they must match"
            )
        self.loss.check_targets(Y, name)
        return Y if one_hot and compact else np.asarray(Y, dtype=self.dtype)

    def _check_xy(self, X: object, Y: object) -> tuple[np.ndarray, np.ndarray]:
        X = check_data(X, self.n_inputs, self.dtype)
        return X, self.prepare_targets(Y, X.shape[0])

    # -- cost and gradient -----------------------------------------------------------------------
    def loss_and_grad(
        self, X: object, Y: object, training: bool = False, sample_weight: object = None
    ) -> tuple[float, np.ndarray]:
        """Cost ``J`` of a batch and its gradient by backpropagation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
        Y : array-like of shape (n_samples, n_outputs), or 1-D labels / targets
        training : bool, default False
            Run the forward pass in training mode.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the examples, with a positive sum: the loss
            part of ``J`` becomes ``sum_i w_i L_i / sum_i w_i`` (the weighted
            mean).  The weight decay itself is not weighted, but with
            ``decay="per_sample"`` its ``1/m`` counts the examples as the weights
            do, ``m = sum_i w_i`` (the number of rows of the repeated data set).
            So integer weights give exactly the cost and gradient of the rows
            repeated that many times, weights all 1 exactly the unweighted ones,
            and other equal weights ``c`` the unweighted loss part with the
            per-sample decay divided by ``c m`` instead of ``m``.

        Returns
        -------
        J : float
            Mean (or weighted mean) loss plus weight decay.
        grad : ndarray of shape (n_params,)
            A copy of ``dJ/dtheta``, in the order of :attr:`params`.
        """
        training = check_bool(training, "training")
        X, Y = self._check_xy(X, Y)
        sw = self.check_sample_weight(sample_weight, X.shape[0])
        J, grad = self._loss_and_grad(X, Y, training, sw)
        return J, grad.copy()

    def check_sample_weight(self, sample_weight: object, n_samples: int) -> np.ndarray | None:
        """Validated weights of shape (n_samples,) in the network's dtype, or None.

        ``None`` is returned for ``None`` and for weights that are all 1, which
        take exactly the unweighted path.  Other equal weights are returned:
        their loss part is the unweighted one, but ``decay="per_sample"``
        divides by their sum (see :meth:`loss_and_grad`).
        """
        if sample_weight is None:
            return None
        sw = check_finite_array(sample_weight, "sample_weight", dtype=self.dtype)
        if sw.shape != (n_samples,):
            raise ValueError(
                f"sample_weight must have shape ({n_samples},) (one weight per example), "
                f"got shape {sw.shape}"
            )
        if n_samples and (sw.min() < 0 or sw.sum() <= 0):
            raise ValueError(
                "sample_weight must be non-negative with a positive sum, got values from "
                f"{sw.min():g} to {sw.max():g} (sum {sw.sum():g})"
            )
        return None if n_samples == 0 or np.all(sw == 1) else sw

    def loss_value(self, X: object, Y: object) -> float:
        """Cost ``J`` of a batch (forward pass only)."""
        X, Y = self._check_xy(X, Y)
        self._forward(X, False)
        return self._cost_value(Y)

    # -- inference -------------------------------------------------------------------------------
    def predict(self, X: object, batch_size: int | None = None) -> np.ndarray:
        """Outputs of the network for ``X`` in evaluation mode, keeping none of the pass's arrays.

        What :meth:`forward` returns (Dropout passes its input through,
        BatchNorm normalises with its running statistics), computed a block of
        rows at a time: the layers' net inputs and outputs (and a
        convolution's im2col columns) exist for one block, never for all the
        rows, and afterwards every layer holds what it held before (the last
        :meth:`forward` or training batch's arrays, which the diagnostics and
        the trace read), nothing of ``X``.  Use :meth:`forward` to inspect the
        layers' arrays (``layer.Z``, ``layer.A``) of a pass.

        The rows equal :meth:`forward`'s to rounding: a matrix product of a
        block of rows can differ from that of all rows in the last bits (BLAS
        splits the work by the number of rows and threads; measured: a few
        ``eps`` of the dtype).  ``batch_size`` of at least the number of rows
        gives :meth:`forward`'s numbers exactly.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_inputs)
            Checked as :meth:`forward` checks it (a 1-D array is one example;
            for a convolutional network images of shape (n_samples, channels,
            height, width) or rows of their flattened pixels).  Float32, integer
            and boolean data, memory maps and sparse matrices (any format, made
            CSR) are made dense in the network's dtype a block at a time, never
            copied whole.
        batch_size : int, optional
            Rows per block.  By default as many as make the pass's widest array
            (the widest layer's outputs, or a convolution's im2col columns) about
            2 MiB, at least one row.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
            In the network's dtype.

        See Also
        --------
        evaluate : the loss (and accuracy) on data with targets, computed the same way.
        """
        X = self._inference_input(X)
        rows = self._block_rows(batch_size)
        out = None
        with _EvaluationPass(self) as pass_:
            for start, block in input_blocks(X, rows, self.n_inputs, self.dtype):
                A = pass_.forward(block)
                if out is None:
                    if A.shape[0] == X.shape[0]:  # one block: its output is the result
                        return A
                    out = np.empty((X.shape[0], *A.shape[1:]), dtype=A.dtype)
                out[start:start + A.shape[0]] = A
        return out

    def evaluate(self, X: object, Y: object, sample_weight: object = None,
                 batch_size: int | None = None) -> dict[str, float]:
        """Cost (and accuracy) of the network on data, as training reports them.

        Computed in blocks of rows like :meth:`predict`, keeping none of the
        pass's arrays.  ``"loss"`` is the cost ``J`` of :meth:`loss_value`:
        the mean loss plus the weight decay (as Keras's ``evaluate`` adds its
        regularisation penalties), which is what :func:`chainrule.train`
        records as ``"loss"`` and ``"val_loss"``; so ``evaluate(X_val,
        Y_val)`` gives the last epoch's ``val_loss`` and ``val_accuracy``
        (to rounding; exactly with ``batch_size`` of at least the number of
        rows, which evaluates all of them in one pass as training does).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_inputs)
            As in :meth:`predict`.
        Y : array-like of shape (n_samples, n_outputs), or 1-D labels / targets
            As in :meth:`loss_and_grad` (integer class labels 0..n_outputs-1
            for several outputs).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights with a positive sum: the loss is the weighted
            mean of :meth:`loss_and_grad` (with its per-sample decay divided by
            the sum of the weights), the accuracy the weighted fraction of
            examples classified right (scikit-learn's ``accuracy_score`` with
            ``sample_weight``).  Training weights ``val_loss`` the same way
            but counts ``val_accuracy`` unweighted (as Keras counts metrics
            not listed as weighted), so with weights only the losses agree.
        batch_size : int, optional
            Rows per block, as in :meth:`predict`.

        Returns
        -------
        dict
            ``"loss"`` (float), and for a classifier (loss "cross_entropy" or
            "log_loss", as training decides) ``"accuracy"`` (float): the
            fraction of examples whose class, the argmax of the outputs, is
            the target's; with one output, or several sigmoid outputs under log
            loss (multi-label), each output thresholded at 0.5 and an example
            right when all of its labels are.
        """
        X = self._inference_input(X)
        n = X.shape[0]
        Y = self.prepare_targets(Y, n, compact=True)  # one-hot labels as bytes, per block
        sw = self.check_sample_weight(sample_weight, n)
        rows = self._block_rows(batch_size)
        classify = self.loss.name in ("cross_entropy", "log_loss")
        act = self.output_activation
        labels = self.loss.name == "log_loss" and (act is None or act.name != "softmax")
        terms = []
        right = np.empty(n, dtype=bool) if classify else None
        with _EvaluationPass(self) as pass_:
            for start, block in input_blocks(X, rows, self.n_inputs, self.dtype):
                A = pass_.forward(block)
                Yb = Y[start:start + A.shape[0]].astype(self.dtype, copy=False)
                terms.append(self._output_terms(Yb))
                if classify:
                    right[start:start + A.shape[0]] = _correct_rows(A, Yb, labels)
        losses = terms[0] if len(terms) == 1 else np.concatenate(terms)
        if sw is None:  # as _cost_value on all the rows at once
            result = {"loss": float(np.mean(losses)) + self._decay_term(n)}
        else:
            total = float(np.sum(sw))
            result = {"loss": float(np.dot(losses, sw)) / total + self._decay_term(total)}
        if classify:
            result["accuracy"] = (int(np.count_nonzero(right)) / n if sw is None
                                  else float(np.dot(right, sw)) / float(np.sum(sw)))
        return result

    def _inference_input(self, X: object) -> np.ndarray:
        """``X`` checked for :meth:`predict` and :meth:`evaluate` (see _inference.check_inputs)."""
        return check_inputs(X, self.n_inputs, self.dtype)

    def _block_rows(self, batch_size: int | None) -> int:
        """Rows per block of :meth:`predict`: ``batch_size``, or about 2 MiB of the widest array."""
        if batch_size is not None:
            return check_positive_int(batch_size, "batch_size")
        return block_rows(row_values(self.layers, self.layer_shapes()), self.dtype.itemsize)

    def cost(
        self, theta: object, X: object, Y: object, training: bool = False,
        sample_weight: object = None,
    ) -> tuple[float, np.ndarray]:
        """``(J, grad)`` at the flat vector ``theta``, for ``scipy.optimize.minimize(jac=True)``.

        The network is left as it was (parameters, and running statistics of
        batch normalisation when ``training`` is true).

        Parameters
        ----------
        theta : array-like of shape (n_params,)
        X, Y : as in :meth:`loss_and_grad`
        training : bool, default False
            Training-mode forward pass (batch statistics; dropout with its
            fixed mask, see :meth:`Dropout.fix_mask`).
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the examples, as in :meth:`loss_and_grad`.

        Returns
        -------
        J : float
        grad : ndarray of shape (n_params,)
            A copy of ``dJ/dtheta``.
        """
        training = check_bool(training, "training")
        theta = self._check_theta(theta)
        X, Y = self._check_xy(X, Y)
        sw = self.check_sample_weight(sample_weight, X.shape[0])
        saved = self._theta.copy()
        buffers = [{k: v.copy() for k, v in layer.buffers().items()} for layer in self.layers]
        try:
            self._theta[...] = theta
            J, grad = self._loss_and_grad(X, Y, training, sw)
            return J, grad.copy()
        finally:
            self._theta[...] = saved
            for layer, values in zip(self.layers, buffers, strict=True):
                if values:
                    layer.set_buffers(values)

    def _logit_path(self) -> LogitPath | None:
        """The loss's path from the output net input ``z``, if it has one for this output."""
        act = self.output_activation
        if act is None or not act.builtin:
            return None
        return self.loss.logit_paths.get(act.name)

    def _output_terms(self, Y: np.ndarray) -> np.ndarray:
        """Per-example losses, from ``z`` where the loss has a logit path (exact at any logit)."""
        out, path = self.layers[-1], self._logit_path()
        lse = getattr(out, "_lse", None)
        if path is not None and lse is not None and path._value_lse is not None:
            return path._value_lse(out.Z, Y, lse)  # softmax forward already has logsumexp(z)
        if path is not None:
            return path.value(out.Z, Y)
        return self.loss.value(out.A, Y)

    def _decay_term(self, m: float) -> float:
        """Weight-decay part of the cost: (c/2) sum W^2 with c = lambda (or lambda/m).

        ``m`` is the number of examples the per-sample decay divides by: the
        batch's row count, or the sum of its weights (see :meth:`_loss_and_grad`).
        """
        if self.weight_decay == 0.0:
            return 0.0
        c = self.weight_decay / (m if self.decay == "per_sample" else 1)
        theta = self._theta
        return 0.5 * c * sum(float(np.dot(theta[s], theta[s])) for s in self._decay_slices)

    def _cost_value(self, Y: np.ndarray) -> float:
        return float(np.mean(self._output_terms(Y))) + self._decay_term(Y.shape[0])

    def _loss_and_grad(
        self, X: np.ndarray, Y: np.ndarray, training: bool,
        sample_weight: np.ndarray | None = None, one_hot: bool = False,
    ) -> tuple[float, np.ndarray]:
        """Forward, backward; fills ``self._grad`` and returns it (no copy).

        ``one_hot`` says that every row of ``Y`` is exactly one-hot (the
        training loop knows it once per run), so that the softmax +
        cross-entropy output needs no per-batch check of the row sums; the
        same numbers either way.

        ``sample_weight`` (checked, shape (n_samples,)) weights each example's
        loss by ``w_i m / sum(w)``: the weighted mean, exactly the mean when
        the weights are equal.  The per-sample decay divides by ``sum(w)``
        instead of the row count ``m`` (rows repeated ``w_i`` times), except
        in a batch whose weights are all zero (a mini-batch can be one): that
        batch has no data term and its decay divides by ``m``, so the cost and
        gradient stay finite.
        """
        m = X.shape[0]
        A = self._forward(X, training)
        out, n, path = self.layers[-1], len(self.layers), self._logit_path()
        lse = getattr(out, "_lse", None)  # the softmax forward's log-sum-exp, while training
        if (one_hot and lse is not None and path is not None
                and path._delta_one_hot is not None):
            terms = path._value_lse_one_hot(out.Z, Y, lse)
        else:
            one_hot = False
            terms = self._output_terms(Y)
        scale = None
        m_decay: float = m  # the examples the per-sample decay counts
        if sample_weight is not None:
            total = float(np.sum(sample_weight))
            if total > 0:
                m_decay = total
            if not np.all(sample_weight == sample_weight[0]) or total == 0:
                factor = m / total if total > 0 else 0.0  # zero weights: no data term
                scale = (sample_weight * factor).astype(self.dtype, copy=False)[:, None]
        # the weight-decay part of J, kept for callers that report the data term apart
        # (the estimators' scikit-learn-scaled loss of several squared-error outputs)
        self._last_decay = decay = self._decay_term(m_decay)
        if scale is not None:
            J = float(np.dot(scale[:, 0], terms)) / m + decay
        else:
            # np.mean without its Python wrapper (the same sum and division)
            J = float(np.add.reduce(terms) / m) + decay

        if path is not None:  # dJ/dz straight from z: a - y for the canonical pairs
            if one_hot:  # into the output layer's buffer for this batch shape
                delta = path._delta_one_hot(
                    out.Z, A, Y, out._buffer("delta", A.shape, np.result_type(A, Y)))
            else:
                delta = path.delta(out.Z, A, Y)
            if scale is not None:
                delta = delta * scale
            delta /= m
            grad_in = out.backward_delta(delta, need_input_grad=n > 1)
        else:
            grad_a = self.loss.grad(A, Y)
            if scale is not None:
                grad_a = grad_a * scale
            grad_a /= m
            grad_in = out.backward(grad_a, need_input_grad=n > 1)
        for i in range(n - 2, -1, -1):
            grad_in = self.layers[i].backward(grad_in, need_input_grad=i > 0)

        if self.weight_decay:
            c = self.weight_decay / (m_decay if self.decay == "per_sample" else 1)
            if self._decay_work is None:  # no temporary the size of the weights per call
                self._decay_work = np.empty_like(self._theta)
            for s in self._decay_slices:
                self._grad[s] += np.multiply(self._theta[s], c, out=self._decay_work[s])
        self._grad_computed = True
        return J, self._grad

    def _workspace(self, pool: dict | None = None) -> _Workspace:
        """A block within which Dense layers write into reused buffers, one set per batch shape.

        Training calls :meth:`_loss_and_grad` thousands of times on batches of the
        same size; inside this block the layers write their ``Z``, ``A``, ``delta``
        and input gradient into preallocated arrays instead of new ones (the same
        numbers; tests compare both paths).  The next call inside such a block
        overwrites them, so the block should wrap only the internal call whose
        results are used before the next one (never a public :meth:`forward`).

        The returned object can be entered again and again (the training loop
        makes one per run and enters it once per batch).

        Parameters
        ----------
        pool : dict, optional
            The buffers of earlier blocks (an empty dict the first time), so that
            block after block reuses them.
        """
        return _Workspace(self, {} if pool is None else pool)

    # -- conversions and copies ------------------------------------------------------------------
    def copy(self) -> Network:
        """An independent copy (own parameter vector, same architecture and values)."""
        new = copy.copy(self)
        new.layers = [copy.deepcopy(_without_cache(layer)) for layer in self.layers]
        new._bind_buffers(self.dtype)
        return new

    def __copy__(self) -> Network:
        """A shallow copy: the same layers and parameter vector (:meth:`copy` makes its own)."""
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def __deepcopy__(self, memo: dict) -> Network:
        # The default deep copy copies the flat vector and each layer's views of it
        # separately, so that the copy's params no longer move its layers; copy()
        # binds the copied layers to the copy's own vector.
        new = memo[id(self)] = self.copy()
        return new

    def __reduce__(self) -> tuple:
        # Pickled as what a model file holds (config, states, parameters and buffers),
        # for the same reason: unpickled views would be arrays of their own.  This is
        # what lets joblib send networks and the estimators holding them to workers.
        from . import io

        record = {"network": io.network_config(self),
                  "states": [layer.get_state() for layer in self.layers],
                  # the Dropout layers without a seed of their own: their generator's state
                  # is in "states", which would mark them as seeded (a file's network), so
                  # that train's seed would no longer draw their masks as it does the original's
                  "unseeded": [i for i, layer in enumerate(self.layers)
                               if getattr(layer, "own_seed", True) is False]}
        arrays = {name: np.array(value) for name, value in io.network_arrays(self).items()}
        return (_network_from_record, (record, arrays))

    def astype(self, dtype: np.dtype | type | str) -> Network:
        """A copy whose parameters (and computations) use ``dtype`` (float32 or float64)."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        new = self.copy()
        new._bind_buffers(dtype)
        return new

    @classmethod
    def from_transfer_matrices(cls, mats: Sequence[object],
                               activation: str | Sequence[str] = "sigmoid",
                               loss: str = "squared_error", **kwargs: object) -> Network:
        """Build from transfer matrices; see :func:`chainrule.notation.from_transfer_matrices`."""
        from .notation import from_transfer_matrices

        return from_transfer_matrices(mats, activation=activation, loss=loss, **kwargs)

    def to_transfer_matrices(
        self, return_bias: bool = False
    ) -> list[np.ndarray] | tuple[list[np.ndarray], list[bool]]:
        """Matrices of shape (fan_in + 1, fan_out), first row = biases.

        With ``return_bias=True`` also which layers have biases; see
        :func:`chainrule.notation.to_transfer_matrices`.
        """
        from .notation import to_transfer_matrices

        return to_transfer_matrices(self, return_bias=return_bias)

    @classmethod
    def from_ufldl(cls, Ws: Sequence[object], bs: Sequence[object] | None = None,
                   activation: str | Sequence[str] = "sigmoid", loss: str = "squared_error",
                   **kwargs: object) -> Network:
        """Build from UFLDL matrices; see :func:`chainrule.notation.from_ufldl`."""
        from .notation import from_ufldl

        return from_ufldl(Ws, bs, activation=activation, loss=loss, **kwargs)

    def to_ufldl(self) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """``(Ws, bs)`` with ``Ws[l]`` of shape (fan_out, fan_in)."""
        from .notation import to_ufldl

        return to_ufldl(self)

    def save(self, path: str | os.PathLike) -> Path:
        """Save to ``path``: .npz arrays + JSON configuration, never pickle.

        See :func:`chainrule.load`; returns the file written.
        """
        from .io import save

        return save(self, path)

    def layer_shapes(self) -> list[tuple[int | tuple[int, ...], int | tuple[int, ...]]]:
        """Each layer's input and output shape per example, propagated from the input.

        Returns
        -------
        list of (input, output)
            One pair per layer: an int (features) or a tuple (channels,
            height, width) of images.  A layer without a size of its own
            (Dropout, or BatchNorm after a convolution) has its real shape here.
        """
        shape = self.n_inputs
        shapes = []
        for layer in self.layers:
            out = layer.output_shape(shape)
            shapes.append((shape, out))
            shape = out
        return shapes

    def summary(self) -> str:
        """A table of layers, output shapes per example and parameter counts."""
        rows = []
        for i, (layer, (_, shape)) in enumerate(zip(self.layers, self.layer_shapes(),
                                                      strict=True)):
            count = sum(int(np.prod(s.shape)) for s in layer.param_specs())
            out = "x".join(map(str, shape)) if isinstance(shape, tuple) else str(shape)
            rows.append((f"{i}: {layer!r}", out, count))  # images: "8x4x4"
        width = max(40, *(len(name) for name, _, _ in rows))
        lines = [f"{'layer':<{width}} {'output':>8} {'params':>10}"]
        lines += [f"{name:<{width}} {out:>8} {count:>10}" for name, out, count in rows]
        decay = f", weight_decay={self.weight_decay:g} ({self.decay})" if self.weight_decay else ""
        lines.append(f"loss={self.loss.name}{decay}; {self.n_params} parameters, {self.dtype}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Network([{inner}], loss={self.loss.name!r})"


class _Workspace:
    """What :meth:`Network._workspace` returns: switches the Dense layers' buffers on and off.

    A plain class rather than a generator-based context manager, so that entering
    it once per batch costs a few attribute writes.
    """

    def __init__(self, net: Network, pool: dict) -> None:
        self.layers = [layer for layer in net.layers if isinstance(layer, Dense)]
        self.work = [pool.setdefault(id(layer), {}) for layer in self.layers]
        self.saved: list[list] = []

    def __enter__(self) -> _Workspace:
        self.saved.append([layer._work for layer in self.layers])
        for layer, work in zip(self.layers, self.work, strict=True):
            layer._work = work
        return self

    def __exit__(self, *exc: object) -> None:
        for layer, work in zip(self.layers, self.saved.pop(), strict=True):
            layer._work = work


def _network_from_record(record: dict, arrays: dict[str, np.ndarray]) -> Network:
    """The network that :meth:`Network.__reduce__` recorded (unpickling)."""
    from . import io

    net = io.restore_network(record, arrays, "<pickled network>")
    for i in record.get("unseeded", []):  # (absent from the pickles of older versions)
        net.layers[i].own_seed = False
    return net


def _without_cache(layer: Layer, detach: bool = False) -> Layer:
    """A copy of a layer with forward/backward caches dropped and no owning network.

    Without ``detach`` the copy is shallow (cheap to deep-copy next); with it the
    copy is deep: its own parameter arrays, ready to be bound into a new network.
    """
    shallow = copy.copy(layer)
    for attr in ("X", "Z", "A", "delta", "_work", "_lse"):
        if hasattr(shallow, attr):
            setattr(shallow, attr, None)
    shallow._owner = None
    return copy.deepcopy(shallow) if detach else shallow


# What the layers keep of their last forward/backward pass (Dense, Conv2D, pooling,
# BatchNorm, Dropout): arrays with one row per example of that pass's batch.
_BATCH_CACHES = ("X", "Z", "A", "delta", "_lse", "Xhat", "inv_std", "mask", "patches", "argmax")


def _release_caches(net: Network) -> None:
    """Drop every layer's arrays of the last forward/backward pass.

    The input (perhaps the caller's data), net inputs, outputs and error terms,
    so that nothing of the size of a batch stays alive: for the internal passes
    whose caches nobody reads afterwards (an optimiser's run, the estimators'
    fits and predictions); the next pass computes them again.
    """
    for layer in net.layers:
        _release_layer(layer)


def _release_layer(layer: Layer, keep: tuple[str, ...] = ()) -> None:
    """Drop one layer's arrays of its last pass (see :func:`_release_caches`), but ``keep``."""
    for attr in _BATCH_CACHES:
        if attr not in keep and getattr(layer, attr, None) is not None:
            setattr(layer, attr, None)
    if isinstance(layer, SpatialLayer) and getattr(layer, "_work", None):
        layer._work.clear()  # Conv2D's im2col buffers, reused from batch to batch


class _EvaluationPass:
    """A block for an internal evaluation pass whose arrays nobody reads afterwards.

    Training evaluates the validation set after every epoch: one forward pass
    in evaluation mode over all of it.  A plain :meth:`Network._forward` would
    leave in every layer that pass's arrays, which only a backward pass reads
    (a convolution's im2col columns, its input, net input and output, the
    normalised inputs of a BatchNorm, ...): for a CNN on 1,000 images of 28x28,
    hundreds of MiB held after ``train`` returns.  :meth:`forward` here lets
    each layer drop its arrays as soon as the next layer has its output, and
    keeps only the output layer's net input and output (and its softmax's
    log-sum-exp), which the cost and accuracy of the pass read inside the
    block.  On leaving, every layer gets back what it held before the block
    (the last training batch's arrays, which the diagnostics read, and a
    Conv2D's buffers of the training batch size), and the pass's arrays go.

    The numbers are those of ``net._forward(X, False)``: the same layers' own
    forward passes, in the same order.
    """

    # what the output layer keeps during the block: what Network._output_terms reads
    _OUTPUT = ("Z", "A", "_lse")

    def __init__(self, net: Network) -> None:
        self.net = net
        self.saved: list[dict] = []

    def __enter__(self) -> _EvaluationPass:
        self.saved = [dict(vars(layer)) for layer in self.net.layers]
        for layer in self.net.layers:
            if isinstance(layer, SpatialLayer) and isinstance(getattr(layer, "_work", None),
                                                               dict):
                layer._work = {}  # the pass's own buffers, not the training batch's
        return self

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs of the network for ``X`` in evaluation mode, as ``net._forward(X, False)``."""
        A, last = X, len(self.net.layers) - 1
        for i, layer in enumerate(self.net.layers):
            A = layer.forward(A, False)
            _release_layer(layer, self._OUTPUT if i == last else ())
        return A

    def __exit__(self, *exc: object) -> None:
        for layer, saved in zip(self.net.layers, self.saved, strict=True):
            _release_layer(layer)  # the pass's arrays, and an attribute it added
            vars(layer).update(saved)
        self.saved = []


def _correct_rows(A: np.ndarray, Y: np.ndarray, labels: bool = False) -> np.ndarray:
    """Whether each example's predicted class matches the target's: bool of shape (n,).

    ``A`` and ``Y`` are of shape (n, k).  One output, or ``labels`` (log loss on
    sigmoid outputs: each output a yes/no label): each output thresholded at 0.5,
    and an example counts when all its labels are right (scikit-learn's subset
    accuracy for multi-label targets).  Otherwise the class is the row's argmax.
    """
    if A.shape[1] == 1:
        return (A[:, 0] > 0.5) == (Y[:, 0] > 0.5)
    if labels:
        return ((A > 0.5) == (Y > 0.5)).all(axis=1)
    return A.argmax(axis=1) == Y.argmax(axis=1)


def _accuracy_count(A: np.ndarray, Y: np.ndarray, labels: bool = False) -> int:
    """Number of examples whose predicted class matches the target's (see _correct_rows)."""
    return int(np.count_nonzero(_correct_rows(A, Y, labels)))


_DEFAULT_LOSS = {"softmax": "cross_entropy", "sigmoid": "log_loss"}


def _is_list_like(value: object) -> bool:
    """Whether ``value`` is an ordered collection of items: not a string, a scalar, a 0-d
    array, or a set or dict (whose order is not the layers')."""
    return (isinstance(value, Iterable) and not isinstance(value, (str, bytes, Set, Mapping))
            and not (isinstance(value, np.ndarray) and value.ndim == 0))


def mlp(
    sizes: Sequence[int],
    hidden: str | Activation | Sequence[str | Activation] = "relu",
    output: str | Activation = "identity",
    loss: str | None = None,
    init: str | Callable[[np.random.Generator, int, int], np.ndarray] = "auto",
    seed: int | np.random.Generator | None = None,
    weight_decay: float = 0.0,
    decay: str = "ufldl",
    bias: bool = True,
    dtype: np.dtype | type | str = np.float64,
) -> Network:
    """A multilayer perceptron of Dense layers: the common case in one call.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first: ``[64, 100, 10]`` is 64 inputs, one hidden
        layer of 100 units, 10 outputs.
    hidden : str, Activation or sequence of them, default "relu"
        Hidden activation, or one per hidden layer: a name or an
        :class:`~chainrule.activations.Activation` (what
        :func:`~chainrule.register_activation` returns).
    output : str or Activation, default "identity"
        Output activation.
    loss : str, optional
        Defaults to the canonical loss of the output: "cross_entropy" for
        softmax, "log_loss" for sigmoid, "squared_error" otherwise.
    init : str or callable, default "auto"
        Initialiser name; "auto" takes He normal for ReLU-family layers and
        Glorot uniform for the others.  A callable ``init(rng, fan_in,
        fan_out)`` returning an array of shape (fan_in, fan_out) is used for
        every layer, as :class:`Dense` uses it.  Explicit weight matrices go
        to ``Dense(..., init=W)`` or :meth:`Network.from_transfer_matrices`.
    seed : int, Generator or None
        Makes the initial weights reproducible.
    weight_decay, decay : see :class:`Network`.
    bias : bool, default True
    dtype : float64 (default) or float32

    Returns
    -------
    Network

    Examples
    --------
    >>> net = mlp([64, 100, 10], hidden="relu", output="softmax", seed=0)
    >>> net.loss.name, net.n_params
    ('cross_entropy', 7510)
    """
    if not _is_list_like(sizes):  # a list, tuple, 1-D array, Series, range, ...
        raise TypeError(f"sizes must be a list of ints, got {type(sizes).__name__}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least the input and output widths, got {list(sizes)}"
        )
    sizes = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    n_hidden = len(sizes) - 2
    if isinstance(hidden, (str, Activation)):
        hidden = [hidden] * n_hidden
    elif not _is_list_like(hidden):
        raise TypeError(
            "hidden must be an activation (a name or an Activation) or a list of them, one "
            f"per hidden layer, got {type(hidden).__name__}"
        )
    hidden = list(hidden)
    if len(hidden) != n_hidden:
        raise ValueError(
            f"hidden must be one activation or one per hidden layer ({n_hidden}), "
            f"got {len(hidden)}"
        )
    if not (isinstance(init, str) or callable(init)):
        raise TypeError(
            "init must be an initialiser name or a callable init(rng, fan_in, fan_out), got "
            f"{type(init).__name__}; for explicit weight matrices build the layers with "
            "Dense(fan_in, fan_out, activation, init=W) and Network([...]), or use "
            "Network.from_transfer_matrices / Network.from_ufldl"
        )
    from .initializers import make_rng

    rng = make_rng(seed)
    acts = [*hidden, output]
    layers = []
    for fan_in, fan_out, act in zip(sizes[:-1], sizes[1:], acts, strict=True):
        layer_init = init
        if isinstance(init, str) and init == "auto":
            name = act.name if isinstance(act, Activation) else act
            layer_init = "he_normal" if name in ("relu", "leaky_relu") else "glorot_uniform"
        layers.append(Dense(fan_in, fan_out, act, layer_init, bias=bias, seed=rng, dtype=dtype))
    if loss is None:
        loss = _DEFAULT_LOSS.get(layers[-1].activation.name, "squared_error")
    return Network(layers, loss=loss, weight_decay=weight_decay, decay=decay)

