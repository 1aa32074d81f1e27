"""Adamax as PyTorch defines it (private): Adam with the infinity norm in its denominator.

:class:`Adamax` is registered in :data:`chainrule.optimizers.OPTIMIZERS` as "adamax";
import it from :mod:`chainrule.optimizers` (or :mod:`chainrule`).
"""

from __future__ import annotations

import numpy as np

from ._optimizers_base import Optimizer
from ._optimizers_blas import _scale_add
from ._optimizers_nadam import _check_betas

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, section 7.1), PyTorch's ``torch.optim.Adamax``.

    ``m <- b1 m + (1 - b1) g``, ``u <- max(b2 u, |g| + eps)`` (an exponentially weighted
    infinity norm of the gradients), ``w <- w - lr / (1 - b1^t) * m / u``.  ``eps`` is
    added to ``|g|`` inside the maximum, as PyTorch adds it, not to ``u`` in the
    denominator: ``u >= eps`` from the first step on.  The state holds ``"m"`` and ``"u"``.

    Parameters
    ----------
    lr : float, default 0.002
        Learning rate (> 0), PyTorch's default.
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the first moment and of the infinity norm, in [0, 1).
    eps : float, default 1e-8
        Added to ``|g|`` (> 0).
    weight_decay : float in [0, 1), default 0
        As in :class:`~chainrule.optimizers.Optimizer` (PyTorch's Adamax ``weight_decay``,
        an L2 penalty added to the gradient, is the network's ``weight_decay``).
    """

    name = "adamax"

    def __init__(
        self, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        _check_betas(self, beta1, beta2, eps)

    def _direction(self, grads: np.ndarray) -> np.ndarray:
        (m0, m), (u0, u) = self._state_pair("m", grads), self._state_pair("u", grads)
        d = self._scratch(grads, "direction")
        _scale_add(m, self.beta1, grads, self._blas, 1 - self.beta1, d, src=m0)
        np.abs(grads, out=d)
        d += self.eps  # |g| + eps
        np.multiply(u0, self.beta2, out=u)
        np.maximum(u, d, out=u)  # max(b2 u, |g| + eps)
        return np.divide(m, u, out=d)  # _rate(): times lr / (1 - b1^t)

    def _rate(self) -> float:
        return self.lr / (1 - self.beta1**self.t)

    def __repr__(self) -> str:
        return f"Adamax(lr={self.lr:g})"
