"""A network as a JSON-able configuration and named arrays, and back (see
:mod:`chainrule.io`): each layer from its config, the sizes checked against the
parameter vector, the layers' state restored.  Import from :mod:`chainrule.io`."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ._io_frozen import frozen_config, set_frozen
from ._layers_embedding import Embedding
from ._rng_links import link_rngs
from ._validation import caller_outside_chainrule
from .activations import ACTIVATIONS, ALIASES, Activation
from .batchnorm import BatchNorm
from .conv import Conv2D
from .dropout import Dropout
from .layernorm import LayerNorm
from .layers import Dense, Layer
from .network import Network
from .pooling import WINDOW_IN_PADDING, AvgPool2D, Flatten, MaxPool2D


def _layer_from_config(cfg: dict, dtype: np.dtype) -> Layer:
    kind = cfg.get("type")
    act = cfg.get("activation")
    if isinstance(act, Activation):  # an estimator's own object, given by its unpickling
        pass
    elif act is not None and not isinstance(act, str):  # damaged, not an unregistered name
        raise TypeError(f"{kind} activation: expected an activation name, found {act!r:.40}")
    elif act is not None and act not in ACTIVATIONS and act not in ALIASES:
        raise ValueError(
            f"the model uses the activation {act!r}, which is not registered in this session; "
            f"call chainrule.register_activation({act!r}, f, df) before loading it"
        )
    if kind in ("Dense", "Conv2D") and not isinstance(cfg["bias"], bool):
        # bool() would take any JSON value ("x", -1, []) as a yes or a no
        raise TypeError(f"{kind} bias: expected true or false, found {cfg['bias']!r:.40}")
    if kind == "Dense":
        return Dense(cfg["fan_in"], cfg["fan_out"], act, init="zeros", bias=cfg["bias"],
                     dtype=dtype)
    if kind == "Dropout":
        return Dropout(cfg["rate"])
    if kind == "BatchNorm":
        # files written before unbiased_running_var was an option have none: True, as
        # those layers averaged the unbiased variance
        return BatchNorm(cfg["n_features"], act, momentum=cfg["momentum"], eps=cfg["eps"],
                         dtype=dtype,
                         unbiased_running_var=cfg.get("unbiased_running_var", True))
    if kind == "LayerNorm":
        return LayerNorm(cfg["normalized_shape"], act, eps=cfg["eps"],
                         elementwise_affine=cfg["elementwise_affine"], dtype=dtype)
    if kind == "Conv2D":  # convolutional layers (conv.py, pooling.py)
        # files written before dilation was an option have none: 1, as those layers had
        return Conv2D(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"],
                      stride=cfg["stride"], padding=cfg["padding"], activation=act,
                      init="zeros", bias=cfg["bias"], dtype=dtype,
                      dilation=cfg.get("dilation", 1))
    # dilation, ceil_mode, count_include_pad: absent from files written before they were
    # options, whose layers worked as the defaults do
    if kind == "MaxPool2D":
        return MaxPool2D(cfg["size"], stride=cfg["stride"], padding=cfg["padding"],
                         dilation=cfg.get("dilation", 1), ceil_mode=cfg.get("ceil_mode", False))
    if kind == "AvgPool2D":
        return AvgPool2D(cfg["size"], stride=cfg["stride"], padding=cfg["padding"],
                         ceil_mode=cfg.get("ceil_mode", False),
                         count_include_pad=cfg.get("count_include_pad", True))
    if kind == "Flatten":
        return Flatten()
    if kind == "Embedding":
        return Embedding(cfg["num_embeddings"], cfg["embedding_dim"], cfg["block_size"],
                         init="zeros", dtype=dtype)
    raise _UnknownLayer(f"expected one of {list(_LAYER_TYPES)}, found {kind!r:.40}")


class _UnknownLayer(ValueError):
    """A layer record whose "type" is none of :data:`_LAYER_TYPES`."""


# what network_from_config reads (besides "inits", "input_shape" and
# "registered_activations", which files may leave out), and the layers it rebuilds
_NETWORK_KEYS = ("loss", "weight_decay", "decay", "dtype", "layers")
_LAYER_TYPES = ("Dense", "Dropout", "BatchNorm", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten",
                "LayerNorm", "Embedding")


def check_network(net: object, name: str = "net") -> None:
    """Refuse anything but a :class:`~chainrule.Network` with a TypeError naming ``name``,
    what it is and what to do with it (an estimator and an autoencoder save themselves; a
    layer belongs in a network)."""
    if isinstance(net, Network):
        return
    what = type(net).__name__
    if hasattr(net, "network_") or (hasattr(net, "save") and hasattr(net, "get_params")):
        hint = "; an estimator saves itself, est.save(path)"
    elif isinstance(net, Layer):
        hint = f"; a layer is saved with its network: Network([...]) around the {what}"
    else:
        hint = ""
    raise TypeError(f"{name} must be a chainrule Network, got {what}{hint}")


def network_config(net: Network) -> dict[str, Any]:
    """The JSON-serialisable description of a network's architecture and settings.

    Parameters
    ----------
    net : Network

    Returns
    -------
    dict
        ``loss``, ``weight_decay``, ``decay``, ``dtype``, ``layers`` (one dict
        per layer) and ``inits``: what :func:`network_from_config` rebuilds
        the architecture from; ``loss_params`` too for a loss with settings
        (``{"delta": 1.0}`` of "huber").

    Raises
    ------
    TypeError
        If ``net`` is not a Network (an estimator, a layer), naming what it is.
    """
    check_network(net)
    config = {
        "loss": net.loss.name,  # its settings, if any, in "loss_params" (below)
        "weight_decay": net.weight_decay,
        "decay": net.decay,
        "dtype": net.dtype.name,
        "layers": [layer.get_config() for layer in net.layers],
        # the initialiser each layer was made with (a name only: "he_normal", "explicit"),
        # outside the layer records, which stay valid input to network_from_layers
        "inits": [layer.init if isinstance(getattr(layer, "init", None), str) else None
                  for layer in net.layers],
    }
    config.update(frozen_config(net.layers))  # only when a layer freezes parameters
    if net.loss.params:  # huber's delta: a file without the key is of a loss without any
        config["loss_params"] = dict(net.loss.params)
    if isinstance(net.n_inputs, tuple):  # images: (channels, height, width)
        config["input_shape"] = list(net.n_inputs)
    registered = _registered_names(config["layers"])
    if registered:  # so that a later chainrule with a built-in of that name can tell
        config["registered_activations"] = registered
    return config


def _registered_names(specs: list) -> list[str]:
    """The names of user-registered (not built-in) activations the layer records use."""
    names = {cfg.get("activation") for cfg in specs if isinstance(cfg, dict)}
    return sorted(name for name in names if isinstance(name, str) and name in ACTIVATIONS
                  and not ACTIVATIONS[name].builtin)


def _check_registered(config: dict[str, Any]) -> None:
    """Warn where a name the file's network had registered is now a built-in activation.

    ``register_activation`` refuses built-in names, so a file that used a
    user-registered ``"gelu"`` (say) before chainrule had its own would load
    with the built-in formula: its record ``registered_activations`` tells.
    Files written before that record existed cannot tell, and load silently.
    """
    registered = config.get("registered_activations", [])
    if not isinstance(registered, list) or not all(isinstance(n, str) for n in registered):
        raise TypeError(f"network.registered_activations: expected a list of names, found "
                        f"{registered!r:.60}")
    for name in registered:
        act = ACTIVATIONS.get(ALIASES.get(name, name))
        if act is not None and act.builtin:
            warnings.warn(
                f"the model file's network used a user-registered activation {name!r}, but "
                f"{name!r} is now chainrule's built-in activation, which it is loaded with: "
                f"its formula may differ from the one the network was trained with "
                f"(compare the two, e.g. with chainrule.activations.get_activation({name!r}))",
                UserWarning, stacklevel=caller_outside_chainrule())


def network_from_config(config: dict[str, Any]) -> Network:
    """A network with the architecture of ``config`` (parameters zero until set).

    Parameters
    ----------
    config : dict
        As :func:`network_config` returns it.

    Returns
    -------
    Network

    Raises
    ------
    TypeError
        If ``config``, its ``"layers"`` or one of the layers is not of the
        JSON type expected (the message names the layer's index).
    ValueError
        If a setting is missing or invalid (the message names it).
    """
    if not isinstance(config, dict):
        raise TypeError(f"network: expected a JSON object, found {type(config).__name__}")
    missing = [key for key in _NETWORK_KEYS if key not in config]
    if missing:  # a KeyError's bare name said neither the record nor what it holds
        raise ValueError(f"network: missing the key(s) {missing}; expected an object with "
                         f"the keys {list(_NETWORK_KEYS)}")
    if config["dtype"] not in ("float32", "float64"):  # np.dtype(None) would be float64
        raise TypeError(f"network.dtype: expected 'float32' or 'float64', found "
                        f"{config['dtype']!r:.40}")
    dtype = np.dtype(config["dtype"])
    specs = config["layers"]
    if not isinstance(specs, list) or not specs:
        raise TypeError(f"network.layers: expected a non-empty list of layer records, found "
                        f"{specs!r:.60}")
    for i, cfg in enumerate(specs):
        if not isinstance(cfg, dict):
            raise TypeError(f"network.layers[{i}]: expected a JSON object, found "
                            f"{type(cfg).__name__} {cfg!r:.40}")
    _check_registered(config)
    layers = []
    for i, cfg in enumerate(specs):
        try:
            layers.append(_layer_from_config(cfg, dtype))
        except KeyError as exc:
            raise ValueError(f"network.layers[{i}] ({cfg.get('type')}): missing the setting "
                             f"{exc.args[0]!r}") from None
        except _UnknownLayer as exc:
            raise ValueError(f"network.layers[{i}].type: {exc}") from None
    inits = config.get("inits")  # absent in files written before it was recorded
    if inits is not None:
        if not isinstance(inits, list) or len(inits) != len(specs) or not all(
                name is None or isinstance(name, str) for name in inits):
            raise TypeError(f"network.inits: expected a list of {len(specs)} names or nulls, "
                            f"found {inits!r:.60}")
        for layer, name in zip(layers, inits, strict=True):
            if name is not None and hasattr(layer, "init"):
                layer.init = name  # built with zeros, then given the saved parameters
    loss = config["loss"]
    if not isinstance(loss, str):  # null would take the output's default: not what was saved
        raise TypeError(f"network.loss: expected the name of a loss, such as 'squared_error', "
                        f"found {loss!r:.40}")
    params = config.get("loss_params")  # absent: a loss without settings (any older file)
    if params is not None and not isinstance(params, dict):
        raise TypeError(f"network.loss_params: expected a JSON object of the loss's "
                        f"settings, found {params!r:.40}")
    # huber is always written with its delta: without it the file would load another loss
    needs = [k for k in _saved_settings(loss) if k not in (params or {})]
    if needs:
        raise ValueError(f"network.loss_params: expected the loss {loss!r}'s settings, with "
                         f"{', '.join(map(repr, needs))}, found {params!r:.60}")
    if params and "name" in params:  # the name is network.loss's
        raise ValueError(f"network.loss_params: expected the loss {loss!r}'s settings, "
                         f"without a 'name', found {params!r:.60}")
    if params:
        loss = {**params, "name": loss}
    set_frozen(layers, config)  # (absent from the files of networks that freeze nothing)
    return Network(layers, loss=loss, weight_decay=config["weight_decay"],
                   decay=config["decay"], input_shape=config.get("input_shape"))


def _saved_settings(name: str) -> list[str]:
    """The settings a file records for the loss ``name``: every one of a loss that always has
    them (huber's delta), none of one whose plain form has none (label smoothing's 0)."""
    from .losses import ALIASES, LOSSES

    plain = LOSSES.get(ALIASES.get(name, name))
    return [] if plain is None else list(plain.params)


def network_arrays(net: Network, prefix: str = "") -> dict[str, np.ndarray]:
    """The arrays that go into a file: parameters and buffers."""
    arrays = {f"{prefix}params": net.params}
    for i, layer in enumerate(net.layers):
        for name, value in layer.buffers().items():
            arrays[f"{prefix}buffer/{i}/{name}"] = value
    return arrays


# the settings that size a layer's parameter arrays (Dense, BatchNorm, Conv2D): each one
# counts at most as many numbers as the parameter vector holds
_SIZE_KEYS = ("fan_in", "fan_out", "n_features", "in_channels", "out_channels", "kernel_size",
              "num_embeddings", "embedding_dim")


def _is_size(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _weights(cfg: dict) -> int:
    """How many weights a Dense, Conv2D or LayerNorm record asks for (0 when a size is not an
    int)."""
    if cfg.get("type") == "LayerNorm" and cfg.get("elementwise_affine") is True:
        shape = cfg.get("normalized_shape")  # gamma and beta of that shape
        sizes = [2, *(shape if isinstance(shape, list) else [shape])]
    elif cfg.get("type") == "Dense":
        sizes = [cfg.get("fan_in"), cfg.get("fan_out")]
    elif cfg.get("type") == "Embedding":
        sizes = [cfg.get("num_embeddings"), cfg.get("embedding_dim")]
    elif cfg.get("type") == "Conv2D":
        kernel = cfg.get("kernel_size")
        sizes = [cfg.get("in_channels"), cfg.get("out_channels"),
                 *(kernel if isinstance(kernel, list) else [kernel, kernel])]
    else:
        return 0
    return math.prod(sizes) if all(map(_is_size, sizes)) else 0


def _check_layer_sizes(config: object, n_params: int) -> None:
    """Refuse layer sizes that need more than the file's parameter vector, before memory is
    set aside.

    A damaged size (fan_in 10**12), or sizes each within the vector whose
    product is not (fan_in and fan_out 10**5 in a file of 10**5 parameters),
    would otherwise make the layers allocate their zero weights first (75 GiB)
    and fail with a MemoryError; a record that is not of the expected type is
    left to :func:`network_from_config` to name.
    """
    layers = config.get("layers") if isinstance(config, dict) else None
    weights = 0
    for i, cfg in enumerate(layers if isinstance(layers, list) else []):
        for key in _SIZE_KEYS if isinstance(cfg, dict) else ():
            value = cfg.get(key)
            if any(isinstance(v, int) and not isinstance(v, bool) and v > n_params
                   for v in (value if isinstance(value, list) else [value])):
                raise ValueError(f"network.layers[{i}].{key}: {value!r:.40} is more than the "
                                 f"{n_params} parameters the file holds")
        weights += _weights(cfg) if isinstance(cfg, dict) else 0
        if weights > n_params:
            raise ValueError(f"network.layers[:{i + 1}]: the layers' sizes ask for at least "
                             f"{weights} weights, more than the {n_params} parameters the "
                             "file holds")


# the keys of a layer's state (get_state) that a file may lack, as older versions wrote it
# ("rng_of": a Dropout drawing from an earlier layer's generator, see _rng_links)
_OPTIONAL_STATE = {Dropout: {"own_seed", "rng_of"}}


def restore_network(
    meta: dict, arrays: dict[str, np.ndarray], path: object, prefix: str = ""
) -> Network:
    """Rebuild a network from what :func:`read_file` returned."""
    try:
        params = arrays[f"{prefix}params"]
        _check_layer_sizes(meta["network"], params.size)
        net = network_from_config(meta["network"])
        # the dtype too: set_params would cast int, float16 or float32 values silently.  The
        # byte order not: a file's arrays come native (read_file), but a pickle of a network
        # or an estimator (_network_from_record, _mlp_pickling) made on a big-endian machine
        # unpickles here as '>f8' arrays, float64 values, which set_params swaps
        if params.shape != (net.n_params,) or params.dtype.newbyteorder("=") != net.dtype:
            raise ValueError(
                f"the parameter vector has shape {params.shape} and dtype {params.dtype}, the "
                f"architecture needs ({net.n_params},) and {net.dtype}"
            )
        # named as the file names the array: "theta" is set_params' argument, no array there
        net.set_params(net._check_theta(params, f"{prefix}params"))
        states = meta["states"]
        if not isinstance(states, list) or len(states) != len(net.layers):
            raise TypeError(f"states: expected a list of {len(net.layers)} layer states (one "
                            f"per layer), found {states!r:.60}")
        for i, (layer, state) in enumerate(zip(net.layers, states, strict=True)):
            names = layer.buffers()
            if names:
                values = {n: arrays[f"{prefix}buffer/{i}/{n}"] for n in names}
                for n, value in values.items():  # (a pickle's '>f8' too: set_buffers swaps)
                    if value.dtype.newbyteorder("=") != names[n].dtype:
                        raise ValueError(f"buffer/{i}/{n}: expected dtype {names[n].dtype}, "
                                         f"found {value.dtype}")
                layer.set_buffers(values)
            # a layer's state is what its get_state returns: the same keys (none for most);
            # one missing (Dropout's rng) would leave the new layer's own in its place.
            # Dropout's own_seed may be missing: files written before it was recorded
            keys, optional = set(layer.get_state()), _OPTIONAL_STATE.get(type(layer), set())
            if not isinstance(state, dict) or not keys - optional <= set(state) <= keys | optional:
                also = f" (and optionally {sorted(optional)})" if optional else ""
                raise TypeError(f"states[{i}]: expected an object with the keys "
                                f"{sorted(keys - optional)}{also}, found {state!r:.60}")
            layer.set_state(state)
        link_rngs(net.layers, states)  # layers that drew from one generator draw so again
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        # OverflowError: a generator state (Dropout's) with an integer out of its range
        if isinstance(exc, ValueError) and "register_activation" in str(exc):
            raise ValueError(f"{path}: {exc}") from None
        if isinstance(exc, ValueError) and WINDOW_IN_PADDING in str(exc):
            # a file of a chainrule before MaxPool2D refused such windows: not damaged
            raise ValueError(f"{path}: {exc} (the file was written by an older chainrule, "
                             "which let such a window through: its output there was -inf)"
                             ) from None
        what = f"missing {exc.args[0]!r}" if isinstance(exc, KeyError) else repr(exc)
        raise ValueError(f"{path}: corrupted or incomplete chainrule file ({what})") from None
    return net
