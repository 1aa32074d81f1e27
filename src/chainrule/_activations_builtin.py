"""The built-in activation functions (private): each forward map next to its derivative.

A derivative takes the output ``a = f(z)`` where that is cheaper (sigmoid, tanh,
LeCun's scaled tanh, ReLU, leaky ReLU, ELU, exp) and the net input ``z`` otherwise
(identity, softplus, GELU, SiLU, square); softmax, step and sign have none here (softmax's
Jacobian-vector product is :meth:`chainrule.activations.Activation.backward`).  All take and return
ndarrays of any shape (softmax: per row, along the last axis).

:mod:`chainrule.activations` builds its table :data:`~chainrule.activations.ACTIVATIONS`
from them, and ``_activations_inplace`` holds their in-place twins; import
``LEAKY_SLOPE`` from :mod:`chainrule.activations`.
"""

from __future__ import annotations

import math

import numpy as np

from ._scipy_special import lazy_special

expit, ndtr = lazy_special(globals(), "expit", "ndtr")  # SciPy's, on first call

# Each forward map sits next to its derivative, so a reader can check one against the other.

LEAKY_SLOPE = 0.01


def _identity(z: np.ndarray) -> np.ndarray:
    return z


def _identity_d(z: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return expit(z)  # 1 / (1 + exp(-z)) without overflow


def _sigmoid_d(a: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def _tanh_d(a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


# LeCun, Bottou, Orr & Mueller, "Efficient BackProp" (1998), section 4.4: f(z) = 1.7159
# tanh(2z/3), so that f(+-1) = +-1 (to 3e-6) and |f''| peaks near z = +-1 (at +-0.988)
LECUN_SCALE, LECUN_SLOPE = 1.7159, 2.0 / 3.0


def _lecun_tanh(z: np.ndarray) -> np.ndarray:
    return LECUN_SCALE * np.tanh(LECUN_SLOPE * z)


def _lecun_tanh_d(a: np.ndarray) -> np.ndarray:
    # 1.7159 (2/3) (1 - tanh^2) with tanh = a / 1.7159
    return LECUN_SLOPE * (LECUN_SCALE - a * a / LECUN_SCALE)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def _relu_d(a: np.ndarray) -> np.ndarray:
    # 0 at the corner z = 0 (a = 0), as PyTorch's autograd: the left derivative; the in-place
    # twin (a > 0) and gradient_check's exclude_kinks (kinks=(0.0,)) take it so too
    return (a > 0).astype(a.dtype)


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_relu_d(a: np.ndarray) -> np.ndarray:
    # sign(a) == sign(z), so the output is enough; LEAKY_SLOPE at z = 0, the left derivative
    # (as relu's 0 there and PyTorch's autograd)
    return np.where(a > 0, 1.0, LEAKY_SLOPE).astype(a.dtype)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, z)  # log(1 + e^z) without overflow


def _softplus_d(z: np.ndarray) -> np.ndarray:
    return expit(z)


def _elu(z: np.ndarray) -> np.ndarray:
    # z above 0, e^z - 1 below (alpha = 1); expm1 of min(z, 0): no overflow for large z,
    # and no cancellation near 0
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def _elu_d(a: np.ndarray) -> np.ndarray:
    # 1 above 0, e^z = a + 1 below: min(a, 0) + 1 covers both (a > 0 exactly where z > 0).
    # Exact to an absolute 1e-16 (float64); for z below -37, where e^z < 1e-16, it is 0.
    return np.minimum(a, 0) + 1


_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_PDF_CLIP = 40.0  # exp(-z^2 / 2) is 0 in float32 and float64 beyond |z| ~ 38.6


def _gelu(z: np.ndarray) -> np.ndarray:
    # z Phi(z), Phi the standard normal CDF (the exact form, not the tanh approximation);
    # ndtr takes erfc for negative z, so Phi keeps its digits in the far left tail
    return z * ndtr(z)


def _gelu_d(z: np.ndarray) -> np.ndarray:
    # Phi(z) + z phi(z), phi(z) = exp(-z^2 / 2) / sqrt(2 pi); z clipped inside the square,
    # where it changes nothing, so that z^2 cannot overflow
    phi = np.exp(np.square(np.clip(z, -_PDF_CLIP, _PDF_CLIP)) * -0.5) * _INV_SQRT_2PI
    return z * phi + ndtr(z)


def _silu(z: np.ndarray) -> np.ndarray:
    return z * expit(z)  # z sigmoid(z), "swish"


def _silu_d(z: np.ndarray) -> np.ndarray:
    # s (1 + z (1 - s)) with s = sigmoid(z) and 1 - s = sigmoid(-z), which keeps its digits
    # where s is close to 1 (1 - s would cancel)
    return expit(z) * (1 + z * expit(-z))


def _exp(z: np.ndarray) -> np.ndarray:
    return np.exp(z)  # the output of Poisson regression (canonical for the "poisson" loss)


def _exp_d(a: np.ndarray) -> np.ndarray:
    return a  # d exp(z) / dz = exp(z)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))  # shift: exp never overflows
    return e / np.sum(e, axis=-1, keepdims=True)


def _square(z: np.ndarray) -> np.ndarray:
    return z * z


def _square_d(z: np.ndarray) -> np.ndarray:
    return 2 * z


def _step(z: np.ndarray) -> np.ndarray:
    return (z >= 0).astype(np.result_type(z, np.float32))


def _sign(z: np.ndarray) -> np.ndarray:
    return np.where(z >= 0, 1, -1).astype(np.result_type(z, np.float32))
