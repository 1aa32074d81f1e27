"""The R-operator of LayerNorm, ``A = f(gamma * Xhat + beta)`` (private).

Per example, ``<.>`` the mean over its values, ``s = 1 / sqrt(var + eps)`` and
``Xhat = (X - <X>) s``.  The normalisation's Jacobian is symmetric,
``N r = s (r - <r> - Xhat <Xhat r>)``: the layer's own input gradient of ``r``
(:meth:`~chainrule.LayerNorm.backward_delta` without ``gamma``), so with ``h = delta gamma``
(``dJ/dX = N h``) and ``Vg``, ``Vb`` the parts of ``v`` at ``gamma``, ``beta``::

    R{Xhat} = N R{X}                     R{Z} = gamma R{Xhat} + Vg Xhat + Vb
    R{delta} = R{g} f'(Z) + g f''(Z) R{Z}   (as a Dense layer's)
    R{dgamma} = sum_n (R{delta} Xhat + delta R{Xhat})       R{dbeta} = sum_n R{delta}
    R{dJ/dX} = N R{h} - s <Xhat R{X}> N h - s (R{Xhat} <h Xhat> + Xhat <h R{Xhat}>)
    with R{h} = R{delta} gamma + delta Vg

(``R{s} = -s^2 <Xhat R{X}>``).  The Gauss-Newton product keeps ``R{delta} Xhat``,
``R{dbeta}`` and ``N (R{delta} gamma)``: the terms without ``delta``.  A LayerNorm is the
same in training and evaluation, so this is the Hessian of the cost training minimises.
BatchNorm's training mode is the same normalisation over each feature's rows
(``_hessian_rop_batchnorm``).
"""

from __future__ import annotations

import numpy as np

from ._hessian_rop_affine import RAffine, shadow


class RLayerNorm(RAffine):
    """LayerNorm: ``N`` is the layer's own backward pass on a shadow without ``gamma``."""

    def __init__(self, layer: object, last: bool) -> None:
        self._init_activation(layer, last)
        self.affine = layer.elementwise_affine
        self.gamma = layer.gamma.copy() if self.affine else None
        self.xhat, self.s, self.delta = layer.Xhat, layer.inv_std, layer.delta
        self.axes = tuple(range(1, layer.Xhat.ndim))
        self.twin = shadow(layer, elementwise_affine=False)
        self.RX = self.RZ = self.RXhat = None

    def _mean(self, a: np.ndarray) -> np.ndarray:
        return a.mean(axis=self.axes, keepdims=True)

    def _h(self) -> np.ndarray:
        return self.delta * self.gamma if self.affine else self.delta

    def input_grad(self, g: np.ndarray | None) -> np.ndarray:
        """``dJ/dX`` at the point: ``N (delta gamma)``."""
        return self.twin.backward_delta(self._h(), True)

    def forward(self, RX: np.ndarray | None, P: dict) -> np.ndarray | None:
        self.RX = RX
        self.RXhat = None if RX is None else self.twin.backward_delta(RX, True)
        if self.RXhat is None and not self.affine:
            return None
        rz = 0.0
        if self.RXhat is not None:
            rz = self.gamma * self.RXhat if self.affine else self.RXhat.copy()
        if self.affine:
            rz = rz + P["gamma"] * self.xhat + P["beta"]
        self.RZ = rz
        return rz if self.last else self.fp * rz

    def backward(self, R: np.ndarray | None, P: dict,
                 gauss_newton: bool) -> tuple[dict, np.ndarray | None]:
        if R is None:  # no parameter here or below
            return {}, None
        return super().backward(R, P, gauss_newton)

    def _back(self, rd: np.ndarray, P: dict, gn: bool) -> tuple[dict, np.ndarray | None]:
        parts = {}
        if self.affine:
            hg = np.sum(rd * self.xhat, axis=0)
            if not gn and self.RXhat is not None:
                hg += np.sum(self.delta * self.RXhat, axis=0)
            parts = {"gamma": hg, "beta": np.sum(rd, axis=0)}
        if self.RX is None:
            return parts, None
        rh = rd * self.gamma if self.affine else rd.copy()
        if not gn and self.affine:
            rh += self.delta * P["gamma"]
        out = self.twin.backward_delta(rh, True)
        if not gn:
            h = self._h()
            out -= (self.s * self._mean(self.xhat * self.RX)) * self.twin.backward_delta(h, True)
            out -= self.s * (self.RXhat * self._mean(h * self.xhat)
                             + self.xhat * self._mean(h * self.RXhat))
        return parts, out
