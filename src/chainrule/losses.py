"""Per-example losses and their gradients, as a name -> object table.

The cost of a batch is the **mean** of the per-example losses (weight decay is
added by the network).  Each loss gives

* ``value(a, y)``: per-example losses, shape (n_samples,);
* ``grad(a, y)``: ``dL/da`` for each example, shape (n_samples, n_outputs);
* for its *canonical* output activation (identity for ``squared_error``,
  sigmoid for ``log_loss``, softmax for ``cross_entropy``) a fused path:
  ``value_from_logits(z, y)`` computed from the net input ``z`` (stable for
  any logit, +-1000 included) and the output error term ``delta = a - y``,
  never the unstable division by ``a (1 - a)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy

__all__ = ["LOSSES", "Loss", "get_loss"]


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
    return np.sum(np.logaddexp(0, z) - y * z, axis=1)


# --- cross_entropy: -sum_j y_j log p_j -----------------------------------------------------
# Outputs are clipped from below only: a softplus output may exceed 1.
def _ce(a, y):
    return -np.sum(xlogy(y, _clip_positive(a)), axis=1)


def _ce_grad(a, y):
    return -y / _clip_positive(a)


def _logsumexp(z):
    """log sum_j exp(z_j) per row, shifted by the row maximum so exp never overflows."""
    top = np.max(z, axis=1)
    return np.log(np.sum(np.exp(z - top[:, None]), axis=1)) + top


def _ce_logits(z, y):
    # -sum_j y_j (z_j - logsumexp(z)) = sum(y) * logsumexp(z) - y . z
    return np.sum(y, axis=1) * _logsumexp(z) - np.einsum("ij,ij->i", y, z)


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
    canonical : str or None
        Output activation for which ``delta = a - y`` (the fused path).
    value_from_logits : callable or None
        ``value_from_logits(z, y)``: the loss of the canonical pair from ``z``.
    outputs : frozenset of str or None
        Built-in output activations whose range suits the loss (``None``: all).
    target_range : tuple of float or None
        Closed interval the targets must lie in (``None``: any finite value).
    """

    name: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    canonical: str | None = None
    value_from_logits: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    outputs: frozenset[str] | None = None
    target_range: tuple[float, float] | None = None

    def check_targets(self, y: np.ndarray, argname: str = "Y") -> None:
        """Raise ``ValueError`` if targets lie outside the loss's domain."""
        if self.target_range is None:
            return
        lo, hi = self.target_range
        bad = (y < lo) | (y > hi)
        if np.any(bad):
            raise ValueError(
                f"{argname}: loss {self.name!r} needs targets in [{lo:g}, {hi:g}], "
                f"got {int(bad.sum())} value(s) outside it (min {y.min():g}, max {y.max():g})"
            )


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in [
        Loss("squared_error", _se, _se_grad, "identity", _se_logits),
        Loss("mean_squared_error", _mse, _mse_grad),
        Loss(
            "log_loss",
            _log_loss,
            _log_loss_grad,
            "sigmoid",
            _log_loss_logits,
            outputs=frozenset({"sigmoid", "softmax"}),
            target_range=(0.0, 1.0),
        ),
        Loss(
            "cross_entropy",
            _ce,
            _ce_grad,
            "softmax",
            _ce_logits,
            outputs=frozenset({"softmax", "sigmoid", "softplus"}),
            target_range=(0.0, 1.0),
        ),
    ]
}
"""Losses by name."""

ALIASES = {"mse": "mean_squared_error", "binary_cross_entropy": "log_loss", "nll": "cross_entropy"}


def get_loss(name: str | Loss) -> Loss:
    """Look a loss up by name (or pass a :class:`Loss` through).

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    """
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name (str), got {type(name).__name__}")
    try:
        return LOSSES[ALIASES.get(name, name)]
    except KeyError:
        valid = ", ".join(sorted([*LOSSES, *ALIASES]))
        raise ValueError(f"unknown loss {name!r}; valid names are: {valid}") from None
