"""Command-line glue for models on tables: ``train``, ``evaluate``, ``predict``, ``info``, ``plot``.

Each subcommand is one parser-setup function and one handler that calls the
library (:mod:`chainrule.tabular`, :mod:`chainrule.saved_model`,
:func:`chainrule.network.mlp`, :func:`chainrule.training.train`,
:mod:`chainrule.plots`) and prints.
:func:`add_parsers` registers them on the main parser's subcommands.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from .cli_architecture import (
    add_architecture_args,
    build_network,
    check_architecture,
    check_features,
    image_statistics,
)
from .cli_args import (
    OPTIMIZER_NAMES,
    backprop_activation_name,
    check_loss_output,
    fraction,
    initializer_name,
    loss_name,
    model_path,
    nonnegative_float,
    optimizer_name,
    optimizer_settings,
    output_path,
    picture_path,
    positive_float,
    positive_int,
    refuse_overwriting,
    seed_int,
)

__all__ = ["add_parsers"]

_DATA_HELP = ("a .csv file (header row of column names), a .npz file (arrays X and y), or a "
              "bundled data set: digits, iris, wine, breast_cancer, diabetes, xor, moons, "
              "circles, sinusoid")
_PREDICT_DATA_HELP = ("a .csv file (header row of column names), a .npz file (array X; a target "
                      "array is not needed), or a bundled data set: digits, iris, wine, "
                      "breast_cancer, diabetes, xor, moons, circles, sinusoid")

_MODEL_HELP = ("model file written by chainrule train or Network.save, or the save of a "
               "fitted MLPClassifier, MLPRegressor, SoftmaxRegression or StackedAutoencoder "
               "(features: the columns of its feature_names_in_, else every column but the "
               "target, in order)")


# --- chainrule train -------------------------------------------------------------------------
def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="train an MLP (or any --layers) on a CSV/NPZ file or a bundled data set; "
        "write the model",
        description="Train a multilayer perceptron (--hidden), or any network of layers "
        "(--layers, with --input-shape for images: a convolutional network), on a table of "
        "examples and write the model "
        "file (.npz: arrays + JSON, never pickle). The task is inferred from the target "
        "(text, or at most 20 distinct whole numbers: classification; else regression; "
        "--task to override); so are the output "
        "layer (softmax for 3+ classes, sigmoid for 2 unless --loss cross_entropy, identity "
        "for regression, exp for a "
        "regression with --loss poisson) and the loss. "
        "Features (and a regression target, unless the output is bounded: sigmoid, tanh, "
        "relu, elu, gelu, silu, softplus, exp, square) are standardised with "
        "the training statistics (--scale none: as they are), "
        "which the model file keeps together with the class labels, feature names and "
        "target name, so predict and evaluate take raw data.",
        epilog="examples: chainrule train iris -o iris.npz; chainrule train data.csv --target "
        "price --hidden 64 32 --epochs 200 -o price.npz; chainrule train digits --layers "
        "'[{\"type\": \"Conv2D\", \"out_channels\": 8, \"kernel_size\": 3, \"padding\": 1}, "
        "{\"type\": \"MaxPool2D\", \"size\": 2}, {\"type\": \"Flatten\"}]' --input-shape "
        "1 8 8 -o cnn.npz",
    )
    p.add_argument("data", metavar="DATA", help=_DATA_HELP)
    p.add_argument("--target", metavar="NAME",
                   help="target column (CSV; default: the last column) or array (NPZ; "
                   "default: y)")
    p.add_argument("--features", nargs="+", metavar="NAME",
                   help="feature columns (default: every column but the target)")
    p.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                   help="default: auto (inferred from the target; regression for --loss poisson)")
    add_architecture_args(p)  # --hidden, --activation, --dropout, --layers, --input-shape
    p.add_argument("--output", type=backprop_activation_name, metavar="ACT",
                   help="output activation (default: softmax / sigmoid / identity by task; "
                   "softmax for two classes with --loss cross_entropy; exp for --loss "
                   "poisson)")
    p.add_argument("--loss", type=loss_name, help="loss (default: canonical for the output)")
    p.add_argument("--init", type=initializer_name, default="auto",
                   help="initialiser (default: auto: He after ReLU, else Glorot); with "
                   "--layers: of the output layer and each Dense or Conv2D layer that names "
                   "none")
    p.add_argument("--optimizer", type=optimizer_name, default="adam", metavar="NAME",
                   help=f"{', '.join(OPTIMIZER_NAMES)} (default: adam)")
    p.add_argument("--lr", type=positive_float, default=0.01, help="learning rate (default: 0.01)")
    p.add_argument("--momentum", type=fraction, default=None,
                   help="momentum of sgd/gd/nesterov (default: 0.9)")
    p.add_argument("--weight-decay", type=nonnegative_float, default=0.0, dest="weight_decay",
                   help="L2 penalty on weights (default: 0)")
    p.add_argument("--batch-size", type=positive_int, default=None, dest="batch_size",
                   help="mini-batch size, for every optimizer but gd (default: 32)")
    p.add_argument("--epochs", type=positive_int, default=100, help="epochs (default: 100)")
    p.add_argument("--patience", type=positive_int, default=None,
                   help="stop when the validation loss (the training loss with --val-fraction "
                   "0) has not improved for this many epochs and keep the best weights "
                   "(default: train all epochs)")
    p.add_argument("--val-fraction", type=fraction, default=None, dest="val_fraction",
                   help="fraction held out for validation, stratified for classification "
                   "(default: 0.1, or 0 for fewer than 20 examples; 0 for none)")
    p.add_argument("--scale", choices=["standard", "none"], default="standard",
                   help="standardise features (and regression targets, unless the output "
                   "is bounded, as exp for --loss poisson) with the training mean and "
                   "standard deviation: of each feature, or with --input-shape of each "
                   "channel over all its pixels, so that every pixel of a channel is scaled "
                   "alike (default: standard)")
    p.add_argument("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    p.add_argument("-o", "--out", type=model_path, default="model.npz", metavar="MODEL",
                   help="model file to write (.npz is appended; an existing directory, or a "
                   "name ending in /: DIR/model.npz; default: model.npz)")
    p.add_argument("--plot", type=picture_path, metavar="PNG",
                   help="also write the loss curve to PNG (or .pdf, .svg, ...)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_train)


_DATA_EXAMPLE = "a .csv or .npz file or a bundled data set, such as iris"


def _infer_task(table, requested: str, loss: str | None = None) -> str:
    if requested != "auto":
        return requested
    if table.task is not None:
        return table.task
    if loss == "poisson":  # counts: whole numbers, often few distinct ones, yet a regression
        return "regression"
    y = np.asarray(table.y)
    try:
        values = y.astype(np.float64)
    except ValueError:
        _refuse_stray_text(table)
        return "classification"
    whole = np.all(np.isfinite(values)) and np.all(values == np.round(values))
    return "classification" if whole and len(np.unique(values)) <= 20 else "regression"


def _refuse_stray_text(table) -> None:
    """Refuse a target of numbers with a few text cells, which would become classes.

    Text makes a target a classification, but a column of more than 20 distinct
    numbers in which at most half of the cells are text ("NA", "?", "n/a") is a
    numeric target with missing or bad values: as classes, every number would
    be a class of its own.  ``--task classification`` still takes it as labels.
    """
    numbers, text = [], []
    for i, cell in enumerate(np.asarray(table.y).tolist()):
        try:
            numbers.append(float(cell))
        except (TypeError, ValueError):
            text.append((i, cell))
    distinct = len(set(numbers))
    if distinct > 20 and len(text) <= len(numbers):
        shown = ", ".join(f"{cell!r} (example {i + 1})" for i, cell in text[:5])
        more = f" and {len(text) - 5} more" if len(text) > 5 else ""
        raise ValueError(
            f"{table.source}: the target {table.target_name or 'column'!s} holds "
            f"{distinct} distinct numbers and {len(text)} cell(s) that are not numbers: "
            f"{shown}{more}; remove or fill those examples for a regression, or pass --task "
            "classification to take every value as a class label"
        )


def _split(n: int, fraction: float, seed: int, stratify: np.ndarray | None):
    from sklearn.model_selection import train_test_split

    index = np.arange(n)
    if not fraction:
        return index, index[:0]
    if not 0 < fraction < 1:
        raise ValueError(f"--val-fraction must be in [0, 1), got {fraction}")
    n_val = int(np.ceil(fraction * n))
    if n_val >= n:
        raise ValueError(f"--val-fraction {fraction} leaves no training examples of {n}")
    if stratify is not None:  # only where each side can hold every class
        counts = np.bincount(stratify)
        if counts.min() < 2 or min(n_val, n - n_val) < len(counts):
            stratify = None
    return train_test_split(index, test_size=n_val, random_state=seed, stratify=stratify)


def _train(args: argparse.Namespace) -> int:
    from .activations import OUTPUT_RANGES, get_activation
    from .losses import get_loss
    from .saved_model import SavedModel, fit_labels, regression_targets
    from .tabular import read_data
    from .training import train

    # what needs no data is checked before the data is read (argparse checked the names)
    steps = optimizer_settings(args.optimizer, args.momentum, args.batch_size)
    check_architecture(args)
    if args.output is not None:
        check_loss_output(args.loss, args.output, output_given=True)
    _not_empty(args.data, "data", _DATA_EXAMPLE)
    refuse_overwriting(args.out, "-o/--out", {"data file": args.data})
    refuse_overwriting(args.plot, "--plot", {"data file": args.data})
    table = read_data(args.data, target=args.target, features=args.features, seed=args.seed,
                      features_what=" (--features)")
    check_features(args, table.X.shape[1], table.source)
    task = _infer_task(table, args.task, args.loss)
    meta: dict = {"task": task, "feature_names": table.feature_names,
                  "target_name": table.target_name, "data": str(args.data),
                  # every column but the target (no --features): a file without column
                  # names must then have exactly these columns (see _model_data)
                  "all_columns": args.features is None}
    if task == "classification":
        labels, y = fit_labels(np.asarray(table.y))
        if len(labels) < 2:
            raise ValueError(f"{table.source}: the target {table.target_name!r} has one class "
                             f"({labels[0]!r}); classification needs two or more")
        meta["labels"] = labels
        # cross_entropy is softmax's loss: of one sigmoid unit it is -y log a, blind to class 0
        entropy = args.loss is not None and get_loss(args.loss).name == "cross_entropy"
        output = args.output or ("sigmoid" if len(labels) == 2 and not entropy else "softmax")
        if output == "sigmoid" and entropy:
            raise ValueError(
                f"--loss {args.loss}: of a single sigmoid output a it is -y log a, which the "
                f"examples of the class {labels[0]!r} (y = 0) do not enter, so the network "
                f"would learn to predict {labels[1]!r} for every example; use --output "
                "softmax (two units: the default with this loss) or --loss log_loss")
        if output not in ("softmax", "sigmoid") or (output == "sigmoid" and len(labels) > 2):
            raise ValueError(
                f"--output: a classifier of {len(labels)} classes needs a softmax output"
                f"{' (or sigmoid)' if len(labels) == 2 else ''}, got {output!r}"
            )
        n_out = 1 if output == "sigmoid" else len(labels)
        targets = y if n_out > 1 else y.astype(np.float64)[:, None]
    else:
        y = regression_targets(table)
        # the Poisson loss needs positive outputs: exp, its canonical link, unless told
        n_out, targets = 1, None
        output = args.output or ("exp" if args.loss == "poisson" else "identity")
    check_loss_output(args.loss, output, output_given=args.output is not None,
                      default=f"the default for {task}")
    if args.val_fraction is None:
        args.val_fraction = 0.1 if table.n_samples >= 20 else 0.0
    train_idx, val_idx = _split(table.n_samples, args.val_fraction, args.seed,
                                y if task == "classification" else None)
    X = table.X
    if args.scale == "standard":
        if args.input_shape is not None:  # images: each channel as a whole (see --help)
            mean, scale = image_statistics(X[train_idx], tuple(args.input_shape))
        else:
            mean = X[train_idx].mean(axis=0)
            scale = X[train_idx].std(axis=0)
            # a column constant in training is only centred: its std is the rounding of the
            # mean (0.1 in 100 rows: 1.9e-16), by which another value would be multiplied ~1e15
            scale[np.ptp(X[train_idx], axis=0) == 0] = 1.0
        meta["x_mean"], meta["x_scale"] = mean.tolist(), scale.tolist()
        X = (X - mean) / scale
    if task == "regression":
        y_mean, y_scale = 0.0, 1.0
        # a bounded output (sigmoid, relu, exp, ...; the Poisson loss's exp among them)
        # predicts values in its range: the target must lie there, as it is (centred, it
        # would not: an exp output could not predict below the mean)
        low, high = OUTPUT_RANGES.get(get_activation(output).name, (-np.inf, np.inf))
        bounded = np.isfinite(low) or np.isfinite(high)
        y_fit = y[train_idx]
        if bounded and (y_fit.min() < low or y_fit.max() > high):
            what = (f"--output {output}" if args.output else
                    f"the {output} output (the default for --loss {args.loss})")
            advice = ("the Poisson loss models counts, which are >= 0" if args.loss == "poisson"
                      else "use --output identity (the default for regression), or rescale "
                      "the target")
            raise ValueError(
                f"{what}: its outputs lie in [{low:g}, {high:g}], but the target "
                f"{table.target_name!r} runs from {y_fit.min():g} to {y_fit.max():g}; "
                f"{advice}")
        if args.scale == "standard" and not bounded:
            y_mean, y_scale = float(y[train_idx].mean()), float(y[train_idx].std())
            y_scale = 1.0 if np.ptp(y[train_idx]) == 0 else y_scale  # as a constant feature
            meta["y_mean"], meta["y_scale"] = y_mean, y_scale
        targets = ((y - y_mean) / y_scale)[:, None]
    net = build_network(args, X.shape[1], n_out, output)
    print(f"{table.source}: {table.n_samples} examples x {X.shape[1]} features; "
          f"target {table.target_name!r}: {task}"
          + (f", {len(meta['labels'])} classes ({_preview(meta['labels'])})"
             if task == "classification" else ""))
    print(f"{len(train_idx)} for training, {len(val_idx)} for validation")
    print(net.summary())
    options = {"patience": args.patience} if args.patience is not None else {}
    start = time.perf_counter()
    history = train(
        net, X[train_idx], targets[train_idx], optimizer=args.optimizer, lr=args.lr,
        momentum=steps["momentum"], batch_size=steps["batch_size"], epochs=args.epochs,
        seed=args.seed, verbose=0 if args.quiet else 1,
        validation_data=(X[val_idx], targets[val_idx]) if len(val_idx) else None, **options,
    )
    seconds = time.perf_counter() - start
    architecture = ({"hidden": list(args.hidden), "activation": args.activation,
                     **({"dropout": args.dropout} if args.dropout else {})}
                    if args.layers is None else
                    {"layers": args.layers, **({"input_shape": list(args.input_shape)}
                                               if args.input_shape is not None else {})})
    meta["training"] = {
        **architecture, "output": output,
        "loss": net.loss.name, "optimizer": args.optimizer, "lr": args.lr,
        "momentum": steps["momentum"], "batch_size": steps["batch_size"],
        "epochs": history.epochs, "seed": args.seed,
        "val_fraction": args.val_fraction, "weight_decay": args.weight_decay,
        "stop_reason": history.stop_reason, "seconds": round(seconds, 3),
    }
    meta["history"] = {k: [float(v) for v in history[k]]
                       for k in ("loss", "val_loss", "accuracy", "val_accuracy")
                       if history.get(k) and all(np.isfinite(history[k]))}
    model = SavedModel(net, meta)
    epochs = f"{history.epochs} epoch{'' if history.epochs == 1 else 's'}"
    line = f"trained {epochs} in {seconds:.2f} s ({history.stop_reason})"
    for name, idx in (("training", train_idx), ("validation", val_idx)):
        if len(idx):
            scores = _scores(model, table.X[idx], y[idx])
            line += f"; {name} " + ", ".join(f"{_NAMES[k]} {v:.4g}" for k, v in scores.items())
    print(line)
    print(f"model written to {model.save(args.out)}")
    if args.plot:
        from .plots import plot_loss

        print(f"loss curve written to {plot_loss(history, args.plot)}")
    return 0


_NAMES = {"accuracy": "accuracy", "log_loss": "log loss", "mse": "mean squared error",
          "rmse": "rmse", "mae": "mae", "r2": "r2"}  # how train and evaluate print the scores


def _cost_words(model) -> str:
    """What the recorded loss per epoch is: the cost the network minimised, in its terms."""
    net, meta = model.network, model.metadata
    words = f"mean {net.loss.name}"
    if model.task == "regression" and "y_mean" in meta:
        words += " on the standardised target"
    return words + (" + weight decay" if net.weight_decay else "")


def _preview(labels: list, n: int = 6) -> str:
    shown = ", ".join(map(str, labels[:n]))
    return shown + (", ..." if len(labels) > n else "")


def _scores(model, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Scores in the data's own terms, the same in train and evaluate.

    Classification (y: class indices): accuracy and log loss (mean over the
    examples); regression: mean squared error, its root and the mean absolute
    error in the target's units, and R^2.  Keys: accuracy, log_loss / mse,
    rmse, mae, r2.
    """
    from sklearn import metrics

    if model.task == "classification":
        proba = model.predict_proba(X)
        k = proba.shape[1]
        return {
            "accuracy": float(np.mean(proba.argmax(axis=1) == y)),
            "log_loss": float(metrics.log_loss(y, np.clip(proba, 1e-15, 1),
                                               labels=list(range(k)))),
        }
    pred = model.predict(X)
    mse = float(metrics.mean_squared_error(y, pred))
    scores = {"mse": mse, "rmse": float(np.sqrt(mse)),
              "mae": float(metrics.mean_absolute_error(y, pred))}
    if len(y) > 1:
        scores["r2"] = float(metrics.r2_score(y, pred))
    return scores


# --- chainrule evaluate / predict ------------------------------------------------------------
def _not_empty(name: str, what: str, example: str) -> None:
    """Refuse an empty file or data set name, which paths would read as the directory '.'."""
    if not name:
        raise ValueError(f"empty {what} name {name!r}; give {example}")


def _load(path: str):
    from .saved_model import SavedModel

    _not_empty(path, "model file", "a model file, such as model.npz")
    return SavedModel.load(path)


def _load_predictor(path: str):
    """A model to predict with: a model file (:func:`_load`) or an estimator's file.

    Returns
    -------
    SavedModel or EstimatorModel
        An :class:`~chainrule.MLPClassifier`, :class:`~chainrule.MLPRegressor`,
        :class:`~chainrule.SoftmaxRegression` or :class:`~chainrule.StackedAutoencoder`
        file as an :class:`~chainrule.saved_model.EstimatorModel`.

    Raises
    ------
    ValueError
        For a file of none of these kinds (the error of :func:`_load`), and for a
        :class:`~chainrule.SparseAutoencoder`, which predicts no target.
    """
    from .cli_gradcheck import _load_model  # the three kinds of files gradcheck reads too
    from .saved_model import EstimatorModel, SavedModel

    model = _load_model(path)
    if isinstance(model, SavedModel):
        return model
    if not hasattr(model, "predict"):  # a SparseAutoencoder: features, no target
        raise ValueError(
            f"{path}: a {type(model).__name__} file; it reconstructs its inputs and predicts "
            f"no target (read it with chainrule.load_autoencoder({path!r}) and use its "
            "transform); predict and evaluate take a model file of chainrule train or "
            "Network.save, or the file of an MLPClassifier, MLPRegressor, SoftmaxRegression "
            "or StackedAutoencoder")
    return EstimatorModel(model)


def _model_file(path: str) -> str:
    """The file a model name reads: ``path``, or ``path.npz`` when only that exists."""
    given = Path(path)
    if not given.exists() and given.with_name(given.name + ".npz").exists():
        return str(given.with_name(given.name + ".npz"))
    return path


def _refuse_overwriting_inputs(out: str | None, args: argparse.Namespace) -> None:
    """Refuse an output (``-o/--out``) that is the model or data file of the command."""
    refuse_overwriting(out, "-o/--out", {"model file": _model_file(args.model),
                                         "data file": args.data})


def _model_data(model, data: str, target: str | None, need_target: bool, seed: int):
    from .saved_model import EstimatorModel
    from .tabular import read_data

    _not_empty(data, "data", _DATA_EXAMPLE)
    features = model.feature_names
    # an estimator fitted on an array: its features are the columns, by position
    unnamed = ("" if features is not None or not isinstance(model, EstimatorModel) else
               " (the estimator was fitted without feature names: every column but the "
               "target is a feature, in the order of its fit)")
    try:
        # a model trained on every column of its data takes an NPZ file without column
        # names only with as many columns (chosen columns, --features x0 x2, by position)
        table = read_data(data, target=target or model.metadata.get("target_name"),
                          features=features, need_target=need_target, seed=seed,
                          strict_target=target is not None,
                          all_columns=model.metadata.get("all_columns") is True)
    except ValueError as exc:
        if not unnamed:
            raise
        raise ValueError(f"{exc}{unnamed}") from None
    n_in = model.n_features
    if table.X.shape[1] != n_in:
        raise ValueError(f"{table.source}: {table.X.shape[1]} features; the model takes "
                         f"{n_in}{unnamed}")
    return table


def _targets(model, table) -> np.ndarray:
    from .saved_model import encode_labels, regression_targets

    if model.task == "classification":
        return encode_labels(np.asarray(table.y), model.labels, table)
    return regression_targets(table)


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="accuracy and log loss (classification) or MSE and R^2 of a model",
        description="Score a model file on labelled data: accuracy and log loss for a "
        "classifier, mean squared error, RMSE, MAE (in the target's units) and R^2 for a "
        "regression model, as train reports them. Feature columns are taken by the names the "
        "model was trained on (an estimator's file: by its feature_names_in_, else every "
        "column but the target, in order).")
    p.add_argument("model", metavar="MODEL", help=_MODEL_HELP)
    p.add_argument("data", metavar="DATA", help=_DATA_HELP)
    p.add_argument("--target", metavar="NAME", help="target column (default: the model's)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of generated data sets")
    p.set_defaults(handler=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    model = _load_predictor(args.model)
    k = model.network.n_outputs
    # a table's target is one column
    if (model.task == "regression" or getattr(model, "multilabel", False)) and k > 1:
        what = "labels" if model.task == "classification" else "values"
        raise ValueError(
            f"{args.model}: the model predicts {k} {what} per example, and evaluate scores "
            "one target column; write them with chainrule predict and score each column")
    table = _model_data(model, args.data, args.target, True, args.seed)
    scores = {"samples": table.n_samples, **_scores(model, table.X, _targets(model, table))}
    if args.json:
        print(json.dumps(scores))
    else:
        print(f"{table.source}: {table.n_samples} examples")
        for k, v in scores.items():
            if k != "samples":
                print(f"{_NAMES[k]}: {v:.6g}")
    return 0


def _add_predict(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict", help="write a CSV of a model's predictions (optionally probabilities)",
        description="Predict with a model file: one CSV row per example, a column named "
        "after the model's target holding the predicted label (or value; a saved network of "
        "several outputs: one column per output), and with --proba one column proba_LABEL per "
        "class. A target column in the data is ignored (an estimator fitted without feature "
        "names takes every column, in order).")
    p.add_argument("model", metavar="MODEL", help=_MODEL_HELP)
    p.add_argument("data", metavar="DATA", help=_PREDICT_DATA_HELP)
    p.add_argument("-o", "--out", type=output_path, metavar="CSV",
                   help="file to write (default: standard output)")
    p.add_argument("--proba", action="store_true", help="add class probabilities")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of generated data sets")
    p.set_defaults(handler=_predict)


def _predict(args: argparse.Namespace) -> int:
    from .io import atomic_text

    _refuse_overwriting_inputs(args.out, args)
    model = _load_predictor(args.model)
    if args.proba and model.task != "classification":  # known before the data is read
        raise ValueError("--proba: the model is a regression model; it has no classes")
    table = _model_data(model, args.data, None, False, args.seed)
    name = model.metadata.get("target_name") or "prediction"
    pred = model.predict(table.X)
    if model.task == "classification":  # labels as the model keeps them: 1, not 1.0
        pred = np.vectorize(_label_text, otypes=[object])(pred)
    if pred.ndim == 2:  # a saved network of several outputs: one column each
        columns, header = list(pred.T), [f"{name}_{j}" for j in range(pred.shape[1])]
    else:
        columns, header = [pred], [name]
    if args.proba:
        proba = model.predict_proba(table.X)
        columns += list(proba.T)
        # named by the labels' text in the prediction column (an estimator's class 2.0: 2)
        header += [f"proba_{_label_text(label)}" for label in model.labels]
    # a file appears whole (its folders created, as for a model file), or not at all
    with atomic_text(args.out) if args.out else contextlib.nullcontext(sys.stdout) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in zip(*columns, strict=True):
            writer.writerow([_cell(v) for v in row])
    if args.out:
        print(f"{table.n_samples} predictions written to {args.out}")
    return 0


def _label_text(v: object) -> str:
    """A predicted class label's cell: text as it is, a number as the model's label (2.0: 2)."""
    from .saved_model import _text

    return v if isinstance(v, str) else _text(v)


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


# --- chainrule info --------------------------------------------------------------------------
def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info", help="summary of a model file: layers, shapes, activations, parameters",
        description="Print a model file's layers (input and output shapes, activation, "
        "parameter shapes and counts), its loss, and what chainrule train recorded: task, "
        "classes, features, target and training settings.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(handler=_info)


def _layer_rows(net) -> list[dict]:
    rows = []
    for i, (layer, (shape, out)) in enumerate(zip(net.layers, net.layer_shapes(), strict=True)):
        act = getattr(layer, "activation", None)
        params = {s.name: list(s.shape) for s in layer.param_specs()}
        rows.append({
            "index": i, "layer": type(layer).__name__,
            "input": list(shape) if isinstance(shape, tuple) else shape,
            "output": list(out) if isinstance(out, tuple) else out,
            "activation": act.name if act is not None else None, "params": params,
            "count": int(sum(int(np.prod(s)) for s in params.values())),
        })
    return rows


def _info(args: argparse.Namespace) -> int:
    model = _load(args.model)
    net, meta = model.network, model.metadata
    rows = _layer_rows(net)
    if args.json:
        print(json.dumps({"layers": rows, "loss": net.loss.name, "n_params": net.n_params,
                          "dtype": net.dtype.name,
                          **{k: v for k, v in meta.items() if k not in ("history", "x_mean",
                                                                        "x_scale")}}))
        return 0
    print(f"{args.model}: {len(net.layers)} layers, {net.n_params} parameters, {net.dtype}, "
          f"loss {net.loss.name}")
    def fmt(s):
        return "x".join(map(str, s)) if isinstance(s, list) else str(s)
    print(f"{'#':>2}  {'layer':<10} {'input':>8} {'output':>8}  {'activation':<11} "
          f"{'parameters':<20} {'count':>8}")
    for r in rows:
        params = ", ".join(f"{k} {fmt(v)}" for k, v in r["params"].items())
        print(f"{r['index']:>2}  {r['layer']:<10} {fmt(r['input']):>8} {fmt(r['output']):>8}  "
              f"{r['activation'] or '-':<11} {params or '-':<20} {r['count']:>8}")
    print(f"total parameters: {net.n_params}")
    if "task" in meta:
        print(f"task: {meta['task']}")
    if meta.get("labels") is not None:
        print(f"classes ({len(meta['labels'])}): {_preview(meta['labels'], 20)}")
    if meta.get("target_name"):
        print(f"target: {meta['target_name']}")
    if meta.get("feature_names"):
        print(f"features ({len(meta['feature_names'])}): {_preview(meta['feature_names'], 8)}")
    t = meta.get("training")
    if "x_mean" in meta:
        # chainrule train --input-shape: one mean and one deviation per channel (cli_architecture)
        whole = " of each channel" if t and t.get("input_shape") else ""
        print(f"inputs standardised with the training mean and standard deviation{whole}"
              + (" (target too)" if "y_mean" in meta else ""))
    if t:  # --layers as JSON, as it was given
        print("trained: " + ", ".join(f"{k}={json.dumps(v) if k == 'layers' else v}"
                                      for k, v in t.items()))
    h = meta.get("history") or {}
    if h.get("loss"):
        # the mean over the last epoch's batches, each taken before its update (train
        # prints the cost of the final parameters, which differs a little)
        last = f"last epoch's mean training cost {h['loss'][-1]:.4g}"
        if h.get("val_loss"):
            last += f", validation cost {h['val_loss'][-1]:.4g}"
        print(f"{last} ({_cost_words(model)})")
    return 0


# --- chainrule plot --------------------------------------------------------------------------
_KINDS = ("loss", "regions", "weights", "confusion")


def _add_plot(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plot", help="draw a model: loss, regions, weights or confusion (PNG)",
        description="loss: training and validation cost per epoch (the loss the network "
        "minimised, recorded by chainrule train); regions: decision regions of a classifier "
        "on 2 features, with the points of DATA; weights: first-layer weights as image tiles "
        "(square inputs, or --shape); confusion: confusion matrix on DATA.",
        epilog="examples: chainrule plot loss model.npz; chainrule plot regions moons.npz "
        "moons -o regions.png; chainrule plot confusion digits.npz digits")
    p.add_argument("kind", choices=_KINDS)
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA", nargs="?",
                   help="labelled data for regions and confusion: " + _DATA_HELP)
    p.add_argument("--target", metavar="NAME", help="target column (default: the model's)")
    p.add_argument("-o", "--out", type=picture_path, metavar="PNG",
                   help="default: chainrule-KIND.png")
    p.add_argument("--title", help="picture title")
    p.add_argument("--shape", type=positive_int, nargs=2, metavar=("H", "W"),
                   help="weights: image shape of the inputs (default: square)")
    p.add_argument("--max-units", type=positive_int, default=100, dest="max_units",
                   help="weights: at most this many units, a kernel being one tile per "
                        "input channel (default: 100)")
    p.add_argument("--normalize", action="store_true",
                   help="confusion: colour by fraction of each true class")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of generated data sets")
    p.set_defaults(handler=_plot)


def _plot(args: argparse.Namespace) -> int:
    from . import plots

    out = Path(args.out or f"chainrule-{args.kind}.png")
    _refuse_overwriting_inputs(out, args)
    model = _load(args.model)
    if args.kind == "loss":
        history = model.metadata.get("history") or {}
        if not history.get("loss"):
            raise ValueError(f"{args.model}: no loss history recorded (train the model with "
                             "chainrule train)")
        title = args.title or f"Training and validation cost ({_cost_words(model)})"
        path = plots.plot_loss(history, out, title=title)
    elif args.kind == "weights":
        if args.shape is None and isinstance(model.network.n_inputs, int):
            n_in = model.network.n_inputs
            if math.isqrt(n_in) ** 2 != n_in:
                raise ValueError(f"plot weights: the model's {n_in} inputs are not a square "
                                 f"image; give --shape H W with H * W = {n_in}")
        path = plots.plot_first_layer(model.network, out, shape=args.shape,
                                      max_units=args.max_units, title=args.title)
    else:
        if args.data is None:
            raise ValueError(f"plot {args.kind} needs DATA (labelled examples to draw)")
        if model.task != "classification":
            raise ValueError(f"plot {args.kind}: the model is a regression model; it needs a "
                             "classifier")
        shape = model.network.n_inputs
        if args.kind == "regions" and isinstance(shape, tuple):
            raise ValueError(f"plot regions draws a classifier of 2 features on the plane; "
                             f"this model takes images of {'x'.join(map(str, shape))} values "
                             "(plot confusion shows how it classifies DATA)")
        if args.kind == "regions" and model.n_features != 2:  # before the data is read
            raise ValueError(f"plot regions needs a model of 2 features, this one has "
                             f"{model.n_features}")
        table = _model_data(model, args.data, args.target, True, args.seed)
        labels = np.asarray(model.labels)
        y = labels[_targets(model, table)]
        if args.kind == "regions":  # 2 features: checked above, and _model_data matched them
            title = args.title or f"decision regions on {table.source}"
            path = plots.plot_decision_regions([(title, model, table.X, y)], out)
        else:
            path = plots.plot_confusion_matrix(
                y, model.predict(table.X), out, labels=list(labels), normalize=args.normalize,
                **({"title": args.title} if args.title else {}))
    print(f"{args.kind} picture written to {path}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register train, evaluate, predict, info and plot on the main parser's subcommands."""
    for add in (_add_train, _add_evaluate, _add_predict, _add_info, _add_plot):
        add(sub)
