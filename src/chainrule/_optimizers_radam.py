"""RAdam as PyTorch defines it (private): Adam with its variance rectified, SGD until then.

:class:`RAdam` is registered in :data:`chainrule.optimizers.OPTIMIZERS` as "radam";
import it from :mod:`chainrule.optimizers` (or :mod:`chainrule`).
"""

from __future__ import annotations

import math

import numpy as np

from ._optimizers_base import Optimizer
from ._optimizers_nadam import _check_betas, _moments, _set_decay

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al.), PyTorch's ``torch.optim.RAdam``: Adam's step once the variance of
    its adaptive rate is tractable, bias-corrected momentum SGD before.

    ``m`` and ``v`` are Adam's running means; with ``rho_inf = 2 / (1 - b2) - 1`` and
    ``rho_t = rho_inf - 2 t b2^t / (1 - b2^t)``, a step is, while ``rho_t <= 5`` (the first
    6 steps for ``b2 = 0.999``), ``w <- w - lr m / (1 - b1^t)``, and once ``rho_t > 5``
    ``w <- w - lr r_t m / (1 - b1^t) * sqrt(1 - b2^t) / (sqrt(v) + eps)``, with
    ``r_t = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))``.
    ``eps`` is added to ``sqrt(v)``, not to ``sqrt(v_hat)``, as PyTorch adds it.

    Parameters
    ----------
    lr : float, default 0.001
        Learning rate (> 0), PyTorch's default.
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the moment estimates, in [0, 1).
    eps : float, default 1e-8
        Added to ``sqrt(v)`` (> 0).
    weight_decay : float, default 0
        Without ``decoupled_weight_decay``: the fraction in [0, 1) of each weight a step
        removes, as in :class:`~chainrule.optimizers.Optimizer` (PyTorch's RAdam
        ``weight_decay``, an L2 penalty added to the gradient, is the network's
        ``weight_decay``).  With it: PyTorch's, ``lr_t * weight_decay`` removed per step.
    decoupled_weight_decay : bool, default False
        PyTorch's ``RAdam(decoupled_weight_decay=True)``: ``weight_decay`` then scales
        with each step's rate, as :class:`~chainrule.optimizers.AdamW`'s.
    """

    name = "radam"

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
    ) -> None:
        super().__init__(lr, 0.0 if decoupled_weight_decay is True else weight_decay)
        _check_betas(self, beta1, beta2, eps)
        _set_decay(self, weight_decay, decoupled_weight_decay)

    def _rectifier(self, t: int) -> float | None:
        """``r_t`` of step ``t``, or None while ``rho_t <= 5`` (no adaptive rate yet)."""
        b2 = self.beta2
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t <= 5.0:
            return None
        return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                         / ((rho_inf - 4) * (rho_inf - 2) * rho_t))

    def _direction(self, grads: np.ndarray) -> np.ndarray:
        d = self._scratch(grads, "direction")
        m, v = _moments(self, grads, d)
        if self._rectifier(self.t) is None:
            return m  # _rate() scales it by lr / (1 - b1^t)
        np.sqrt(v, out=d)
        d += self.eps
        return np.divide(m, d, out=d)  # _rate(): times lr r_t sqrt(1 - b2^t) / (1 - b1^t)

    def _rate(self) -> float:
        t = self.t
        rate = self.lr / (1 - self.beta1**t)
        r = self._rectifier(t)
        return rate if r is None else rate * r * math.sqrt(1 - self.beta2**t)

    def _decay_fraction(self) -> float:
        return self.lr * self.weight_decay if self.decoupled_weight_decay else self.weight_decay

    def __repr__(self) -> str:
        return f"RAdam(lr={self.lr:g})"
