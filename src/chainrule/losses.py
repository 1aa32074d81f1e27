"""Per-example losses and their gradients, as a name -> object table.

The cost of a batch is the **mean** of the per-example losses (weight decay is
added by the network).  Each loss gives

* ``value(a, y)``: per-example losses, shape (n_samples,);
* ``grad(a, y)``: ``dL/da`` for each example, shape (n_samples, n_outputs);
* for the output activations where it matters, a *logit path*
  (``logit_paths[activation]``): the loss computed from the net input ``z``
  and the output error term ``delta = dL/dz`` computed directly, never through
  the unstable division by ``a (1 - a)``.  For the *canonical* pairs
  (identity + ``squared_error``, sigmoid + ``log_loss``, softmax +
  ``cross_entropy``, exp + ``poisson``) that delta is simply ``a - y``; the
  mixed pairs (sigmoid + ``cross_entropy``, softmax + ``log_loss``, softplus +
  ``cross_entropy`` or ``poisson``) get their own closed forms.  All are exact
  for any logit, +-1000 included, except exp + ``poisson``, whose output
  ``exp(z)`` itself overflows above z ~ 709.

``poisson`` is half the Poisson deviance, ``sum_j y_j log(y_j / a_j) - y_j +
a_j`` per example (scikit-learn's MLPRegressor(loss="poisson") for one output),
for counts and other non-negative targets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, xlogy

from ._activations_inplace import _row_max, _row_sum
from .activations import _rounded_range

__all__ = ["LOSSES", "LogitPath", "Loss", "get_loss"]


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


# --- logit paths: dL/dz straight from z ------------------------------------------------------
# --- poisson: half the Poisson deviance, sum_j y log(y / a) - y + a ---------------------------
def _poisson(a, y):
    a = _clip_positive(a)
    return np.sum(xlogy(y, y / a) - y + a, axis=1)


def _poisson_grad(a, y):
    return 1.0 - y / _clip_positive(a)


def _poisson_logits(z, y):  # canonical activation is exp: log a == z, no overflow in the log
    return np.sum(xlogy(y, y) - y * z - y + np.exp(z), axis=1)


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


@dataclass(frozen=True)
class LogitPath:
    """The loss and its output delta computed from the net input ``z`` of the output layer.

    Attributes
    ----------
    value : callable
        ``value(z, y) -> ndarray of shape (n_samples,)``: per-example losses.
    delta : callable
        ``delta(z, a, y) -> ndarray of shape (n_samples, n_outputs)``: ``dL/dz``
        (``a = f(z)`` is passed so the canonical pairs can return ``a - y``).
    """

    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    delta: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    # value(z, y) given lse = logsumexp(z) per row, when the output layer computed it
    # (private: softmax + cross_entropy while training, see Dense._forward_into)
    _value_lse: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    # the same two for targets known to be exact one-hot rows (the training loop knows it
    # once per run; per batch, finding it out would cost as much as it saves): the value
    # given lse, and the delta written into a buffer, delta(z, a, y, out) -> out
    _value_lse_one_hot: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    _delta_one_hot: Callable[..., np.ndarray] | None = None


@dataclass(frozen=True)
class Loss:
    """A per-example loss with its gradient.

    Parameters
    ----------
    name : str
    value : callable
        ``value(a, y) -> ndarray of shape (n_samples,)``.
    grad : callable
        ``grad(a, y) -> ndarray of shape (n_samples, n_outputs)``, ``dL/da``.
    canonical : str or None, default None
        Output activation for which ``delta = a - y`` (the fused path).
    value_from_logits : callable or None, default None
        ``value_from_logits(z, y)``: the loss of the canonical pair from ``z``.
    outputs : frozenset of str or None, default None
        Built-in output activations whose range suits the loss (``None``: all).
    target_range : tuple of float or None, default None
        Closed interval the targets must lie in (``None``: any finite value),
        up to a rescaler's rounding (:data:`chainrule.activations.RANGE_ROUNDING`).
    logit_paths : mapping of str to LogitPath, default {}
        Built-in output activations whose loss and delta are computed from
        ``z`` (the canonical one included); other activations go through
        ``grad`` and the activation's derivative.
    """

    name: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    canonical: str | None = None
    value_from_logits: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    outputs: frozenset[str] | None = None
    target_range: tuple[float, float] | None = None
    logit_paths: Mapping[str, LogitPath] = field(default_factory=dict)

    def check_targets(self, y: np.ndarray, argname: str = "Y") -> None:
        """Raise ``ValueError`` if targets lie outside the loss's domain.

        Targets past a bound by rounding only (``1.0000000000000002`` from
        scikit-learn's ``MinMaxScaler``: :data:`chainrule.activations.RANGE_ROUNDING`)
        count as inside it, as the autoencoders' data does; the network's
        ``prepare_targets`` then takes them as the bound (:meth:`_at_bounds`).
        """
        if self.target_range is None:
            return
        lo, hi = self.target_range
        lo_ok, hi_ok = _rounded_range(lo, hi)
        if y.size == 0 or (y.min() >= lo_ok and y.max() <= hi_ok):  # no data-sized temporaries
            return
        bad = int(np.count_nonzero(y < lo_ok)) + int(np.count_nonzero(y > hi_ok))
        if bad:
            raise ValueError(
                f"{argname}: loss {self.name!r} needs targets in [{lo:g}, {hi:g}], "
                f"got {bad} value(s) outside it (min {y.min():.7g}, max {y.max():.7g})"
            )

    def _at_bounds(self, y: np.ndarray) -> np.ndarray:
        """``y`` with the targets that :meth:`check_targets` accepted past a bound (by
        rounding only) set to that bound, in a copy; ``y`` itself when none is.

        Such a target is the bound itself, and the losses take it so: a Poisson target of
        -1e-9 (``xlogy(y, y)``) or a softmax log-loss target of ``1.0000000000000002``
        (``log1p(-y)``) would otherwise make the cost or its gradient NaN.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
            Targets that passed :meth:`check_targets`.

        Returns
        -------
        ndarray of the shape and dtype of ``y``
        """
        if self.target_range is None or y.size == 0:
            return y
        lo, hi = self.target_range
        if y.min() >= lo and y.max() <= hi:
            return y
        return np.clip(y, lo, hi)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in [
        Loss("squared_error", _se, _se_grad, "identity", _se_logits,
             logit_paths={"identity": LogitPath(_se_logits, _minus_y)}),
        Loss("mean_squared_error", _mse, _mse_grad),
        Loss(
            "log_loss",
            _log_loss,
            _log_loss_grad,
            "sigmoid",
            _log_loss_logits,
            outputs=frozenset({"sigmoid", "softmax"}),
            target_range=(0.0, 1.0),
            logit_paths={
                "sigmoid": LogitPath(_log_loss_logits, _log_loss_sigmoid_delta),
                "softmax": LogitPath(_log_loss_softmax_logits, _log_loss_softmax_delta),
            },
        ),
        Loss(
            "cross_entropy",
            _ce,
            _ce_grad,
            "softmax",
            _ce_logits,
            outputs=frozenset({"softmax", "sigmoid", "softplus"}),
            target_range=(0.0, 1.0),
            logit_paths={
                "softmax": LogitPath(_ce_logits, _ce_softmax_delta, _ce_from_lse,
                                     _ce_one_hot_from_lse, _ce_one_hot_softmax_delta_into),
                "sigmoid": LogitPath(_ce_sigmoid_logits, _ce_sigmoid_delta),
                "softplus": LogitPath(_ce_softplus_logits, _ce_softplus_delta),
            },
        ),
        Loss("poisson", _poisson, _poisson_grad, "exp", _poisson_logits,
             outputs=frozenset({"exp", "softplus"}), target_range=(0.0, np.inf),
             logit_paths={"exp": LogitPath(_poisson_logits, _minus_y),
                          "softplus": LogitPath(_poisson_softplus_logits,
                                                _poisson_softplus_delta)}),
    ]
}
"""Losses by name."""

ALIASES = {"mse": "mean_squared_error", "binary_cross_entropy": "log_loss", "nll": "cross_entropy"}


def get_loss(name: str | Loss) -> Loss:
    """Look a loss up by name (or pass a :class:`Loss` through).

    Parameters
    ----------
    name : str or Loss
        A name of :data:`LOSSES` or an alias.

    Returns
    -------
    Loss

    Raises
    ------
    TypeError
        If ``name`` is neither a str nor a Loss.
    ValueError
        If the name is unknown; the message lists the valid names.
    """
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name (str) or a Loss, got {type(name).__name__}")
    try:
        return LOSSES[ALIASES.get(name, name)]
    except KeyError:
        valid = ", ".join(sorted([*LOSSES, *ALIASES]))
        raise ValueError(f"unknown loss {name!r}; valid names are: {valid}") from None
