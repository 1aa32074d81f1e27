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

from ._cli_args_files import STDOUT
from ._cli_models_data import _DATA_EXAMPLE as _DATA_EXAMPLE
from ._cli_models_data import _cost_words as _cost_words
from ._cli_models_data import _load as _load
from ._cli_models_data import _load_predictor, _model_data, _refuse_overwriting_inputs
from ._cli_models_data import _model_file as _model_file
from ._cli_models_data import _not_empty as _not_empty
from ._cli_models_data import _preview as _preview
from ._cli_models_data import _targets as _targets
from ._cli_models_evaluate import _add_evaluate
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
from ._cli_models_provenance import _data_seed
from ._cli_models_provenance import _n_validation as _n_validation
from ._cli_models_report import _say_not_finite
from ._cli_models_show import _add_info
from ._cli_models_show import _info as _info
from ._cli_models_show import _layer_rows as _layer_rows
from ._cli_models_threshold import (
    add_threshold_arg,
    check_threshold,
    stored_threshold,
    thresholded_labels,
)
from ._cli_models_train import _add_train
from ._cli_models_train import _infer_task as _infer_task
from ._cli_models_train import _refuse_stray_text as _refuse_stray_text
from ._cli_models_train import _split as _split
from ._cli_models_train import _train as _train
from ._cli_stdout import utf8_stdout
from .cli_args import column_name, output_path, print_written, seed_int

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


# --- chainrule evaluate (_cli_models_evaluate) / predict -------------------------------------
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
