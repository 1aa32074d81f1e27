"""``chainrule train``: its parser and handler (see :mod:`chainrule.cli_models`), with
the task inferred from the target and the validation split."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from ._cli_checkpoint import (
    EXIT_MAX_TIME,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    SigtermAsCtrlC,
    TrainingClock,
    add_checkpoint_args,
    check_checkpoint_options,
    check_data,
    check_options,
    check_resolved,
    resolved_loss,
    resolved_options,
    resumed_trainer,
    run_options,
    train_options,
)
from ._cli_class_weight import class_weight_option, class_weight_record, resolve_class_weight
from ._cli_models_data import (
    _DATA_EXAMPLE,
    _DATA_HELP,
    _NAMES,
    _check_target_size,
    _constant,
    _mean_std,
    _not_empty,
    _preview,
    _scores,
    _standardise,
)
from .cli_architecture import (
    _IMAGE_LAYERS,
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
    picture_path,
    positive_float,
    positive_int,
    refuse_overwriting,
    schedule_spec,
    seed_int,
)
from .initializers import RELU_FAMILY


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
        "regression with --loss poisson) and the loss (cross_entropy for softmax, log_loss "
        "for sigmoid, squared_error for any other output, an --output exp included; "
        "--loss to override). "
        "Features (and a regression target, unless the output is bounded: sigmoid, tanh, "
        "relu, elu, gelu, silu, softplus, exp, square) are standardised with "
        "the training statistics (--scale none: as they are), "
        "which the model file keeps together with the class labels, feature names and "
        "target name, so predict and evaluate take raw data. "
        "A run that must fit time slots (or may be interrupted) writes a --checkpoint; "
        "--max-time ends a slot, and the same command with --resume continues the run. "
        "Ctrl-C, or SIGTERM (a scheduler ending the job), stops training after the "
        "mini-batch and writes the model so far. "
        f"Exit status: 0 when the model is written, 1 when training diverged or memory ran "
        f"out (no model written), 2 for bad input, {EXIT_MAX_TIME} when "
        "--max-time stopped the run (no model written: repeat the command with --resume), "
        f"{EXIT_SIGINT} (Ctrl-C) or {EXIT_SIGTERM} (SIGTERM) when a run with --checkpoint "
        "was stopped (the model so far is written; repeat the command with --resume to "
        "finish it). Without --checkpoint a run stopped by Ctrl-C or SIGTERM exits with 0: "
        "the model so far, which cannot be continued, is the result.",
        epilog="examples: chainrule train iris -o iris.npz; chainrule train data.csv --target "
        "price --hidden 64 32 --epochs 200 -o price.npz; chainrule train digits --layers "
        "'[{\"type\": \"Conv2D\", \"out_channels\": 8, \"kernel_size\": 3, \"padding\": 1}, "
        "{\"type\": \"MaxPool2D\", \"size\": 2}, {\"type\": \"Flatten\"}]' --input-shape "
        "1 8 8 -o cnn.npz; a run in slots of an hour: chainrule train data.csv --epochs 500 "
        "--checkpoint run.ckpt.npz --max-time 3600 --resume -o model.npz (repeat while it "
        f"exits with status {EXIT_MAX_TIME})",
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
    p.add_argument("--loss", type=loss_name,
                   help="loss (default: by the output: cross_entropy for softmax, log_loss "
                   "for sigmoid, squared_error for every other output, exp included; "
                   "poisson, exp's canonical loss, only when given)")
    p.add_argument("--init", type=initializer_name, default="auto",
                   help=f"initialiser (default: auto: He after {', '.join(RELU_FAMILY)}, "
                   "else Glorot); with "
                   "--layers: of the output layer and each Dense or Conv2D layer that names "
                   "none")
    p.add_argument("--optimizer", type=optimizer_name, default="adam", metavar="NAME",
                   help=f"{', '.join(OPTIMIZER_NAMES)} (default: adam)")
    p.add_argument("--lr", type=positive_float, default=0.01, help="learning rate (default: 0.01)")
    p.add_argument("--momentum", type=fraction, default=None,
                   help="momentum of sgd/gd/nesterov (default: 0.9)")
    p.add_argument("--weight-decay", type=nonnegative_float, default=0.0, dest="weight_decay",
                   help="L2 penalty on weights (default: 0)")
    p.add_argument("--decay", default=None, choices=["ufldl", "per_sample"],
                   help="weight decay convention: (lambda/2) sum W^2 (ufldl, the default) "
                   "or that divided by the number of examples (per_sample; of each "
                   "mini-batch)")
    p.add_argument("--batch-size", type=positive_int, default=None, dest="batch_size",
                   help="mini-batch size, for every optimizer but gd (default: 32)")
    p.add_argument("--epochs", type=positive_int, default=100, help="epochs (default: 100)")
    p.add_argument("--schedule", type=schedule_spec, default=None, metavar="NAME|JSON",
                   help="learning-rate schedule: constant, step, exponential, invscaling, "
                   "plateau (on the validation loss, the training loss with --val-fraction 0) or "
                   "cosine (annealing over --epochs), "
                   "or a JSON object of settings such as '{\"name\": \"step\", "
                   "\"step_size\": 20, \"gamma\": 0.5}' (default: constant)")
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
    p.add_argument("--class-weight", default=None, metavar="balanced|JSON", dest="class_weight",
                   help="weigh each training example by its class (classification only): "
                   "balanced (n / (k * count of the class) over the k classes of the training "
                   "examples), or a JSON object of weights >= 0 by class label as the data "
                   "file writes it, such as '{\"setosa\": 2, \"virginica\": 0.5}' or "
                   "'{\"1\": 9}' (classes left out weigh 1); the validation cost is not "
                   "weighted (default: none)")
    p.add_argument("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    p.add_argument("-o", "--out", type=model_path, default="model.npz", metavar="MODEL",
                   help="model file to write (.npz is appended; an existing directory, or a "
                   "name ending in /: DIR/model.npz; default: model.npz)")
    p.add_argument("--plot", type=picture_path, metavar="PNG",
                   help="also write the loss curve to PNG (or .pdf, .svg, ...)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress bar (no line per epoch when stderr is a file)")
    add_checkpoint_args(p)  # --checkpoint, --checkpoint-every, --max-time, --resume
    p.set_defaults(handler=_train)


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
    with SigtermAsCtrlC() as sigterm:  # a scheduler's SIGTERM stops the run as Ctrl-C does
        try:
            return _train_run(args, sigterm)
        except KeyboardInterrupt:  # outside the training loop: main says "interrupted"
            if not sigterm.received:
                raise
            print("chainrule: stopped by SIGTERM", file=sys.stderr)
            return EXIT_SIGTERM


def _train_run(args: argparse.Namespace, sigterm: SigtermAsCtrlC) -> int:
    from .activations import OUTPUT_RANGES, _outside, get_activation
    from .losses import get_loss
    from .saved_model import SavedModel, fit_labels, regression_targets
    from .tabular import npz_image_shape, read_data
    from .training import Trainer

    # what needs no data is checked before the data is read (argparse checked the names)
    steps = optimizer_settings(args.optimizer, args.momentum, args.batch_size)
    given_shape = args.input_shape
    if args.layers is not None and any(
            isinstance(spec, dict) and spec.get("type") in _IMAGE_LAYERS for spec in args.layers):
        # an NPZ file of images, shape (n, C, H, W): --input-shape is theirs (an MLP,
        # --hidden or a list of Dense layers, takes their flat rows)
        shape = npz_image_shape(args.data)
        if given_shape is None:
            args.input_shape = list(shape) if shape is not None else None
        if shape is not None and args.features is not None:  # said in the user's terms: the
            # check of the columns against --input-shape names an option perhaps not typed
            raise ValueError(
                f"--features {' '.join(args.features)}: {args.data} holds images (its X has "
                f"shape n x {' x '.join(map(str, shape))}), which the network of --layers "
                "takes whole: there are no columns to pick; leave --features out")
    check_architecture(args)
    args.class_weight = class_weight_option(args.class_weight)  # its form; its labels: below
    if args.output is not None:
        check_loss_output(args.loss, args.output, output_given=True)
    _not_empty(args.data, "data", _DATA_EXAMPLE)
    refuse_overwriting(args.out, "-o/--out", {"data file": args.data})
    refuse_overwriting(args.plot, "--plot", {"data file": args.data})
    run = check_checkpoint_options(args)  # the run --resume continues, if any
    run_settings = run_options(args, steps)
    check_options(run, run_settings, args.checkpoint)
    table = read_data(args.data, target=args.target, features=args.features, seed=args.seed,
                      features_what=" (--features)")
    if (given_shape is not None and table.image_shape is not None
            and tuple(given_shape) != table.image_shape):
        raise ValueError(f"--input-shape {' '.join(map(str, given_shape))}: {table.source} "
                         f"holds images of shape {' x '.join(map(str, table.image_shape))} "
                         "(C x H x W); leave --input-shape out to take theirs")
    if args.features is not None and table.X.shape[1] != len(args.features):
        # an NPZ file without feature_names, whose columns are the positions x0, x1, ...:
        # read_data takes names that are none of them as a model's, by position (every
        # column); the model file would then hold fewer names than its network has inputs
        shown = ", ".join(map(repr, args.features))
        raise ValueError(
            f"{table.source}: missing column{'s' if len(args.features) > 1 else ''} {shown} "
            f"(--features): X has no feature_names array, so its {table.X.shape[1]} columns "
            f"are named by position, x0 to x{table.X.shape[1] - 1}")
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
        kind = get_activation(output).name  # an alias by what it is: "logistic" is "sigmoid"
        if kind == "sigmoid" and entropy:
            raise ValueError(
                f"--loss {args.loss}: of a single sigmoid output a it is -y log a, which the "
                f"examples of the class {labels[0]!r} (y = 0) do not enter, so the network "
                f"would learn to predict {labels[1]!r} for every example; use --output "
                "softmax (two units: the default with this loss) or --loss log_loss")
        if kind not in ("softmax", "sigmoid") or (kind == "sigmoid" and len(labels) > 2):
            raise ValueError(
                f"--output: a classifier of {len(labels)} classes needs a softmax output"
                f"{' (or sigmoid)' if len(labels) == 2 else ''}, got {output!r}"
            )
        n_out = 1 if kind == "sigmoid" else len(labels)
        targets = y if n_out > 1 else y.astype(np.float64)[:, None]
    else:
        y = regression_targets(table)
        _check_target_size(y, table.source, table.target_name)
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
            mean, scale = _mean_std(X[train_idx])
            # a column constant in training is only centred: its std is the rounding of the
            # mean (0.1 in 100 rows: 1.9e-16), by which another value would be multiplied ~1e15
            scale[_constant(X[train_idx])] = 1.0
        X = _standardise(X, mean, scale, table.source,
                         [f"feature {n!r}" for n in table.feature_names])
        meta["x_mean"], meta["x_scale"] = mean.tolist(), scale.tolist()
    if task == "regression":
        y_mean, y_scale = 0.0, 1.0
        # a bounded output (sigmoid, relu, exp, ...; the Poisson loss's exp among them)
        # predicts values in its range: the target must lie there, as it is (centred, it
        # would not: an exp output could not predict below the mean)
        low, high = OUTPUT_RANGES.get(get_activation(output).name, (-np.inf, np.inf))
        bounded = np.isfinite(low) or np.isfinite(high)
        y_fit = y[train_idx]
        if bounded and _outside(y_fit, low, high):  # past a bound by rounding only is inside
            what = (f"--output {output}" if args.output else
                    f"the {output} output (the default for --loss {args.loss})")
            advice = ("the Poisson loss models counts, which are >= 0" if args.loss == "poisson"
                      else "use --output identity (the default for regression), or rescale "
                      "the target")
            raise ValueError(
                f"{what}: its outputs lie in [{low:g}, {high:g}], but the target "
                f"{table.target_name!r} runs from {y_fit.min():.7g} to {y_fit.max():.7g}; "
                f"{advice}")
        if args.scale == "standard" and not bounded:
            y_mean, y_scale = map(float, _mean_std(y[train_idx]))
            y_scale = 1.0 if _constant(y[train_idx]) else y_scale  # as a constant feature
            meta["y_mean"], meta["y_scale"] = y_mean, y_scale
        targets = _standardise(y, y_mean, y_scale, table.source,
                               [f"target {table.target_name!r}"])[:, None]
    X_fit, T_fit = X[train_idx], targets[train_idx]
    val = (X[val_idx], targets[val_idx]) if len(val_idx) else None
    # what the options that depend on the data mean: a resumed run's must be the run's
    class_weight, meaning = resolve_class_weight(
        args.class_weight, task=task, loss=resolved_loss(output, args.loss),
        labels=meta.get("labels"), y_train=y[train_idx] if task == "classification" else None,
        target=table.target_name)
    resolved = resolved_options(run_settings, task=task, output=output, loss=args.loss,
                                target=table.target_name, n_train=len(train_idx),
                                class_weight=meaning)
    check_resolved(run, run_settings, resolved, args.checkpoint, len(train_idx))
    # a resumed run trains on exactly the run's arrays
    digest = check_data(run, args, X_fit, T_fit, val)
    if run is not None:
        trainer = resumed_trainer(args, resolved)
        net = trainer.net
    else:
        net = build_network(args, X.shape[1], n_out, output)
    print(f"{table.source}: {table.n_samples} examples x {X.shape[1]} features; "
          f"target {table.target_name!r}: {task}"
          + (f", {len(meta['labels'])} classes ({_preview(meta['labels'])})"
             if task == "classification" else ""))
    print(f"{len(train_idx)} for training, {len(val_idx)} for validation")
    print(net.summary())
    resumed_from = 0 if run is None else trainer.epoch
    if run is not None:
        print(f"resuming the run in {args.checkpoint} after epoch {resumed_from} of "
              f"{args.epochs}")
    options = {"patience": args.patience} if args.patience is not None else {}
    if args.schedule is not None:
        options["schedule"] = args.schedule
    if run is None:  # what chainrule.train does, with the Trainer at hand for its clock
        trainer = Trainer(
            net, optimizer=args.optimizer, lr=args.lr, momentum=steps["momentum"],
            batch_size=steps["batch_size"], epochs=args.epochs, seed=args.seed,
            verbose=0 if args.quiet else 1, class_weight=class_weight, **options,
            **train_options(args, run_settings, digest, resolved),
        )
    before = 0.0
    if args.checkpoint is not None:  # the checkpoints count the run's training time
        clock = TrainingClock(trainer)
        trainer.callbacks = [*trainer.callbacks, clock]
        before = clock.before
    start = time.perf_counter()
    history = trainer.fit(X_fit, T_fit, val)
    seconds = time.perf_counter() - start
    if history.stop_reason == "max_time" and history.epochs == resumed_from:
        # no epoch completed: the checkpoint is as before, and the same command would stop
        # at the same place again, slot after slot (a loop on status 3 would never end)
        raise ValueError(
            f"--max-time {args.max_time:g}: spent before epoch {resumed_from + 1} of "
            f"{args.epochs} finished; a checkpoint keeps only complete epochs, so the same "
            "command would stop there again: give a --max-time longer than one epoch")
    if history.stop_reason == "max_time":  # not finished: no model, a status a loop can read
        print(f"chainrule train: --max-time {args.max_time:g} s spent after epoch "
              f"{history.epochs} of {args.epochs}; no model written: run the same command "
              f"with --resume to continue from {args.checkpoint}", file=sys.stderr)
        return EXIT_MAX_TIME
    # the options as the run was started with them: a resumed run, whose options may be
    # spelt otherwise (--activation tanh tanh for tanh), records what the uninterrupted run does
    # (one it did not record: this command's, which check_options found to be the same)
    given = run_settings if run is None else {**run_settings, **run["notes"]["options"]}
    architecture = ({"hidden": given["hidden"], "activation": given["activation"],
                     **({"dropout": given["dropout"]} if given["dropout"] else {})}
                    if given["layers"] is None else
                    {"layers": given["layers"], **({"input_shape": given["input_shape"]}
                                                   if given["input_shape"] is not None else {})})
    meta["training"] = {
        **architecture, "output": output,
        "loss": net.loss.name, "optimizer": given["optimizer"], "lr": given["lr"],
        "momentum": given["momentum"], "batch_size": given["batch_size"],
        "epochs": history.epochs, "seed": given["seed"],
        "val_fraction": args.val_fraction, "weight_decay": given["weight_decay"],
        "decay": net.decay,
        **({"schedule": given["schedule"]} if given["schedule"] is not None else {}),
        # what the weights mean (the same for a resumed run: check_resolved), by class label
        **({"class_weight": class_weight_record(meaning, meta["labels"])}
           if meaning is not None else {}),
        # the training time of the whole run, over the slots of a resumed one
        "stop_reason": history.stop_reason, "seconds": round(before + seconds, 3),
    }
    meta["history"] = {k: [float(v) for v in history[k]]
                       for k in ("loss", "val_loss", "accuracy", "val_accuracy")
                       if history.get(k) and all(np.isfinite(history[k]))}
    model = SavedModel(net, meta)
    epochs = f"{history.epochs} epoch{'' if history.epochs == 1 else 's'}"
    if run is not None:
        epochs += f" ({history.epochs - resumed_from} since the checkpoint)"
    line = f"trained {epochs} in {seconds:.2f} s"
    if run is not None:
        line += f" ({before + seconds:.2f} s in all)"
    line += f" ({history.stop_reason})"
    for name, idx in (("training", train_idx), ("validation", val_idx)):
        if len(idx):
            scores = _scores(model, table.X[idx], y[idx])
            line += f"; {name} " + ", ".join(f"{_NAMES[k]} {v:.4g}" for k, v in scores.items())
    print(line)
    print(f"model written to {model.save(args.out)}")
    # a stop after the last batch of the last epoch leaves nothing to continue: finished
    unfinished = (history.stop_reason == "interrupted" and args.checkpoint is not None
                  and history.epochs < args.epochs)
    if unfinished:
        how = "stopped by SIGTERM" if sigterm.received else "interrupted"
        print(f"chainrule train: {how} after epoch {history.epochs} of {args.epochs}; "
              f"run the same command with --resume to continue from {args.checkpoint}",
              file=sys.stderr)
    if args.plot:
        from .plots import plot_loss

        print(f"loss curve written to {plot_loss(history, args.plot)}")
    if unfinished:
        return EXIT_SIGTERM if sigterm.received else EXIT_SIGINT  # not finished: say so
    return 0
