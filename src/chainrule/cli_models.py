"""Command-line glue for models on tables: ``train``, ``evaluate``, ``predict``, ``info``, ``plot``.

Each subcommand is one parser-setup function and one handler that calls the library
(:mod:`chainrule.tabular`, :mod:`chainrule.saved_model`, :func:`chainrule.network.mlp`,
:func:`chainrule.training.train`, :mod:`chainrule.plots`) and prints.
:func:`add_parsers` registers them on the main parser's subcommands.

Here are ``evaluate`` and ``predict`` (with :func:`_cell`, the text of a CSV cell);
``train`` is in ``_cli_models_train``, ``info`` in ``_cli_models_show``, ``plot`` in
``_cli_models_plot``, ``importance`` in ``_cli_models_importance``, and what they share
(reading a model file and the data it scores, the scores) in ``_cli_models_data``,
evaluate's further scores of a classifier and its ``--report`` in ``_cli_models_report``,
what ``evaluate`` says of its data and the seed of a generated one in
``_cli_models_provenance``, predict's column names and ``--keep``'s columns in
``_cli_models_predict_columns``; every name is importable from here as before.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys

import numpy as np

from . import _cli_sample_weight as _weights
from ._cli_args_files import STDOUT
from ._cli_models_data import _DATA_EXAMPLE as _DATA_EXAMPLE
from ._cli_models_data import (
    _DATA_HELP,
    _NAMES,
    _evaluate_target,
    _load_predictor,
    _model_data,
    _refuse_overwriting_inputs,
)
from ._cli_models_data import _cost_words as _cost_words
from ._cli_models_data import _load as _load
from ._cli_models_data import _model_file as _model_file
from ._cli_models_data import _not_empty as _not_empty
from ._cli_models_data import _preview as _preview
from ._cli_models_data import _targets as _targets
from ._cli_models_plot import _KINDS as _KINDS
from ._cli_models_plot import _add_plot
from ._cli_models_plot import _plot as _plot
from ._cli_models_predict_columns import _COMPRESSED as _COMPRESSED
from ._cli_models_predict_columns import _OTHER as _OTHER
from ._cli_models_predict_columns import (
    _check_clash,
    _check_keep,
    _kept,
    _label_text,
    _prediction_names,
    _proba_names,
    _refuse_other_format,
)
from ._cli_models_proba_notes import say_no_class
from ._cli_models_proba_notes import say_not_probabilities as say_not_probabilities
from ._cli_models_provenance import _data_seed, _trained_on
from ._cli_models_provenance import _n_validation as _n_validation
from ._cli_models_report import (
    _evaluation,
    _refuse_report,
    _say_not_finite,
    _targets_line,
)
from ._cli_models_report_text import _print_report
from ._cli_models_scores import _refuse_one_of_several, default_target_said
from ._cli_models_show import _add_info
from ._cli_models_show import _info as _info
from ._cli_models_show import _layer_rows as _layer_rows
from ._cli_models_threshold import (
    add_threshold_arg,
    check_threshold,
    stored_threshold,
    threshold_line,
    thresholded_labels,
)
from ._cli_models_train import _add_train
from ._cli_models_train import _infer_task as _infer_task
from ._cli_models_train import _refuse_stray_text as _refuse_stray_text
from ._cli_models_train import _split as _split
from ._cli_models_train import _train as _train
from ._cli_stdout import utf8_stdout
from .cli_args import column_name, output_path, positive_int, print_written, seed_int

__all__ = ["add_parsers"]

_PREDICT_DATA_HELP = ("a .csv file (header row of column names), a .npz file (array X; a target "
                      "array is not needed), or a bundled data set: digits, iris, wine, "
                      "breast_cancer, diabetes, xor, moons, circles, sinusoid; - reads a CSV "
                      "file from standard input")

_SEED_HELP = ("seed of a generated DATA set (moons, circles, sinusoid; default: the seed "
              "chainrule train drew the model's own data from, when DATA is that set, else "
              "0; another seed draws new data, held out); refused for any other DATA, "
              "which it would leave as it is")

_MODEL_HELP = ("model file written by chainrule train or Network.save, or the save of a "
               "fitted MLPClassifier, MLPRegressor, SoftmaxRegression or StackedAutoencoder "
               "(features: the columns of its feature_names_in_, else every column but the "
               "target, in order)")


# --- chainrule evaluate / predict ------------------------------------------------------------
def _add_evaluate(sub: argparse._SubParsersAction) -> None:
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


def _npz_target_array(args: argparse.Namespace) -> str | None:
    """``--target Y`` naming one NPZ array of shape (n, k): ``args.target`` becomes its k
    targets' names (``Y[0]`` ...), and ``Y`` is returned, as written (None otherwise).
    evaluate's and importance's."""
    from .tabular import npz_targets

    if args.target and len(args.target) == 1 and args.data:
        columns = npz_targets(args.data, args.target[0])
        if columns:
            written, args.target = args.target[0], columns
            return written
    return None


def _model_first(load, args: argparse.Namespace, command: str):
    """``load(args.model)``; a MODEL that is data (CSV text, an archive of an array X)
    where DATA is a chainrule file, refused saying so: the two were given in each other's
    place (``evaluate data.csv model.npz`` said only that data.csv is no readable
    chainrule file)."""
    try:
        return load(args.model)
    except ValueError as exc:
        from ._io_kind import looks_like_data, saved_kind_of_file

        data = getattr(args, "data", None)
        kind = None if data in (None, "-") else saved_kind_of_file(data)
        if kind is None or not looks_like_data(args.model):
            raise
        raise ValueError(f"{exc}; the model file comes first, then the data: DATA {data} is "
                         f"{kind}: chainrule {command} {data} {args.model}") from None


def _say_by_position(model, data: str, command: str) -> None:
    """Note on stderr that DATA, an ``.npz`` file without a ``feature_names`` array, gives
    a model of named features (a CSV file's columns) its X by position: columns in
    another order than the model's features score silently as other features."""
    from ._cli_models_data import model_columns
    from ._io_kind import npz_members

    names = model_columns(model)
    if (not names or names == [f"x{i}" for i in range(len(names))]
            or not str(data).lower().endswith(".npz")):
        return
    members = npz_members(data)
    if members is None or "X" not in members or "feature_names" in members:
        return
    print(f"chainrule {command}: note: {data} names no columns (no feature_names array): "
          f"the {len(names)} columns of its X are taken by position as the model's features "
          f"{_preview(names, 8)}, in that order", file=sys.stderr)


def _evaluate(args: argparse.Namespace) -> int:
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


def _add_predict(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict", help="write a CSV of a model's predictions (optionally probabilities)",
        description="Predict with a model file: one CSV row per example, a column named "
        "after the model's target holding the predicted label (or value; a model of several "
        "targets: a column named after each; a saved network of several outputs: one column "
        "per output), and with --proba one column proba_LABEL per "
        "class. A target column in the data is ignored (an estimator fitted without feature "
        "names takes every column, in order), and so are the columns that are no feature of "
        "the model, unless --keep copies them.",
        epilog="example: chainrule predict model.npz new.csv --keep id -o predictions.csv "
        "(columns id, then the predictions)")
    # MODEL and DATA may follow --keep's names (--keep id model.npz data.csv): optional to
    # argparse, required by parse_known once the words are placed
    p.add_argument("model", metavar="MODEL", nargs="?", help=_MODEL_HELP)
    p.add_argument("data", metavar="DATA", nargs="?", help=_PREDICT_DATA_HELP)
    p.add_argument("-o", "--out", type=output_path, metavar="CSV",
                   help="file to write, its missing folders created (a file name, not a "
                   "folder; default, and -: standard output, which then holds the CSV alone); "
                   "a name ending .gz, .bz2 or .xz is written compressed, as pandas.read_csv "
                   "reads it; one of another format, .zip, .parquet, .xlsx, .npz ..., is "
                   "refused: the file holds CSV text")
    p.add_argument("--proba", action="store_true", help="add class probabilities")
    add_threshold_arg(p)
    p.add_argument("--keep", nargs="+", metavar="NAME", type=column_name,
                   help="columns of DATA (arrays of an NPZ file) to copy to the output, "
                   "first, cell by cell as the file writes them (an id column, to match each "
                   "prediction to its example); DATA - too (standard input, read once and "
                   "kept), not another pipe (/dev/fd/N), which is read once (default: none)")
    p.add_argument("--unknown-categories", choices=["error", "zeros"], default="error",
                   dest="unknown_categories",
                   help="a category of a categorical column that the training data did not "
                   "have: refused, naming the row, the column and the value (error, the "
                   "default, as scikit-learn's OneHotEncoder(handle_unknown='error')), or "
                   "encoded as all zeros (zeros: none of the column's 0/1 features is on)")
    p.add_argument("--seed", type=seed_int, default=None, help=_SEED_HELP)
    p.set_defaults(handler=_predict)


def _predict(args: argparse.Namespace) -> int:
    from ._io_files import COMPRESSIONS, atomic_compressed_text
    from .io import atomic_text

    _refuse_overwriting_inputs(args.out, args)
    _refuse_other_format(args.out)  # preds.csv.gz: pandas would not read the CSV text
    model = _model_first(_load_predictor, args, "predict")
    if args.proba and model.task != "classification":  # known before the data is read
        raise ValueError("--proba: the model is a regression model; it has no classes")
    if args.proba and getattr(model, "margin", False):  # scores are no probabilities
        raise ValueError(f"--proba: the model was trained with the margin loss "
                         f"{model.network.loss.name!r}: its outputs are class scores, not "
                         "probabilities; leave out --proba (the classes are the scores' "
                         "argmax, or the sign of a single one)")
    args.threshold = stored_threshold(model, args.threshold)  # tune-threshold -o's
    check_threshold(model, args.threshold, args.model)
    name = model.metadata.get("target_name") or "prediction"
    _check_keep(args.keep, args.data, _proba_names(model) if args.proba else ())
    if args.keep:  # the prediction columns are known from the model: before reading the data
        _check_clash(args.keep, _prediction_names(model, name))
    args.seed = _data_seed(model, args.data, args.seed, "--seed")  # --keep reads with it too
    table = _model_data(model, args.data, None, False, args.seed, args.unknown_categories)
    _say_by_position(model, args.data, "predict")
    if model.task == "regression":  # written as they are (inf, nan), and said
        pred, proba = model.predict(table.X), None
        _say_not_finite(pred, table.source, "they are written as inf or nan, and "
                        "evaluate scores them inf or NaN")
    else:  # labels of the probabilities --proba writes (an estimator file: its predict)
        proba, labels_of = (model.class_scores(table.X) if getattr(model, "margin", False)
                            else model.predict_proba(table.X)), getattr(model, "_labels_of", None)
        say_no_class(proba, table.source)  # NaN ones said; labels as kept: 1, not 1.0
        if args.proba and not getattr(model, "multilabel", False):  # identity outputs ...
            say_not_probabilities(proba, table.source)
        pred = np.vectorize(_label_text, otypes=[object])(
            thresholded_labels(model, proba, args.threshold) if args.threshold is not None
            else model.predict(table.X) if labels_of is None else labels_of(proba))
    if pred.ndim == 2:  # several targets, or a saved network of several outputs: one column each
        columns, header = list(pred.T), _prediction_names(model, name)
    else:
        columns, header = [pred], [name]
    if args.proba:
        columns += list(proba.T)
        header += _proba_names(model)
    if args.keep:  # first, so that each row starts with what names its example
        _check_clash(args.keep, header)  # name, or name_0, name_1, ... of several outputs
        columns = [*(_kept(model, table, args, col) for col in args.keep), *columns]
        header = [*args.keep, *header]
    # a file appears whole (its folders created, as for a model file), or not at all
    to_file = args.out not in (None, STDOUT)  # -o -: standard output, as without -o
    compressed = to_file and os.path.splitext(args.out)[1].lower() in COMPRESSIONS  # .csv.gz
    with (atomic_compressed_text(args.out) if compressed else atomic_text(args.out) if to_file
          else utf8_stdout()) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in zip(*columns, strict=True):
            writer.writerow([_cell(v) for v in row])
    if to_file:
        print_written(f"{table.n_samples} predictions written to {args.out}", args.out)
    return 0


def _cell(v: object) -> str:
    """A CSV cell: a number as the shortest text that reads back to it in its own dtype.

    A float64 prediction needs up to 17 significant digits (0.1 + 0.2 is
    0.30000000000000004), a float32 one up to 9; NumPy's ``str`` and Python's
    ``repr`` give the shortest text that rounds back to the same value.
    """
    if isinstance(v, np.floating):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return str(v.item() if isinstance(v, np.generic) else v)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register train, cv, tune, tune-threshold, evaluate, importance, predict, info and
    plot on the main parser's subcommands.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What the main parser's ``add_subparsers`` returned.
    """
    from ._cli_models_cv import _add_cv
    from ._cli_models_importance import _add_importance
    from ._cli_models_threshold_cv import _add_tune_threshold
    from ._cli_models_tune import _add_tune

    for add in (_add_train, _add_cv, _add_tune, _add_tune_threshold, _add_evaluate,
                _add_importance, _add_predict, _add_info, _add_plot):
        add(sub)
