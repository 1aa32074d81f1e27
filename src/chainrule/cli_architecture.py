"""The architecture options of ``chainrule train``: ``--hidden``/``--activation``/``--dropout``
(a multilayer perceptron) or ``--layers``/``--input-shape`` (any list of layer dicts).

Either way the command appends the output layer itself (its width and activation
follow from the task, ``--output``), so that the task inference and the model
file's record are the same for both.  ``--layers`` takes the format of
:func:`chainrule.architecture.parse_layers` and is built by
:func:`chainrule.architecture.network_from_layers` with ``--seed``: the same
call in Python gives the same network.
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule  # the package alone (PEP 562): the hints' chainrule.network on use

from ._cli_statistics import _constant, _mean_std
from .cli_args import fraction, hidden_activation_name, positive_int

__all__ = ["add_architecture_args", "build_network", "check_architecture", "check_features",
           "image_statistics",
           "layers_json"]

_FLAGS = {"layers": "--layers", "hidden": "--hidden", "activation": "--activation",
          "dropout": "--dropout"}
_MLP = ("hidden", "activation", "dropout")  # the options that describe an MLP
_IMAGE_LAYERS = ("Conv2D", "MaxPool2D", "AvgPool2D", "Flatten")  # they take images


class _Architecture(argparse.Action):
    """Store the value; refuse ``--layers`` together with an option of the MLP.

    argparse's mutually exclusive groups cannot say "--layers excludes --hidden,
    --activation and --dropout, which go together", so each of these options
    checks the others as it is parsed: the error is argparse's own
    ("argument --layers: not allowed with argument --hidden", exit status 2).
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        for dest in (_MLP if self.dest == "layers" else ("layers",)):
            if getattr(namespace, dest, None) is not None:
                raise argparse.ArgumentError(self, f"not allowed with argument {_FLAGS[dest]}")
        setattr(namespace, self.dest, values)


def layers_json(text: str) -> list[dict]:
    """argparse type of ``--layers``: :func:`~chainrule.architecture.parse_layers`'s list.

    Parameters
    ----------
    text : str
        What the user typed: JSON, or the name of a JSON file.

    Returns
    -------
    list of dict
        One dict per layer.
    """
    from .architecture import parse_layers

    try:
        return parse_layers(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


layers_json.__name__ = "list of layer dicts"


def add_architecture_args(p: argparse.ArgumentParser) -> None:
    """Add --hidden, --activation, --dropout, --layers and --input-shape to ``train``.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The ``train`` command's parser.
    """
    p.add_argument("--hidden", type=positive_int, nargs="*", default=None, metavar="N",
                   action=_Architecture,
                   help="hidden layer widths of an MLP (default: 100; none for a linear model)")
    p.add_argument("--activation", type=hidden_activation_name, default=None, nargs="+",
                   metavar="NAME", action=_Architecture,
                   help="hidden activation (identity, sigmoid, tanh, lecun_tanh, relu, leaky_relu, "
                        "elu, gelu, silu, softplus, exp, square, or one registered from Python "
                        "before chainrule.cli.main; softmax is "
                        "--output's), or one per hidden layer (default: relu)")
    p.add_argument("--dropout", type=fraction, default=None, metavar="RATE",
                   action=_Architecture,
                   help="a Dropout layer of this rate after each hidden layer of the MLP "
                   "(inverted dropout, only in training; masks drawn from --seed; default: 0, "
                   "none)")
    p.add_argument("--layers", type=layers_json, default=None, metavar="JSON",
                   action=_Architecture,
                   help="instead of --hidden/--activation/--dropout: the hidden part of the "
                   "network as a JSON list of layer dicts, or a .json file holding one, e.g. "
                   '\'[{"type": "Conv2D", "out_channels": 8, "kernel_size": 3, "padding": 1}, '
                   '{"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}, {"type": "Dense", '
                   '"fan_out": 32, "activation": "relu"}]\' (types: Dense, Conv2D, MaxPool2D, '
                   "AvgPool2D, Flatten, Dropout, BatchNorm, LayerNorm; sizes taken from the "
                   "layer before may be left out; Dense and Conv2D activations default to "
                   "relu); the output layer is appended as after --hidden")
    p.add_argument("--input-shape", type=positive_int, nargs=3, default=None,
                   metavar=("C", "H", "W"), dest="input_shape",
                   help="with --layers: each example is an image of C channels of H x W "
                   "pixels, given as a flat row of C*H*W values (channel by channel, each "
                   "row by row); --scale standard then standardises each channel with its "
                   "mean and standard deviation over all its pixels (not each pixel apart); "
                   "taken from the data when an NPZ file's X holds images (n, C, H, W), or "
                   "(n, H, W) of one channel (C = 1); images saved channels last, (n, H, W, "
                   "C) with C 1, 3 or 4, are refused: save np.moveaxis(X, -1, 1)")


def check_architecture(args: argparse.Namespace) -> None:
    """Check the architecture options before any data is read; fill in the MLP's defaults.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Raises
    ------
    ValueError
        Naming the option: --input-shape without --layers, image layers
        without --input-shape, a list whose last layer gives images (no Flatten
        before the output layer), a step or sign activation in the list, a
        softmax layer in it (the output layer, which the command adds), too
        many or too few activations, --dropout without hidden layers.
    """
    if args.layers is None:
        if args.input_shape is not None:
            raise ValueError("--input-shape: the shape of the images that --layers takes; an "
                             "MLP (--hidden) takes flat rows (leave --input-shape out, or give "
                             "--layers)")
        args.hidden = [100] if args.hidden is None else args.hidden
        args.activation = ["relu"] if args.activation is None else args.activation
        args.dropout = 0.0 if args.dropout is None else args.dropout
        if len(args.activation) not in (1, len(args.hidden)):
            raise ValueError(f"--activation: give one activation, or one per hidden layer "
                             f"({len(args.hidden)}), got {len(args.activation)}")
        if args.dropout and not args.hidden:
            raise ValueError(f"--dropout {args.dropout:g}: a Dropout layer goes after each "
                             "hidden layer, and --hidden gives none (a linear model)")
        return
    _check_derivatives(args.layers)
    if args.input_shape is None:
        image = next((i for i, spec in enumerate(args.layers)
                      if spec.get("type") in _IMAGE_LAYERS), None)
        if image is not None:
            raise ValueError(f"--layers: layers[{image}] ({args.layers[image]['type']}) takes "
                             "images; give --input-shape C H W (each row of the data is then "
                             "an image of C*H*W values)")
        return
    # the list, checked before the data is read (with an output layer of 1 unit in place of
    # the task's, which only the data tells)
    _network(args, tuple(args.input_shape), 1, "identity", seed=0, loss=None)


def _check_derivatives(layers: list[dict]) -> None:
    """Refuse, by its place, a layer whose activation backpropagation cannot pass (step,
    sign), or a softmax: an output layer written into the hidden part."""
    from .architecture import _check_hidden

    _check_hidden(layers, "--layers", "the command appends the output layer (its units from "
                  "the task, its activation by --output)", "chainrule perceptron")


def check_features(args: argparse.Namespace, n_features: int, source: str) -> None:
    """Refuse an --input-shape whose C*H*W is not the number of feature columns of ``source``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line; ``args.input_shape_from``, where set, says where a shape
        not typed came from (``--init-from``'s network), named in place of --input-shape.
    n_features : int
        Feature columns per example of the data.
    source : str
        The data's name, for the message.
    """
    shape = args.input_shape
    if shape is not None and int(np.prod(shape)) != n_features:
        c, h, w = shape
        # where the shape came from, when not typed: --init-from's network, DATA's images
        origin = getattr(args, "input_shape_from", None)
        raise ValueError((f"--input-shape {c} {h} {w}: images of {c}*{h}*{w} = "
                          if origin is None else f"{origin} takes images of {c} x {h} x {w} "
                          "(C x H x W: ") + f"{int(np.prod(shape))} values"
                         + ("" if origin is None else ")") + f", but {source} has "
                         f"{n_features} feature columns per example")


def image_statistics(X: np.ndarray, shape: tuple[int, int, int],
                     weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of flat images, repeated for each pixel.

    Parameters
    ----------
    X : ndarray of shape (n_samples, C * H * W)
        Flat images, channel by channel.
    shape : (C, H, W)
    weights : ndarray of shape (n_samples,), optional
        The examples' weights (``--sample-weight``): weighted statistics.

    Returns
    -------
    mean, scale : ndarray of shape (C * H * W,)
        Each channel's mean and standard deviation over all its pixels and
        examples, repeated over its H * W pixels (the per-feature form a model
        file keeps); a channel constant in ``X`` gets the scale 1.
    """
    c = shape[0]
    per_channel = X.reshape(len(X), c, -1)
    mean, scale = _mean_std(per_channel, axis=(0, 2), weights=weights)  # 1e200 included
    scale[_constant(per_channel, axis=(0, 2), weights=weights)] = 1.0
    pixels = per_channel.shape[2]
    return np.repeat(mean, pixels), np.repeat(scale, pixels)


def cli_loss(args: argparse.Namespace, output: str) -> str | dict | None:
    """``--loss``, with ``--huber-delta`` when given, ``{"name": "huber", "delta": D}``, or
    ``--label-smoothing`` (of the output's loss when no --loss is given), ``{"name":
    "cross_entropy", "label_smoothing": EPS}``."""
    from ._cli_resume_checks import resolved_loss

    delta = getattr(args, "huber_delta", None)  # train's options only
    if delta is not None:
        return {"name": args.loss, "delta": delta}
    eps = getattr(args, "label_smoothing", None)
    if eps:
        return {"name": resolved_loss(output, args.loss), "label_smoothing": eps}
    return args.loss


def build_network(args: argparse.Namespace, n_features: int, n_out: int,
                  output: str) -> chainrule.network.Network:
    """The network of the architecture options with the output layer appended.

    ``--hidden``: :func:`chainrule.network.mlp` (``--dropout``: a Dropout layer
    without a seed of its own after each hidden layer, so that the weights are
    those of the same MLP without dropout and :func:`chainrule.train`'s
    ``seed`` draws the masks).  ``--layers``:
    :func:`chainrule.architecture.network_from_layers` of the list and
    ``{"type": "Dense", "fan_out": n_out, "activation": output}``, seeded with
    ``--seed``; a Dense dict that names no activation gets relu (as
    ``--hidden`` does); ``--init`` (unless auto) is the ``init`` of every
    Dense and Conv2D layer whose dict names none, the output layer's too.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.
    n_features, n_out : int
        Inputs and outputs of the network.
    output : str
        The output layer's activation.

    Returns
    -------
    Network
    """
    from ._cli_models_train_freeze import apply_freeze

    net = _built(args, n_features, n_out, output)
    apply_freeze(net, getattr(args, "freeze", None))  # --freeze, checked by check_freeze
    return net


def _built(args: argparse.Namespace, n_features: int, n_out: int,
           output: str) -> chainrule.network.Network:
    """build_network's network, before --freeze marks its layers."""
    from .dropout import Dropout
    from .network import Network, mlp

    if args.layers is None:
        acts = args.activation if len(args.activation) > 1 else args.activation[0]
        net = mlp([n_features, *args.hidden, n_out], hidden=acts, output=output,
                  loss=cli_loss(args, output),
                  init=args.init, seed=args.seed, weight_decay=args.weight_decay,
                  decay=args.decay or "ufldl")
        if not args.dropout:
            return net
        layers = []
        for layer in net.layers[:-1]:
            layers += [layer, Dropout(args.dropout)]
        return Network([*layers, net.layers[-1]], loss=net.loss, weight_decay=net.weight_decay,
                       decay=net.decay)
    shape = tuple(args.input_shape) if args.input_shape is not None else n_features
    return _network(args, shape, n_out, output, seed=args.seed, loss=cli_loss(args, output))


def _network(args: argparse.Namespace, shape: int | tuple[int, int, int], n_out: int,
             output: str, seed: int,
             loss: str | None = None) -> chainrule.network.Network:
    """network_from_layers of --layers and the output layer; errors name --layers."""
    from .architecture import network_from_layers

    # a Dense dict without an activation: relu, as --hidden's layers and Conv2D's default (the
    # library's Dense defaults to the classic sigmoid)
    hidden = [{**spec, "activation": "relu"}
              if spec.get("type") == "Dense" and "activation" not in spec else spec
              for spec in args.layers]
    layers = [*hidden, {"type": "Dense", "fan_out": n_out, "activation": output}]
    if args.init != "auto":
        layers = [{**spec, "init": args.init}
                  if spec.get("type") in ("Dense", "Conv2D") and "init" not in spec else spec
                  for spec in layers]
    try:
        return network_from_layers(layers, input_shape=shape, loss=loss, seed=seed,
                                   weight_decay=args.weight_decay,
                                   decay=args.decay or "ufldl")
    except (TypeError, ValueError) as exc:
        where = f"layers[{len(layers) - 1}] (Dense)"
        raise ValueError(f"--layers: {exc}".replace(
            where, f"{where[:-8]} (the Dense output layer that chainrule train appends)")
        ) from None
