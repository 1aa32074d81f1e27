"""Batch normalisation: batch statistics in training, running statistics in evaluation."""

from __future__ import annotations

import numpy as np

from ._batchnorm_rows import channels_first as _channels_first
from ._batchnorm_rows import channels_last as _channels_last
from ._batchnorm_rows import refuse_one_value as _refuse_one_value
from ._layers_activation import ActivationSetting
from ._layers_base import as_array, check_grad_out
from ._names import naming
from ._validation import (
    check_bool,
    check_finite_array,
    check_float_dtype,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
)
from .activations import Activation, get_activation
from .layers import Layer, ParamSpec, check_weight_count

__all__ = ["BatchNorm"]


class BatchNorm(Layer):
    """``A = f(gamma * (X - mean) / sqrt(var + eps) + beta)``, per feature.

    Usually placed after a ``Dense(..., activation="identity")`` with the
    nonlinearity given here, so normalisation happens before the activation.
    After a ``Conv2D`` (images of shape (n_samples, n_features, height,
    width)) it normalises each channel over the examples and pixels.

    Parameters
    ----------
    n_features : int
    activation : str, default "identity"
        Applied after normalising, scaling and shifting.
    momentum : float in [0, 1), default 0.9
        ``running = momentum * running + (1 - momentum) * batch_statistic``,
        after each training batch (of more than one value per feature: see
        :meth:`forward`).
    eps : float, default 1e-5
    dtype : {float32, float64}, optional
        By default the network's dtype (that of its Dense and Conv2D layers;
        float64 on its own).  Given, it takes part in the network's dtype as
        a Dense layer's does.
    unbiased_running_var : bool, default True
        True: ``running_var`` averages the batches' unbiased variances (``m / (m
        - 1)`` times the biased one, m rows; m = n * h * w after images), as
        PyTorch's BatchNorm1d/2d.  False: the biased ones, which the batch is
        normalised with, as Keras's BatchNormalization and cs231n's
        ``batchnorm_forward`` (whose running_var starts at 0: assign it).

    Attributes
    ----------
    gamma, beta : ndarray of shape (n_features,)
        Scale and shift (parameters; views into the network's vector, never decayed).
    running_mean, running_var : ndarray of shape (n_features,)
        Used in evaluation mode; they start at 0 and 1.  The running variance
        averages unbiased or biased estimates (``unbiased_running_var``).
    Xhat, Z, A : ndarray of shape (n_samples, n_features)
        Normalised input, ``gamma * Xhat + beta`` and its activation, of the
        last forward pass.  After images (n_samples, n_features, height,
        width) they are rows of shape (n_samples * height * width,
        n_features), one per pixel (channels last), as the statistics are
        computed; :meth:`forward` returns A in the images' shape.
    inv_std : ndarray of shape (n_features,)
        ``1 / sqrt(var + eps)`` of the last forward pass.
    delta : ndarray of shape (n_samples, n_features)
        ``dJ/dZ`` of the last backward pass, of Z's shape (rows for images)
        (per-example error term divided by the batch size, since the cost is
        the batch mean), as a Dense layer's.
    """
    activation = ActivationSetting()  # a name assigned is resolved, as __init__'s

    def __init__(
        self,
        n_features: int,
        activation: str | Activation = "identity",
        momentum: float = 0.9,
        eps: float = 1e-5,
        dtype: np.dtype | type | str | None = None,
        unbiased_running_var: bool = True,
    ) -> None:
        self.n_in = self.n_out = check_positive_int(n_features, "n_features")
        check_weight_count((self.n_in,), "n_features")  # gamma, beta: no NumPy "dimension"
        with naming("activation"):
            self.activation = get_activation(activation)
        self.momentum = check_nonneg_float(momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        self.eps = check_positive_float(eps, "eps")
        self.unbiased_running_var = check_bool(unbiased_running_var, "unbiased_running_var")
        # None: the network's dtype (that of its Dense/Conv2D layers), like Dropout's
        self._dtype_votes = dtype is not None
        self.dtype = check_float_dtype(np.float64 if dtype is None else dtype)
        self._gamma = np.ones(self.n_in, dtype=self.dtype)
        self._beta = np.zeros(self.n_in, dtype=self.dtype)
        self.dgamma = np.zeros_like(self._gamma)
        self.dbeta = np.zeros_like(self._beta)
        self._running_mean = np.zeros(self.n_in, dtype=self.dtype)
        self._running_var = np.ones(self.n_in, dtype=self.dtype)
        self.Xhat = self.Z = self.A = self.inv_std = self.delta = None
        self._batch_stats = False

    # the shape of what the last forward pass returned (None before one), which backward's
    # grad_out must have
    _forward_shape: tuple[int, ...] | None = None
    # (a layer pickled before this was an option averaged the unbiased variance)
    unbiased_running_var = True

    def param_specs(self) -> list[ParamSpec]:
        return [ParamSpec("gamma", (self.n_in,), False), ParamSpec("beta", (self.n_in,), False)]

    def initial_values(self) -> dict[str, np.ndarray]:
        return {"gamma": self.gamma, "beta": self.beta}

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self._gamma, self.dgamma = params["gamma"], grads["gamma"]
        self._beta, self.dbeta = params["beta"], grads["beta"]
        self._running_mean = self._running_mean.astype(self._gamma.dtype)
        self._running_var = self._running_var.astype(self._gamma.dtype)

    # -- parameters and running statistics: properties, so that assignment writes into the
    # arrays the layer computes with (the parameters: views of the network's vector, which
    # the optimizer updates and a model file saves; the statistics in the layer's dtype) ---
    @property
    def gamma(self) -> np.ndarray:
        """Scales, ndarray of shape (n_features,): a view into the network's parameters.

        Assigning an array of that shape writes into the same memory, as ``Dense.W``.
        """
        return self._gamma

    @gamma.setter
    def gamma(self, value: object) -> None:
        self._gamma[...] = self._checked("gamma", value)

    @property
    def beta(self) -> np.ndarray:
        """Shifts, ndarray of shape (n_features,) (a view, as ``gamma``)."""
        return self._beta

    @beta.setter
    def beta(self, value: object) -> None:
        self._beta[...] = self._checked("beta", value)

    @property
    def running_mean(self) -> np.ndarray:
        """Running mean, ndarray of shape (n_features,) in the layer's dtype.

        Assigning an array of that shape writes into it (in its dtype).
        """
        return self._running_mean

    @running_mean.setter
    def running_mean(self, value: object) -> None:
        self._running_mean[...] = self._checked("running_mean", value)

    @property
    def running_var(self) -> np.ndarray:
        """Running variance (see ``unbiased_running_var``), as ``running_mean``."""
        return self._running_var

    @running_var.setter
    def running_var(self, value: object) -> None:
        self._running_var[...] = self._checked("running_var", value)

    def _checked(self, name: str, value: object) -> np.ndarray:
        """``value`` for the (n_features,) array ``name``: finite numbers of that shape (and
        not negative for ``running_var``); a ValueError naming ``name`` otherwise."""
        value = check_finite_array(value, name, ndim=1)
        if value.shape != (self.n_in,):
            raise ValueError(f"{name} must have shape ({self.n_in},) (one value per feature), "
                             f"got shape {value.shape}")
        if name == "running_var" and np.any(value < 0):
            raise ValueError(f"running_var must be >= 0, got {value}")
        return value

    def __setstate__(self, state: dict) -> None:
        """A layer pickled before these were properties kept them under their own names."""
        for name in ("gamma", "beta", "running_mean", "running_var"):
            if name in state:
                state["_" + name] = state.pop(name)
        self.__dict__.update(state)

    # -- images (conv.py): one mean and variance per channel, over examples and pixels -------
    def output_shape(
        self, input_shape: int | tuple[int, ...] | None,
    ) -> int | tuple[int, ...] | None:
        if isinstance(input_shape, tuple):  # images (channels, height, width): per channel
            if input_shape[0] != self.n_in:
                flat = int(np.prod(input_shape))
                hint = (f", or put a Flatten() layer before it to normalise the {flat} values "
                        "as features" if flat == self.n_in else "")
                raise ValueError(
                    f"{self!r}: expects images with {self.n_in} channel(s) (or vectors of "
                    f"{self.n_in} features), got images of shape {input_shape} with "
                    f"{input_shape[0]} channel(s): use BatchNorm({input_shape[0]}){hint}"
                )
            return input_shape
        return super().output_shape(input_shape)

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Normalise with the batch's statistics (training) or the running ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_features, height, width)
            Images are normalised per channel, as rows
            (n_samples * height * width, n_features).  Integers, bools and
            float16 are taken in NumPy's promotion with the layer's dtype
            (float16 as float32 in a float32 layer; see ``Layer``).
        training : bool, default False
            True: normalise with the batch's mean and variance and update the
            running statistics; False: normalise with the running statistics.

        Returns
        -------
        A : ndarray of the shape of X

        Raises
        ------
        ValueError
            If X is not of one of the shapes above, or in training with one
            value per feature (one example; one image of 1x1 pixels), which
            has no variance to normalise with, as PyTorch's BatchNorm1d/2d
            refuse it (evaluation mode normalises it with the running
            statistics); the layer (its running statistics included) is then
            left as it was.  The running statistics are only updated once the
            whole forward pass has succeeded.  (The training loop never gives
            a one-row batch: see :func:`~chainrule.training.train`'s
            ``batch_size``.)
        """
        X = as_array(X, self, "X")
        if X.ndim not in (2, 4) or X.shape[1] != self.n_in:
            raise ValueError(
                f"BatchNorm({self.n_in}): X must have shape (n_samples, {self.n_in}) or "
                f"(n_samples, {self.n_in}, height, width) ({self.n_in} features or channels), "
                f"got shape {X.shape}"
            )
        if X.dtype not in (np.float32, np.float64):  # float16's variance overflows
            # NumPy's promotion with the parameters, as Dense's and Conv2D's products make
            # it: float16 to a float32 layer is float32, int64 is float64
            X = X.astype(np.result_type(X.dtype, self.gamma.dtype))
        if training and X.shape[0] * int(np.prod(X.shape[2:])) == 1:
            _refuse_one_value(self, X.shape)
        if X.ndim == 4:
            A = _channels_first(self.forward(_channels_last(X), training), X.shape)
            self._forward_shape = X.shape  # (the rows' pass recorded theirs)
            return A
        m = X.shape[0]
        if training:
            mean = X.mean(axis=0)
            var = X.var(axis=0)
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        Xhat = (X - mean) * inv_std
        Z = self.gamma * Xhat + self.beta
        A = self.activation.f(Z)
        # everything computed: only now is the layer's state changed
        if training:
            r = self.momentum
            self._running_mean *= r
            self._running_mean += (1 - r) * mean
            self._running_var *= r
            if self.unbiased_running_var:
                self._running_var += (1 - r) * var * (m / (m - 1))
            else:  # Keras's and cs231n's: the variance the batch was normalised with
                self._running_var += (1 - r) * var
        self._batch_stats = training
        self.inv_std, self.Xhat, self.Z, self.A = inv_std, Xhat, Z, A
        self._forward_shape = X.shape
        return A

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """From ``dJ/dA`` through the activation, then :meth:`backward_delta`.

        Parameters
        ----------
        grad_out : array-like of shape (n_samples, n_features) or (n_samples, n_features, h, w)
        need_input_grad : bool, default True

        Returns
        -------
        ndarray of the shape of ``grad_out``, or None
            ``dJ/dX``; None when ``need_input_grad`` is false.

        Raises
        ------
        ValueError
            ``grad_out`` is not of the shape of the last forward pass's output.
        """
        grad_out = check_grad_out(self, grad_out, self._forward_shape)
        images = grad_out.ndim == 4  # per channel, as in forward: rows (n * h * w, c)
        rows = _channels_last(grad_out) if images else grad_out
        g = self.backward_delta(self.activation.backward(self.Z, self.A, rows), need_input_grad)
        return _channels_first(g, grad_out.shape) if images and g is not None else g

    def backward_delta(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Gradients from ``delta = dJ/dZ`` (Z = gamma * Xhat + beta).

        ``dgamma = sum(delta * Xhat)``, ``dbeta = sum(delta)``; with batch
        statistics ``dJ/dX = inv_std / m * (m g - sum(g) - Xhat sum(g Xhat))``
        where ``g = delta * gamma`` (the mean and variance depend on X too);
        with running statistics simply ``g * inv_std``.

        Parameters
        ----------
        delta : ndarray of shape (m, n_features)
            After images the m rows are the pixels, channels last (see :attr:`Xhat`).
        need_input_grad : bool, default True

        Returns
        -------
        ndarray of shape (m, n_features), or None
            ``dJ/dX``; None when ``need_input_grad`` is false.
        """
        self.delta = delta
        np.sum(delta * self.Xhat, axis=0, out=self.dgamma)
        np.sum(delta, axis=0, out=self.dbeta)
        if not need_input_grad:
            return None
        g = delta * self.gamma
        if not self._batch_stats:
            return g * self.inv_std
        m = g.shape[0]
        return (self.inv_std / m) * (
            m * g - g.sum(axis=0) - self.Xhat * np.sum(g * self.Xhat, axis=0)
        )

    def get_config(self) -> dict:
        return {
            "type": "BatchNorm", "n_features": self.n_in, "activation": self.activation.name,
            "momentum": self.momentum, "eps": self.eps,
            "unbiased_running_var": self.unbiased_running_var,
        }

    def buffers(self) -> dict[str, np.ndarray]:
        """``running_mean`` and ``running_var``, each of shape (n_features,).

        Returns
        -------
        dict of str to ndarray of shape (n_features,)
        """
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def set_buffers(self, values: dict[str, np.ndarray]) -> None:
        """Restore ``running_mean`` and ``running_var`` (each of shape (n_features,)).

        Both are checked before either is written: exactly ``(n_features,)``
        real, finite numbers, and a variance that is not negative; anything
        else (a loaded file's corrupted buffers, say) raises a ValueError.

        Parameters
        ----------
        values : dict of str to ndarray of shape (n_features,)
            ``running_mean`` and ``running_var``.
        """
        checked = {}
        for name in ("running_mean", "running_var"):
            if name not in values:
                raise ValueError(f"BatchNorm buffers need {name!r}, got keys {sorted(values)}")
            value = np.asarray(values[name])
            if value.dtype.kind not in "iuf":
                raise ValueError(
                    f"BatchNorm {name} must hold real numbers, got an array of dtype "
                    f"{value.dtype}"
                )
            if value.shape != (self.n_in,):
                raise ValueError(
                    f"BatchNorm {name} must have shape ({self.n_in},) (one value per feature), "
                    f"got shape {value.shape}"
                )
            if not np.all(np.isfinite(value)):
                raise ValueError(f"BatchNorm {name} must be finite, got {value}")
            checked[name] = value
        if np.any(checked["running_var"] < 0):
            raise ValueError(f"BatchNorm running_var must be >= 0, got {checked['running_var']}")
        for name, value in checked.items():
            getattr(self, name)[...] = value

    def __repr__(self) -> str:
        act = "" if self.activation.name == "identity" else f", activation={self.activation.name!r}"
        extra = "".join(f", {k}={v!r}" for k, v, default in (  # settings not the defaults
            ("momentum", self.momentum, 0.9), ("eps", self.eps, 1e-5),
            ("unbiased_running_var", self.unbiased_running_var, True)) if v != default)
        return f"BatchNorm({self.n_in}{act}{extra})"
