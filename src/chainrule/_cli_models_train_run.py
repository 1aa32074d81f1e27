"""``chainrule train``'s handler proper: check the options, prepare the data (task, split,
standardising, class weights), train, and write the model (see
:mod:`chainrule._cli_models_train`, which holds the parser and calls this)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

import numpy as np

from . import _cli_models_categorical as _categorical
from ._cli_args_optimizer import (
    RULE_SETTINGS,
    check_schedule_epochs,
    inferred_lengths,
    trainer_rule,
)
from ._cli_checkpoint import (
    EXIT_MAX_TIME,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    SigtermAsCtrlC,
    check_checkpoint_options,
    check_data,
    check_options,
    check_resolved,
    resumed_trainer,
    run_options,
    train_options,
)
from ._cli_class_weight import balanced_record, class_weight_record
from ._cli_models_baseline_logistic import baseline_note
from ._cli_models_clipped import unclipped_note
from ._cli_models_data import (
    _DATA_EXAMPLE,
    _NAMES,
    _history_unit,
    _loss_title,
    _not_empty,
    _preview,
    _scores,
)
from ._cli_models_find_lr import find_lr
from ._cli_models_overfit import overfit_note
from ._cli_models_train_checks import check_before_data
from ._cli_models_train_init import (
    held_note,
    init_line,
    init_network,
    init_record,
    prepare_from_model,
)
from ._cli_models_train_lbfgs import fit_lbfgs
from ._cli_models_train_newton import SCIPY_NAMES
from ._cli_models_train_prepare import indices_first, prepare
from ._cli_models_train_read import read_table
from ._cli_models_train_task import _several_words, loss_settings, whole_numbers_note
from ._cli_models_val_data import check_val_data_options
from .cli_architecture import build_network
from .cli_args import check_loss_output, print_written, refuse_overwriting


def _piped_again(args: argparse.Namespace) -> str:
    """What a resumed run from standard input needs said: the same bytes piped again (the
    checkpoint records their SHA-256, which --resume checks)."""
    return ", the same data piped to it again," if args.data == "-" else ""


def new_trainer(args: argparse.Namespace, net, steps: dict, class_weight: object,
                checkpoint_options: dict):
    """The :class:`~chainrule.training.Trainer` of a new run with train's options (cv: of
    each fold's run), as :func:`chainrule.training.train` makes it.

    Parameters
    ----------
    args : argparse.Namespace
        train's options (``--optimizer``, ``--lr``, ``--epochs``, ``--seed``, ...).
    net : Network
        The network to train.
    steps : dict
        :func:`~chainrule.cli_args.optimizer_settings`: the momentum and batch size.
    class_weight : object
        ``Prepared.class_weight``.
    checkpoint_options : dict
        :func:`~chainrule._cli_checkpoint.train_options` ({} without ``--checkpoint``).
    """
    from .training import Trainer

    options = {"patience": args.patience} if args.patience is not None else {}
    if args.schedule is not None:
        options["schedule"] = args.schedule
    return Trainer(
        net, **trainer_rule(args.optimizer, args.lr, steps),
        batch_size=steps["batch_size"], epochs=args.epochs, seed=args.seed,
        clip_norm=args.clip_norm, ema=args.ema,
        divergence_threshold=getattr(args, "divergence_threshold", None),
        verbose=0 if args.quiet else 1, class_weight=class_weight, **options,
        **checkpoint_options,
    )


def _train_run(args: argparse.Namespace, sigterm: SigtermAsCtrlC) -> int:
    from .saved_model import SavedModel

    several, lbfgs, steps, given_shape = check_before_data(args)
    if args.output is not None:
        check_loss_output(args.loss, args.output, output_given=True)
    _not_empty(args.data, "data", _DATA_EXAMPLE)
    refuse_overwriting(args.out, "-o/--out", {"data file": args.data})
    refuse_overwriting(args.plot, "--plot", {"data file": args.data})
    check_val_data_options(args)  # --val-data: a file, without --val-fraction
    run = check_checkpoint_options(args)  # the run --resume continues, if any
    run_settings = run_options(args, steps)
    shape_from_data = given_shape is None and args.input_shape is not None  # DATA's images
    check_options(run, run_settings, args.checkpoint,  # --input-shape from DATA: named so
                  args.data if shape_from_data else None)
    if not lbfgs:  # a warm-up and its cosine that --epochs leaves no room for
        check_schedule_epochs(args.schedule, args.epochs)
    table = read_table(args, given_shape)
    p = (prepare(args, table, several, run_settings) if args.init_model is None else
         prepare_from_model(args, table, several, run_settings))  # --init-from's scaling
    task, meta, table, X, y = p.task, p.meta, p.table, p.X, p.y
    train_idx, val_idx, output, n_out = p.train_idx, p.val_idx, p.output, p.n_out
    n_data, target_words, resolved = p.n_data, p.target_words, p.resolved
    class_weight, meaning = p.class_weight, p.meaning
    X_fit, T_fit, val = p.fit_arrays()
    # (X: --impute's fill category counts where it fills a validation row's gap)
    only_validation = _categorical.validation_only(table, train_idx, val_idx, X)
    # the standardised rows, now in X_fit and val: not held through training as well
    n_features, X, p = X.shape[1], None, dataclasses.replace(p, X=None)
    w_fit, w_val = p.fit_weights()  # --sample-weight's (None, None without)
    # "balanced": the weight of each class of the training rows, which info shows
    balanced = balanced_record(meaning, meta.get("labels"), y[train_idx], w_fit,
                               meta.get("target_names"))
    check_resolved(run, run_settings, resolved, args.checkpoint, len(train_idx))
    trainer = None if run is None else resumed_trainer(args, resolved)
    # a resumed run trains on exactly the run's arrays (hashed once: its fit takes the record)
    digest = check_data(run, args, X_fit, T_fit, val, meta.get("val_data_sha256"),
                        () if w_fit is None else (w_fit, w_val), trainer)
    if run is not None:
        net = trainer.net
    elif args.init_model is not None:  # --init-from: MODEL's network, its weights
        net = init_network(args)
    else:
        net = build_network(args, n_features, n_out, output)
        if getattr(args, "dtype", "float64") != "float64":  # --dtype float32
            net = net.astype(args.dtype)
    if table.categories:
        print(_categorical.encoded_line(table))
    if "impute" in meta:  # --impute: the columns filled, the indicators added
        from ._cli_models_train_init_encoding import own_fill_note
        from ._impute import imputed_line

        print(imputed_line(table, meta["impute"], n_data, args.val_data,
                           p.val_gaps_written) + own_fill_note(args, table.source))
    for column, only in only_validation.items():
        one = len(only) == 1
        print(f"chainrule train: warning: {column!r}: {', '.join(map(repr, only))} "
              f"{'is' if one else 'are'} only in the validation rows (--val-fraction "
              f"{args.val_fraction:g}): the model file records the categor"
              f"{'y' if one else 'ies'}, but {'its' if one else 'their'} input weights never "
              "train (no training row holds " + ("it" if one else "them") + ") and predict "
              "takes " + ("it" if one else "them") + " without a word; give --val-fraction 0, "
              "or more rows of " + ("it" if one else "them"), file=sys.stderr)
    images = table.image_shape or args.input_shape  # (C, H, W): the rows are images
    rows = (f"{n_data} images of {' x '.join(map(str, images))} (C x H x W: {n_features} "
            "features)" if images is not None else f"{n_data} examples x {n_features} features")
    print(f"{table.source}: {rows}; "
          f"target{'s' if several else ''} {target_words}: "
          + (_several_words(task, meta.get("labels"), table.target_names) if several else
             task + whole_numbers_note(table, task, args.task, args.loss))
          + (f", {len(meta['labels'])} classes ({_preview(meta['labels'])})"
             + held_note(meta["labels"], y[:p.n_data]) if task == "classification"
             and not several else ""))
    print(f"{len(train_idx)} for training, {len(val_idx)} for validation"
          + (f" (--val-data {args.val_data})" if args.val_data is not None else "")
          + (f" (whole groups of {args.groups!r}: {len(np.unique(table.groups[val_idx]))} "
             f"of {len(np.unique(table.groups))})"
             if table.groups is not None and len(val_idx) else "")
          + (" (the last rows: --time-ordered"
             + (f"; the {args.gap} before them left out: --gap" if getattr(args, "gap", 0)
                else "") + ")"
             if getattr(args, "time_ordered", False) and len(val_idx) else "")
          + (f" (training: at most the last {args.max_train_rows} rows"
             + ("" if not len(val_idx) else " before the gap" if getattr(args, "gap", 0)
                else " before them") + ": --max-train-rows)"
             if getattr(args, "max_train_rows", None) is not None else ""))
    said = init_line(args, table.source)  # --init-from: MODEL and its scaling
    if said is not None:
        print(said)
    elif args.scale == "standard" and indices_first(args):  # --scale's exception: said
        print("the features are the Embedding layer's indices: taken as they are, not "
              "standardised (nor in predict and evaluate)")
    print(net.summary())
    if args.find_lr:  # the learning-rate range test instead of the run
        return find_lr(args, net, X_fit, T_fit, steps, class_weight, w_fit)
    resumed_from = 0 if run is None else trainer.epoch
    if run is not None:
        print(f"resuming the run in {args.checkpoint} after epoch {resumed_from} of "
              f"{args.epochs}")
    if lbfgs:  # full batch, --epochs iterations at most: no Trainer, no checkpoint
        trainer = None
    elif run is None:  # what chainrule.train does, with the Trainer at hand for its clock
        trainer = new_trainer(args, net, steps, class_weight, train_options(
            args, run_settings, digest, resolved, meta.get("val_data_sha256"),
            shape_from_data))
    before = 0.0
    if trainer is not None:
        trainer._refit = False  # fit once: an interrupted run goes on from its checkpoint
    if args.checkpoint is not None:  # the checkpoints count the run's training time
        from ._cli_training_clock import TrainingClock  # callbacks: the network's modules

        clock = TrainingClock(trainer)
        trainer.callbacks = [*trainer.callbacks, clock]
        before = clock.before
    start = time.perf_counter()
    if lbfgs:
        history = fit_lbfgs(net, X_fit, T_fit, val, args.epochs, class_weight,
                            verbose=not args.quiet, max_time=args.max_time,
                            sample_weight=w_fit, val_weight=w_val, optimizer=args.optimizer)
    else:
        # val_loss weighted as the training cost (--patience's): (X_val, T_val, w_val)
        history = trainer.fit(X_fit, T_fit, val if val is None or w_val is None
                              else (*val, w_val), sample_weight=w_fit)
        if history.stop_reason == "interrupted" and trainer.epoch < trainer.epochs:
            # --ema: the model so far is the average, as a finished run's (the checkpoint
            # has the steps'); a Ctrl-C once the last epoch was complete ended the run as
            # the uninterrupted one, which the Trainer did (--patience: the best average)
            trainer._put_average()
    seconds = time.perf_counter() - start
    X_fit = T_fit = val = None  # trained: the scores below take the raw rows, not these
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
    if table.image_shape is not None and not isinstance(net.n_inputs, tuple):
        meta["image_shape"] = list(table.image_shape)  # an MLP's images: predict checks them
    # --input-shape typed, or taken from DATA's images (a resumed run: as its notes say)
    from_data = shape_from_data if run is None else run["notes"].get(
        "input_shape_from_data", shape_from_data)
    architecture = ({"hidden": given["hidden"], "activation": given["activation"],
                     **({"dropout": given["dropout"]} if given["dropout"] else {})}
                    if given["layers"] is None else
                    {"layers": given["layers"], **({"input_shape": given["input_shape"],
                                                    "input_shape_from_data": bool(from_data)}
                                                   if given["input_shape"] is not None else {})})
    meta["training"] = init_record(args, {  # --init-from: MODEL's architecture, and MODEL
        **architecture, "init": given["init"], "output": output,
        "loss": net.loss.name, **loss_settings(net),
        "optimizer": given["optimizer"], "lr": given["lr"],
        "momentum": given["momentum"], "batch_size": given["batch_size"],
        **{k: given[k] for k in RULE_SETTINGS  # --amsgrad, --dampening ...: when given
           if given.get(k) is not None},
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
        **({"ema": given["ema"]} if given.get("ema") is not None else {}),  # (as clip_norm)
        **({"divergence_threshold": given["divergence_threshold"]}  # (as clip_norm)
           if given.get("divergence_threshold") is not None else {}),
        # --freeze, resolved ("0", "2:b"); a run of before it (or without it) froze nothing
        **({"freeze": given["freeze"]} if given.get("freeze") else {}),
        # what the weights mean (the same for a resumed run: check_resolved), by class label
        **({"class_weight": class_weight_record(meaning, meta["labels"])}
           if meaning is not None else {}),
        **({"class_weights": balanced} if balanced is not None else {}),
        **({"sample_weight": args.sample_weight} if w_fit is not None else {}),
        # --groups: its column, and the rows its whole groups held out (not ceil(fraction
        # * rows), which evaluate says of a run without it)
        **({"groups": args.groups, "val_rows": len(val_idx)}
           if table.groups is not None else {}),
        # --time-ordered: the last val_rows rows validated, not a random draw
        **({"time_ordered": True, "val_rows": len(val_idx),
            "gap": getattr(args, "gap", 0) if len(val_idx) else 0,
            "max_train_rows": getattr(args, "max_train_rows", None)}
           if getattr(args, "time_ordered", False) else {}),
        # the training time of the whole run, over the slots of a resumed one
        "stop_reason": history.stop_reason, "seconds": round(before + seconds, 3),
        # --dtype float32 (the network's too); float64 unsaid, as before --dtype
        **({"dtype": net.dtype.name} if net.dtype != np.float64 else {}),
    })
    meta["history"] = {k: [float(v) for v in history[k]]
                       for k in ("loss", "val_loss", "accuracy", "val_accuracy")
                       if history.get(k) and all(np.isfinite(history[k]))}
    if getattr(args, "tuned", None):  # chainrule tune -o: the search that chose the options
        meta["tune"] = args.tuned
    if getattr(args, "threshold_tuned", None):  # chainrule tune-threshold -o's threshold
        meta["threshold"] = args.threshold_tuned
    model = SavedModel(net, meta)
    unit = "iteration" if lbfgs else "epoch"  # lbfgs: --epochs counts its iterations
    epochs = f"{history.epochs} {unit}{'' if history.epochs == 1 else 's'}"
    if run is not None:
        epochs += f" ({history.epochs - resumed_from} since the checkpoint)"
    line = f"trained {epochs} in {seconds:.2f} s"
    if run is not None:
        line += f" ({before + seconds:.2f} s in all)"
    line += f" ({history.stop_reason})"
    weighted = "" if p.sample_weight is None else "weighted "  # --sample-weight's: said
    scores: dict = {}
    for name, idx in (("training", train_idx), ("validation", val_idx)):
        if len(idx):
            kept: dict = {}  # the probabilities, for the clipping note (not a 2nd pass)
            scores = _scores(model, table.X[idx], y[idx],
                             None if p.sample_weight is None else p.sample_weight[idx], keep=kept)
            line += f"; {weighted}{name} " + ", ".join(f"{_NAMES[k]} {v:.4g}"
                                                      for k, v in scores.items())
            if "log_loss" in scores:  # its clipping said where it changed the number
                line += unclipped_note(model, table.X[idx], y[idx], None if p.sample_weight
                                       is None else p.sample_weight[idx], scores["log_loss"],
                                       kept.get("proba"))
    print(line)
    # below a linear model fitted on the same rows (RidgeCV, LogisticRegression): said
    note = baseline_note(args, task, several, table.X, y, train_idx, val_idx, p.sample_weight,
                         scores, len(meta.get("labels") or ()), class_weight)
    if note is not None:
        print(note, file=sys.stderr)
    if not lbfgs and args.patience is None and history.stop_reason == "epochs":
        # the last epoch's model written where the validation rows preferred an earlier one
        note = overfit_note(history.get("val_loss") or ())
        if note is not None:
            print(note, file=sys.stderr)
    if lbfgs and history.stop_reason not in ("converged", "epochs", "interrupted", "max_time"):
        # a run that ended by itself without converging: said, as the estimators warn
        print(f"chainrule train: {SCIPY_NAMES[args.optimizer]} stopped after iteration "
              f"{history.epochs} of "
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

