"""``chainrule evaluate``: a model file's scores on labelled data (the glue; the scores are
:func:`chainrule._cli_models_report._evaluation`'s), with the calibration of a
classifier's probabilities (:mod:`chainrule._calibration`)."""

from __future__ import annotations

import argparse

from . import _cli_sample_weight as _weights
from ._cli_models_class_report import _refuse_report
from ._cli_models_data import _DATA_HELP, _NAMES, _evaluate_target, _load_predictor, _model_data
from ._cli_models_provenance import _data_seed, _trained_on
from ._cli_models_report import _evaluation, _targets_line
from ._cli_models_report_text import _print_report
from ._cli_models_scores import _refuse_one_of_several, default_target_said
from ._cli_models_threshold import (
    add_threshold_arg,
    check_threshold,
    stored_threshold,
    threshold_line,
)
from .cli_args import column_name, positive_int, seed_int

__all__ = ["_add_evaluate", "_evaluate"]


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    from .cli_models import _MODEL_HELP, _SEED_HELP  # (cli_models imports this module)

    p = sub.add_parser(
        "evaluate", help="accuracy, log loss, balanced accuracy, macro F1, ROC AUC, "
        "average precision, Brier score and ECE (classification) or MSE and R^2 of a model",
        description="Score a model file on labelled data: accuracy and log loss for a "
        "classifier, as train reports them, then scikit-learn's balanced accuracy, macro F1, "
        "ROC AUC and average precision (one-vs-rest of three or more classes; left out, "
        "saying why, of data without each class; where a confident network's "
        "probabilities round to 1, ranked by the log-probabilities of the output layer's "
        "net input, which do not), and the calibration of its probabilities: the Brier "
        "score and the expected calibration error of the top-class confidence (--bins); mean "
        "squared error, RMSE, MAE (in the target's units) and R^2 "
        "for a regression model, as train reports them (a model of several targets: the "
        "mean of the targets' scores, as scikit-learn's multioutput='uniform_average', then "
        "each target's). --report adds a classifier's per-class precision, recall, F1 and "
        "support and its confusion matrix. Feature columns are taken by the names the "
        "model was trained on (an estimator's file: by its feature_names_in_, else every "
        "column but the target, in order). Every row of DATA is scored: on the data the "
        "model was trained on (the same file, or bundled data set), the first line says so "
        "and how many of its examples were training and validation examples, none of them "
        "held out (a file changed since training: that it has, and what it held then).")
    # MODEL and DATA may follow --target's names (--target y model.npz data.csv)
    p.add_argument("model", metavar="MODEL", nargs="?", help=_MODEL_HELP)
    p.add_argument("data", metavar="DATA", nargs="?",
                   help=f"{_DATA_HELP}; - reads a CSV file from standard input")
    p.add_argument("--target", nargs="+", metavar="NAME", type=column_name,
                   help="target column (default: the model's); of a model of several targets "
                   "(or an estimator of several outputs: a regressor's, or a multi-label "
                   "classifier's 0/1 columns), one per output, in their order, or one NPZ "
                   "array of shape (n, k) (default: those train recorded)")
    p.add_argument("--report", action="store_true",
                   help="of a classifier, also the per-class precision, recall, F1 and "
                   "support with their macro and weighted averages, and the confusion "
                   "matrix (a multi-label one: a row and a 2 x 2 matrix per target)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    add_threshold_arg(p, ": the scores of the predicted classes take it, log loss and "
                      "ROC AUC do not; --json key threshold")
    p.add_argument("--sample-weight", default=None, metavar="COLUMN", dest="sample_weight",
                   type=column_name,
                   help=_weights.EVALUATE_HELP)
    p.add_argument("--bins", type=positive_int, default=15, metavar="N",
                   help="of a classifier's probabilities, the expected calibration error "
                   "(ECE) of the top-class confidence over N equal-width bins of [0, 1] "
                   "(default: 15), printed with the Brier score (two classes: scikit-learn's "
                   "brier_score_loss; three or more: the multiclass Brier score, the mean "
                   "of sum_k (p_k - y_k)^2; of several labels: each label's, and their "
                   "mean); --json keys brier, ece, calibration")
    p.add_argument("--unknown-categories", choices=["error", "zeros"], default="error",
                   dest="unknown_categories",
                   help="a category of a categorical column that the training data did not "
                   "have: refused, naming the row, the column and the value (error, the "
                   "default, as scikit-learn's OneHotEncoder(handle_unknown='error')), or "
                   "encoded as all zeros (zeros: none of the column's 0/1 features is on)")
    p.add_argument("--seed", type=seed_int, default=None, help=_SEED_HELP)
    p.set_defaults(handler=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from .cli_models import _model_first, _npz_target_array, _say_by_position

    written = _npz_target_array(args)
    model = _model_first(_load_predictor, args, "evaluate")
    if args.report:  # known from the model, before the data are read
        _refuse_report(model, args.model)
    given, args.threshold = args.threshold, stored_threshold(model, args.threshold)
    check_threshold(model, args.threshold, args.model)
    target = _evaluate_target(model, args.model, args.target, written)
    seed = _data_seed(model, args.data, args.seed, "--seed")
    with default_target_said(model, args.model, target):  # an estimator's: the last column
        table = _model_data(model, args.data, target, True, seed, args.unknown_categories,
                            args.sample_weight)
        _refuse_one_of_several(model, args.model, target)
        weights = _weights.evaluation_weights(args, model, table)  # --sample-weight's, or None
        scores, no_auc, each, report = _evaluation(model, table, args.report, weights,
                                                  args.threshold, args.bins)
    _say_by_position(model, args.data, "evaluate")
    names = table.target_names
    if args.json:
        from ._cli_models_cv_table import json_text

        shown = {k: v for k, v in (report or {}).items() if k not in ("text", "unseen")}
        left_out = {"roc_auc_left_out": no_auc} if no_auc else {}  # why: the text's reason
        weighted = {"sample_weight": args.sample_weight} if weights is not None else {}
        chosen = {} if args.threshold is None else {"threshold": args.threshold}
        calibration = ({"calibration": _calibration_said(model, args.bins, args.threshold)}
                       if "ece" in scores else {})
        print(json_text({**scores, **chosen, **weighted, **left_out, **calibration,
                          **({"targets": dict(zip(names, each, strict=True))}
                             if names else {}), **shown}))  # strict: inf, NaN null
        return 0
    print(f"{table.source}: {table.n_samples} example{'' if table.n_samples == 1 else 's'}"
          f"{_trained_on(model, args.data, seed, table.n_samples)}")
    if _weights.weights_line(args, model, weights):
        print(_weights.weights_line(args, model, weights))
    if names:
        print(_targets_line(names, model.task))
    if args.threshold is not None:
        print(threshold_line(model, args.threshold)
              + ("" if given is not None else " (the model file's, of tune-threshold)"))
    elif given is not None and stored_threshold(model, None) is not None:  # none
        print(f"threshold: none (the most probable class; the model file's "
              f"{stored_threshold(model, None):g}, of tune-threshold, left aside)")
    for key, v in scores.items():
        if key.endswith("_left_out"):  # log_loss_left_out: why, in the score's place
            print(f"{_NAMES[key.removesuffix('_left_out')]}: left out, {v}")
        elif key != "samples":
            print(f"{_NAMES[key]}: {v:.6g}")
    if no_auc:
        print(f"ROC AUC: left out, {no_auc}")
        print("average precision: left out, as ROC AUC")
    calibrated = ("brier", "ece")  # each label's, on a line of their own
    for name, values in zip(names or (), each, strict=True):
        print(f"target {name}: " + ", ".join(f"{_NAMES[key]} {v:.6g}"
                                             for key, v in values.items()
                                             if key not in calibrated))
        if "brier" in values:
            print(f"target {name}: calibration: " + ", ".join(
                f"{_NAMES[key]} {values[key]:.6g}" for key in calibrated))
    if "ece" in scores:
        said = _calibration_said(model, args.bins, args.threshold)
        print(f"calibration: Brier score: {said['brier']}; ECE: {said['ece']}"
              + (f"; {said['threshold']}" if "threshold" in said else ""))
    if report is not None:
        _print_report(report, weights is not None)
    return 0


def _calibration_said(model, bins: int, threshold: float | None) -> dict:
    """What evaluate's Brier score and ECE are (``brier``, ``ece``, ``bins``), and with a
    decision threshold (``--threshold``, tune-threshold's), that they are of the
    probabilities, not of that decision (``threshold``)."""
    from ._calibration import brier_words, ece_words

    multilabel = bool(getattr(model, "multilabel", False))
    said = {"bins": bins,
            "brier": brier_words(None if multilabel else len(model.labels or ())
                                 or max(2, model.network.n_outputs)),
            "ece": ece_words(bins, multilabel)}
    if threshold is not None:
        said["threshold"] = (f"both are of the probabilities, not of the decision at "
                             f"threshold {threshold:g}, which changes the predicted class, "
                             "not the probabilities (the ECE's top class is the most "
                             "probable)")
    return said
