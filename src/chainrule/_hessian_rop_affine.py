"""The R-operator of the layers ``Z = lin(X, W) + b``, ``A = f(Z)``: Dense and Conv2D (private).

``lin`` is bilinear in the input and the weights (a matrix product, a convolution), so
with ``V``, ``c`` the parts of ``v`` at ``W``, ``b`` (see :mod:`chainrule._hessian_rop`)::

    R{Z} = lin(R{X}, W) + lin(X, V) + c                  R{A} = f'(Z) R{Z}
    R{delta} = R{g} f'(Z) + g f''(Z) R{Z}                (g = dJ/dA; the output's from H_out)
    R{dW} = dW(X, R{delta}) + dW(R{X}, delta)            R{db} = sum R{delta}
    R{g_in} = lin^T(R{delta}, W) + lin^T(delta, V)

``dW(X, delta)`` and ``lin^T(delta, W)`` being the gradient's own products.  A Conv2D's are
its own :meth:`~chainrule.Conv2D.forward` and :meth:`~chainrule.Conv2D.backward_delta` run
on two shadow copies of the layer (an identity activation, their own buffers): one on the
point's ``X``, one on ``R{X}``, with the weights each product needs.  The Gauss-Newton
product leaves out ``dW(R{X}, delta)``, ``lin^T(delta, V)`` and ``g f''``.

``R{X} = None`` stands for no parameter below the layer (``R{X} = 0``): no ``R{g_in}``.
"""

from __future__ import annotations

import numpy as np

from ._activations_second import PIECEWISE_LINEAR, SECOND_DERIVATIVES
from .activations import get_activation


def shadow(layer: object, **attrs: object) -> object:
    """A shallow copy of ``layer`` sharing its cached arrays (``copy.copy`` would drop a
    spatial layer's caches), with ``attrs`` set on it."""
    twin = object.__new__(type(layer))
    twin.__dict__.update(layer.__dict__)
    twin.__dict__.update(attrs)
    return twin


class RAffine:
    """What a Dense or Conv2D layer's products share at one point.

    Parameters
    ----------
    layer : Dense or Conv2D
        After the gradient's passes (its ``X``, ``Z``, ``A``, ``delta``).
    last : bool
        The output layer: its ``R{delta}`` comes from the loss (``R{Z}`` is returned).
    """

    def __init__(self, layer: object, last: bool) -> None:
        self._init_activation(layer, last)
        self.X, self.delta = layer.X, layer.delta
        self.W = layer.W.copy()  # an optimiser may move the network's between products
        self.has_b = layer.b is not None

    def _init_activation(self, layer: object, last: bool) -> None:
        """``f'(Z)`` and what ``set_grad`` needs for ``g f''(Z)``."""
        self.last = last
        act = layer.activation
        self.fp = self.gfpp = self._fpp = None
        if not last:
            self.fp = act.derivative(layer.Z, layer.A)
            if act.name not in PIECEWISE_LINEAR:  # f'', computed in set_grad
                self._fpp = (SECOND_DERIVATIVES[act.name], layer.Z, layer.A)
        self.needs_grad = self._fpp is not None  # set_grad needs dJ/dA
        self.RX = self.RZ = None

    def set_grad(self, g: np.ndarray | None) -> None:
        """Keep ``g f''(Z)`` (``g = dJ/dA`` at the point; None for the output layer)."""
        if self._fpp is not None:
            fpp, Z, A = self._fpp
            self.gfpp = fpp(Z, A)
            self.gfpp *= g
            self._fpp = None

    def forward(self, RX: np.ndarray | None, P: dict) -> np.ndarray:
        """``R{A}`` (``R{Z}`` for the output layer) from ``R{X}`` and the parts ``P`` of v."""
        rz = self._lin_x(P["W"])
        if RX is not None:
            rz += self._lin_rx(RX)
        c = P.get("b")
        if c is not None:
            rz += c if rz.ndim == 2 else c[:, None, None]  # (a Conv2D's per channel)
        self.RX, self.RZ = RX, rz
        return rz if self.last else self.fp * rz

    def backward(self, R: np.ndarray, P: dict,
                 gauss_newton: bool) -> tuple[dict, np.ndarray | None]:
        """``({name: R{grad}}, R{g_in})`` from ``R{g}`` (``R{delta}`` for the output)."""
        if self.last:
            rd = R
        else:
            rd = R * self.fp
            if not gauss_newton and self.gfpp is not None:
                self.RZ *= self.gfpp  # (not read again: g f'' R{Z} over it)
                rd += self.RZ
        return self._back(rd, P, gauss_newton)


class RDense(RAffine):
    """``Z = X W + b``: the products written out (two matrix products each)."""

    def _lin_x(self, V: np.ndarray) -> np.ndarray:
        return np.asarray(self.X @ V)  # (a sparse first X gives a dense product)

    def _lin_rx(self, RX: np.ndarray) -> np.ndarray:
        return RX @ self.W

    def input_grad(self, g: np.ndarray | None) -> np.ndarray:
        """``dJ/dX`` at the point: ``delta W^T``."""
        return self.delta @ self.W.T

    def _back(self, rd: np.ndarray, P: dict, gn: bool) -> tuple[dict, np.ndarray | None]:
        V = P["W"]
        hw = np.asarray(self.X.T @ rd)
        if self.RX is not None and not gn:
            hw += self.RX.T @ self.delta
        parts = {"W": hw}
        if self.has_b:
            parts["b"] = np.add.reduce(rd, axis=0)
        if self.RX is None:
            return parts, None
        rg = rd @ self.W.T
        if not gn:
            rg += self.delta @ V.T
        return parts, rg


class RConv2D(RAffine):
    """``Z = conv(X, W) + b``: the layer's own kernels on two shadow copies."""

    def __init__(self, layer: object, last: bool) -> None:
        super().__init__(layer, last)
        identity = get_activation("identity")

        def twin() -> object:
            return shadow(layer, _activation=identity, _work={}, _W=self.W, _b=None,
                          dW=np.zeros_like(self.W),
                          db=np.zeros_like(layer.b) if self.has_b else None)

        self.on_x, self.on_rx = twin(), twin()
        self.on_x.forward(self.X)  # the point's patches, for input_grad

    def _lin_x(self, V: np.ndarray) -> np.ndarray:
        self.on_x._W = V
        return np.array(self.on_x.forward(self.X))  # (a copy: added to in place)

    def _lin_rx(self, RX: np.ndarray) -> np.ndarray:
        self.on_rx._W = self.W
        return self.on_rx.forward(RX)

    def input_grad(self, g: np.ndarray | None) -> np.ndarray:
        """``dJ/dX`` at the point: the transposed convolution of ``delta`` with ``W``."""
        self.on_x._W = self.W
        return self.on_x.backward_delta(self.delta, True)

    def _back(self, rd: np.ndarray, P: dict, gn: bool) -> tuple[dict, np.ndarray | None]:
        V, below = P["W"], self.RX is not None
        self.on_x._W = self.W  # dW(X, R{delta}), lin^T(R{delta}, W)
        rg = self.on_x.backward_delta(rd, below)
        hw = self.on_x.dW.copy()
        parts = {"W": hw}
        if self.has_b:
            parts["b"] = self.on_x.db.copy()
        if below and not gn:  # dW(R{X}, delta), lin^T(delta, V)
            self.on_rx._W = V
            rg += self.on_rx.backward_delta(self.delta, True)
            hw += self.on_rx.dW
        return parts, rg
