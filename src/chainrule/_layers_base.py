"""What every layer is (private): the :class:`Layer` base class, :class:`ParamSpec`, and
the checks of a layer's ``X`` and ``grad_out`` (the checks of its initial weights are in
``_layers_init_checks``, imported here under their old names).

A layer declares its parameters (:meth:`Layer.param_specs`), gets views of the
network's flat parameter and gradient buffers (:meth:`Layer.bind`), and pairs
``forward`` with ``backward``; the layer families (``Dense`` in
:mod:`chainrule.layers`, Dropout, BatchNorm, Conv2D, the pools) subclass it.
Import the names from :mod:`chainrule.layers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._layers_init_checks import check_explicit_init, check_init_result, check_weight_count
from ._validation import check_finite_array

__all__ = ["Layer", "ParamSpec", "as_array", "check_explicit_init", "check_grad_out",
           "check_init_result", "check_weight_count"]


def as_array(value: object, layer: object, name: str) -> np.ndarray:
    """A layer's ``X`` or ``grad_out``: an ndarray as it is, an array-like as ``np.asarray``.

    The one rule of every layer's ``forward`` and ``backward``, as NumPy's functions
    take array-likes: a nested list is the array NumPy makes of it (Python floats:
    float64), and an ndarray, float32 included, is used as it is (no copy, no cast),
    but for its byte order: a big-endian one ('>f8', '>f4') is copied into the
    machine's, so that every layer's outputs and gradients are native arrays.
    A subclass of ndarray (``np.matrix``, a masked array) is taken as the plain
    ndarray of its values (``np.asarray``: a view, no copy; a mask is not kept): its
    own operators would change the layers' arithmetic (``*`` of two ``np.matrix`` is a
    matrix product), and every layer returns plain ndarrays.

    Parameters
    ----------
    value : array-like
        What was given.
    layer : Layer
        Named in the message (its repr).
    name : str
        The argument, for the message: "X" or "grad_out".

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        ``value`` is no array of numbers: a ragged list, text, None, a dict.
    """
    if type(value) is np.ndarray:
        # a big-endian array ('>f8') as the same numbers in the machine's order: an output
        # or gradient computed from it is so, as NumPy's arithmetic makes it ('>f4' is
        # float32, which pooling keeps, and float32 arrays are compared with it)
        return value if value.dtype.isnative else _native(value)
    if isinstance(value, np.ndarray):  # np.matrix, a masked array: the plain ndarray view
        return _native(np.asarray(value))
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):  # a ragged list
        arr = None
    if arr is None or arr.dtype.kind not in "biuf":
        text = repr(value)
        text = text if len(text) <= 60 else text[:57] + "..."
        raise ValueError(f"{layer!r}: {name} must be an array or a nested list of numbers of "
                         f"one shape, got {text} ({type(value).__name__})")
    return arr


def _native(arr: np.ndarray) -> np.ndarray:
    """``arr`` in the machine's byte order (a copy where it is not, else ``arr``)."""
    return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))


def check_grad_out(layer: object, grad_out: object, shape: tuple[int, ...] | None
                   ) -> np.ndarray:
    """``grad_out`` for ``layer.backward`` as an array (:func:`as_array`), refused when not
    of the shape of the last output.

    NumPy would broadcast a gradient of one example, or of one column, over the batch
    into a wrong gradient without a word (PyTorch's autograd refuses it).

    Parameters
    ----------
    layer : Layer
        Named in the message (its repr).
    grad_out : array-like
        What ``backward`` was given.
    shape : tuple of int or None
        The shape of what the last forward pass returned; None without a forward pass.

    Returns
    -------
    ndarray of shape ``shape``
        ``grad_out`` itself when an ndarray of the machine's byte order, else
        :func:`as_array`'s (a big-endian array copied into that order).

    Raises
    ------
    ValueError
        ``grad_out`` has another shape or is no array of numbers, or there was no
        forward pass.
    """
    if (type(grad_out) is np.ndarray and grad_out.shape == shape
            and grad_out.dtype.isnative):  # (the training loop's)
        return grad_out
    if shape is None:
        raise ValueError(f"{layer!r}: backward needs a forward pass first (there is no "
                         "output yet for grad_out to be the gradient of)")
    grad_out = as_array(grad_out, layer, "grad_out")
    if grad_out.shape != tuple(shape):
        raise ValueError(f"{layer!r}: grad_out must have the shape of the last forward "
                         f"pass's output, {tuple(shape)}, got shape {grad_out.shape}")
    return grad_out


@dataclass(frozen=True)
class ParamSpec:
    """Name, shape and weight-decay flag of one parameter array of a layer.

    Attributes
    ----------
    name : str
        The key of the array, e.g. "W" or "b".
    shape : tuple of int
        The array's shape, e.g. (fan_in, fan_out).
    decayed : bool
        Whether weight decay applies to it (weights, not biases).
    """

    name: str
    shape: tuple[int, ...]
    decayed: bool


class Layer:
    """Base class: a layer with optional parameters living in the network's flat buffer.

    Dtypes, one rule for all layers: a layer computes in float32 or float64.
    One with parameters (Dense, Conv2D, BatchNorm) computes in NumPy's
    promotion of its input's dtype with its own ``dtype`` (float32 only where
    both allow it: a float32 layer takes float16 as float32, float64 and int64
    as float64); a parameter-free one (the pools, Dropout in training) keeps a
    float32 or float64 input's dtype and takes any other input (integers,
    bools, float16) as float64.  float16 itself is never computed in: it has
    too little range for sums of squares or of many pixels (65504 at most).
    Only Flatten and Dropout in evaluation,
    which compute nothing, return their input's dtype as it is.  A
    :class:`~chainrule.Network` casts its data to its own dtype first
    (float64 unless built in float32), so float16 data never reaches its
    layers.
    """

    n_in: int | None = None
    n_out: int | None = None
    dtype: np.dtype = np.dtype(np.float64)
    _trainable: bool = True  # (class defaults: layers pickled before freezing existed)
    _frozen: frozenset[str] = frozenset()

    # -- freezing: which parameters training leaves as they are -------------------------------
    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's parameters (Keras's ``layer.trainable``).

        ``layer.trainable = False`` freezes every parameter of the layer; True (the
        default) trains those not named in :attr:`frozen`.  A frozen parameter keeps
        its value bit for bit through :func:`~chainrule.train` and a
        :class:`~chainrule.Trainer`'s steps under every optimizer (no update, no
        decoupled or L2 weight decay, no change of the optimizer's state for it), as
        a PyTorch tensor with ``requires_grad_(False)``; its gradient is still
        computed by ``loss_and_grad``, gradcheck and the trace.  A training step
        zeroes its entries of the gradient it steps with (so that they count in no
        ``clip_norm``), as PyTorch leaves a frozen tensor's ``.grad`` None.  Set it
        before a call of ``fit``/``train``: a call reads it as it begins.
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{self!r}: trainable must be True or False, got {value!r}")
        self._trainable = bool(value)

    @property
    def frozen(self) -> frozenset[str]:
        """The names of the parameters training keeps fixed while :attr:`trainable` is True.

        The names of :meth:`param_specs`: ``layer.frozen = {"b"}`` keeps a Dense or
        Conv2D layer's biases (Mazur's example), ``{"gamma", "beta"}`` a BatchNorm's
        scale and shift; a single name may be given as a str.  Empty by default.
        """
        return self._frozen

    @frozen.setter
    def frozen(self, names: object) -> None:
        if isinstance(names, str):
            names = {names}
        try:
            given = list(names)  # type: ignore[call-overload]
        except TypeError:
            given = None
        if given is None or not all(isinstance(n, str) for n in given):
            raise TypeError(f"{self!r}: frozen must be a set of parameter names (e.g. "
                            f"{{'b'}}), got {names!r:.60}")
        own = [spec.name for spec in self.param_specs()]
        unknown = sorted(set(given) - set(own))
        if unknown:
            raise ValueError(f"{self!r}: frozen names {unknown}, which are not parameters of "
                             f"the layer; its parameters are {own}")
        self._frozen = frozenset(given)

    def _frozen_names(self) -> frozenset[str]:
        """The parameters training keeps fixed now: all of them when not :attr:`trainable`."""
        if not self._trainable:
            return frozenset(spec.name for spec in self.param_specs())
        return self._frozen

    def param_specs(self) -> list[ParamSpec]:
        """The parameters this layer owns, in flat-buffer order.

        Returns
        -------
        list of ParamSpec
        """
        return []

    def initial_values(self) -> dict[str, np.ndarray]:
        """Current values of the parameters, to copy into the network's buffer.

        Returns
        -------
        dict of str to ndarray
            One array per :meth:`param_specs` entry, of its shape.
        """
        return {}

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Make the parameters and gradients views into the network's flat buffers.

        Parameters
        ----------
        params, grads : dict of str to ndarray
            Views of the network's flat parameter and gradient vectors, one
            per :meth:`param_specs` entry, of its shape.
        """

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Outputs of the layer for a batch; keeps what :meth:`backward` needs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_in), or (n_samples, c, h, w) for images
            The previous layer's outputs (the network's inputs for the first).  An
            ndarray is used as it is; a nested list as ``np.asarray`` of it (every layer).
        training : bool, default False
            Training mode (Dropout draws a mask, BatchNorm uses the batch's
            statistics); evaluation mode otherwise.

        Returns
        -------
        ndarray of shape (n_samples, n_out), or (n_samples, c', h', w') for images
        """
        raise NotImplementedError  # pragma: no cover - abstract

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate ``dJ/d(output)`` of the last :meth:`forward`.

        Writes the gradients of the layer's parameters into its views of the
        network's flat gradient buffer.

        Parameters
        ----------
        grad_out : array-like of the shape :meth:`forward` returned
            ``dJ/dA`` for this layer's outputs (a nested list as ``np.asarray`` of it).
        need_input_grad : bool, default True
            False for the first layer: ``dJ/dX`` is then not computed.

        Returns
        -------
        ndarray of the shape of the last forward's ``X``, or None
            ``dJ/dX``, the previous layer's ``grad_out``; None when not needed.
        """
        raise NotImplementedError  # pragma: no cover - abstract

    def get_config(self) -> dict:
        """JSON-serialisable constructor arguments (with a "type" key) for saving.

        Returns
        -------
        dict
        """
        raise NotImplementedError  # pragma: no cover - abstract

    def buffers(self) -> dict[str, np.ndarray]:
        """Arrays that are saved with the model but are not parameters (running statistics).

        Returns
        -------
        dict of str to ndarray
        """
        return {}

    def set_buffers(self, values: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`buffers` returned.

        Parameters
        ----------
        values : dict of str to ndarray
        """

    def get_state(self) -> dict:
        """JSON-serialisable state that is neither parameter nor buffer (random generators).

        Returns
        -------
        dict
        """
        return {}

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned.

        Parameters
        ----------
        state : dict
        """

    # -- shapes (for convolutional layers, conv.py): an int is a number of features, a tuple
    # (channels, height, width) an image; None means "not known yet". --------------------------
    def output_shape(self, input_shape: int | tuple[int, ...] | None) -> int | tuple | None:
        """Shape of one output example for one input example of ``input_shape``.

        Checks without changing the layer; raises ValueError if the input does
        not fit.  The default suits layers with a fixed ``n_in`` (Dense) and
        shape-preserving layers with ``n_in = None`` (Dropout).

        Parameters
        ----------
        input_shape : int, (int, int, int) or None
            A number of features, an image's (channels, height, width), or
            None when not known yet.

        Returns
        -------
        int, tuple of int or None
            In the same form.
        """
        if input_shape is not None and self.n_in is not None and input_shape != self.n_in:
            given = (f"images of shape {input_shape}; put a Flatten() layer before it"
                     if isinstance(input_shape, tuple) else f"{input_shape} outputs")
            raise ValueError(f"expects {self.n_in} inputs but the layer before it gives {given}")
        return self.n_out if self.n_out is not None else input_shape

    def build(self, input_shape: int | tuple[int, ...] | None) -> None:
        """Record the input shape (after :meth:`output_shape` accepted it); default: nothing.

        Parameters
        ----------
        input_shape : int, (int, int, int) or None
            As in :meth:`output_shape`.
        """


def write_param(target: np.ndarray | None, value: object, name: str) -> None:
    """Write ``value`` into the parameter view ``target`` (Dense's and Conv2D's W and b).

    ``value`` must be finite numbers of ``target``'s shape; it is written in place, so
    the view into the network's parameter vector stays the one that trains.  A layer
    built with ``bias=False`` (``target`` None) has no ``b`` to write.
    """
    if target is None:
        raise ValueError(f"{name}: this layer was built with bias=False and has no biases")
    try:
        value = check_finite_array(value, name, ndim=target.ndim)
    except ValueError:
        if isinstance(value, np.ndarray) and np.shares_memory(value, target):
            # layer.W -= np.inf: the operator wrote into the view before this check
            raise ValueError(
                f"{name} = ...: an in-place operator on the parameter ({name} -= ..., "
                f"{name} *= ...) wrote NaN or infinite values into it before this check, "
                f"and the layer holds them now: set finite values again (layer.{name} = "
                f"...) before training or predicting, which refuse them") from None
        raise
    if value.shape != target.shape:
        raise ValueError(f"{name} must have shape {target.shape}, got {value.shape}")
    target[...] = value
