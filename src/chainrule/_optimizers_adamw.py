"""AdamW as PyTorch and Keras define it (private): the decay follows the learning rate.

:class:`AdamW` is :class:`~chainrule.optimizers.Adam` whose decoupled
``weight_decay`` is multiplied by the rate of each step; import it from
:mod:`chainrule.optimizers` (or :mod:`chainrule`), where it is registered as "adamw".
"""

from __future__ import annotations

from ._validation import check_nonneg_float
from .optimizers import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam with PyTorch's decoupled weight decay: ``lr_t * weight_decay`` per step.

    ``torch.optim.AdamW(lr=lr, weight_decay=wd)`` and Keras's ``AdamW``: each step
    first shrinks the weights, ``w <- w - lr_t * wd * w`` (``lr_t`` the rate the
    schedule set for that step), then takes Adam's step from the gradient of the
    weights before the shrink.  Under a learning-rate schedule the decay follows
    the rate; :class:`~chainrule.optimizers.Adam`'s own ``weight_decay`` removes a
    fixed fraction whatever the rate (the two agree at a constant rate with
    ``Adam(weight_decay=lr * wd)``).  As there, the training loop decays the
    network's weights only, not its biases nor BatchNorm's ``gamma`` and ``beta``
    (PyTorch decays every parameter of a group given a ``weight_decay``).

    Parameters
    ----------
    lr : float, default 0.001
        Learning rate (> 0); a schedule changes it between steps.
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the first and second moment estimates, in [0, 1).
    eps : float, default 1e-8
        Added to the denominator.
    weight_decay : float >= 0, default 0.01
        PyTorch's ``weight_decay`` of AdamW (its default too): the fraction of each
        weight removed at a step is ``lr_t * weight_decay``.
    eps_on : {"v_hat", "v", "v_hat_in_sqrt"}, default "v_hat"
        As in :class:`~chainrule.optimizers.Adam` ("v_hat" is PyTorch's).
    amsgrad : bool, default False
        As in :class:`~chainrule.optimizers.Adam` (PyTorch's ``AdamW(amsgrad=True)``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.optimizers import AdamW
    >>> w = np.array([1.0, -2.0])
    >>> AdamW(lr=0.1, weight_decay=0.5).step(w, np.array([0.0, 0.0]))
    >>> w  # shrunk by 0.1 * 0.5; a zero gradient moves nothing else
    array([ 0.95, -1.9 ])
    """

    name = "adamw"

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        weight_decay: float = 0.01, eps_on: str = "v_hat", amsgrad: bool = False,
    ) -> None:
        super().__init__(lr, beta1, beta2, eps, 0.0, eps_on, amsgrad)
        # any finite value >= 0, as PyTorch's: the fraction removed, lr_t * weight_decay,
        # depends on the rate of each step
        self.weight_decay = check_nonneg_float(weight_decay, "weight_decay")

    def _decay_fraction(self) -> float:
        return self.lr * self.weight_decay

    def __repr__(self) -> str:
        return f"AdamW(lr={self.lr:g}, weight_decay={self.weight_decay:g})"
