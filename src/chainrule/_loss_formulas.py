"""The losses of :mod:`chainrule.losses`, loss by loss: the per-example value and its
gradient ``dL/da`` from the outputs ``a``, and the value (and where it needs care, the
delta ``dL/dz``) of each loss's canonical pair from the net input ``z``.

The logit paths of the other pairs (sigmoid or softplus + ``cross_entropy``, softmax +
``log_loss``, softplus + ``poisson``) are in ``_loss_logit_paths``.
"""

from __future__ import annotations

import numpy as np

from ._activations_inplace import _row_max, _row_sum
from ._scipy_special import lazy_special

expit, xlogy = lazy_special(globals(), "expit", "xlogy")  # SciPy's, on first call


def _clip_open_unit(a: np.ndarray) -> np.ndarray:
    """Clip probabilities into [eps, 1 - eps] so logs and divisions stay finite."""
    eps = np.finfo(a.dtype).eps if a.dtype.kind == "f" else np.finfo(np.float64).eps
    return np.clip(a, eps, 1 - eps)


def _clip_positive(a: np.ndarray) -> np.ndarray:
    """Clip outputs to at least the smallest normal float, so log and 1/a stay finite."""
    return np.maximum(a, np.finfo(a.dtype).tiny if a.dtype.kind == "f" else 1e-308)


# --- squared_error: 1/2 ||a - y||^2 (UFLDL) ------------------------------------------------
def _se(a, y):
    d = a - y
    return 0.5 * np.einsum("ij,ij->i", d, d)


def _se_grad(a, y):
    return a - y


def _se_logits(z, y):  # canonical activation is the identity: a == z
    return _se(z, y)


# --- mean_squared_error: mean_j (a_j - y_j)^2 ----------------------------------------------
def _mse(a, y):
    d = a - y
    return np.einsum("ij,ij->i", d, d) / a.shape[1]


def _mse_grad(a, y):
    return (2.0 / a.shape[1]) * (a - y)


# --- log_loss: -sum_j [y log a + (1 - y) log(1 - a)] --------------------------------------
def _log_loss(a, y):
    a = _clip_open_unit(a)
    return -np.sum(xlogy(y, a) + xlogy(1 - y, 1 - a), axis=1)


def _log_loss_grad(a, y):
    a = _clip_open_unit(a)
    return (a - y) / (a * (1 - a))


def _log_loss_logits(z, y):
    # -[y log s(z) + (1-y) log(1-s(z))] = log(1 + e^z) - y z
    #   = max(z, 0) - y z + log(1 + e^-|z|): for a confident right answer (y = 1, z = 30)
    # the first two terms cancel exactly and the last keeps every digit (9.3576e-14);
    # log(1 + e^z) - y z loses them to cancellation (9.237e-14 at z = 30, 0 at z = 40)
    return np.sum(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))), axis=1)


def _log_loss_sigmoid_delta(z, a, y):
    """``s(z) - y`` as ``(1 - y) s(z) - y s(-z)``: the same number, without cancellation.

    Near a confident right answer ``a = s(z)`` is within rounding of 1 (or 0), so
    ``a - y`` keeps only a few digits of a tiny gradient (relative error 1e-3 at
    z = 30); ``s(-z)`` computes it directly.
    """
    return (1 - y) * a - y * expit(-z)


# --- cross_entropy: -sum_j y_j log p_j -----------------------------------------------------
# Outputs are clipped from below only: a softplus output may exceed 1.
def _ce(a, y):
    return -np.sum(xlogy(y, _clip_positive(a)), axis=1)


def _ce_grad(a, y):
    return -y / _clip_positive(a)


def _logsumexp(z):
    """log sum_j exp(z_j) per row, shifted by the row maximum so exp never overflows."""
    # the row maximum and the BLAS row sum of _activations_inplace._softmax_lse_into (the same
    # numbers as the training forward pass, faster than np.max / np.sum for few columns)
    top = _row_max(z)
    return np.log(_row_sum(np.exp(z - top))) + top[:, 0]


def _ce_logits(z, y):
    # -sum_j y_j (z_j - logsumexp(z)) = sum(y) * logsumexp(z) - y . z
    return _ce_from_lse(z, y, _logsumexp(z))


def _ce_from_lse(z, y, lse):
    """:func:`_ce_logits` given ``lse = logsumexp(z)`` per row (the softmax forward has it)."""
    return _row_sum(y) * lse - np.einsum("ij,ij->i", y, z)


# the dot product of each row of y with the same row of z (a ufunc since NumPy 2.0, with a
# fraction of einsum's call overhead)
_row_dot = getattr(np, "vecdot", None) or (lambda y, z: np.einsum("ij,ij->i", y, z))


def _ce_one_hot_from_lse(z, y, lse):
    """:func:`_ce_from_lse` for exact one-hot rows ``y`` (the same numbers, fewer passes).

    Each row sums to exactly 1 and ``y . z`` is exactly the target's logit
    (every other product is a zero), whatever the order of summation.
    """
    return lse - _row_dot(y, z)


def _ce_one_hot_softmax_delta_into(z, a, y, out):
    """:func:`_ce_softmax_delta` for exact one-hot rows ``y``, written into ``out``: ``a - y``."""
    return np.subtract(a, y, out=out)


# --- poisson: half the Poisson deviance, sum_j y log(y / a) - y + a ---------------------------
def _poisson(a, y):
    a = _clip_positive(a)
    return np.sum(xlogy(y, y / a) - y + a, axis=1)


def _poisson_grad(a, y):
    return 1.0 - y / _clip_positive(a)


def _poisson_logits(z, y):  # canonical activation is exp: log a == z, no overflow in the log
    return np.sum(xlogy(y, y) - y * z - y + np.exp(z), axis=1)


# --- huber: sum_j h(a_j - y_j), h(r) = r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond
def _huber(a, y, delta):
    # with m = clip(r, -delta, delta): h(r) = m^2 / 2 + delta (|r| - |m|), the squared error's
    # own einsum for m (so that residuals all within delta give _se to the last bit) plus
    # the linear part, exactly 0 where |r| <= delta
    d = a - y
    m = np.clip(d, -delta, delta)
    return 0.5 * np.einsum("ij,ij->i", m, m) + delta * np.sum(np.abs(d) - np.abs(m), axis=1)


def _huber_grad(a, y, delta):
    return np.clip(a - y, -delta, delta)



# --- mean_absolute_error: mean_j |a_j - y_j| ------------------------------------------------
def _mae(a, y):
    return np.sum(np.abs(a - y), axis=1) / a.shape[1]


def _mae_grad(a, y):  # sign(0) = 0: no pull on an output already at its target
    return np.sign(a - y) / a.shape[1]
