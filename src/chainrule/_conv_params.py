"""Conv2D's parameters (private): the kernels ``W`` and biases ``b`` as properties whose
assignment writes into the network's flat vector, and their specs and binding.

A mixin of :class:`chainrule.conv.Conv2D` (which sets ``_W``, ``_b``, ``dW``, ``db``,
``has_bias`` and ``out_channels``); import the layer from :mod:`chainrule.conv`.
"""

from __future__ import annotations

import numpy as np

from ._layers_base import Layer, ParamSpec, write_param

__all__ = ["ConvParams"]


class ConvParams(Layer):
    """``W``, ``b``, :meth:`param_specs`, :meth:`initial_values` and :meth:`bind` of Conv2D
    (a Layer, so that these methods keep the docstrings of Layer's)."""

    _W: np.ndarray
    _b: np.ndarray | None
    has_bias: bool
    out_channels: int

    # -- parameters: views into the network's flat vector; assignment writes into it ---------
    @property
    def W(self) -> np.ndarray:
        """Kernels, ndarray of shape (out_channels, in_channels, kh, kw).

        A view into the network's parameters: assigning an array of that shape
        writes into the same memory.
        """
        return self._W

    @W.setter
    def W(self, value: object) -> None:
        write_param(self._W, value, "W")

    @property
    def b(self) -> np.ndarray | None:
        """Biases, ndarray of shape (out_channels,) (a view, as ``W``); None with ``bias=False``."""
        return self._b

    @b.setter
    def b(self, value: object) -> None:
        write_param(self._b, value, "b")

    def param_specs(self) -> list[ParamSpec]:
        specs = [ParamSpec("W", self._W.shape, True)]
        if self.has_bias:
            specs.append(ParamSpec("b", (self.out_channels,), False))  # biases never decayed
        return specs

    def initial_values(self) -> dict[str, np.ndarray]:
        return {"W": self._W, "b": self._b} if self.has_bias else {"W": self._W}

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self._W, self.dW = params["W"], grads["W"]
        if self.has_bias:
            self._b, self.db = params["b"], grads["b"]
