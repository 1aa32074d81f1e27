"""AdaGrad (private), with PyTorch's ``lr_decay`` and ``initial_accumulator_value``.

:class:`AdaGrad` is registered in :data:`chainrule.optimizers.OPTIMIZERS` as "adagrad";
import it from :mod:`chainrule.optimizers` (or :mod:`chainrule`).
"""

from __future__ import annotations

import numpy as np

from ._optimizers_base import Optimizer
from ._validation import check_nonneg_float, check_positive_float

__all__ = ["AdaGrad"]


class AdaGrad(Optimizer):
    """AdaGrad: per-parameter steps shrinking with the sum of squared gradients.

    ``s <- s + g^2``, ``w <- w - lr_t g / (sqrt(s) + eps)``, PyTorch's ``Adagrad``: the sum
    starts at ``initial_accumulator_value`` (0 by default) and the rate of step ``t`` is
    ``lr_t = lr / (1 + (t - 1) lr_decay)`` (``lr`` by default), its ``eps`` 1e-10 as
    there.  The default ``eps`` was 1e-8 before: a checkpoint records the ``eps`` its run
    stepped with (every AdaGrad configuration holds it), and resumes with it.

    Parameters
    ----------
    lr : float, default 0.01
    eps : float, default 1e-10
        Added to the denominator (> 0); PyTorch's default.
    weight_decay : float in [0, 1), default 0
        As in :class:`Optimizer`.
    lr_decay : float >= 0, default 0
        PyTorch's ``lr_decay``: the rate of step ``t`` is ``lr / (1 + (t - 1) lr_decay)``
        (``lr`` the rate a schedule set for the step, if any).
    initial_accumulator_value : float >= 0, default 0
        PyTorch's ``initial_accumulator_value``: the sum of squares before the first step
        (a larger one makes the first steps smaller).
    """

    name = "adagrad"

    def __init__(self, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0,
                 lr_decay: float = 0.0, initial_accumulator_value: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        self.eps = check_positive_float(eps, "eps")
        self.lr_decay = check_nonneg_float(lr_decay, "lr_decay")
        self.initial_accumulator_value = check_nonneg_float(
            initial_accumulator_value, "initial_accumulator_value")

    def _direction(self, grads: np.ndarray) -> np.ndarray:
        if self.initial_accumulator_value:  # the sum, where it is new, starts at the value
            s = self.state.get("sum_sq")
            if s is None or s.shape != grads.shape or s.dtype != grads.dtype:
                self.state["sum_sq"] = np.full_like(grads, self.initial_accumulator_value)
        previous, s = self._state_pair("sum_sq", grads)
        d = np.multiply(grads, grads, out=self._scratch(grads, "direction"))
        np.add(previous, d, out=s)
        np.sqrt(s, out=d)
        d += self.eps
        return np.divide(grads, d, out=d)  # g / (sqrt(s) + eps)

    def _rate(self) -> float:
        if not self.lr_decay:
            return self.lr
        return self.lr / (1 + (self.t - 1) * self.lr_decay)

    def get_config(self) -> dict:
        """As :meth:`Optimizer.get_config`, ``lr_decay`` and ``initial_accumulator_value``
        left out when 0 (the configuration files held before the settings existed, which
        they resume from as they did).

        Returns
        -------
        dict
            ``{"name": "adagrad", **settings}``.
        """
        config = super().get_config()
        for key in ("lr_decay", "initial_accumulator_value"):
            if not config[key]:
                del config[key]
        return config
