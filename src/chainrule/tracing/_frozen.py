"""The frozen parameters of a traced step (private): the update leaves them as they are.

A layer's ``trainable = False`` or its ``frozen`` names (:class:`~chainrule.layers.Layer`)
keep parameters fixed in training (:mod:`chainrule._training_frozen`); the trace's step is
that of training, so :func:`keep_frozen` puts their old values back into the updated
vector (their gradients are still computed and shown: the one a student sees but that is
not applied).  :func:`frozen_masks` gives, in a notation's layout, which entries those are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..network import Network

#: the words after a frozen parameter's value where the others have their update
FROZEN = "(frozen)"


def sgd_update(net: Network, grad: np.ndarray, lr: float) -> np.ndarray:
    """``theta - lr * grad`` of ``net``'s parameters ``theta``, shape (n_params,), computed
    as training's ``SGD(lr)`` step computes it, the frozen entries left as they were.

    The training loop subtracts with BLAS ``axpy`` (one rounding of ``theta - lr g``, where
    NumPy's ``theta - lr * grad`` rounds the product first: one unit in the last place
    apart at most) unless the network has equal hidden units
    (:func:`chainrule._symmetry.choose_products`); so does this, so that the trace's new
    values are one step of ``chainrule.train`` with ``SGD(lr)``, bit for bit.
    """
    from .._optimizers_blas import _subtract_scaled
    from .._symmetry import equal_units

    theta = net.params
    theta_new = theta.copy()
    _subtract_scaled(theta_new, lr, grad, lambda g: np.empty_like(g),
                     blas=not equal_units(net))
    for sl in net._frozen_slices():  # as training keeps them (their gradients shown)
        theta_new[sl] = theta[sl]
    return theta_new


def layer_frozen(layer: object) -> frozenset[str]:
    """The names of the parameters of ``layer`` that the step keeps (all of them for a
    layer with ``trainable = False``)."""
    return layer._frozen_names()  # type: ignore[attr-defined]


def frozen_masks(notation: str, ls: object) -> list[np.ndarray]:
    """Which entries of each array of :func:`._vector_layout._matrices` are frozen, in its
    layout: one bool array per array, shaped as it (all False when nothing is)."""
    frozen = getattr(ls, "frozen", frozenset())
    W, b = ls.W, ls.b  # type: ignore[attr-defined]
    w = np.full(W.shape, "W" in frozen)
    if notation == "transfer":
        row0 = np.full(W.shape[1], b is not None and "b" in frozen)
        return [np.vstack([row0, w])]
    masks = [w.T]
    if b is not None:
        masks.append(np.full(b.shape, "b" in frozen))
    return masks


def frozen_words(mask: np.ndarray) -> str:
    """What of an array (its :func:`frozen_masks` entry) the step keeps, for the line of its
    new value: "" (nothing), "(frozen)", or which rows of a transfer matrix half frozen."""
    if not mask.any():
        return ""
    if mask.all():
        return FROZEN
    return "(row 0, the biases, frozen)" if mask[0].all() else "(rows 1:, the weights, frozen)"
