"""Optimizers: one small object per update rule, ``step(params, grads)`` on the flat vector.

Every rule updates ``params`` **in place** in a few vectorised operations over
the whole parameter vector.  The formulas, with ``g`` the gradient:

* SGD:       ``w <- w - lr * g``
* momentum:  ``v <- mu v + g``;  ``w <- w - lr * v``
* Nesterov:  ``v <- mu v + g``;  ``w <- w - lr * (g + mu v)``
* AdaGrad:   ``s <- s + g^2``;  ``w <- w - lr * g / (sqrt(s) + eps)``
* RMSProp:   ``s <- rho s + (1 - rho) g^2``;  ``w <- w - lr * g / (sqrt(s) + eps)``
* Adam:      ``m <- b1 m + (1 - b1) g``; ``v <- b2 v + (1 - b2) g^2``;
  ``w <- w - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``,
  ``v_hat = v / (1 - b2^t)``.  With ``eps_on="v"`` (the paper's "efficient"
  form, as in scikit-learn and Keras) ``eps`` is added to ``sqrt(v)`` instead:
  ``w <- w - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``.
  AMSGrad (``amsgrad=True``): ``v_max <- max(v_max, v)`` takes the place of ``v``
  in the denominator.

``weight_decay`` (decoupled) adds ``- weight_decay * w`` to any of them:
``w <- w - lr * update - weight_decay * w``.  :meth:`Optimizer.step` decays the
whole vector unless it is told which slices are weights (``decay=``); the
training loop passes the network's weight slices, so biases and BatchNorm's
``gamma``/``beta`` are never decayed.  It is PyTorch's ``AdamW`` decay (not its
``SGD``/``Adam`` ``weight_decay``, an L2 penalty: the network's ``weight_decay``)
at a constant rate; see :class:`Optimizer` for the conversion.

* AdamW (:class:`AdamW`, "adamw"): Adam with PyTorch's and Keras's convention,
  ``w <- w - lr_t * weight_decay * w`` first, then Adam's step: the fraction
  removed follows the rate ``lr_t`` a schedule sets (default ``weight_decay=0.01``).
* NAdam (:class:`NAdam`, "nadam"): PyTorch's ``NAdam``, Adam with Nesterov momentum.
* RAdam (:class:`RAdam`, "radam"): PyTorch's ``RAdam``, Adam's variance rectified.
* Adamax (:class:`Adamax`, "adamax"): PyTorch's ``Adamax``, the infinity norm's Adam.

How the updates run in place (BLAS ``axpy`` and ``scal`` within the training loop's
``_blas_updates`` block, NumPy otherwise) is in ``_optimizers_blas``; Adam folds its
bias corrections into two scalars (see :class:`Adam`'s notes).
"""

from __future__ import annotations

import functools
import inspect
import math

import numpy as np

from ._names import did_you_mean
from ._optimizers_adagrad import AdaGrad
from ._optimizers_base import Optimizer
from ._optimizers_blas import _blas_updates as _blas_updates
from ._optimizers_blas import _scale_add
from ._optimizers_eps import check_eps_on, root_plus_eps
from ._validation import check_bool, check_nonneg_float, check_positive_float

__all__ = ["OPTIMIZERS", "SGD", "AdaGrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer",
           "RAdam", "RMSProp", "get_optimizer"]


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum.

    Parameters
    ----------
    lr : float, default 0.1
    momentum : float in [0, 1), default 0
        ``mu`` in ``v <- mu v + g``, ``w <- w - lr v``.
    nesterov : bool, default False
        Use ``w <- w - lr (g + mu v)`` instead.
    weight_decay : float, default 0
    dampening : float in [0, 1], default 0
        PyTorch's ``SGD(dampening=d)``: ``v <- mu v + (1 - d) g`` from the second step
        on (the first step's velocity is ``g``, undamped, as PyTorch's is); no effect
        without momentum, and refused with ``nesterov`` (as PyTorch refuses it).
    """

    name = "sgd"

    def __init__(
        self, lr: float = 0.1, momentum: float = 0.0, nesterov: bool = False,
        weight_decay: float = 0.0, dampening: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.momentum = check_nonneg_float(momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        self.nesterov = check_bool(nesterov, "nesterov")
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.dampening = check_nonneg_float(dampening, "dampening")
        if self.dampening > 1:
            raise ValueError(f"dampening must be in [0, 1], got {self.dampening}")
        if self.nesterov and self.dampening:
            raise ValueError(f"dampening must be 0 with nesterov=True (Nesterov's step is "
                             f"undamped, as in PyTorch), got {self.dampening}")

    def _direction(self, grads: np.ndarray) -> np.ndarray:
        if self.momentum == 0:
            return grads
        # PyTorch's first velocity is the gradient itself, undamped: a = 1 while there is none
        a = 1.0 if not self.dampening or "velocity" not in self.state else 1 - self.dampening
        previous, v = self._state_pair("velocity", grads)
        if a == 1.0:
            _scale_add(v, self.momentum, grads, self._blas, src=previous)
        else:
            _scale_add(v, self.momentum, grads, self._blas, a,
                       self._scratch(grads, "direction"), src=previous)
        if not self.nesterov:
            return v
        d = np.multiply(v, self.momentum, out=self._scratch(grads, "direction"))
        d += grads  # g + mu v
        return d

    def get_config(self) -> dict:
        """As :meth:`Optimizer.get_config`, ``dampening`` left out when 0 (the configuration
        files held before the setting existed, which they resume from as they did).

        Returns
        -------
        dict
            ``{"name": "sgd", **settings}``.
        """
        config = super().get_config()
        if not self.dampening:
            del config["dampening"]
        return config

    def __repr__(self) -> str:
        nest = ", nesterov=True" if self.nesterov else ""
        return f"SGD(lr={self.lr:g}, momentum={self.momentum:g}{nest})"


class RMSProp(Optimizer):
    """RMSProp: steps scaled by a running mean of squared gradients.

    ``s <- rho s + (1 - rho) g^2``, ``w <- w - lr g / (sqrt(s) + eps)``.  Within the
    training loop BLAS ``scal`` and ``axpy`` update ``s`` (the roundings of NumPy's
    ``s *= rho; s += (1 - rho) g^2``).  ``(1 - rho) g^2`` is computed as ``((1 - rho)
    g) g``, which overflows only where it is past the float range itself: ``g^2``
    first would put ``inf`` in ``s`` for float32 gradients from 1.8e19 (``sqrt`` of
    the largest float32) on, and their parameters would never move again.

    PyTorch's ``RMSprop(alpha=rho)`` (whose defaults are ``lr=0.01`` and ``alpha=0.99``,
    where these are Keras's, 0.001 and 0.9), with its ``centered`` and ``momentum`` options:
    ``centered=True`` keeps the running mean of the gradients too, ``gbar <- rho gbar +
    (1 - rho) g``, and divides by ``sqrt(s - gbar^2) + eps`` (the running variance; a
    value below 0 by rounding is taken as 0); ``momentum = mu > 0`` accumulates the
    scaled gradients, ``b <- mu b + g / (sqrt(.) + eps)``, ``w <- w - lr b``.  The
    state then holds ``"grad_mean"`` and ``"velocity"`` too.

    Parameters
    ----------
    lr : float, default 0.001
    rho : float in [0, 1), default 0.9
        Decay rate of the running mean.
    eps : float, default 1e-8
        Added to the denominator (> 0).
    weight_decay : float in [0, 1), default 0
        As in :class:`Optimizer`.
    momentum : float in [0, 1), default 0
        ``mu`` of the momentum on the scaled gradients (0: none).
    centered : bool, default False
        Divide by the running standard deviation of the gradients instead of
        their running root mean square.
    eps_on : {"s", "s_in_sqrt"}, default "s"
        ``"s_in_sqrt"``: ``eps`` under the root, ``g / sqrt(s + eps)`` (``sqrt(s - gbar^2
        + eps)`` centered), as TensorFlow's and Keras's RMSprop.
    """

    name = "rmsprop"

    def __init__(
        self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8, weight_decay: float = 0.0,
        momentum: float = 0.0, centered: bool = False, eps_on: str = "s",
    ) -> None:
        super().__init__(lr, weight_decay)
        self.rho = check_nonneg_float(rho, "rho")
        if self.rho >= 1:
            raise ValueError(f"rho must be in [0, 1), got {self.rho}")
        self.eps = check_positive_float(eps, "eps")
        self.momentum = check_nonneg_float(momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        self.centered = check_bool(centered, "centered")
        self.eps_on = check_eps_on(eps_on, ("s", "s_in_sqrt"))

    def _direction(self, grads: np.ndarray) -> np.ndarray:
        previous, s = self._state_pair("mean_sq", grads)
        d = np.multiply(grads, 1 - self.rho, out=self._scratch(grads, "direction"))
        d *= grads  # (1 - rho) g^2, scaled before the square can overflow
        _scale_add(s, self.rho, d, self._blas, src=previous)  # rho s + (1 - rho) g^2
        if self.centered:  # sqrt(s - gbar^2), gbar the running mean of g
            gbar0, gbar = self._state_pair("grad_mean", grads)
            _scale_add(gbar, self.rho, grads, self._blas, 1 - self.rho, d, src=gbar0)
            np.multiply(gbar, gbar, out=d)
            np.subtract(s, d, out=d)
            np.maximum(d, 0, out=d)  # a variance below 0 by rounding only
        root_plus_eps(d if self.centered else s, d, self.eps, self.eps_on == "s_in_sqrt")
        np.divide(grads, d, out=d)  # g / (sqrt(s) + eps)
        if self.momentum == 0:
            return d
        previous, b = self._state_pair("velocity", grads)
        _scale_add(b, self.momentum, d, self._blas, src=previous)  # mu b + g / (...)
        return b

    def get_config(self) -> dict:
        """As :meth:`Optimizer.get_config`, ``momentum``, ``centered`` and ``eps_on`` left
        out when they are 0, False and "s".

        A plain RMSProp's configuration is then the one files held before the settings
        existed, which they resume from as they did.

        Returns
        -------
        dict
            ``{"name": "rmsprop", **settings}``.
        """
        config = super().get_config()
        for key, default in (("momentum", 0.0), ("centered", False), ("eps_on", "s")):
            if config[key] == default:
                del config[key]
        return config


class Adam(Optimizer):
    """Adam with bias-corrected first and second moment estimates.

    Parameters
    ----------
    lr : float, default 0.001
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the first and second moment estimates, in [0, 1).
    eps : float, default 1e-8
        Added to the denominator.
    weight_decay : float in [0, 1), default 0
        As in :class:`Optimizer`.
    eps_on : {"v_hat", "v", "v_hat_in_sqrt"}, default "v_hat"
        Where ``eps`` is added.  ``"v_hat"``: ``m_hat / (sqrt(v_hat) + eps)``,
        Algorithm 1 of Kingma and Ba, and PyTorch's ``torch.optim.Adam``.
        ``"v"``: the paper's "efficient" form (end of its section 2),
        ``sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``, which
        scikit-learn's and Keras' Adam use.  The two differ only through
        ``eps``: the second is the first with ``eps / sqrt(1 - b2^t)`` in place
        of ``eps``, a larger ``eps`` in the first steps.  ``"v_hat_in_sqrt"``:
        ``m_hat / sqrt(v_hat + eps)``, under the root (some course code's).
    amsgrad : bool, default False
        AMSGrad (Reddi, Kale and Kumar), PyTorch's ``Adam(amsgrad=True)``: the
        denominator takes the largest ``v`` so far, ``v_max <- max(v_max, v)``,
        in place of ``v`` (bias-corrected as ``v`` is: ``m_hat / (sqrt(v_max /
        (1 - b2^t)) + eps)``), so that no coordinate's step grows because its
        recent gradients got smaller.  The state then holds ``"v_max"`` too.

    Notes
    -----
    Both forms are computed as the second, in fewer passes over the parameters:
    ``w <- w - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps')`` with
    ``eps' = eps * sqrt(1 - b2^t)`` for ``"v_hat"`` (``eps`` for ``"v"``), the
    bias corrections folded into two scalars.  That is Algorithm 1 exactly in
    real arithmetic; in floating point each step differs from the formula as
    written by a few units in the last place (the divisions by ``1 - b^t`` are
    rounded in the scalars instead of in every coordinate, and BLAS ``axpy``
    within the training loop rounds ``b m + (1 - b) g`` and ``w - step`` once
    where NumPy rounds twice).  ``(1 - b2) g^2`` is computed as ``((1 - b2) g) g``,
    as in PyTorch: ``g^2`` first would put ``inf`` in ``v`` for float32 gradients
    from 1.8e19 on (``sqrt`` of the largest float32), where ``(1 - b2) g^2`` is in
    range up to 5.8e20 for ``b2 = 0.999``, and their parameters would never move again.
    """

    name = "adam"

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        weight_decay: float = 0.0, eps_on: str = "v_hat", amsgrad: bool = False,
    ) -> None:
        super().__init__(lr, weight_decay)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= check_nonneg_float(b, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {b}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = check_positive_float(eps, "eps")
        self.eps_on = check_eps_on(eps_on, ("v_hat", "v", "v_hat_in_sqrt"))
        self.amsgrad = check_bool(amsgrad, "amsgrad")

    def _direction(self, grads: np.ndarray) -> np.ndarray:
        # m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2, in one work vector
        (m0, m), (v0, v) = self._state_pair("m", grads), self._state_pair("v", grads)
        d = self._scratch(grads, "direction")
        b1, b2 = self.beta1, self.beta2
        _scale_add(m, b1, grads, self._blas, 1 - b1, d, src=m0)
        np.multiply(grads, 1 - b2, out=d)
        d *= grads  # (1 - b2) g^2, scaled before the square can overflow
        _scale_add(v, b2, d, self._blas, src=v0)
        if self.amsgrad:  # v_max <- max(v_max, v), which the denominator takes
            v_max0, v_max = self._state_pair("v_max", grads)
            v = np.maximum(v_max0, v, out=v_max)
        # m / (sqrt(v) + eps') scaled by _rate(): m_hat / (sqrt(v_hat) + eps) for eps' = eps
        # sqrt(1 - b2^t); m_hat / sqrt(v_hat + eps): m / sqrt(v + eps (1 - b2^t)) scaled so
        inside, c = self.eps_on == "v_hat_in_sqrt", 1 - b2**self.t
        scale = 1.0 if self.eps_on == "v" else c if inside else math.sqrt(c)
        root_plus_eps(v, d, self.eps * scale, inside)
        return np.divide(m, d, out=d)

    def _rate(self) -> float:
        return self.lr * math.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)

    def get_config(self) -> dict:
        """As :meth:`Optimizer.get_config`, ``amsgrad`` left out when False.

        A plain Adam's configuration is then the one files held before the setting
        existed, which they resume from as they did (:meth:`~Optimizer.from_config`
        takes False for it).

        Returns
        -------
        dict
            ``{"name": "adam", **settings}``.
        """
        config = super().get_config()
        if not self.amsgrad:
            del config["amsgrad"]
        return config


# AdamW subclasses Adam, defined above (its module imports it from here)
from ._optimizers_adamax import Adamax  # noqa: E402
from ._optimizers_adamw import AdamW  # noqa: E402
from ._optimizers_nadam import NAdam  # noqa: E402
from ._optimizers_radam import RAdam  # noqa: E402

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": SGD,
    "sgd": SGD,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
    "nadam": NAdam,
    "radam": RAdam,
    "adamax": Adamax,
}
"""Optimizer classes by name ("gd" is SGD on the whole training set)."""


@functools.cache
def _settings_of(cls: type) -> frozenset[str]:
    """The keywords ``cls`` takes, read off its signature once (``inspect.signature``
    took 0.2 to 0.6 ms per :func:`get_optimizer` call, at each ``train``)."""
    return frozenset(inspect.signature(cls).parameters)


def _given(value: object) -> bool:
    """Whether a setting was given a value other than 0 / False (an array, whose truth
    NumPy refuses as ambiguous, counts as given)."""
    try:
        return bool(value)
    except (TypeError, ValueError):
        return True


def get_optimizer(name: str | Optimizer, **kwargs: object) -> Optimizer:
    """An optimizer object from a name and settings (an object is passed through).

    ``"nesterov"`` is SGD with ``nesterov=True``; keyword arguments a rule does
    not take (``momentum`` for Adam, say) are refused unless they are zero.

    Parameters
    ----------
    name : str or Optimizer
        One of :data:`OPTIMIZERS` or ``"nesterov"``; an :class:`Optimizer` is
        returned as it is (``kwargs`` are then ignored).
    **kwargs
        Settings of the rule (``lr``, ``momentum``, ...); ``None`` values are
        left out, so the rule's defaults apply.

    Returns
    -------
    Optimizer

    Raises
    ------
    TypeError
        If ``name`` is neither a str nor an Optimizer.
    ValueError
        If ``name`` is unknown, or a setting the rule does not take is nonzero.
    """
    if isinstance(name, Optimizer):
        return name
    if not isinstance(name, str):
        raise TypeError(f"optimizer must be a name (str) or an Optimizer object, got "
                        f"{type(name).__name__}")
    if name == "nesterov":
        kwargs = {"momentum": 0.9, **{k: v for k, v in kwargs.items() if v is not None}}
        kwargs["nesterov"] = True
        name = "sgd"
    cls = OPTIMIZERS.get(name)
    if cls is None:
        valid = ", ".join(sorted([*OPTIMIZERS, "nesterov"]))
        raise ValueError(f"unknown optimizer {name!r}{did_you_mean(name, [*OPTIMIZERS])}; "
                         f"valid names are: {valid}")
    accepted = _settings_of(cls)
    clean = {}
    for key, value in kwargs.items():
        if value is None:
            continue
        if key not in accepted:
            if _given(value):  # e.g. momentum=0.9 with "adam": say so rather than ignore it
                raise ValueError(f"optimizer {name!r} takes no {key!r} (got {value!r})")
            continue
        clean[key] = value
    return cls(**clean)
