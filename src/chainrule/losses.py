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

``cross_entropy`` is ``-sum_j y_j log a_j`` for any targets in [0, 1]: one-hot
rows and probabilities, but also rows that do not sum to 1 (multi-label targets
on a sigmoid output, or unnormalised soft targets), taken as they are, as
PyTorch's ``CrossEntropyLoss`` takes probability targets (same value, same
gradient); Keras's ``categorical_crossentropy`` documents one-hot rows only.
After a softmax such a row's delta is ``sum(y) a - y`` (``a - y`` only when the
row sums to 1), and the loss is no longer a log-likelihood: it is smallest at
``a = y / sum(y)``, not at ``a = y``.  Nothing refuses or warns here;
``chainrule trace`` prints a note under such a target of a softmax.

``poisson`` is half the Poisson deviance, ``sum_j y_j log(y_j / a_j) - y_j +
a_j`` per example (scikit-learn's MLPRegressor(loss="poisson") for one output),
for counts and other non-negative targets.

The formulas are in private modules: each loss's value, gradient and canonical logit form
in ``_loss_formulas``, the other logit paths in ``_loss_logit_paths``; here are the
:class:`Loss` and :class:`LogitPath` records, the :data:`LOSSES` table and :func:`get_loss`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ._loss_formulas import (
    _ce,
    _ce_from_lse,
    _ce_grad,
    _ce_logits,
    _ce_one_hot_from_lse,
    _ce_one_hot_softmax_delta_into,
    _log_loss,
    _log_loss_grad,
    _log_loss_logits,
    _log_loss_sigmoid_delta,
    _mse,
    _mse_grad,
    _poisson,
    _poisson_grad,
    _poisson_logits,
    _se,
    _se_grad,
    _se_logits,
)
from ._loss_formulas import _logsumexp as _logsumexp  # see _activations_inplace
from ._loss_logit_paths import (
    _ce_sigmoid_delta,
    _ce_sigmoid_logits,
    _ce_softmax_delta,
    _ce_softplus_delta,
    _ce_softplus_logits,
    _log_loss_softmax_delta,
    _log_loss_softmax_logits,
    _minus_y,
    _poisson_softplus_delta,
    _poisson_softplus_logits,
)
from .activations import _rounded_range

__all__ = ["LOSSES", "LogitPath", "Loss", "get_loss"]


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

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
            The targets (any shape: every value is checked).
        argname : str, default "Y"
            The argument the message names.
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
