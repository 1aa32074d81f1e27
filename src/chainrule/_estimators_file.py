"""The checks :func:`chainrule.load_estimator` makes on an estimator file's ``fitted``
record (:func:`_fitted_problem`): its keys, counts, curves and classes against the
network read from the same file; and on its ``training`` record's optimizer rate
(:func:`_training_rate_problem`), which only a schedule takes to infinity or to 0."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import io
from ._estimators_loss_types import _loss_types_problem
from ._estimators_regressor import _REGRESSOR_LOSSES, _network_loss
from ._optimizers_rate_record import unscheduled_rate_problem

# What each estimator's network ends with: output activation and loss (see ``_output``)
_Y_TYPES = {"binary": ("sigmoid", "log_loss"), "multiclass": ("softmax", "cross_entropy"),
            "multilabel-indicator": ("sigmoid", "log_loss")}
_SK_OUTPUT = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity", "exp": "exp"}
# the keys of the "fitted" record that :meth:`save` writes; nothing else is set on load
_FITTED_KEYS = {"n_features_in_", "n_outputs_", "out_activation_", "n_iter_", "t_",
                "loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_",
                "feature_names_in_", "_shape_from_X", "_loss_types"}
_CLASSIFIER_KEYS = {"classes_", "classes_dtype", "y_type_"}


def _is_count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


_is_finite = io.finite_number  # a JSON int past int64 included (np.isfinite raises on it)


def _fitted_problem(fitted: dict, net: Any, classifier: bool) -> str | None:
    """What in an estimator file's ``fitted`` record is wrong for its network, or None.

    Parameters
    ----------
    fitted : dict
        The record as read from the file.
    net : Network
        The network restored from the same file.
    classifier : bool
        Whether the file names an :class:`MLPClassifier`.

    Returns
    -------
    str or None
        ``"KEY: what was expected, what was found"``, e.g.
        ``"classes_: 4 labels for a network with 3 outputs"``.
    """
    act = net.output_activation
    found = (act.name if act is not None else None, net.loss.name)
    if not classifier and found not in {(a, _network_loss(loss))
                                        for loss, a in _REGRESSOR_LOSSES.items()}:
        return (f"estimator: 'MLPRegressor' needs a network ending in identity with the loss "
                f"'squared_error', 'huber' or 'mean_absolute_error', or in exp with the loss "
                f"'poisson'; the network has {found}")
    if classifier and found not in _Y_TYPES.values():
        return (f"estimator: 'MLPClassifier' needs a network ending in sigmoid or softmax "
                f"with the loss 'log_loss' or 'cross_entropy'; the network has {found}")
    allowed = _FITTED_KEYS | (_CLASSIFIER_KEYS if classifier else set())
    # _shape_from_X: written for a network of images since it was recorded (older files:
    # none, and the refusals word the shape by input_shape, as they did then)
    # _loss_types: written since the losses' types were recorded (older files: none, and
    # their losses load as np.float64, as they did then)
    required = allowed - {"feature_names_in_", "_shape_from_X", "_loss_types"}
    unknown = sorted(set(fitted) - allowed)
    if unknown:
        return f"unknown key(s) {unknown}; expected only {sorted(allowed)}"
    missing = sorted(required - set(fitted))
    if missing:
        return f"missing key(s) {missing}"
    n_out = net.n_outputs
    n_in = net.n_inputs  # a convolutional network's: (channels, height, width)
    n_in = int(np.prod(n_in)) if isinstance(n_in, tuple) else n_in
    for key in ("n_iter_", "t_"):
        if not _is_count(fitted[key]):
            return f"{key}: expected a non-negative integer, found {fitted[key]!r}"
    if not (_is_count(fitted["n_features_in_"]) and fitted["n_features_in_"] == n_in):
        return (f"n_features_in_: expected {n_in!r} (the network's inputs), found "
                f"{fitted['n_features_in_']!r}")
    if not (_is_count(fitted["n_outputs_"]) and fitted["n_outputs_"] == n_out):
        return (f"n_outputs_: expected {n_out} (the network's outputs), found "
                f"{fitted['n_outputs_']!r}")
    for key in ("loss_curve_", "validation_scores_"):
        value = fitted[key]
        if value is None and key == "validation_scores_":
            continue
        if not isinstance(value, list) or not all(_is_finite(v) for v in value):
            return f"{key}: expected a list of finite numbers, found {value!r}"
    for key in ("best_loss_", "best_validation_score_"):
        if fitted[key] is not None and not _is_finite(fitted[key]):
            return f"{key}: expected a finite number or null, found {fitted[key]!r}"
    problem = _curves_problem(fitted)
    if problem is not None:
        return problem
    if "_loss_types" in fitted:
        problem = _loss_types_problem(fitted["_loss_types"], fitted)
        if problem is not None:
            return problem
    if "_shape_from_X" in fitted and not (isinstance(fitted["_shape_from_X"], bool)
                                          and isinstance(net.n_inputs, tuple)):
        return ("_shape_from_X: expected true or false, for a network of images, found "
                f"{fitted['_shape_from_X']!r} for a network of {net.n_inputs!r} inputs")
    names = fitted.get("feature_names_in_")
    if names is not None and (
            not isinstance(names, list) or not all(isinstance(n, str) for n in names)
            or len(names) != n_in):
        return (f"feature_names_in_: expected a list of {n_in} strings, found "
                f"{names!r}")
    if classifier:
        y_type = fitted["y_type_"]
        if not isinstance(y_type, str) or y_type not in _Y_TYPES:
            return f"y_type_: expected one of {sorted(_Y_TYPES)}, found {y_type!r}"
        if found != _Y_TYPES[y_type]:
            return (f"y_type_: {y_type!r} needs a network ending in {_Y_TYPES[y_type][0]} "
                    f"with the loss {_Y_TYPES[y_type][1]!r}; the network has {found}")
        classes = fitted["classes_"]
        if not isinstance(classes, list) or not all(
                isinstance(v, str) or _is_finite(v) or isinstance(v, bool) for v in classes):
            return f"classes_: expected a list of strings or numbers, found {classes!r}"
        n_classes = 2 if y_type == "binary" else n_out
        if y_type == "binary" and n_out != 1:
            return f"y_type_: 'binary' needs a network with 1 output, this one has {n_out}"
        if y_type == "multiclass" and n_out < 3:
            return f"y_type_: 'multiclass' needs a network with 3 or more outputs, found {n_out}"
        if len(classes) != n_classes:
            return (f"classes_: expected {n_classes} labels for a {y_type!r} network with "
                    f"{n_out} output(s), found {len(classes)}")
        problem = io.class_labels_problem(classes, fitted["classes_dtype"])
        if problem is not None:
            return problem
    if fitted["out_activation_"] != _SK_OUTPUT.get(found[0]):
        return (f"out_activation_: expected {_SK_OUTPUT.get(found[0])!r} (the network's output "
                f"activation), found {fitted['out_activation_']!r}")
    return None


def _curves_problem(fitted: dict) -> str | None:
    """What is wrong with the lengths of the per-epoch lists of a ``fitted`` record.

    Every epoch (an lbfgs iteration) appends one loss to ``loss_curve_``, which goes on
    over warm starts and ``partial_fit``; ``n_iter_`` counts the last fit's, so it is at
    most the curve's length.  ``validation_scores_`` (early stopping) is a list from the
    first fit with it on, one score per epoch of it: from ``n_iter_`` (the last fit's,
    which had it) to the curve's length; ``best_validation_score_`` is the best of them.
    (Fitted so: sgd, adam and lbfgs, early stopping turned on and off between warm
    starts, partial_fit.)
    """
    n_iter, curve, scores = fitted["n_iter_"], fitted["loss_curve_"], fitted["validation_scores_"]
    if len(curve) < n_iter:
        return (f"loss_curve_: {len(curve)} losses, fewer than n_iter_ = {n_iter} (each epoch "
                f"or iteration of the last fit appends one)")
    if scores is not None and not n_iter <= len(scores) <= len(curve):
        return (f"validation_scores_: {len(scores)} scores, expected from n_iter_ = {n_iter} "
                f"to len(loss_curve_) = {len(curve)} (one per epoch of the fits with early "
                f"stopping, the last fit's included)")
    if fitted["best_validation_score_"] is not None and not scores:
        return (f"best_validation_score_: {fitted['best_validation_score_']!r}, the best of "
                f"validation_scores_, which holds none ({scores!r})")
    return None


def _training_rate_problem(training: object) -> str | None:
    """What is wrong with the optimizer's rate in an estimator file's ``training`` record.

    ``training.optimizer.config.lr`` is the rate the next :meth:`partial_fit` steps at.
    ``inf`` and 0 are rates only a schedule reaches (an exponential decay with ``gamma >
    1`` past the float range; a cosine to ``eta_min = 0``), which
    :meth:`Optimizer.from_config` takes for that reason; without a
    ``training.schedule_run`` (no schedule ran), the rules' rates (constant, invscaling,
    adaptive) are never above ``learning_rate_init`` nor 0 (:func:`_zero_rate_problem`),
    and an ``inf`` there is damage that the next fit would meet as a divergence at its
    first step, a 0 one that it would train nothing with, silently.  Refused in
    the words of the rule's own constructor.  Anything else of the record is
    :func:`~chainrule._mlp_state.restore_training`'s to check (NaN and negative rates,
    ``momentum = 1.5``, ``beta2 = 1``: from_config refuses them in the same words).

    Parameters
    ----------
    training : object
        The file's ``training`` record, as read.

    Returns
    -------
    str or None
        ``"training.optimizer.config: lr must be a finite float > 0, got inf (...)"``.
    """
    if not isinstance(training, dict) or training.get("schedule_run") is not None:
        return None
    record = training.get("optimizer")
    config = record.get("config") if isinstance(record, dict) else None
    problem = unscheduled_rate_problem(
        config, "training.optimizer.config",
        "a rate only a schedule reaches, and the file records no training.schedule_run")
    if problem is None and not _invscaling_reached_zero(training, config):
        problem = _zero_rate_problem(config)
    return problem


def _invscaling_reached_zero(training: dict, config: object) -> bool:
    """Whether the record is an "invscaling" SGD whose rate underflowed to 0.

    ``learning_rate_init / (t + 1) ** power_t`` is 0.0 in floating point once it falls
    below 2.5e-324 (a subnormal ``learning_rate_init``, a large ``power_t``); scikit-learn
    trains on at that rate, and so does :meth:`partial_fit` after a reload.  The record
    says so consistently: the rule is "invscaling" and its own rate ``training.lr`` is 0
    as well as the optimizer's.
    """
    rule = training.get("rule")
    return (isinstance(rule, dict) and rule.get("learning_rate") == "invscaling"
            and type(training.get("lr")) in (int, float) and training["lr"] == 0
            and isinstance(config, dict) and type(config.get("lr")) in (int, float)
            and config["lr"] == 0)


def _zero_rate_problem(config: object) -> str | None:
    """``lr = 0`` in an optimizer record no schedule set: refused in the rule's words.

    ``learning_rate_init`` is > 0 (0 is refused by the constructor, as scikit-learn's
    MLP refuses it); "constant" keeps that rate, "adaptive" divides it by 5 only while it
    is above 1e-6, and "invscaling" records its rate as ``training.lr``, which the reader
    requires > 0.  Only a schedule (cosine to ``eta_min = 0``) takes the rate to 0.
    """
    from .optimizers import OPTIMIZERS

    # (a name of a list or an object: no dict key, left to from_config, which names it)
    if not isinstance(config, dict) or not isinstance(config.get("name"), str) or (
            config["name"] not in OPTIMIZERS):
        return None
    rate = config.get("lr")
    if type(rate) not in (int, float) or rate != 0:
        return None
    why = ("learning_rate_init is > 0, no rule without a schedule takes the rate to 0, and "
           "the file records no training.schedule_run")
    try:  # the rule's constructor refuses a rate of 0: its words
        OPTIMIZERS[config["name"]](**{k: v for k, v in config.items() if k != "name"})
    except (TypeError, ValueError) as exc:
        return f"training.optimizer.config: {exc} ({why})"
    return f"training.optimizer.config: lr must be > 0, got {rate} ({why})"  # (all refuse it)
