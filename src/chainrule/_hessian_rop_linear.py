"""The R-operator of the layers linear in their input or their table (private).

Flatten (a reshape), Dropout in evaluation mode (the identity, as the gradient's passes of
:class:`~chainrule.hessian` run it), AvgPool2D (a fixed mean of each window) and MaxPool2D
(piecewise linear: near the point each output is its window's largest pixel, so ``R{A}``
is ``R{X}`` at the forward pass's ``argmax`` and the R-backward pass routes ``R{g}`` to
it as the gradient's does) have no parameters and ``f'' = 0``: their R-passes are their
own forward / backward passes on ``R{X}`` and ``R{g}``, run on shadow copies so that the
point's caches stay.  Embedding (``A = W[X]``, linear in its table) gives
``R{A} = V[X]`` and ``R{dW}``, the scatter-add of ``R{g}`` into the rows used.

Each class has the interface of :class:`~chainrule._hessian_rop_affine.RAffine`.
"""

from __future__ import annotations

import numpy as np

from ._hessian_rop_affine import shadow


class RLinear:
    """A parameter-free layer linear in its input: Flatten, Dropout (evaluation), AvgPool2D."""

    needs_grad = False  # no g f'' term

    def __init__(self, layer: object, last: bool) -> None:
        self.twin = shadow(layer)

    def set_grad(self, g: np.ndarray | None) -> None:
        """Nothing kept: the layer has no curvature of its own."""

    def input_grad(self, g: np.ndarray) -> np.ndarray:
        """``dJ/dX`` at the point: the layer's backward pass of ``g``."""
        return self.twin.backward(g, True)

    def forward(self, RX: np.ndarray | None, P: dict) -> np.ndarray | None:
        """``R{A}``: the layer's forward pass of ``R{X}`` (None: no parameter below)."""
        return None if RX is None else self.twin.forward(RX, False)

    def backward(self, R: np.ndarray | None, P: dict,
                 gauss_newton: bool) -> tuple[dict, np.ndarray | None]:
        """``({}, R{g_in})``: the layer's backward pass of ``R{g}``."""
        return {}, None if R is None else self.twin.backward(R, True)


class RMaxPool2D(RLinear):
    """MaxPool2D: ``R{A}`` gathers ``R{X}`` at the point's ``argmax``; backward as the
    gradient's (the shadow keeps the point's ``argmax``)."""

    def forward(self, RX: np.ndarray | None, P: dict) -> np.ndarray | None:
        if RX is None:
            return None
        taps = self.twin._taps(RX, 0.0)  # the windows' pixels of R{X}, tap by tap
        argmax = self.twin.argmax
        RA = np.zeros(argmax.shape, dtype=taps[0].dtype)
        for t, pixels in enumerate(taps):
            RA += pixels * (argmax == t)
        return RA


class REmbedding:
    """Embedding (first layer): ``R{A} = V[X]``, ``R{dW}`` the scatter-add of ``R{g}``."""

    needs_grad = False  # linear in its table

    def __init__(self, layer: object, last: bool) -> None:
        self.X = layer.X
        self.twin = shadow(layer, dW=np.zeros_like(layer.W))

    def set_grad(self, g: np.ndarray | None) -> None:
        """Nothing kept: the layer is linear in its table."""

    def forward(self, RX: np.ndarray | None, P: dict) -> np.ndarray:
        self.twin._W = P["W"]
        return self.twin.forward(self.X, False)

    def backward(self, R: np.ndarray, P: dict,
                 gauss_newton: bool) -> tuple[dict, np.ndarray | None]:
        self.twin.backward(R, False)
        return {"W": self.twin.dW.copy()}, None
