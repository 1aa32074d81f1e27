"""``--sample-weight COLUMN`` of ``chainrule evaluate`` and ``importance`` (see
:mod:`chainrule._cli_sample_weight`, which reads and checks the column for train and cv
too, and re-exports these): the weights of the rows scored
(:func:`evaluation_weights`), passed to scikit-learn's metrics as ``sample_weight``, and
the line evaluate says of them (:func:`weights_line`).
"""

from __future__ import annotations

import argparse

import numpy as np

__all__ = ["EVALUATE_HELP", "evaluation_weights", "table_seed", "weights_line"]

_OPTION = "--sample-weight"


EVALUATE_HELP = (
    "a column of DATA (an array of an NPZ file) holding each example's weight, a number "
    ">= 0 (their sum > 0): every score is weighted, as scikit-learn's metrics take "
    "sample_weight (accuracy_score, log_loss, balanced_accuracy_score, f1_score, "
    "roc_auc_score, mean_squared_error, mean_absolute_error, r2_score; --report's "
    "classification_report and confusion matrix, whose supports and cells are then sums "
    "of the weights). Not taken from "
    "the model: a model trained with --sample-weight is scored unweighted without it, "
    "which the output then says (default: none)")


def evaluation_weights(args: argparse.Namespace, model, table, seed: int | None = None
                       ) -> np.ndarray | None:
    """evaluate's (and importance's) ``--sample-weight``: the weights of ``table``'s rows
    (read from DATA, a generated set's draw ``seed``: by default ``args.seed``), or None
    without the option.

    Raises
    ------
    ValueError
        For a weight column that is one of the model's features or its target, and as
        :func:`read_weights`.
    """
    from ._cli_models_data import model_columns
    from ._cli_sample_weight import read_weights

    name = getattr(args, "sample_weight", None)
    if name is None:
        return None
    if name in (model_columns(model) or ()):
        raise ValueError(f"{_OPTION} {name}: the column is a feature of {args.model}; the "
                         "weight column weighs the examples and is no input of the model")
    if name == table.target_name or name in (table.target_names or ()):
        raise ValueError(f"{_OPTION} {name}: the column is the target the model is scored "
                         "on; name another column")
    if table.sample_weight is not None:  # read with the features (_model_data)
        return table.sample_weight
    return read_weights(args.data, name, table_seed(args) if seed is None else seed,
                        table.n_samples)


def table_seed(args: argparse.Namespace) -> int:
    """The seed the reader is given (a bundled set, refused before it matters: 0)."""
    return 0 if getattr(args, "seed", None) is None else args.seed


def weights_line(args: argparse.Namespace, model, weights: np.ndarray | None) -> str | None:
    """What evaluate says of the weighting: the column and the weights' sum, or, for a
    model trained with ``--sample-weight`` and scored without, that the scores are not
    weighted; None when neither."""
    trained = (model.metadata.get("training") or {}).get("sample_weight")
    if weights is not None:
        return (f"scores weighted by the column {args.sample_weight!r} (--sample-weight; the "
                f"weights sum to {weights.sum():.6g})")
    if trained is not None:
        return (f"scores unweighted: the model was trained with --sample-weight {trained}; "
                f"give --sample-weight {trained} to weigh them as its training cost")
    return None
