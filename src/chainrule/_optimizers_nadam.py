"""NAdam as PyTorch defines it (private): Adam with Nesterov momentum and a momentum schedule.

:class:`NAdam` is registered in :data:`chainrule.optimizers.OPTIMIZERS` as "nadam";
import it from :mod:`chainrule.optimizers` (or :mod:`chainrule`).  The helpers shared
with :class:`~chainrule.optimizers.RAdam` (the moment estimates, the betas' check and
PyTorch's ``decoupled_weight_decay``) are here too.
"""

from __future__ import annotations

import math

import numpy as np

from ._optimizers_base import Optimizer
from ._optimizers_blas import _add_scaled, _scale_add
from ._validation import check_bool, check_nonneg_float, check_positive_float

__all__ = ["NAdam"]


def _check_betas(opt: Optimizer, beta1: float, beta2: float, eps: float) -> None:
    """Set ``opt.beta1``, ``opt.beta2`` (each in [0, 1)) and ``opt.eps`` (> 0), checked."""
    for name, b in (("beta1", beta1), ("beta2", beta2)):
        if not 0 <= check_nonneg_float(b, name) < 1:
            raise ValueError(f"{name} must be in [0, 1), got {b}")
    opt.beta1, opt.beta2 = float(beta1), float(beta2)
    opt.eps = check_positive_float(eps, "eps")


def _set_decay(opt: Optimizer, weight_decay: float, decoupled: bool) -> None:
    """PyTorch's ``decoupled_weight_decay``: with it, ``weight_decay`` is any value >= 0 and
    a step removes ``lr_t * weight_decay`` of each weight (AdamW's decay); without it, the
    fraction ``weight_decay`` in [0, 1) of :class:`~chainrule.optimizers.Optimizer`."""
    opt.decoupled_weight_decay = check_bool(decoupled, "decoupled_weight_decay")
    if opt.decoupled_weight_decay:
        opt.weight_decay = check_nonneg_float(weight_decay, "weight_decay")


def _moments(opt: Optimizer, grads: np.ndarray, work: np.ndarray) -> tuple[np.ndarray, ...]:
    """Adam's running means, updated: ``m <- b1 m + (1 - b1) g`` and ``v <- b2 v + (1 - b2)
    g^2`` (``(1 - b2) g`` times ``g``, which overflows only past the float range itself);
    ``work`` (shaped like ``grads``) is overwritten."""
    (m0, m), (v0, v) = opt._state_pair("m", grads), opt._state_pair("v", grads)
    b1, b2 = opt.beta1, opt.beta2
    _scale_add(m, b1, grads, opt._blas, 1 - b1, work, src=m0)
    np.multiply(grads, 1 - b2, out=work)
    work *= grads
    _scale_add(v, b2, work, opt._blas, src=v0)
    return m, v


class NAdam(Optimizer):
    """NAdam (Dozat), PyTorch's ``torch.optim.NAdam``: Adam with Nesterov momentum.

    With ``mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay))`` (the momentum schedule)
    and ``P_t = mu_1 mu_2 ... mu_t`` (PyTorch's ``mu_product``), a step is
    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2`` and
    ``w <- w - lr [(1 - mu_t) / (1 - P_t) g + mu_{t+1} / (1 - P_t mu_{t+1}) m] /
    (sqrt(v / (1 - b2^t)) + eps)``.  ``P_t`` is a function of the step count ``t``, not
    a state vector: a checkpoint's ``t`` gives it back (the same product, in the same
    order, bit for bit), and so does the divergence guard's restored ``t``.  PyTorch
    keeps it as a tensor of its default dtype: equal to this one (float64) when that is
    float64; in float32 (its default) it is rounded to float32 at each step, a relative
    difference of about 1e-7 in the step.

    Parameters
    ----------
    lr : float, default 0.002
        Learning rate (> 0), PyTorch's default.
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the moment estimates, in [0, 1).
    eps : float, default 1e-8
        Added to ``sqrt(v_hat)`` (> 0).
    weight_decay : float, default 0
        Without ``decoupled_weight_decay``: the fraction in [0, 1) of each weight a step
        removes, as in :class:`~chainrule.optimizers.Optimizer` (PyTorch's NAdam
        ``weight_decay``, an L2 penalty added to the gradient, is the network's
        ``weight_decay``).  With it: PyTorch's, ``lr_t * weight_decay`` removed per step.
    momentum_decay : float, default 0.004
        ``psi`` of the momentum schedule (>= 0; 0: ``mu_t = beta1 / 2``).
    decoupled_weight_decay : bool, default False
        PyTorch's ``NAdam(decoupled_weight_decay=True)`` (its NAdamW): ``weight_decay``
        then scales with each step's rate, as :class:`~chainrule.optimizers.AdamW`'s.
    """

    name = "nadam"

    def __init__(
        self, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        weight_decay: float = 0.0, momentum_decay: float = 0.004,
        decoupled_weight_decay: bool = False,
    ) -> None:
        super().__init__(lr, 0.0 if decoupled_weight_decay is True else weight_decay)
        _check_betas(self, beta1, beta2, eps)
        self.momentum_decay = check_nonneg_float(momentum_decay, "momentum_decay")
        _set_decay(self, weight_decay, decoupled_weight_decay)
        self._mu_product = (0, 1.0)  # (t, P_t): the last product, extended step by step

    def _mu(self, t: int) -> float:
        return self.beta1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def _product(self, t: int) -> float:
        """``P_t``, from the last one when it is ``P_{t-1}``, else again from ``P_0 = 1``."""
        last_t, last = getattr(self, "_mu_product", (0, 1.0))
        if last_t != t - 1:
            last = 1.0
            for i in range(1, t):
                last *= self._mu(i)
        product = last * self._mu(t)
        self._mu_product = (t, product)
        return product

    def _direction(self, grads: np.ndarray) -> np.ndarray:
        d = self._scratch(grads, "direction")
        m, v = _moments(self, grads, d)
        t = self.t
        mu, mu_next, product = self._mu(t), self._mu(t + 1), self._product(t)
        # the numerator, in a second work vector: c1 g + c2 m
        num = np.multiply(grads, (1.0 - mu) / (1.0 - product), out=self._scratch(grads, "num"))
        _add_scaled(num, mu_next / (1.0 - product * mu_next), m, d, self._blas)
        # sqrt(v / (1 - b2^t)) + eps = (sqrt(v) + eps sqrt(1 - b2^t)) / sqrt(1 - b2^t):
        # _rate() multiplies by sqrt(1 - b2^t)
        np.sqrt(v, out=d)
        d += self.eps * math.sqrt(1 - self.beta2**t)
        return np.divide(num, d, out=d)

    def _rate(self) -> float:
        return self.lr * math.sqrt(1 - self.beta2**self.t)

    def _decay_fraction(self) -> float:
        return self.lr * self.weight_decay if self.decoupled_weight_decay else self.weight_decay

    def reset(self) -> None:
        """Forget the state (moments, step count and the momentum schedule's product)."""
        super().reset()
        self._mu_product = (0, 1.0)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_mu_product", None)  # a function of t, made again when needed
        return state

    def __repr__(self) -> str:
        return f"NAdam(lr={self.lr:g}, momentum_decay={self.momentum_decay:g})"
