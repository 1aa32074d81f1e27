"""Logit paths of :mod:`chainrule.losses` beyond the canonical values of ``_loss_formulas``:
the delta ``a - y`` of the canonical pairs, and the loss and delta ``dL/dz`` of the mixed
pairs (softmax + ``cross_entropy`` for rows that do not sum to 1, sigmoid + ``cross_entropy``,
softmax + ``log_loss``, softplus + ``cross_entropy`` or ``poisson``), each computed from
the net input ``z`` without cancellation.
"""

from __future__ import annotations

import numpy as np

from ._activations_inplace import _row_sum
from ._loss_formulas import _logsumexp
from ._scipy_special import lazy_special

expit, xlogy = lazy_special(globals(), "expit", "xlogy")  # SciPy's, on first call


# --- logit paths: dL/dz straight from z ------------------------------------------------------
def _minus_y(z, a, y):
    """``a - y``: the output delta of the canonical pairs (as a new array)."""
    return a - y


def _ce_softmax_delta(z, a, y):
    # d/dz [sum(y) logsumexp(z) - y . z] = sum(y) p - y; one-hot rows sum to 1: p - y
    s = _row_sum(y)[:, None]
    return a - y if np.logical_and.reduce(s == 1, axis=None) else a * s - y


def _ce_sigmoid_logits(z, y):
    # -sum_j y_j log s(z_j) = sum_j y_j log(1 + e^-z_j)
    return np.sum(y * np.logaddexp(0, -z), axis=1)


def _ce_sigmoid_delta(z, a, y):
    # d/dz [-y log s(z)] = -y (1 - s(z)) = -y s(-z)
    return -y * expit(-z)


def _softmax_logs(z):
    """``log p`` and ``log(1 - p)`` of the softmax of each row, both without cancellation.

    ``log(1 - p_j) = log1p(-p_j)`` is accurate while ``p_j <= 1/2``; the one unit
    per row that may exceed 1/2 (the largest logit) gets the log of the sum of
    the *other* units' exponentials minus logsumexp(z) instead.
    """
    lse = _logsumexp(z)
    logp = z - lse[:, None]
    # a logit more than the largest float below the row's logsumexp (logits of +-1e308)
    # gives -inf: kept at the most negative float instead, the same probability of 0 to
    # the last bit, so that a target of 0 times it is 0 in the loss, not NaN
    np.maximum(logp, -np.finfo(logp.dtype).max, out=logp)
    with np.errstate(divide="ignore"):
        log1mp = np.log1p(-np.minimum(np.exp(logp), 0.5))
        rows = np.arange(z.shape[0])
        top = np.argmax(z, axis=1)
        others = z.copy()
        others[rows, top] = -np.inf
        if z.shape[1] > 1:
            log1mp[rows, top] = _logsumexp(others) - lse
        else:  # softmax of one unit is always 1: log(1 - p) = -inf, kept finite
            log1mp[:] = np.log(np.finfo(z.dtype).tiny)
    return logp, log1mp


# --- softplus outputs: log a from z, so that a deep negative logit keeps its gradient ---------
# softplus(z) = log(1 + e^z) underflows to 0 below z ~ -745 (float32: below z ~ -104, and is
# clipped to the smallest normal number below z ~ -87), where cross_entropy and poisson
# computed from a = softplus(z) flattened into a constant: a loss stuck at -y log(tiny) and a
# delta of 0 instead of -y, so a unit with a very wrong output stopped learning.
_SOFTPLUS_TAIL = -20.0  # below it, log softplus(z) = z - e^z / 2 to within e^(2z) ~ 4e-18


def _log_softplus(z):
    """``log(softplus(z))`` without underflow: ``z - e^z / 2`` in the far negative tail."""
    head = np.log(np.logaddexp(0, np.maximum(z, _SOFTPLUS_TAIL)))
    tail = z - 0.5 * np.exp(np.minimum(z, _SOFTPLUS_TAIL))
    return np.where(z < _SOFTPLUS_TAIL, tail, head)


def _sigmoid_over_softplus(z):
    """``softplus'(z) / softplus(z) = s(z) / log(1 + e^z)``: 1/z for large z, 1 as z -> -inf."""
    return np.exp(-np.logaddexp(0, -z) - _log_softplus(z))


def _ce_softplus_logits(z, y):
    # -sum_j y_j log softplus(z_j)
    return -np.sum(y * _log_softplus(z), axis=1)


def _ce_softplus_delta(z, a, y):
    # d/dz [-y log softplus(z)] = -y s(z) / softplus(z)
    return -y * _sigmoid_over_softplus(z)


def _poisson_softplus_logits(z, y):
    # sum_j y log y - y log softplus(z) - y + softplus(z)
    return np.sum(xlogy(y, y) - y * _log_softplus(z) - y + np.logaddexp(0, z), axis=1)


def _poisson_softplus_delta(z, a, y):
    # d/dz [softplus(z) - y log softplus(z)] = s(z) - y s(z) / softplus(z)
    return expit(z) - y * _sigmoid_over_softplus(z)


def _log_loss_softmax_logits(z, y):
    logp, log1mp = _softmax_logs(z)
    return -np.sum(y * logp + (1 - y) * log1mp, axis=1)


def _log_loss_softmax_delta(z, a, y):
    # dL/dz_i = -y_i + p_i sum(y) + (1 - y_i) p_i - p_i sum_{j != i} (1 - y_j) r_j,
    # with r_j = p_j / (1 - p_j).  The j = i term of the Jacobian sum is folded into
    # (1 - y_i) p_i analytically, so nothing cancels; p_i r_j is exp(log p_i + log r_j).
    logp, log1mp = _softmax_logs(z)
    with np.errstate(divide="ignore"):
        w = np.log1p(-y) + (logp - log1mp)  # log((1 - y_j) r_j), -inf where y_j = 1
    rows, top = np.arange(z.shape[0]), np.argmax(z, axis=1)
    total = _logsumexp_safe(w)  # log sum_j (1 - y_j) r_j
    # i != top: p_i (sum over all j - own term); both terms are at most O(1), since
    # p_i r_top <= p_top and r_j <= 1 for j != top.  At i = top they could overflow,
    # so that entry is computed apart, as p_top times the sum over j != top.
    w_others = w.copy()
    w_others[rows, top] = -np.inf
    all_terms = logp + total[:, None]
    all_terms[rows, top] = -np.inf
    T = np.exp(all_terms) - np.exp(logp + w_others)
    T[rows, top] = np.exp(logp[rows, top] + _logsumexp_safe(w_others))
    p = np.exp(logp)
    return -y + p * np.sum(y, axis=1, keepdims=True) + (1 - y) * p - T


def _logsumexp_safe(w):
    """Row logsumexp that returns -inf (not NaN) for rows that are all -inf."""
    top = np.max(w, axis=1)
    finite = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(w - finite[:, None]), axis=1)) + finite
