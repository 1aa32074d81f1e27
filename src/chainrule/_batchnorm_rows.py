"""BatchNorm's rows: images as rows of channels, the refusal of a training pass with one
value per feature, and whether a network's training batches must hold two rows or more.

A one-row training batch through a BatchNorm layer that normalises one value per feature
(vectors, or images of 1x1 pixels) has no variance: the layer refuses it, as PyTorch's
BatchNorm1d/2d do.  The training loop (:mod:`chainrule._training_loop`) never makes one: in
such a network, rows that leave one over after the whole batches (``n_samples % batch_size
== 1``) have that row join the epoch's last batch, of ``batch_size + 1`` rows
(:func:`folds_last_row`).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def channels_last(X: np.ndarray) -> np.ndarray:
    """(n, c, h, w) -> rows (n * h * w, c)."""
    return X.transpose(0, 2, 3, 1).reshape(-1, X.shape[1])


def channels_first(A: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Rows (n * h * w, c) -> (n, c, h, w), the inverse of :func:`channels_last`."""
    n, c, h, w = shape
    return A.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def refuse_one_value(layer: object, shape: tuple[int, ...]) -> None:
    """Raise the ValueError of ``layer``'s training pass on X of ``shape`` (n, c) or (n, c,
    h, w), of one value per feature: what it got, why, and what to do instead."""
    what = "1 example" if len(shape) == 2 else f"1 image of {shape[2]}x{shape[3]} pixel(s)"
    raise ValueError(
        f"{layer!r}: expected more than 1 value per feature in training mode (to take a "
        f"batch variance), got X of shape {shape} ({what}), whose variance is 0: use "
        "evaluation mode for it (training=False, as predict does), which normalises with the "
        "running statistics, or train on a batch of at least 2 rows (PyTorch's BatchNorm "
        "refuses it alike)"
    )


def folds_last_row(net: Any, X: Any, batch_size: int) -> bool:
    """Whether the training loop's last batch of ``X`` (n_samples rows in batches of
    ``batch_size``) takes the one row left over: True when ``n_samples % batch_size == 1``
    (the whole batches before it: ``batch_size >= 2``) and a BatchNorm layer of ``net``
    normalises one value per feature of each example (vectors, or images of 1x1 pixels).

    Parameters
    ----------
    net : Network
    X : ndarray or sparse matrix of shape (n_samples, ...)
        The training rows: (n_samples, n_features) or images (n_samples, c, h, w).
    batch_size : int
        The rows of a batch (n_samples for the whole set).

    Raises
    ------
    ValueError
        Where every batch would be one row there (``batch_size=1``, or one row in all),
        naming the layer, before a step is taken.
    """
    m = X.shape[0]
    one_row = batch_size == 1 or m == 1
    if not one_row and m % batch_size != 1:
        return False
    at = one_value_layer(net, X)
    if at is None:
        return False
    if one_row:
        given = ("batch_size=1 makes batches of 1 row" if m > 1 else
                 "X has 1 sample (n_samples = 1), a batch of 1 row")
        raise ValueError(
            f"{given}, whose variance is 0, and layers[{at}] {net.layers[at]!r} normalises "
            "each feature by the batch's variance in training: expected batches of at "
            "least 2 rows (as PyTorch's BatchNorm1d): give batch_size=2 or more (and 2 "
            "training rows or more), or remove the BatchNorm layer")
    return True


def one_value_layer(net: Any, X: Any) -> int | None:
    """The index of the first BatchNorm layer of ``net`` that sees one value per feature of
    each example of ``X`` (shape (n_samples, ...)), where a one-row training batch would
    have no variance; None if there is none."""
    from .batchnorm import BatchNorm  # (batchnorm imports this module)

    shape: Any = tuple(X.shape[1:]) if len(X.shape) == 4 else net._input_shape
    if shape is None:
        shape = X.shape[1]
    for i, layer in enumerate(net.layers):
        if isinstance(layer, BatchNorm) and (
                not isinstance(shape, tuple) or int(np.prod(shape[1:])) == 1):
            return i
        try:
            shape = layer.output_shape(shape)
        except ValueError:  # (the layers were checked when the network was built)
            shape = None  # not known: a BatchNorm after it counts as on vectors
    return None
