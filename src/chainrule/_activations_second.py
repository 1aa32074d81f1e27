"""Second derivatives ``f''`` of the built-in elementwise activations (private).

The exact Hessian-vector product (:mod:`chainrule.hessian`, Pearlmutter's R-operator) needs
``f''(z)`` where backpropagation needs ``f'(z)``.  Each function takes the net input ``z``
and the output ``a = f(z)`` and uses whichever is cheaper, as the first derivatives of
``_activations_builtin`` do.  At a kink (ReLU's, leaky ReLU's corner at 0; ELU's jump of
``f''`` at 0) the value is that of the left side, as the first derivatives take theirs.

Activations without an entry here (softmax, whose Jacobian is not diagonal and which only
the loss's output path handles; step and sign, which have no useful derivative; the
activations users register with ``f`` and ``f'`` only) are refused by the callers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._activations_builtin import LECUN_SCALE, LECUN_SLOPE
from ._scipy_special import lazy_special

expit = lazy_special(globals(), "expit")[0]  # SciPy's, on first call

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_PDF_CLIP = 40.0  # exp(-z^2 / 2) is 0 beyond |z| ~ 38.6: z^2 kept from overflowing


def _zero(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # identity, relu, leaky_relu: piecewise linear, f'' = 0 (at the corner too, by convention)
    return np.zeros_like(a)


def _sigmoid_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # d/dz a(1 - a) = a(1 - a)(1 - 2a)
    return a * (1.0 - a) * (1.0 - 2.0 * a)


def _tanh_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # d/dz (1 - a^2) = -2a (1 - a^2)
    return -2.0 * a * (1.0 - a * a)


def _lecun_tanh_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # f = s tanh(k z), t = a / s: f'' = -2 s k^2 t (1 - t^2)
    t = a / LECUN_SCALE
    return (-2.0 * LECUN_SCALE * LECUN_SLOPE**2) * t * (1.0 - t * t)


def _softplus_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # d/dz sigmoid(z) = sigmoid(z) sigmoid(-z) (no cancellation in 1 - sigmoid(z))
    return expit(z) * expit(-z)


def _elu_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # 0 above 0, e^z = a + 1 at and below 0 (the left side at the jump, as f' takes it)
    return np.where(a > 0, 0.0, a + 1.0).astype(a.dtype, copy=False)


def _gelu_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # f' = Phi + z phi, phi' = -z phi: f'' = 2 phi - z^2 phi = phi (2 - z^2)
    zc = np.clip(z, -_PDF_CLIP, _PDF_CLIP)
    phi = np.exp(np.square(zc) * -0.5) * _INV_SQRT_2PI
    return phi * (2.0 - zc * zc)


def _silu_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # f = z s, f' = s + z s (1 - s): f'' = s (1 - s) (2 + z (1 - 2s)), with 1 - s = s(-z)
    s, sm = expit(z), expit(-z)
    return s * sm * (2.0 + z * (sm - s))


def _exp_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return a


def _square_dd(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.full_like(a, 2.0)


SECOND_DERIVATIVES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "identity": _zero,
    "relu": _zero,
    "leaky_relu": _zero,
    "sigmoid": _sigmoid_dd,
    "tanh": _tanh_dd,
    "lecun_tanh": _lecun_tanh_dd,
    "softplus": _softplus_dd,
    "elu": _elu_dd,
    "gelu": _gelu_dd,
    "silu": _silu_dd,
    "exp": _exp_dd,
    "square": _square_dd,
}
"""``f''(z, a)`` of the built-in elementwise activations, by name."""

# the activations whose f'' is 0 everywhere: the R-operator's f'' term is skipped for them
PIECEWISE_LINEAR = frozenset({"identity", "relu", "leaky_relu"})
