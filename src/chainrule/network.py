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

:class:`Network` inherits most of its methods from mixin bases, one per job, each
in a module of its own: ``_network_vector`` (:class:`_ParameterVector`: the flat
vector the layers view, the shapes, the conversions to other layouts, saving),
``_network_cost`` (:class:`_CostAndGradient`: targets, cost and gradient) and
``_network_inference`` (:class:`_Inference`: ``predict`` and ``evaluate`` in blocks
of rows, and the helpers that free a pass's arrays) and ``_network_terms``
(:class:`_CostTerms`: ``cost_terms``, ``J`` term by term).  Here remain its ``__init__``,
the forward pass, the methods that return a Network (copies, pickling, ``astype``,
the constructors from other layouts) and :func:`_release_caches`; :func:`mlp`, the
builder of Dense networks from their widths, lives in ``_network_mlp``.  Import from
``chainrule.network``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from ._names import naming
from ._network_cost import _CostAndGradient
from ._network_inference import _BATCH_CACHES as _BATCH_CACHES
from ._network_inference import _accuracy_count as _accuracy_count
from ._network_inference import _correct_rows as _correct_rows
from ._network_inference import _EvaluationPass as _EvaluationPass
from ._network_inference import _Inference
from ._network_inference import _release_layer as _release_layer
from ._network_nonfinite import checked_pass
from ._network_settings import DECAY_MODES, _Settings, check_loss_output
from ._network_terms import NetworkCostTerms, _CostTerms
from ._network_vector import _ParameterVector
from ._network_vector import _without_cache as _without_cache
from ._network_workspace import _Workspace as _Workspace
from ._rng_links import copy_rng_links, network_states
from ._validation import (
    check_bool,
    check_data,
    check_float_dtype,
    check_input_shape,
)
from .activations import Activation
from .layers import Layer
from .losses import Loss, get_loss

# ``_name as _name``: the helpers that moved stay importable from here, as they were from the
# one module before the split (the training loop, the estimators and the tests import
# _EvaluationPass, _accuracy_count, _BATCH_CACHES and _without_cache)

__all__ = ["DECAY_MODES", "Network", "NetworkCostTerms", "mlp"]



class Network(_Settings, _ParameterVector, _CostAndGradient, _Inference, _CostTerms):
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
    loss : str, Loss or None, default None
        Per-example loss, a name of :data:`~chainrule.losses.LOSSES`:
        "squared_error", "mean_squared_error", "log_loss", "cross_entropy" or
        "poisson", "huber" or "mean_absolute_error", the margin losses
        "multiclass_hinge" or "hinge", which read scores (an identity output, not a
        softmax or sigmoid one); or an alias, such as "mse" or "mae"; a config dict with
        settings, ``{"name": "huber", "delta": 2.0}``; or a
        :class:`~chainrule.losses.Loss` (``chainrule.losses.huber(2.0)``).  None
        takes the last layer's output's canonical loss, as :func:`~chainrule.mlp` and
        :func:`~chainrule.network_from_layers` do: "cross_entropy" for a
        softmax, "log_loss" for a sigmoid, "squared_error" for every other
        output (give ``loss="squared_error"`` for a course's sigmoid network
        trained on 1/2 of the squared error).
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
    loss : Loss
    weight_decay : float
    decay : str
        The settings of the same names; assigned later, each is checked as the
        constructor checks it (``net.loss = "squared_error"`` looks the name up), and a
        refused value (an unknown name, a negative or NaN decay) leaves the network as it
        was.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        loss: str | dict | Loss | None = None,
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
            if i and getattr(layer, "takes_indices", False):  # Embedding: no layer gives them
                raise ValueError(f"layers[{i}] {layer!r} takes integer indices, which no layer "
                                 "gives (nor has a gradient for): put it first, layers[0]")
            try:
                shape = layer.output_shape(shape)
            except ValueError as exc:
                said = str(exc)
                if i == 0 and input_shape is not None and "the layer before it" in said:
                    # what comes before the first layer is input_shape: named
                    said = said.replace("the layer before it", "input_shape")
                    raise ValueError(f"input_shape: layers[0] {said}") from None
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
        if loss is None:  # the output's canonical loss, as mlp() and network_from_layers()
            output = getattr(getattr(layers[-1], "activation", None), "name", None)
            loss = _DEFAULT_LOSS.get(output, "squared_error")
        with naming("loss"):
            self._loss = get_loss(loss)  # checked against the output below, once it is known
        self.weight_decay = weight_decay  # the properties check them (_network_settings)
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
        check_loss_output(self._loss, act)
        for layer, in_shape in zip(layers, in_shapes, strict=True):
            layer.build(in_shape)
        # the dtype: that of the layers with parameters (Dropout, pooling, Flatten don't vote,
        # nor a BatchNorm without a dtype of its own)
        voters = [layer.dtype for layer in layers
                  if layer.param_specs() and getattr(layer, "_dtype_votes", True)] or [np.float64]
        self._bind_buffers(np.result_type(*voters))

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

        Raises
        ------
        ValueError
            In evaluation mode, as :meth:`predict`: where the outputs are not all finite
            and a parameter was made NaN or infinite in place (``layer.W -= np.inf``),
            or a BatchNorm's running statistics were (or its variance negative), naming
            it, with no NumPy warning before.  Training mode (a step of a loop
            of one's own, which may diverge) returns the outputs as they are.

        See Also
        --------
        predict : the outputs for many rows, in blocks, keeping none of the layers' arrays.
        """
        training = check_bool(training, "training")
        X = check_data(X, self.n_inputs, self.dtype)
        if training:  # a second pass would draw other masks and move BatchNorm's statistics
            return self._forward(X, True)
        return checked_pass(self, "forward", lambda: self._forward(X, False))

    __call__ = forward

    def _forward(self, X: np.ndarray, training: bool) -> np.ndarray:
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    # -- conversions and copies ------------------------------------------------------------------
    def copy(self) -> Network:
        """An independent copy (own parameter vector, same architecture and values).

        Returns
        -------
        Network
        """
        new = copy.copy(self)
        new.layers = [copy.deepcopy(_without_cache(layer)) for layer in self.layers]
        copy_rng_links(self.layers, new.layers)  # Dropout layers drawing from one generator
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
                  "states": network_states(self.layers),
                  # the Dropout layers without a seed of their own, whose masks train's seed
                  # draws (their "states" hold the mark too, own_seed, since files keep it;
                  # the pickles of earlier versions have only this list)
                  "unseeded": [i for i, layer in enumerate(self.layers)
                               if getattr(layer, "own_seed", True) is False]}
        arrays = {name: np.array(value) for name, value in io.network_arrays(self).items()}
        return (_network_from_record, (record, arrays))

    def astype(self, dtype: np.dtype | type | str) -> Network:
        """A copy whose parameters (and computations) use ``dtype`` (float32 or float64).

        Parameters
        ----------
        dtype : numpy dtype, type or str

        Returns
        -------
        Network
        """
        dtype = check_float_dtype(dtype)
        new = self.copy()
        new._bind_buffers(dtype)
        return new

    @classmethod
    def from_transfer_matrices(
        cls, mats: Sequence[object],
        activation: str | Activation | Sequence[str | Activation] = "sigmoid",
        loss: str = "squared_error", **kwargs: object,
    ) -> Network:
        """Build from transfer matrices; see :func:`chainrule.notation.from_transfer_matrices`.

        Parameters
        ----------
        mats : sequence of array-like of shape (fan_in + 1, fan_out)
            One per layer, the biases in the first row.
        activation : str, Activation or a sequence of them, default "sigmoid"
        loss : str, default "squared_error"
        **kwargs : see :func:`chainrule.notation.from_transfer_matrices`

        Returns
        -------
        Network
        """
        from .notation import from_transfer_matrices

        return from_transfer_matrices(mats, activation=activation, loss=loss, **kwargs)

    @classmethod
    def from_ufldl(cls, Ws: Sequence[object], bs: Sequence[object] | None = None,
                   activation: str | Activation | Sequence[str | Activation] = "sigmoid",
                   loss: str = "squared_error",
                   **kwargs: object) -> Network:
        """Build from UFLDL matrices; see :func:`chainrule.notation.from_ufldl`.

        Parameters
        ----------
        Ws : sequence of array-like of shape (fan_out, fan_in)
        bs : sequence of array-like of shape (fan_out,), optional
        activation : str, Activation or a sequence of them, default "sigmoid"
        loss : str, default "squared_error"
        **kwargs : see :func:`chainrule.notation.from_ufldl`

        Returns
        -------
        Network
        """
        from .notation import from_ufldl

        return from_ufldl(Ws, bs, activation=activation, loss=loss, **kwargs)


def _network_from_record(record: dict, arrays: dict[str, np.ndarray]) -> Network:
    """The network that :meth:`Network.__reduce__` recorded (unpickling)."""
    from . import io

    net = io.restore_network(record, arrays, "<pickled network>")
    for i in record.get("unseeded", []):  # (absent from the pickles of older versions)
        net.layers[i].own_seed = False
    return net


def _release_caches(net: Network) -> None:
    """Drop every layer's arrays of the last forward/backward pass.

    The input (perhaps the caller's data), net inputs, outputs and error terms,
    so that nothing of the size of a batch stays alive: for the internal passes
    whose caches nobody reads afterwards (an optimiser's run, the estimators'
    fits and predictions); the next pass computes them again.
    """
    for layer in net.layers:
        _release_layer(layer)


# mlp builds a Network, so its module imports this one: imported last, once Network exists
# (chainrule/__init__ imports this module first); it and the default losses by output
# (which the command line's resume checks import from here) stay importable from here
from ._network_mlp import _DEFAULT_LOSS as _DEFAULT_LOSS  # noqa: E402
from ._network_mlp import mlp as mlp  # noqa: E402
