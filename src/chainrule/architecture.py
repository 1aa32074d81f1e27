"""An architecture written as data: a list of layer dicts -> a Network.

The dicts are those that :func:`chainrule.io.network_config` writes (each
layer's ``get_config()``), so an architecture can come from JSON or the command
line, and a saved model's layer list rebuilds the same architecture.  Sizes
that follow from the layer before (``fan_in`` of Dense, ``in_channels`` of
Conv2D, ``n_features`` of BatchNorm, which normalises per channel after a
convolution, ``normalized_shape`` of LayerNorm, the whole example) may be left out::

    net = network_from_layers(
        [
            {"type": "Conv2D", "out_channels": 8, "kernel_size": 3, "padding": 1},
            {"type": "MaxPool2D", "size": 2},
            {"type": "Flatten"},
            {"type": "Dense", "fan_out": 10, "activation": "softmax"},
        ],
        input_shape=(1, 8, 8), seed=0,
    )

On the command line the same list, less the output layer, is ``chainrule
train --layers JSON_OR_FILE`` (with ``--input-shape C H W`` for images):
:func:`parse_layers` reads it from JSON text or a .json file, and the command
appends the output layer of the task and calls ``network_from_layers(layers,
input_shape=..., loss=..., seed=SEED, weight_decay=...)``.  The estimators
(:class:`~chainrule.MLPClassifier`, :class:`~chainrule.MLPRegressor`) take
the same list as ``layers=`` (with ``input_shape=(C, H, W)`` for images, ``X``
staying flat rows) in place of ``hidden_layer_sizes``, ``dropout`` and
``batch_norm``, and append their output layer to it alike; their layers draw
from the estimator's generator, so that ``layers=[{"type": "Dense",
"fan_out": 8}]`` is ``hidden_layer_sizes=(8,)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence

import numpy as np

from ._architecture_json import _KeyTwice, _unique_keys, parse_layers  # noqa: F401
from ._layers_embedding import Embedding
from ._validation import check_float_dtype, check_input_shape
from .batchnorm import BatchNorm
from .conv import Conv2D
from .dropout import Dropout
from .initializers import auto_init, make_rng
from .layernorm import LayerNorm
from .layers import Dense, Layer
from .network import Network
from .pooling import AvgPool2D, Flatten, MaxPool2D

__all__ = ["LAYER_TYPES", "network_from_layers", "parse_layers"]

LAYER_TYPES: dict[str, type[Layer]] = {
    "Dense": Dense, "Dropout": Dropout, "BatchNorm": BatchNorm, "Conv2D": Conv2D,
    "MaxPool2D": MaxPool2D, "AvgPool2D": AvgPool2D, "Flatten": Flatten, "LayerNorm": LayerNorm,
    "Embedding": Embedding,
}
"""Layer types by the name used in a layer dict's "type" key."""

# the size each type can take from the shape of its input: (key, function of the shape)
_INFERRED = {
    "Dense": ("fan_in", lambda shape: shape),
    "Conv2D": ("in_channels", lambda shape: shape[0] if isinstance(shape, tuple) else shape),
    "BatchNorm": ("n_features", lambda shape: shape[0] if isinstance(shape, tuple) else shape),
    # over all of an example's features, or an image's (channels, height, width)
    "LayerNorm": ("normalized_shape", lambda shape: shape),
    "Embedding": ("block_size", lambda shape: shape),  # the indices per example
}
_DEFAULT_LOSS = {"softmax": "cross_entropy", "sigmoid": "log_loss"}


#: Keras's and PyTorch's names of a key (``{"type": "Dense", "units": 6}``), said with the
#: refusal of an unknown key where the layer takes the key under its own name.
_KNOWN_AS = {"units": "fan_out", "out_features": "fan_out", "in_features": "fan_in",
             "filters": "out_channels", "pool_size": "size", "p": "rate",
             "num_features": "n_features", "strides": "stride", "use_bias": "bias"}

def _arguments(cls: type[Layer]) -> list[str]:
    return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]


def _required(cls: type[Layer]) -> list[str]:
    """The arguments of ``cls`` without a default: the keys its dict must give (or infer)."""
    return [name for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.default is inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _make_layer(i: int, spec: object, shape: object, rng: np.random.Generator,
                dtype: np.dtype, seeded: bool = True, share_rng: bool = False) -> Layer:
    """One layer from its dict, with inferred sizes, a seed from ``rng`` and ``dtype``.

    ``seeded``: whether the network was given a seed; without one a Dropout layer is
    built without a seed of its own (see :class:`~chainrule.Dropout`).  ``share_rng``:
    the layer takes ``rng`` itself as its seed instead of a seed drawn from it (the
    estimators' layers draw from the estimator's generator, as those of
    ``hidden_layer_sizes`` do).
    """
    where = f"layers[{i}]"
    if isinstance(spec, Layer):
        return spec
    if not isinstance(spec, Mapping):
        raise TypeError(f"{where} must be a dict like {{'type': 'Dense', ...}} or a Layer, "
                        f"got {type(spec).__name__}")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in LAYER_TYPES:  # a list ("type": [...]) is no key
        # type names are class names, case and all (as activation names are lowercase)
        near = [t for t in LAYER_TYPES if isinstance(kind, str) and t.lower() == kind.lower()]
        hint = f"; type names are case-sensitive: write {near[0]!r}" if near else ""
        raise ValueError(f"{where}: 'type' must be one of {sorted(LAYER_TYPES)}, got "
                         f"{kind!r}{hint}")
    cls = LAYER_TYPES[kind]
    allowed = [a for a in _arguments(cls) if a not in ("seed", "dtype")]
    unknown = sorted(set(spec) - {"type", *allowed}, key=repr)  # keys need not all be str
    if unknown:
        said = [f"{k!r} is {_KNOWN_AS[k]!r} here" for k in unknown
                if k in _KNOWN_AS and _KNOWN_AS[k] in allowed]
        raise ValueError(f"{where} ({kind}): unknown key(s) {unknown}; valid keys are "
                         f"{allowed}" + (f" ({', '.join(said)})" if said else ""))
    kwargs = {k: v for k, v in spec.items() if k != "type"}
    if kind in _INFERRED and _INFERRED[kind][0] not in kwargs:
        key, infer = _INFERRED[kind]
        if shape is None:
            raise ValueError(f"{where} ({kind}): give {key!r}, or input_shape so that it can "
                             "be inferred")
        if kind == "Dense" and isinstance(shape, tuple):
            raise ValueError(f"{where} (Dense): the layer before it gives images of shape "
                             f"{shape}; put {{'type': 'Flatten'}} before it")
        kwargs[key] = infer(shape)
    missing = [a for a in _required(cls) if a not in kwargs]
    if missing:  # named as keys of the dict, not as Python's "missing positional arguments"
        raise TypeError(f"{where} ({kind}): needs the key{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(map(repr, missing))} (the layer's keys are {allowed})")
    if kind == "Dense" and "init" not in kwargs:  # as mlp(): He for ReLU family, else Glorot
        kwargs["init"] = auto_init(kwargs.get("activation", "sigmoid"))
    if "seed" in _arguments(cls) and share_rng:
        kwargs["seed"] = rng
    elif "seed" in _arguments(cls):  # each layer its own generator, seeded from the one seed
        kwargs["seed"] = int(rng.integers(2**63))
        if kind == "Dropout" and not seeded:  # no seed given: train's seed draws its masks
            kwargs["seed"] = None
    if "dtype" in _arguments(cls):
        kwargs["dtype"] = dtype
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where} ({kind}): {exc}") from None


def network_from_layers(
    layers: Sequence[Mapping[str, object] | Layer],
    input_shape: int | tuple[int, int, int] | None = None,
    loss: str | dict | None = None,
    weight_decay: float = 0.0,
    decay: str = "ufldl",
    seed: int | np.random.Generator | None = None,
    dtype: np.dtype | type | str | None = None,
) -> Network:
    """Build a network from a list of layer dicts (an architecture written as data).

    Parameters
    ----------
    layers : sequence of dict (or Layer)
        One dict per layer with a ``"type"`` from :data:`LAYER_TYPES` ("Dense",
        "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Dropout", "BatchNorm",
        "LayerNorm")
        and that class's constructor arguments, e.g. ``{"type": "Conv2D",
        "out_channels": 8, "kernel_size": 3, "stride": 1, "padding": 1,
        "activation": "relu"}`` (or ``"padding": "same"``, ``"dilation": 2``),
        ``{"type": "MaxPool2D", "size": 2}``, ``{"type": "Dense", "fan_out": 10,
        "activation": "softmax"}``.
        ``fan_in`` (Dense), ``in_channels`` (Conv2D), ``n_features``
        (BatchNorm) and ``normalized_shape`` (LayerNorm: the features, or an
        image's (channels, height, width)) are inferred from the layer before
        when left out.  Dense
        layers default to He initialisation after ReLU, Glorot otherwise
        (``"init": "auto"``, as :func:`~chainrule.mlp` and Conv2D).
        The "layers" list of :func:`chainrule.io.network_config` is valid input.
    input_shape : int or (channels, height, width), optional
        One input example: the number of features, or the image shape.  Needed
        unless the first layer fixes it (a Dense layer with ``fan_in``).
        Images may also be given to the network as flat rows of
        ``channels * height * width`` values.
    loss : str or dict, optional
        As :class:`~chainrule.Network` takes it (``{"name": "huber", "delta": 2.0}``).
        Defaults by the output activation: "cross_entropy" for softmax,
        "log_loss" for sigmoid, "squared_error" for every other output, "exp"
        included ("poisson", exp's canonical loss, only when given).
    weight_decay, decay : see :class:`~chainrule.Network`
    seed : int, Generator or None
        Makes the initial weights and dropout masks reproducible.  None: the
        Dropout layers have no seed of their own, and :func:`~chainrule.train`'s
        ``seed`` draws their masks.
    dtype : float64 or float32, optional
        The dtype of the layers built from dicts; None (the default) is
        float64.  Layer objects in ``layers`` keep their own: one with
        parameters (Dense, Conv2D, a BatchNorm given a dtype) whose dtype is
        not a ``dtype`` given here is refused, naming its place and both dtypes
        (the network would otherwise compute in NumPy's promotion of the two,
        float64, without a word).  Without ``dtype`` they are taken as they are,
        and the network computes in the promotion of its layers' dtypes.

    Returns
    -------
    Network

    Raises
    ------
    ValueError, TypeError
        Naming the layer (``layers[i]``) and what does not fit, or the argument
        (``dtype``: "dtype must be float32 or float64, got float16"; "layers[1]
        (Dense) has dtype float64, but dtype float32 was given").
    """
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a list of layer dicts, got {type(layers).__name__}")
    if not layers:
        raise ValueError("layers is empty; a network needs at least one layer")
    shape = None if input_shape is None else check_input_shape(input_shape)
    # checked as the argument it is, before any layer: NumPy's own message names no
    # argument ("data type 'x' not understood"), and a list of Layer objects takes no dtype
    given = dtype is not None
    dtype = check_float_dtype(np.float64 if dtype is None else dtype)
    if given:  # before any layer is built: nothing is drawn from a generator given as seed
        _check_layer_dtypes(layers, dtype)
    built = _build_layers(layers, shape, make_rng(seed), dtype, seed is not None)
    if loss is None:
        act = getattr(built[-1], "activation", None)
        loss = _DEFAULT_LOSS.get(getattr(act, "name", None), "squared_error")
    return Network(built, loss=loss, weight_decay=weight_decay, decay=decay,
                   input_shape=input_shape)


def _check_layer_dtypes(layers: Sequence[Mapping[str, object] | Layer], dtype: np.dtype) -> None:
    """Refuse a Layer object with parameters whose dtype is not the ``dtype`` given.

    Layers without parameters (Dropout, pooling, Flatten) and a BatchNorm built
    without a dtype take the network's: they are not asked, as :class:`Network`
    does not ask them when it picks its dtype.

    Raises
    ------
    ValueError
        ``"layers[1] (Dense) has dtype float64, but dtype float32 was given; ..."``.
    """
    for i, layer in enumerate(layers):
        if (isinstance(layer, Layer) and np.dtype(layer.dtype) != dtype
                and getattr(layer, "_dtype_votes", True) and layer.param_specs()):
            raise ValueError(
                f"layers[{i}] ({type(layer).__name__}) has dtype {np.dtype(layer.dtype)}, but "
                f"dtype {dtype} was given; build that layer with dtype={dtype.name!r}, or leave "
                "dtype out (the network then computes in the promotion of its layers' dtypes)")


def _build_layers(layers: Sequence[Mapping[str, object] | Layer], shape: object,
                  rng: np.random.Generator, dtype: np.dtype, seeded: bool = True,
                  share_rng: bool = False) -> list[Layer]:
    """The layers of ``layers`` in order, each taking the shape the one before gives
    (see :func:`_make_layer` for ``seeded`` and ``share_rng``)."""
    built = []
    for i, spec in enumerate(layers):
        layer = _make_layer(i, spec, shape, rng, dtype, seeded, share_rng)
        try:
            shape = layer.output_shape(shape)
        except ValueError as exc:
            raise ValueError(f"layers[{i}] {exc}") from None
        built.append(layer)
    return built


def _check_hidden(layers: Sequence[Mapping[str, object]], name: str, appends: str,
                  perceptron: str) -> None:
    """Refuse, by its place, a layer whose activation backpropagation cannot pass (step,
    sign), or a softmax: an output layer written into the hidden part of a network.

    Parameters
    ----------
    layers : sequence of dict
        The hidden part (the command line's ``--layers``, an estimator's ``layers``).
    name : str
        How the messages name the list: "--layers", "layers".
    appends : str
        Who appends the output layer, and how: "the command appends the output layer
        (...)".
    perceptron : str
        Where the perceptron learning rule is, for a step or sign activation.

    Raises
    ------
    ValueError
        ``"{name}: layers[i] (Dense) has a softmax activation, ..."``.
    """
    from .activations import Activation, get_activation

    for i, spec in enumerate(layers):
        act = spec.get("activation")
        try:
            act = get_activation(act) if isinstance(act, (str, Activation)) else None
        except (KeyError, ValueError):  # an unknown name: network_from_layers names it
            continue
        if act is not None and act.name == "softmax":
            raise ValueError(f"{name}: layers[{i}] ({spec.get('type')}) has a softmax "
                             "activation, which is an output layer's; the list is the hidden "
                             f"part of the network: {appends}, so leave it out")
        if act is not None and not act.differentiable:
            shown = spec.get("activation")
            shown = shown if isinstance(shown, str) else act.name
            raise ValueError(f"{name}: layers[{i}] ({spec.get('type')}): activation {shown!r} "
                             "has no useful derivative, so backpropagation cannot pass through "
                             f"it (the perceptron learning rule trains it: {perceptron})")
