"""Which mode ``chainrule gradcheck --model`` checks a network in, and ``--training``.

A network with BatchNorm computes another function in training mode (each feature
normalised with the mean and variance of the batch, so every example's output
depends on the others) than in evaluation mode (the running statistics, constants),
and backpropagation has another gradient in each.  The check is in evaluation mode,
as ``predict`` uses the network, unless ``--training`` is given: then BatchNorm
normalises with the statistics of the examples checked, and the central differences
are of that same cost, the batch's statistics recomputed at every step.  Dropout
stays off in both (in training mode its rate is set to 0 in the network the command
loaded for the check: a mask drawn at each evaluation would make every central
difference compare two different functions).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

__all__ = ["check_mode"]


def check_mode(args: argparse.Namespace, model: Any, X: np.ndarray) -> tuple[str, dict]:
    """The line saying which mode the check is in, and ``gradient_check``'s keywords.

    Parameters
    ----------
    args : argparse.Namespace
        The command's options: ``training`` and ``model`` are read.
    model : Network or estimator
        What the check runs on; with ``--training``, the rate of its Dropout layers is
        set to 0 (the model is the command's own copy, read from the file).
    X : ndarray of shape (n_samples, ...)
        The examples checked: BatchNorm's batch in training mode.

    Returns
    -------
    line : str
        "" for a model without BatchNorm or Dropout (both modes are one), else what
        BatchNorm normalises with and that Dropout is off.
    kwargs : dict
        ``{"training": True}`` with ``--training``, else empty.

    Raises
    ------
    ValueError
        ``--training`` for a model without BatchNorm (its training mode, Dropout off,
        is its evaluation mode), or on a single example where every BatchNorm has one
        value per feature (it normalises one example with its running statistics, in
        training too; one image of more than one pixel has statistics of its own).
    """
    from .batchnorm import BatchNorm
    from .dropout import Dropout
    from .gradcheck._check import _model_layers

    layers = _model_layers(model)  # a Network's, or an estimator's network_'s
    norms = [layer for layer in layers if isinstance(layer, BatchNorm)]
    drops = [layer for layer in layers if isinstance(layer, Dropout) and layer.rate > 0]
    if not getattr(args, "training", False):
        if not (norms or drops):
            return "", {}
        parts = (["BatchNorm normalising with its running statistics"] if norms else []) + (
            ["Dropout off"] if drops else [])
        later = "; --training: BatchNorm with the batch's statistics" if norms else ""
        return f"checked in evaluation mode ({', '.join(parts)}{later})", {}
    if not norms:
        both = " (Dropout stays off in both modes)" if drops else ""
        raise ValueError(
            "--training: checks BatchNorm with the statistics of the batch, and the network "
            f"of {args.model} has no BatchNorm layer{both}: its training mode is its "
            "evaluation mode; leave --training out")
    if len(X) < 2 and not any(rows > 1 for rows in _rows_per_feature(model, layers, X)):
        short = getattr(args, "data", None) is not None and getattr(args, "samples", 1) > 1
        data = "--data - (standard input)" if short and args.data == "-" else args.data
        advice = (f"{data} has a single example: give a table of 2 or more" if short
                  else "give --samples 2 or more")
        raise ValueError(
            f"--training: the batch statistics of BatchNorm need 2 or more examples, got "
            f"{len(X)} (a single example is normalised with the running statistics, in "
            f"training too); {advice}")
    for layer in drops:  # off, as in evaluation: a random mask per evaluation cannot be checked
        layer.rate = 0.0
    off = ", Dropout off" if drops else ""
    batch = f"these {len(X)} examples" if len(X) > 1 else "this example's pixels"
    return (f"checked in training mode (BatchNorm normalising with the mean and variance of "
            f"{batch}{off})", {"training": True})


def _rows_per_feature(model: Any, layers: list, X: np.ndarray) -> list[int]:
    """How many values of each feature every BatchNorm of ``layers`` normalises per example.

    1 for a BatchNorm of vectors, ``height * width`` for one of images (a channel's
    statistics are over the examples and the pixels, so one image of more than one
    pixel has batch statistics of its own).  Read by passing the shape of one example
    through the layers' ``output_shape``: the network's ``input_shape`` where it has
    images (an estimator's network takes them as rows of features), else that of ``X``
    (n_samples, n_features) or (n_samples, channels, height, width); a layer that cannot
    say ends the reading (what is read up to it is returned).
    """
    from .batchnorm import BatchNorm

    net = model if hasattr(model, "layers") else getattr(model, "network_", None)
    shape: Any = getattr(net, "_input_shape", None)
    if not isinstance(shape, tuple):
        shape = tuple(X.shape[1:]) if X.ndim == 4 else (X.shape[1] if X.ndim == 2 else None)
    rows = []
    for layer in layers:
        if isinstance(layer, BatchNorm):
            rows.append(int(np.prod(shape[1:])) if isinstance(shape, tuple) else 1)
        try:
            shape = layer.output_shape(shape)
        except (AttributeError, TypeError, ValueError):
            break
    return rows
