"""In-place twins of the built-in activations (private): the same maps writing into
preallocated buffers, for the Dense layers' fast path while a network trains, and the
row maximum and BLAS row sum that the softmax and the losses share.

The plain functions of :mod:`chainrule.activations` stay the reference;
``tests/test_fast_paths.py`` compares each twin against them, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._scipy_special import lazy_special
from .activations import _INV_SQRT_2PI, _PDF_CLIP

expit, ndtr = lazy_special(globals(), "expit", "ndtr")  # SciPy's, on first call


def _relu_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # against an array of zeros: NumPy's SIMD loop, 2 to 4 times faster than against
    # the scalar 0 (the same numbers)
    return np.maximum(z, _zeros(z.shape, z.dtype), out=out)


def _zeros(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of zeros, kept for reuse (a few shapes: the layers' batch shapes).

    ``np.zeros`` gets its memory zeroed by the system, so a large one costs address
    space but no memory until written, and these are never written.
    """
    key = (shape, dtype.char if isinstance(dtype, np.dtype) else np.dtype(dtype).char)
    zeros = _ZEROS.get(key)
    if zeros is None:
        zeros = np.zeros(shape, dtype=dtype)
        zeros.flags.writeable = False
        _keep(_ZEROS, key, zeros)
    return zeros


def _keep(cache: dict, key: object, value: np.ndarray, size: int = 64) -> None:
    """Store ``value`` in ``cache``, dropping the oldest entry when it holds ``size``.

    The shapes in use stay cached however many a long session has seen (a
    process running many networks, the test suite).
    """
    if len(cache) >= size:
        del cache[next(iter(cache))]
    cache[key] = value


_ZEROS: dict[tuple[tuple[int, ...], str], np.ndarray] = {}  # read-only zeros for _relu_into


def _sigmoid_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return expit(z, out=out)


def _tanh_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=out)


def _elu_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # max(z, e^min(z, 0) - 1) is _elu's where(): e^z - 1 >= z below 0, and 0 < z above
    np.minimum(z, 0, out=out)
    np.expm1(out, out=out)
    return np.maximum(out, z, out=out)


def _gelu_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    ndtr(z, out=out)
    out *= z
    return out


def _silu_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    expit(z, out=out)
    out *= z
    return out


def _row_max(z: np.ndarray) -> np.ndarray:
    """Maximum of each row of a 2-D array, shape (n, 1) (NaN where a row has one).

    NumPy's row reduction is slow for a few columns (a softmax output layer:
    one short reduction per row).  For 64 rows or more of up to 32 columns the
    rows are reduced through a transposed copy instead, where the maximum runs
    down the columns in SIMD: 2 to 10 times faster, the same numbers.  (For a
    few rows the copy costs more than it saves.)
    """
    n, k = z.shape
    if not (1 < k <= 32 and n >= 64):
        return np.maximum.reduce(z, axis=1, keepdims=True)
    return np.maximum.reduce(z.T.copy(), axis=0)[:, None]


def _row_sum(a: np.ndarray) -> np.ndarray:
    """Sum of each row of a 2-D array, shape (n,): the BLAS product ``a @ ones`` for floats.

    Several times faster than NumPy's row reduction for a few columns; rounded
    differently (last bits).  The softmax forward and the cross-entropy use it
    alike, so their log-sum-exps agree exactly.
    """
    if a.dtype.char not in "fd":
        return np.add.reduce(a, axis=1)
    key = (a.shape[1], a.dtype.char)
    ones = _ONES.get(key)
    if ones is None:
        ones = np.ones(a.shape[1], dtype=a.dtype)
        ones.flags.writeable = False
        _keep(_ONES, key, ones)  # a few widths at most (the output layers in use)
    return np.matmul(a, ones)


_ONES: dict[tuple[int, str], np.ndarray] = {}  # read-only vectors of ones for _row_sum


def _softmax_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _softmax_lse_into(z, out)[0]


def _softmax_lse_into(z: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Softmax of the rows of ``z`` (n, k) into ``out``, and their log-sum-exp (n,) on the way.

    The log-sum-exp is the cross-entropy's normaliser, computed here in the same
    operations as ``losses._logsumexp`` (the same numbers) without a second exp.
    """
    if z.ndim != 2:
        top = np.maximum.reduce(z, axis=-1, keepdims=True)
        np.subtract(z, top, out=out)
        np.exp(out, out=out)
        total = np.add.reduce(out, axis=-1, keepdims=True)
        out /= total
        return out, np.log(total[..., 0]) + top[..., 0]
    top = _row_max(z)
    np.subtract(z, top, out=out)
    np.exp(out, out=out)
    total = _row_sum(out)
    out /= total[:, None]
    return out, np.log(total) + top[:, 0]


_FORWARD_INTO: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "relu": _relu_into, "sigmoid": _sigmoid_into, "tanh": _tanh_into, "softmax": _softmax_into,
    "elu": _elu_into, "gelu": _gelu_into, "silu": _silu_into,
}
"""``f(z, out) -> out`` for the built-ins where writing into a buffer saves an allocation."""


def _relu_delta_into(z, a, grad_a, out, mask):
    np.greater(a, 0, out=mask)  # a > 0 exactly where z > 0
    # the mask's bytes as uint8 (0 or 1): NumPy's uint8-to-float loop is faster than its
    # bool-to-float one, and the products are the same
    return np.multiply(grad_a, mask.view(np.uint8), out=out)


def _sigmoid_delta_into(z, a, grad_a, out, mask):
    np.subtract(1, a, out=out)
    out *= a
    out *= grad_a
    return out


def _tanh_delta_into(z, a, grad_a, out, mask):
    np.multiply(a, a, out=out)
    np.subtract(1, out, out=out)
    out *= grad_a
    return out


def _identity_delta_into(z, a, grad_a, out, mask):
    if out is not grad_a:
        np.copyto(out, grad_a)
    return out


def _elu_delta_into(z, a, grad_a, out, mask):
    np.minimum(a, 0, out=out)
    out += 1
    out *= grad_a
    return out


def _gelu_delta_into(z, a, grad_a, out, mask):
    # the operations of _gelu_d in its order (the same numbers); ndtr(z) one temporary
    np.clip(z, -_PDF_CLIP, _PDF_CLIP, out=out)
    np.square(out, out=out)
    out *= -0.5
    np.exp(out, out=out)
    out *= _INV_SQRT_2PI
    out *= z
    out += ndtr(z)
    out *= grad_a
    return out


def _silu_delta_into(z, a, grad_a, out, mask):
    # the operations of _silu_d in its order (the same numbers); sigmoid(z) one temporary
    np.negative(z, out=out)
    expit(out, out=out)
    out *= z
    out += 1
    out *= expit(z)
    out *= grad_a
    return out


_DELTA_INTO: dict[str, Callable[..., np.ndarray]] = {
    "relu": _relu_delta_into, "sigmoid": _sigmoid_delta_into, "tanh": _tanh_delta_into,
    "identity": _identity_delta_into, "elu": _elu_delta_into, "gelu": _gelu_delta_into,
    "silu": _silu_delta_into,
}
"""``delta(z, a, grad_a, out, mask) -> out``: ``grad_a * f'`` into ``out`` (``mask``: a bool
scratch buffer of the same shape)."""

_DELTA_OVER_GRAD = frozenset({"relu", "identity"})
"""The twins above that may be given ``out`` = ``grad_a`` (each element of ``grad_a`` is read
before that element of ``out`` is written, and nothing else is read after): the others write
a factor of ``f'`` into ``out`` first, and would need a second buffer for it."""
