"""What ``plot pr`` and ``plot calibration`` share: the model must give a classifier's
probabilities, and DATA is read as ``evaluate`` reads it (its targets and its
``--sample-weight``)."""

from __future__ import annotations

import argparse

import numpy as np

__all__ = ["check_gives_probabilities", "labelled_data"]


def check_gives_probabilities(args: argparse.Namespace, model, kind: str, what: str,
                              data_use: str) -> None:
    """Refuse, naming ``plot KIND``, a call without DATA or a model that gives no class
    probabilities (a regression, an estimator without ``predict_proba``, a margin loss).

    Parameters
    ----------
    args : argparse.Namespace
        ``plot``'s arguments (``model``, ``data``).
    model : object
        The loaded model file.
    kind : str
        The plot's kind, as typed (``"pr"``, ``"calibration"``).
    what : str
        What the picture is, for the regression's refusal ("a precision-recall curve").
    data_use : str
        What DATA is for, for the refusal without it ("labelled examples to bin").
    """
    if args.data is None:
        raise ValueError(f"plot {kind} needs DATA ({data_use})")
    if model.task != "classification":
        raise ValueError(f"plot {kind}: {args.model} holds a regression model (it predicts "
                         f"numbers, not classes); {what} is of a classifier's probabilities "
                         "(plot predicted draws a regression)")
    estimator = getattr(model, "estimator", None)
    if estimator is not None and not hasattr(estimator, "predict_proba"):
        raise ValueError(f"plot {kind}: {args.model} holds a {type(estimator).__name__}, "
                         "which gives no probabilities (predict_proba); it needs a "
                         "classifier that does")
    if getattr(model, "margin", False):
        raise ValueError(f"plot {kind}: {args.model} was trained with the margin loss "
                         f"{model.network.loss.name!r}: its outputs are class scores, not "
                         "probabilities")


def labelled_data(args: argparse.Namespace, model) -> tuple[object, np.ndarray,
                                                            np.ndarray | None]:
    """DATA's table, its targets ``y`` and its ``--sample-weight`` (or None), read as
    ``evaluate`` reads them (an estimator's default target said)."""
    from ._cli_models_data import _model_data, _targets
    from ._cli_models_provenance import _data_seed
    from ._cli_models_scores import default_target_said
    from ._cli_sample_weight_evaluate import evaluation_weights

    with default_target_said(model, args.model, args.target):  # an estimator's
        table = _model_data(model, args.data, args.target, True,
                            _data_seed(model, args.data, args.seed, "--seed"),
                            args.unknown_categories or "error", args.sample_weight)
        y = np.asarray(_targets(model, table))
        weights = evaluation_weights(args, model, table)  # --sample-weight's, or None
    return table, y, weights
