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

``huber`` (:func:`huber`, a parameter ``delta``) is the squared error near the target and
the absolute error beyond ``delta``, for regression targets with outliers;
``mean_absolute_error`` (aliases ``mae``, ``absolute_error``) is ``mean_j |a_j - y_j|``,
PyTorch's ``L1Loss`` and scikit-learn's ``mean_absolute_error``, gradient
``sign(a - y) / n_outputs`` (0 at ``a == y``).

``cross_entropy`` and ``log_loss`` take a setting ``label_smoothing = eps`` in [0, 1)
(``{"name": "cross_entropy", "label_smoothing": 0.1}``): the targets of each batch
softened before the loss reads them, ``(1 - eps) y + eps / K`` over the ``K`` outputs of
``cross_entropy`` (PyTorch's ``CrossEntropyLoss(label_smoothing=eps)``) and ``(1 - eps) y +
eps / 2`` for each output of ``log_loss`` (Keras' ``BinaryCrossentropy(label_smoothing=
eps)``).  The fused deltas are ``p - y_smoothed``; the cost, and so the training history,
is the smoothed loss, as PyTorch reports it; ``eps = 0`` is the plain loss itself.

``multiclass_hinge`` (alias ``svm``, cs231n's multiclass SVM loss) and ``hinge`` (alias
``binary_hinge``, micrograd's demo, targets -1/+1) are the margin losses of ``_loss_hinge``.

``poisson`` is half the Poisson deviance, ``sum_j y_j log(y_j / a_j) - y_j +
a_j`` per example (scikit-learn's MLPRegressor(loss="poisson") for one output),
for counts and other non-negative targets.

The formulas are in private modules: each loss's value, gradient and canonical logit form
in ``_loss_formulas``, the other logit paths in ``_loss_logit_paths``, the
:class:`Loss` and :class:`LogitPath` records in ``_loss_records``; here are the
:data:`LOSSES` table and :func:`get_loss`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np

from ._loss_formulas import (
    _ce,
    _ce_from_lse,
    _ce_grad,
    _ce_logits,
    _ce_one_hot_from_lse,
    _ce_one_hot_softmax_delta_into,
    _huber,
    _huber_grad,
    _log_loss,
    _log_loss_grad,
    _log_loss_logits,
    _log_loss_sigmoid_delta,
    _mae,
    _mae_grad,
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
from ._loss_hinge import hinge_predictions, margin_losses
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
from ._loss_records import LogitPath, Loss
from ._loss_smoothing import smoothed
from ._names import did_you_mean

__all__ = ["LOSSES", "LogitPath", "Loss", "get_loss", "hinge_predictions", "huber"]



def huber(delta: float = 1.0) -> Loss:
    """The Huber loss with threshold ``delta``: ``sum_j h(a_j - y_j)`` per example.

    ``h(r) = r^2 / 2`` for ``|r| <= delta`` and ``delta (|r| - delta / 2)``
    beyond: the squared error near the target, where it is exactly
    ``squared_error`` (the same ``1/2`` factor, the same sum over the outputs),
    and a straight line of slope ``delta`` further out, so that a gross outlier
    pulls on the fit with a gradient of at most ``delta`` instead of its
    whole residual.  Any output activation takes it, as ``squared_error``; the
    identity is the usual one, whose output delta is ``clip(a - y, -delta,
    delta)``: the gradient times ``f' = 1``, so the loss has no canonical pair
    nor logit path (its delta is never ``a - y`` beyond ``delta``).

    PyTorch's ``HuberLoss(delta=delta)`` is the same ``h``; with its default
    ``reduction="mean"`` it averages over the outputs as well as the
    examples, so the cost here is ``n_outputs`` times it (the same for one
    output).  scikit-learn's ``SGDRegressor(loss="huber", epsilon=delta)``
    uses the same ``h`` per example; its ``HuberRegressor(epsilon)`` is
    another estimator: twice ``h`` of residuals divided by a scale ``sigma``
    fitted jointly, so its ``epsilon`` is in units of that scale (``delta``
    here is in the units of the targets).

    Parameters
    ----------
    delta : float, default 1.0
        The residual where the loss turns from quadratic to linear, finite and
        > 0, in the units of the targets (standardised ones, if they were).

    Returns
    -------
    Loss
        Named "huber", with ``params == {"delta": delta}``; ``get_loss("huber")``
        is ``huber(1.0)``, ``get_loss({"name": "huber", "delta": 2.0})`` is
        ``huber(2.0)``.

    Raises
    ------
    TypeError
        If ``delta`` is not a real number.
    ValueError
        If ``delta`` is not finite and > 0.
    """
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer, np.floating)):
        raise TypeError(f"delta: expected a number > 0, got {type(delta).__name__} {delta!r:.40}")
    if not (math.isfinite(delta) and delta > 0):
        raise ValueError(f"delta: expected a finite number > 0, got {delta!r}")
    delta = float(delta)
    return _built(Loss("huber", partial(_huber, delta=delta),
                       partial(_huber_grad, delta=delta), params={"delta": delta}))


def _built(loss: Loss) -> Loss:
    """``loss`` marked as one of :func:`get_loss`'s, equal to any of the same settings."""
    object.__setattr__(loss, "_built_in", True)
    return loss


def _label_smoothed(name: str, label_smoothing: float = 0.0) -> Loss:
    """The loss ``name`` ("cross_entropy" or "log_loss") on smoothed targets."""
    return _built(smoothed(LOSSES[name], label_smoothing))


# the losses with settings: name -> (the function that builds one from them, their names)
_PARAMETERISED: dict[str, tuple[Callable[..., Loss], tuple[str, ...]]] = {
    "huber": (huber, ("delta",)),
    "cross_entropy": (partial(_label_smoothed, "cross_entropy"), ("label_smoothing",)),
    "log_loss": (partial(_label_smoothed, "log_loss"), ("label_smoothing",)),
}

LOSSES: dict[str, Loss] = {
    loss.name: _built(loss)
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
        huber(),
        Loss("mean_absolute_error", _mae, _mae_grad),
        *margin_losses(),  # multiclass_hinge (cs231n's svm_loss), hinge (micrograd's demo)
    ]
}
"""Losses by name."""

ALIASES = {"mse": "mean_squared_error", "binary_cross_entropy": "log_loss", "nll": "cross_entropy",
           "mae": "mean_absolute_error", "absolute_error": "mean_absolute_error",
           "svm": "multiclass_hinge", "binary_hinge": "hinge"}


def get_loss(name: str | dict | Loss) -> Loss:
    """Look a loss up by name or config dict (or pass a :class:`Loss` through).

    Parameters
    ----------
    name : str, dict or Loss
        A name of :data:`LOSSES` or an alias (a loss with settings takes its
        defaults: "huber" is ``huber(delta=1.0)``), or a config as
        :meth:`Loss.get_config` returns it, ``{"name": "huber", "delta": 2.0}``,
        as :func:`chainrule.schedules.get_schedule` takes a schedule's;
        "cross_entropy" and "log_loss" take ``label_smoothing`` (see the
        module's notes), whose 0 is the plain loss itself.

    Returns
    -------
    Loss

    Raises
    ------
    TypeError
        If ``name`` is neither a str, a dict nor a Loss, or the dict names a
        setting the loss does not take.
    ValueError
        If the name is unknown (the message lists the valid names) or a
        setting out of its range.
    """
    if isinstance(name, Loss):
        return name
    settings: dict = {}
    if isinstance(name, dict):
        settings = dict(name)
        name = settings.pop("name", None)
        if not isinstance(name, str):
            raise TypeError(f"loss: a config dict needs a \"name\" (str), got {name!r:.40}")
    elif not isinstance(name, str):
        raise TypeError(f"loss must be a name (str), a config dict or a Loss, got "
                        f"{type(name).__name__}")
    key = ALIASES.get(name, name)
    if key not in LOSSES:
        valid = ", ".join(sorted([*LOSSES, *ALIASES]))
        raise ValueError(f"unknown loss {name!r}{did_you_mean(name, valid.split(', '))}; "
                         f"valid names are: {valid}")
    if not settings:
        return LOSSES[key]
    build, takes = _PARAMETERISED.get(key, (None, ()))
    unknown = [k for k in settings if k not in takes]
    if unknown:
        raise TypeError(f"loss {key!r} has no setting {', '.join(map(repr, unknown))}; its "
                        f"settings are: {', '.join(takes) or 'none'}")
    return build(**settings)  # type: ignore[misc]
