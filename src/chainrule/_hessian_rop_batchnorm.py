"""The R-operator of BatchNorm in training mode, through the batch's statistics (private).

Training normalises each feature with the mean and the biased (``1/m``) variance of the
batch's ``m`` rows (after images, ``m = n * height * width`` pixels per channel, as
:meth:`~chainrule.BatchNorm.forward` computes them); evaluation with the running ones, where
the layer is a fixed per-feature affine map.  The cost training minimises is the first, so
the Hessian here goes through the statistics: full-batch, those of the whole ``X`` given.

Per feature, ``<.>`` the mean over the rows, ``s = 1 / sqrt(var + eps)`` and
``Xhat = (X - <X>) s``.  The normalisation's Jacobian is symmetric,
``N r = s (r - <r> - Xhat <Xhat r>)``: the layer's own training
:meth:`~chainrule.BatchNorm.backward_delta` with ``gamma = 1`` (run on a shadow with its own
gradient arrays).  With ``h = delta gamma`` (``dJ/dX = N h``), ``Vg``, ``Vb`` the parts of
``v`` at ``gamma``, ``beta``, and ``R{s} = -s^2 <Xhat R{X}>``::

    R{Xhat} = N R{X}                     R{Z} = gamma R{Xhat} + Vg Xhat + Vb
    R{delta} = R{g} f'(Z) + g f''(Z) R{Z}   (as a Dense layer's)
    R{dgamma} = sum_rows (R{delta} Xhat + delta R{Xhat})       R{dbeta} = sum_rows R{delta}
    R{dJ/dX} = N R{h} - s <Xhat R{X}> N h - s (R{Xhat} <h Xhat> + Xhat <h R{Xhat}>)
    with R{h} = R{delta} gamma + delta Vg

the equations of LayerNorm's (``_hessian_rop_norm``) with the means over the rows of each
feature instead of over each example's values, so :class:`RBatchNorm` is
:class:`~chainrule._hessian_rop_norm.RLayerNorm` on the layer's rows.  The Gauss-Newton
product keeps the terms without ``delta``.

:func:`batch_statistics` runs the gradient's passes so: BatchNorm layers in training mode,
every other layer in evaluation mode (Dropout the identity), the running statistics left as
they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ._batchnorm_rows import channels_first, channels_last, one_value_layer
from ._hessian_rop_affine import shadow
from ._hessian_rop_norm import RLayerNorm
from .batchnorm import BatchNorm


@contextmanager
def batch_statistics(net: object) -> Iterator[bool]:
    """Within it, ``net``'s forward pass normalises its BatchNorm layers with the batch's
    mean and variance (training mode) and runs its other layers in evaluation mode; on
    leaving, the running statistics are restored bit for bit.  Yields whether ``net`` has a
    BatchNorm layer (without one, nothing is changed)."""
    norms = [layer for layer in net.layers if isinstance(layer, BatchNorm)]
    if not norms:
        yield False
        return
    saved = [(layer.running_mean.copy(), layer.running_var.copy()) for layer in norms]

    def forward(X: np.ndarray, training: bool) -> np.ndarray:
        A = X
        for layer in net.layers:
            A = layer.forward(A, training or isinstance(layer, BatchNorm))
        return A

    net._forward = forward  # (an instance attribute over Network._forward, removed below)
    try:
        yield True
    finally:
        del net._forward
        for layer, (mean, var) in zip(norms, saved, strict=True):
            layer.running_mean[...] = mean
            layer.running_var[...] = var


def refuse_one_row(net: object, X: object, what: str) -> None:
    """Refuse, naming ``what`` and the layer, an ``X`` of one row where a BatchNorm layer of
    ``net`` normalises one value per feature of it: the training-mode cost the products
    are of (and the second-order methods minimise) has no batch variance there."""
    if X.shape[0] != 1:
        return
    at = one_value_layer(net, X)
    if at is not None:
        raise ValueError(f"{what}: X has 1 row, and net.layers[{at}] {net.layers[at]!r} "
                         "normalises each feature with the batch's variance in the "
                         "training-mode cost (that of the Hessian-vector products), which is "
                         "0 for one row: expected X of at least 2 rows")


class RBatchNorm(RLayerNorm):
    """BatchNorm after a training forward pass: ``N`` is its own backward pass (``gamma = 1``)
    on the rows (images: one row per pixel, channels last, as the layer computes)."""

    def __init__(self, layer: BatchNorm, last: bool) -> None:
        self._init_activation(layer, last)  # f'(Z), f''(Z) of the rows
        self.affine = True
        self.gamma = layer.gamma.copy()
        self.xhat, self.s, self.delta = layer.Xhat, layer.inv_std, layer.delta
        self.axes = (0,)
        shape = layer._forward_shape
        self.shape = shape if len(shape) == 4 else None
        ones = np.ones_like(self.gamma)
        self.twin = shadow(layer, _gamma=ones, dgamma=np.zeros_like(ones),
                           dbeta=np.zeros_like(ones))
        self.RX = self.RZ = self.RXhat = None

    def _rows(self, a: np.ndarray | None) -> np.ndarray | None:
        return a if a is None or self.shape is None else channels_last(a)

    def _back_to(self, a: np.ndarray | None) -> np.ndarray | None:
        return a if a is None or self.shape is None else channels_first(a, self.shape)

    def set_grad(self, g: np.ndarray | None) -> None:
        super().set_grad(self._rows(g))

    def input_grad(self, g: np.ndarray | None) -> np.ndarray:
        """``dJ/dX`` at the point: ``N (delta gamma)``, in the layer's input shape."""
        return self._back_to(super().input_grad(g))

    def forward(self, RX: np.ndarray | None, P: dict) -> np.ndarray | None:
        return self._back_to(super().forward(self._rows(RX), P))

    def backward(self, R: np.ndarray | None, P: dict,
                 gauss_newton: bool) -> tuple[dict, np.ndarray | None]:
        parts, out = super().backward(self._rows(R), P, gauss_newton)
        return parts, self._back_to(out)
