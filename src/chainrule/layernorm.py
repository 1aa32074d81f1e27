"""Layer normalisation: each example normalised over its own features, in training and
in evaluation alike (no running statistics), as PyTorch's ``torch.nn.LayerNorm``."""

from __future__ import annotations

import math

import numpy as np

from ._layers_activation import ActivationSetting
from ._layers_base import as_array, check_grad_out, check_weight_count
from ._names import naming
from ._validation import (
    check_bool,
    check_finite_array,
    check_float_dtype,
    check_positive_float,
    check_positive_int,
)
from .activations import Activation, get_activation
from .layers import Layer, ParamSpec

__all__ = ["LayerNorm"]


def _normalized_shape(value: object) -> int | tuple[int, int, int]:
    """``normalized_shape`` checked: an int >= 1 (features) or three of them (C, H, W)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:  # np.array(img.shape): its ints
        value = value.tolist()  # as the list (floats are refused there, naming the value)
    if isinstance(value, (list, tuple)):  # a JSON list from a layer dict or a model file
        if len(value) == 1:  # PyTorch's (n_features,)
            return check_positive_int(value[0], "normalized_shape")
        if len(value) != 3:
            raise ValueError(
                "normalized_shape must be the number of features (an int) or an image's "
                f"(channels, height, width), got {tuple(value)!r} ({len(value)} values)")
        return tuple(check_positive_int(v, "normalized_shape") for v in value)
    return check_positive_int(value, "normalized_shape")


class LayerNorm(Layer):
    """``A = f(gamma * (X - mean) / sqrt(var + eps) + beta)``, mean and variance per example.

    Each example (row) is normalised over its own features, or an image over
    its channels, rows and columns together (PyTorch's ``normalized_shape=(C,
    H, W)``), so the layer computes the same in training and in evaluation and
    keeps no running statistics (unlike :class:`~chainrule.BatchNorm`, which
    normalises each feature over the batch).  ``var`` is the biased variance
    (divided by the number of values), as PyTorch's.

    Parameters
    ----------
    normalized_shape : int or (int, int, int)
        The number of features of (n_samples, n_features) inputs (``(n_features,)``
        is taken as the int), or the
        (channels, height, width) of (n_samples, channels, height, width)
        images (each image is then one group of ``C * H * W`` values).
    activation : str, default "identity"
        Applied after normalising, scaling and shifting.
    eps : float, default 1e-5
        Added to the variance (PyTorch's default).
    elementwise_affine : bool, default True
        Whether the layer has ``gamma`` (ones) and ``beta`` (zeros), one per
        value of ``normalized_shape``; False: ``Z = Xhat``, no parameters.
    dtype : {float32, float64}, optional
        By default the network's dtype (that of its Dense and Conv2D layers;
        float64 on its own), as BatchNorm's.

    Attributes
    ----------
    gamma, beta : ndarray of shape normalized_shape, or None
        Scale and shift (parameters; views into the network's vector, never
        decayed); None with ``elementwise_affine=False``.
    Xhat, Z, A : ndarray of the input's shape
        Normalised input, ``gamma * Xhat + beta`` and its activation, of the
        last forward pass.
    inv_std : ndarray of shape (n_samples, 1) or (n_samples, 1, 1, 1)
        ``1 / sqrt(var + eps)`` of each example in the last forward pass.
    delta : ndarray of the input's shape
        ``dJ/dZ`` of the last backward pass (each example's share divided by
        the batch size, since the cost is the batch mean), as a Dense layer's.

    Examples
    --------
    Two examples of three features.  Worked by hand: ``[1, 2, 3]`` has mean 2
    and variance ``(1 + 0 + 1) / 3 = 2/3``, so ``Xhat = [-1, 0, 1] / sqrt(2/3)
    = [-1.2247, 0, 1.2247]``; ``[0, 0, 6]`` has mean 2 and variance ``(4 + 4 +
    16) / 3 = 8``, so ``Xhat = [-2, -2, 4] / sqrt(8) = [-0.7071, -0.7071,
    1.4142]`` (eps changes the fifth decimal).  With ``gamma = [1, 2, 0.5]``
    and ``beta = [0, 1, 0]``, ``Z = gamma * Xhat + beta``:

    >>> import numpy as np
    >>> from chainrule import LayerNorm
    >>> layer = LayerNorm(3)
    >>> layer.gamma, layer.beta = [1.0, 2.0, 0.5], [0.0, 1.0, 0.0]
    >>> A = layer.forward(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 6.0]]))
    >>> print(np.round(A, 4))
    [[-1.2247  1.      0.6124]
     [-0.7071 -0.4142  0.7071]]
    """

    activation = ActivationSetting(elementwise=True)  # a name assigned: as __init__'s

    def __init__(
        self,
        normalized_shape: int | tuple[int, int, int],
        activation: str | Activation = "identity",
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        dtype: np.dtype | type | str | None = None,
    ) -> None:
        self.normalized_shape = _normalized_shape(normalized_shape)
        shape = self._shape
        check_weight_count(shape, "normalized_shape")
        self.n_in = self.n_out = (self.normalized_shape if isinstance(self.normalized_shape, int)
                                  else None)
        with naming("activation"):
            self.activation = get_activation(activation)
        if not self.activation.elementwise:
            raise ValueError(
                f"activation: LayerNorm needs an elementwise activation, got "
                f"{self.activation.name!r}; put softmax on a Dense output layer"
            )
        self.eps = check_positive_float(eps, "eps")
        self.elementwise_affine = check_bool(elementwise_affine, "elementwise_affine")
        # None: the network's dtype (that of its Dense/Conv2D layers), as BatchNorm's
        self._dtype_votes = dtype is not None
        self.dtype = check_float_dtype(np.float64 if dtype is None else dtype)
        affine = self.elementwise_affine
        self._gamma = np.ones(shape, dtype=self.dtype) if affine else None
        self._beta = np.zeros(shape, dtype=self.dtype) if affine else None
        self.dgamma = np.zeros(shape, dtype=self.dtype) if affine else None
        self.dbeta = np.zeros(shape, dtype=self.dtype) if affine else None
        self.Xhat = self.Z = self.A = self.inv_std = self.delta = None

    # the shape of what the last forward pass returned (None before one), which backward's
    # grad_out must have
    _forward_shape: tuple[int, ...] | None = None

    @property
    def _shape(self) -> tuple[int, ...]:
        """``normalized_shape`` as a tuple: (n_features,) or (C, H, W)."""
        s = self.normalized_shape
        return (s,) if isinstance(s, int) else s

    def param_specs(self) -> list[ParamSpec]:
        if not self.elementwise_affine:
            return []
        return [ParamSpec("gamma", self._shape, False), ParamSpec("beta", self._shape, False)]

    def initial_values(self) -> dict[str, np.ndarray]:
        return {"gamma": self._gamma, "beta": self._beta} if self.elementwise_affine else {}

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        if self.elementwise_affine:
            self._gamma, self.dgamma = params["gamma"], grads["gamma"]
            self._beta, self.dbeta = params["beta"], grads["beta"]

    # -- parameters: properties, so that assignment writes into the arrays the layer
    # computes with (views of the network's vector, which the optimizer updates) ------------
    @property
    def gamma(self) -> np.ndarray | None:
        """Scales, ndarray of shape ``normalized_shape``: a view into the network's
        parameters (None without ``elementwise_affine``).

        Assigning an array of that shape writes into the same memory, as ``Dense.W``.
        """
        return self._gamma

    @gamma.setter
    def gamma(self, value: object) -> None:
        self._gamma[...] = self._checked("gamma", value)

    @property
    def beta(self) -> np.ndarray | None:
        """Shifts, ndarray of shape ``normalized_shape`` (a view, as ``gamma``)."""
        return self._beta

    @beta.setter
    def beta(self, value: object) -> None:
        self._beta[...] = self._checked("beta", value)

    def _checked(self, name: str, value: object) -> np.ndarray:
        """``value`` for the parameter ``name``: finite numbers of ``normalized_shape``; a
        ValueError naming ``name`` otherwise."""
        if not self.elementwise_affine:
            raise ValueError(f"{name}: this layer was built with elementwise_affine=False and "
                             "has no gamma or beta")
        value = check_finite_array(value, name, ndim=len(self._shape))
        if value.shape != self._shape:
            raise ValueError(f"{name} must have shape {self._shape} (one value per element of "
                             f"normalized_shape), got shape {value.shape}")
        return value

    def output_shape(
        self, input_shape: int | tuple[int, ...] | None,
    ) -> int | tuple[int, ...] | None:
        if input_shape is None or input_shape == self.normalized_shape:
            return self.normalized_shape
        if isinstance(input_shape, tuple) and isinstance(self.normalized_shape, int):
            raise ValueError(
                f"{self!r}: expects {self.normalized_shape} features, got images of shape "
                f"{input_shape}: use LayerNorm({input_shape}) to normalise each image over "
                "its channels and pixels, or put a Flatten() layer before it")
        given = (f"images of shape {input_shape}" if isinstance(input_shape, tuple)
                 else f"{input_shape} features")
        raise ValueError(f"{self!r}: expects inputs of shape {self.normalized_shape}, the "
                         f"layer before it gives {given}: use LayerNorm({input_shape})")

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Normalise each example with its own mean and variance.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            ``(n_samples, *normalized_shape)``.  Integers, bools and float16 are
            taken in NumPy's promotion with the layer's dtype, as BatchNorm's.
        training : bool, default False
            Unused: the layer computes the same in training and in evaluation.

        Returns
        -------
        A : ndarray of the shape of X

        Raises
        ------
        ValueError
            X is not of shape ``(n_samples, *normalized_shape)``.
        """
        X = as_array(X, self, "X")
        if X.shape[1:] != self._shape or X.ndim < 2:
            raise ValueError(
                f"{self!r}: X must have shape (n_samples, {', '.join(map(str, self._shape))}), "
                f"got shape {X.shape}"
            )
        if X.dtype not in (np.float32, np.float64):  # float16's variance overflows
            X = X.astype(np.result_type(X.dtype, self.dtype if self._gamma is None
                                        else self._gamma.dtype))
        axes = tuple(range(1, X.ndim))
        mean = X.mean(axis=axes, keepdims=True)
        var = X.var(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + X.dtype.type(self.eps))
        Xhat = (X - mean) * inv_std
        Z = self._gamma * Xhat + self._beta if self.elementwise_affine else Xhat
        A = self.activation.f(Z)
        self.inv_std, self.Xhat, self.Z, self.A = inv_std, Xhat, Z, A
        self._forward_shape = X.shape
        return A

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """From ``dJ/dA`` through the activation, then :meth:`backward_delta`.

        Parameters
        ----------
        grad_out : array-like of the shape of the last forward pass's output
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
        return self.backward_delta(self.activation.backward(self.Z, self.A, grad_out),
                                   need_input_grad)

    def backward_delta(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Gradients from ``delta = dJ/dZ`` (Z = gamma * Xhat + beta).

        ``dgamma = sum over examples of delta * Xhat``, ``dbeta = sum of delta``;
        per example of D values ``dJ/dX = inv_std / D * (D g - sum(g) - Xhat
        sum(g Xhat))`` with ``g = delta * gamma`` (the example's mean and
        variance depend on each of its values).

        Parameters
        ----------
        delta : ndarray of shape (n_samples, *normalized_shape)
        need_input_grad : bool, default True

        Returns
        -------
        ndarray of the shape of ``delta``, or None
            ``dJ/dX``; None when ``need_input_grad`` is false.
        """
        self.delta = delta
        if self.elementwise_affine:
            np.sum(delta * self.Xhat, axis=0, out=self.dgamma)
            np.sum(delta, axis=0, out=self.dbeta)
        if not need_input_grad:
            return None
        g = delta * self._gamma if self.elementwise_affine else delta
        axes = tuple(range(1, g.ndim))
        d = math.prod(self._shape)
        return (self.inv_std / d) * (
            d * g - g.sum(axis=axes, keepdims=True)
            - self.Xhat * np.sum(g * self.Xhat, axis=axes, keepdims=True)
        )

    def get_config(self) -> dict:
        s = self.normalized_shape
        return {"type": "LayerNorm", "normalized_shape": s if isinstance(s, int) else list(s),
                "activation": self.activation.name, "eps": self.eps,
                "elementwise_affine": self.elementwise_affine}

    def __repr__(self) -> str:
        act = "" if self.activation.name == "identity" else f", activation={self.activation.name!r}"
        affine = "" if self.elementwise_affine else ", elementwise_affine=False"
        return f"LayerNorm({self.normalized_shape}{act}{affine})"
