"""``chainrule train``'s handler proper: check the options, prepare the data (task, split,
standardising, class weights), train, and write the model (see
:mod:`chainrule._cli_models_train`, which holds the parser and calls this)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from ._cli_args_optimizer import check_schedule_epochs, inferred_lengths
from ._cli_checkpoint import (
    EXIT_MAX_TIME,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    SigtermAsCtrlC,
    TrainingClock,
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
from ._cli_class_weight import class_weight_record, resolve_class_weight
from ._cli_image_layout import other_shape as _other_shape
from ._cli_models_data import (
    _DATA_EXAMPLE,
    _NAMES,
    _check_target_size,
    _constant,
    _file_sha256,
    _history_unit,
    _loss_title,
    _mean_std,
    _not_empty,
    _preview,
    _scores,
    _standardise,
    _stdin_sha256,
)
from ._cli_models_find_lr import find_lr
from ._cli_models_train_checks import check_before_data
from ._cli_models_train_lbfgs import fit_lbfgs
from ._cli_models_train_task import (
    _check_huber,
    _check_label_smoothing,
    _infer_task,
    _infer_task_several,
    _multilabel_targets,
    _numeric_targets,
    _several_words,
    _split,
    loss_settings,
)
from ._cli_models_val_data import (
    check_val_data_options,
    check_val_range,
    check_val_targets,
    combined,
    read_val_data,
    val_data_record,
)
from .cli_architecture import (
    build_network,
    check_features,
    image_statistics,
)
from .cli_args import (
    check_loss_output,
    print_written,
    refuse_overwriting,
)


def _piped_again(args: argparse.Namespace) -> str:
    """What a resumed run from standard input needs said: the same bytes piped again (the
    checkpoint records their SHA-256, which --resume checks)."""
    return ", the same data piped to it again," if args.data == "-" else ""


def _train_run(args: argparse.Namespace, sigterm: SigtermAsCtrlC) -> int:
    from .activations import OUTPUT_RANGES, _outside, get_activation
    from .losses import get_loss
    from .saved_model import SavedModel, fit_labels
    from .tabular import read_data
    from .training import Trainer

    several, lbfgs, steps, given_shape = check_before_data(args)
    if args.output is not None:
        check_loss_output(args.loss, args.output, output_given=True)
    _not_empty(args.data, "data", _DATA_EXAMPLE)
    refuse_overwriting(args.out, "-o/--out", {"data file": args.data})
    refuse_overwriting(args.plot, "--plot", {"data file": args.data})
    check_val_data_options(args)  # --val-data: a file, without --val-fraction
    run = check_checkpoint_options(args)  # the run --resume continues, if any
    run_settings = run_options(args, steps)
    check_options(run, run_settings, args.checkpoint)
    if not lbfgs:  # a warm-up and its cosine that --epochs leaves no room for
        check_schedule_epochs(args.schedule, args.epochs)
    table = read_data(args.data, target=args.target, features=args.features, seed=args.seed,
                      features_what=" (--features)")
    if (given_shape is not None and table.image_shape is not None
            and tuple(given_shape) != table.image_shape):
        raise ValueError(_other_shape(given_shape, table.source, table.image_shape))
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
    task = (_infer_task_several(table, args.task, args.loss) if several else
            _infer_task(table, args.task, args.loss))
    _check_huber(args, task)
    target_words = (", ".join(map(repr, table.target_names)) if several else
                    repr(table.target_name))  # as the messages name the target(s)
    meta: dict = {"task": task, "feature_names": table.feature_names,
                  **({"target_names": table.target_names} if several else
                     {"target_name": table.target_name}), "data": str(args.data),
                  # every column but the target (no --features): a file without column
                  # names must then have exactly these columns (see _model_data)
                  "all_columns": args.features is None}
    if args.data == "-":  # standard input (no path): what it held, read once, for evaluate
        meta["data_sha256"], meta["data_rows"] = _stdin_sha256(), table.n_samples
    elif Path(args.data).is_file():  # where it is: evaluate, run elsewhere, knows it again
        meta["data_path"] = os.path.abspath(args.data)
        # and what it held: evaluate tells the file from one changed since, or put in its place
        meta["data_sha256"], meta["data_rows"] = _file_sha256(args.data), table.n_samples
    n_data = table.n_samples  # DATA's rows (--val-data's follow them in the table)
    if args.val_data is not None:  # DATA's columns, labels among DATA's; all of DATA trains
        val_table = read_val_data(args, table, several)
        check_val_targets(table, val_table, task, several)
        meta.update(val_data_record(args, val_table, meta.get("data_sha256")))
        table = combined(table, val_table)
    if task == "classification" and several:  # multi-label: a sigmoid unit per target
        meta["labels"], y, output = _multilabel_targets(table, args.output, args.loss)
        n_out, targets = y.shape[1], y.astype(np.float64)
    elif task == "classification":
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
        y = _numeric_targets(table, args)  # (n, k) of k targets
        for j, name in enumerate(table.target_names or [table.target_name]):
            _check_target_size(y[:, j] if several else y, table.source, name)
        # the Poisson loss needs positive outputs: exp, its canonical link, unless told
        n_out, targets = (y.shape[1] if several else 1), None
        output = args.output or ("exp" if args.loss == "poisson" else "identity")
    check_loss_output(args.loss, output, output_given=args.output is not None,
                      default=f"the default for {task}")
    _check_label_smoothing(args, task, output)
    if args.val_data is not None:  # the file's rows validate, none of DATA's
        args.val_fraction = 0.0
        train_idx, val_idx = np.arange(n_data), np.arange(n_data, table.n_samples)
    else:
        if args.val_fraction is None:
            args.val_fraction = 0.1 if table.n_samples >= 20 else 0.0
        train_idx, val_idx = _split(table.n_samples, args.val_fraction, args.seed,
                                    y if task == "classification" and not several else None)
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
        # (softmax, of several targets: shares in [0, 1], not to be standardised either)
        kind = get_activation(output).name
        ranges = {**OUTPUT_RANGES, "softmax": (0.0, 1.0)}
        low, high = ranges.get(kind, (-np.inf, np.inf))
        bounded = np.isfinite(low) or np.isfinite(high)
        y_fit = y[train_idx]
        if bounded and _outside(y_fit, low, high):  # past a bound by rounding only is inside
            what = (f"--output {output}" if args.output else
                    f"the {output} output (the default for --loss {args.loss})")
            advice = ("the Poisson loss models counts, which are >= 0" if args.loss == "poisson"
                      else "use --output identity (the default for regression), or rescale "
                      "the target")
            raise ValueError(
                f"{what}: its outputs lie in [{low:g}, {high:g}], but the target"
                f"{'s' if several else ''} {target_words} run{'' if several else 's'} "
                f"from {y_fit.min():.7g} to {y_fit.max():.7g}; "
                f"{advice}")
        if bounded and args.val_data is not None:  # the file's targets, named by the file
            check_val_range(args, y[val_idx], output, low, high, f"target{'s' if several else ''}"
                            f" {target_words} run{'' if several else 's'}")
        if args.scale == "standard" and not bounded:
            y_mean, y_scale = _mean_std(y[train_idx])  # of each target column
            # a constant target is only centred, as a constant feature
            y_scale = np.where(_constant(y[train_idx]), 1.0, y_scale)
            y_mean, y_scale = (y_mean.tolist(), y_scale.tolist()) if several else (
                float(y_mean), float(y_scale))
            meta["y_mean"], meta["y_scale"] = y_mean, y_scale
        names = [f"target {name!r}" for name in table.target_names or [table.target_name]]
        targets = _standardise(y, np.asarray(y_mean), np.asarray(y_scale), table.source, names)
        targets = targets if several else targets[:, None]
    X_fit, T_fit = X[train_idx], targets[train_idx]
    val = (X[val_idx], targets[val_idx]) if len(val_idx) else None
    # what the options that depend on the data mean: a resumed run's must be the run's
    class_weight, meaning = resolve_class_weight(
        args.class_weight, task=task, loss=resolved_loss(output, args.loss),
        labels=meta.get("labels"), y_train=y[train_idx] if task == "classification" else None,
        target=table.target_names if several else table.target_name)
    resolved = resolved_options(run_settings, task=task, output=output, loss=args.loss,
                                target=table.target_names if several else table.target_name,
                                n_train=len(train_idx),
                                class_weight=meaning, features=table.feature_names)
    check_resolved(run, run_settings, resolved, args.checkpoint, len(train_idx))
    # a resumed run trains on exactly the run's arrays
    digest = check_data(run, args, X_fit, T_fit, val, meta.get("val_data_sha256"))
    if run is not None:
        trainer = resumed_trainer(args, resolved)
        net = trainer.net
    else:
        net = build_network(args, X.shape[1], n_out, output)
    print(f"{table.source}: {n_data} examples x {X.shape[1]} features; "
          f"target{'s' if several else ''} {target_words}: "
          + (_several_words(task, meta.get("labels"), table.target_names) if several else task)
          + (f", {len(meta['labels'])} classes ({_preview(meta['labels'])})"
             if task == "classification" and not several else ""))
    print(f"{len(train_idx)} for training, {len(val_idx)} for validation"
          + (f" (--val-data {args.val_data})" if args.val_data is not None else ""))
    print(net.summary())
    if args.find_lr:  # the learning-rate range test instead of the run
        return find_lr(args, net, X_fit, T_fit, steps, class_weight)
    resumed_from = 0 if run is None else trainer.epoch
    if run is not None:
        print(f"resuming the run in {args.checkpoint} after epoch {resumed_from} of "
              f"{args.epochs}")
    options = {"patience": args.patience} if args.patience is not None else {}
    if args.schedule is not None:
        options["schedule"] = args.schedule
    if lbfgs:  # full batch, --epochs iterations at most: no Trainer, no checkpoint
        trainer = None
    elif run is None:  # what chainrule.train does, with the Trainer at hand for its clock
        trainer = Trainer(
            net, optimizer=args.optimizer, lr=args.lr, momentum=steps["momentum"],
            batch_size=steps["batch_size"], epochs=args.epochs, seed=args.seed,
            clip_norm=args.clip_norm,
            verbose=0 if args.quiet else 1, class_weight=class_weight, **options,
            **train_options(args, run_settings, digest, resolved, meta.get("val_data_sha256")),
        )
    before = 0.0
    if trainer is not None:
        trainer._refit = False  # fit once: an interrupted run goes on from its checkpoint
    if args.checkpoint is not None:  # the checkpoints count the run's training time
        clock = TrainingClock(trainer)
        trainer.callbacks = [*trainer.callbacks, clock]
        before = clock.before
    start = time.perf_counter()
    if lbfgs:
        history = fit_lbfgs(net, X_fit, T_fit, val, args.epochs, class_weight,
                            verbose=not args.quiet, max_time=args.max_time)
    else:
        history = trainer.fit(X_fit, T_fit, val)
    seconds = time.perf_counter() - start
    if history.stop_reason == "max_time" and history.epochs == resumed_from:
        # no epoch completed: the checkpoint is as before, and the same command would stop
        # at the same place again, slot after slot (a loop on status 3 would never end)
        raise ValueError(
            f"--max-time {args.max_time:g}: spent before epoch {resumed_from + 1} of "
            f"{args.epochs} finished; a checkpoint keeps only complete epochs, so the same "
            "command would stop there again: give a --max-time longer than one epoch")
    if lbfgs and history.stop_reason == "interrupted" and not history.epochs:
        # stopped in L-BFGS's first iteration: the network is its initialisation, which a
        # model file would pass off as a trained one
        how = "stopped by SIGTERM" if sigterm.received else "interrupted"
        print(f"chainrule train: {how} before iteration 1 of {args.epochs} ended; no model "
              "written (the network is still its initialisation)", file=sys.stderr)
        return EXIT_SIGTERM if sigterm.received else EXIT_SIGINT
    if history.stop_reason == "max_time" and not lbfgs:  # not finished: no model (lbfgs: its
        # iterate's, which no checkpoint could continue), a status a loop can read
        print(f"chainrule train: --max-time {args.max_time:g} s spent after epoch "
              f"{history.epochs} of {args.epochs}; no model written: run the same command "
              f"with --resume{_piped_again(args)} to continue from {args.checkpoint}",
              file=sys.stderr)
        return EXIT_MAX_TIME
    # the options as the run was started with them: a resumed run, whose options may be
    # spelt otherwise (--activation tanh tanh for tanh), records what the uninterrupted run does
    # (one it did not record: this command's, which check_options found to be the same)
    given = run_settings if run is None else {**run_settings, **run["notes"]["options"]}
    meta["all_columns"] = given["features"] is None  # the run's (--features may name all)
    architecture = ({"hidden": given["hidden"], "activation": given["activation"],
                     **({"dropout": given["dropout"]} if given["dropout"] else {})}
                    if given["layers"] is None else
                    {"layers": given["layers"], **({"input_shape": given["input_shape"]}
                                                   if given["input_shape"] is not None else {})})
    meta["training"] = {
        **architecture, "init": given["init"], "output": output,
        "loss": net.loss.name, **loss_settings(net),
        "optimizer": given["optimizer"], "lr": given["lr"],
        "momentum": given["momentum"], "batch_size": given["batch_size"],
        "epochs": history.epochs, "seed": given["seed"],
        "val_fraction": args.val_fraction, "weight_decay": given["weight_decay"],
        "decay": net.decay,
        **({"schedule": given["schedule"]} if given["schedule"] is not None else {}),
        # a cosine's T_max or a one-cycle's total_steps taken from the first command's run,
        # which --resume keeps
        **({} if trainer is None else inferred_lengths(given["schedule"], trainer)),
        **({"patience": given["patience"]} if given["patience"] is not None else {}),
        # a run of before --clip-norm (its checkpoint's notes without it) clipped nothing
        **({"clip_norm": given["clip_norm"]} if given.get("clip_norm") is not None else {}),
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
    unit = "iteration" if lbfgs else "epoch"  # lbfgs: --epochs counts its iterations
    epochs = f"{history.epochs} {unit}{'' if history.epochs == 1 else 's'}"
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
    if lbfgs and history.stop_reason not in ("converged", "epochs", "interrupted", "max_time"):
        # a run that ended by itself without converging: said, as the estimators warn
        print(f"chainrule train: L-BFGS-B stopped after iteration {history.epochs} of "
              f"{args.epochs} without converging (SciPy: {history.message})", file=sys.stderr)
    written = model.save(args.out)
    print(f"model written to {written}")
    # a stop after the last batch of the last epoch leaves nothing to continue: finished;
    # an unfinished run exits with 130 or 143 with or without a checkpoint (3 for an lbfgs
    # run stopped by --max-time), so that ``chainrule train ... && deploy`` does not take
    # the model so far for the result
    unfinished = ((history.stop_reason == "interrupted" and history.epochs < args.epochs)
                  or history.stop_reason == "max_time")
    if unfinished:
        how = (f"--max-time {args.max_time:g} s spent" if history.stop_reason == "max_time"
               else "stopped by SIGTERM" if sigterm.received else "interrupted")
        then = (f"run the same command with --resume{_piped_again(args)} to continue from "
                f"{args.checkpoint}"
                if args.checkpoint is not None else
                f"{written} holds the last iterate" if lbfgs else
                f"{written} holds the model so far, which cannot be continued (a run "
                "given --checkpoint can be, with --resume)")
        print(f"chainrule train: {how} after {unit} {history.epochs} of {args.epochs}; {then}",
              file=sys.stderr)
    if args.plot:
        from .plots import plot_loss

        path = plot_loss(history, args.plot, title=_loss_title(model),
                         xlabel=_history_unit(model))
        print_written(f"loss curve written to {path}", path)
    if unfinished:  # not finished: say so
        return (EXIT_MAX_TIME if history.stop_reason == "max_time" else
                EXIT_SIGTERM if sigterm.received else EXIT_SIGINT)
    return 0

