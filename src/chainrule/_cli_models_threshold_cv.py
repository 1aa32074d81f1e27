"""``chainrule tune-threshold``: the decision threshold of a binary classifier chosen by
cross-validation, as scikit-learn's ``TunedThresholdClassifierCV`` chooses it.

The folds are cv's (``_cli_models_cv.setup``: the same splitter, ``--folds`` and
``--seed``), each fold's network trained by cv's own code (``_fit_fold``) on its training
rows alone; its probabilities of the second class on its held-out rows are scored at
candidate thresholds and the threshold of the best mean score chosen
(``_cli_models_threshold_cv_search``).  ``-o`` refits on all of DATA by train's own code
(as ``TunedThresholdClassifierCV(refit=True)``) and records the threshold in the model
file (metadata ``threshold``), which ``predict`` and ``evaluate`` then decide by
(``_cli_models_threshold.stored_threshold``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import sys
import time

import numpy as np

from ._cli_models_threshold_cv_search import SCORINGS, scoring_words, search

_DESCRIPTION = (
    "Choose the decision threshold of a binary classifier by cross-validation, as "
    "scikit-learn's TunedThresholdClassifierCV(scoring=..., thresholds=N, cv=K) does: the "
    "rows are split into --folds K folds as chainrule cv splits them (StratifiedKFold "
    "shuffled with --seed; --groups, --time-ordered likewise), a network of train's options "
    "is trained on each fold's training rows as chainrule cv trains it, and its "
    "probabilities of the second class (the positive one, of the sorted labels) on the "
    "fold's held-out rows are scored at N thresholds between their smallest and largest; "
    "the folds' score curves are interpolated on N thresholds spanning every fold's, "
    "averaged, and the threshold of the best mean score is chosen (an example is then "
    "predicted of the second class where its probability is at or above it). Prints the "
    "threshold, its mean score and the mean score at 0.5; -o refits the network on all of "
    "DATA as chainrule train would (its --val-fraction rows held out for validation) and "
    "writes it with the threshold, which chainrule predict and evaluate then use "
    "(--threshold P overrides it) and chainrule info shows. Binary classification only.")


def _add_tune_threshold(sub: argparse._SubParsersAction) -> None:
    from ._cli_groups_logo import folds_type
    from ._cli_models_cv import DTYPE_HELP
    from ._cli_models_cv_folds import word_fold_options
    from ._cli_models_cv_jobs import add_n_jobs
    from ._cli_models_threshold import threshold_value
    from ._cli_models_train import add_train_options
    from .cli_args import positive_int

    p = sub.add_parser(
        "tune-threshold", help="choose a binary classifier's decision threshold by k-fold "
        "cross-validation (TunedThresholdClassifierCV) and refit with it",
        description=_DESCRIPTION,
        epilog="example: chainrule tune-threshold breast_cancer --hidden 16 --epochs 30 "
        "--scoring f1 --folds 5 -o model.npz")
    add_train_options(p, init_from="cv")
    p.add_argument("--scoring", choices=SCORINGS, default="balanced_accuracy",
                   help="the score the threshold maximises (the mean over the folds): "
                   "balanced_accuracy (the default, as scikit-learn's), f1 (of the second "
                   "class), accuracy, precision_at_recall (the precision where the recall "
                   "is --min-recall or more, else -1) or recall_at_precision (the recall "
                   "where the precision is --min-precision or more, else -1)")
    p.add_argument("--min-recall", type=threshold_value, default=None, metavar="R",
                   dest="min_recall", help="the recall precision_at_recall requires")
    p.add_argument("--min-precision", type=threshold_value, default=None, metavar="P",
                   dest="min_precision", help="the precision recall_at_precision requires")
    p.add_argument("--thresholds", type=positive_int, default=100, metavar="N",
                   help="the number of candidate thresholds, of each fold's curve and of "
                   "the common grid (TunedThresholdClassifierCV's thresholds; default: 100)")
    p.add_argument("--folds", type=folds_type, default=5, metavar="K",
                   help="number of folds, as chainrule cv's (default: 5)")
    p.add_argument("--json", action="store_true",
                   help="print the threshold, its scores and each fold's as JSON")
    add_n_jobs(p, "the folds")
    word_fold_options(p, {
        "out": "refit on all of DATA as chainrule train does and write the model, with the "
               "threshold chosen, to MODEL (default: none written)",
        "seed": "seed of the folds' shuffle, of each fold's training and of -o's refit "
                "(default: 0)",
        "quiet": "no progress on stderr: no line as each fold finishes, nor -o's refit "
                 "line and progress; stdout keeps the result, and warnings still go to "
                 "stderr",
        "dtype": DTYPE_HELP})
    p.set_defaults(handler=_tune_threshold)


def _check_options(args: argparse.Namespace) -> float | None:
    """Refuse cv's refused options (-o aside) and a scoring without its minimum (or a
    minimum of another scoring); the minimum, or None."""
    from ._cli_models_cv import _REFUSED

    for dest, option, why in _REFUSED:
        if dest != "out" and getattr(args, dest, None) is not None:
            raise ValueError(f"{option}: not an option of chainrule tune-threshold: "
                             + why.replace("cv ", "tune-threshold "))
    need = {"precision_at_recall": "min_recall", "recall_at_precision": "min_precision"}
    for scoring, dest in need.items():
        if getattr(args, dest) is not None and args.scoring != scoring:
            raise ValueError(f"--{dest.replace('_', '-')}: a minimum of --scoring {scoring}, "
                             f"not of --scoring {args.scoring}")
    if args.scoring in need:
        dest = need[args.scoring]
        if getattr(args, dest) is None:
            raise ValueError(f"--scoring {args.scoring}: give its minimum, --"
                             f"{dest.replace('_', '-')} (such as 0.8)")
        return getattr(args, dest)
    return None


def check_binary(table, task: str, several: bool, loss: str | None) -> list:
    """Refuse what has no single threshold: regression, multi-label, three classes or
    more, a margin loss; the two labels, sorted."""
    from .losses import get_loss
    from .saved_model import fit_labels

    target = " ".join(table.target_names or [str(table.target_name)])
    if task != "classification":
        raise ValueError(f"--target {target}: a regression target of {table.source}; "
                         "tune-threshold chooses the threshold between two classes")
    if several:
        raise ValueError(f"--target {target}: {len(table.target_names)} targets, a "
                         "multi-label classifier; tune-threshold chooses the threshold of "
                         "one binary target: give one --target")
    labels = list(fit_labels(np.asarray(table.y))[0])
    if len(labels) != 2:
        shown = ", ".join(map(str, labels[:6])) + (", ..." if len(labels) > 6 else "")
        raise ValueError(f"--target {target}: {len(labels)} classes in {table.source} "
                         f"({shown}); tune-threshold chooses the threshold between two "
                         "classes (a binary target)")
    if loss is not None and get_loss(loss).name in ("hinge", "multiclass_hinge"):
        raise ValueError(f"--loss {loss}: a margin loss, whose outputs are class scores, "
                         "not probabilities to compare with a threshold")
    return labels


def _proba_fold(args: argparse.Namespace, table, task: str, several: bool, lbfgs: bool,
                steps: dict, run_settings: dict, i: int, k: int, train_rows,
                held_rows) -> dict:
    """Train fold ``i`` of ``k`` as cv's ``_fold`` does; its held-out probabilities of
    the second class, their classes (0/1) and weights, and its line for stderr."""
    from ._cli_models_categorical import fold_tables
    from ._cli_models_cv import _fit_fold
    from ._cli_models_cv_folds import _rows
    from ._cli_models_data import _targets
    from ._cli_models_train_prepare import missing_options

    fold_args = copy.copy(args)
    fold_args.quiet, fold_args.fold = True, (i, k)
    fill = missing_options(args).get("missing_category")
    fitted, held, _ = ((_rows(table, train_rows), _rows(table, held_rows), {})
                       if getattr(args, "init_model", None) is not None else
                       fold_tables(_rows(table, train_rows), _rows(table, held_rows), fill))
    start = time.perf_counter()
    try:
        model, history, n_val = _fit_fold(fold_args, fitted, task, several, lbfgs, steps,
                                          run_settings)
    except ArithmeticError as exc:  # TrainingDiverged: main says it, naming the fold
        exc.fold = f"fold {i} of {k}"
        raise
    proba = model.predict_proba(held.X)[:, 1]
    if not np.all(np.isfinite(proba)):
        raise ArithmeticError(f"fold {i} of {k}: the network's probabilities are not "
                              "finite on some held-out rows; no threshold can be scored")
    unit = "iteration" if lbfgs else "epoch"
    line = (f"fold {i} of {k}: {len(train_rows)} training examples ({n_val} of them for "
            f"validation), {history.epochs} {unit}{'' if history.epochs == 1 else 's'} in "
            f"{time.perf_counter() - start:.2f} s; held out {len(held_rows)}")
    return {"proba": proba, "y": _targets(model, held), "w": held.sample_weight,
            "line": line}


def _tune_threshold(args: argparse.Namespace) -> int:
    from ._cli_models_cv import fold_jobs, setup
    from ._cli_models_cv_jobs import run_jobs
    from .cli_args import refuse_overwriting

    minimum = _check_options(args)
    refuse_overwriting(args.out, "-o/--out", {"data file": args.data})
    out, given = args.out, copy.deepcopy(args)  # the refit's options, as typed
    args.out = None  # cv's setup refuses -o
    table, task, several, lbfgs, steps, run_settings, splitter, folds = setup(args)
    labels = check_binary(table, task, several, args.loss)
    jobs = fold_jobs(args, table, task, several, lbfgs, steps, run_settings, folds)
    done, stop = [], None
    try:
        with contextlib.closing(run_jobs(jobs, args.n_jobs, fold=_proba_fold)) as taken:
            for _ in folds:
                done.append(next(taken)())
                if not args.quiet:
                    print(done[-1]["line"], file=sys.stderr, flush=True)
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM): the folds finished are kept, as cv's
        if not done:
            raise
        stop = _stopped(len(done), len(folds))
    each = [(d["proba"], d["y"], d["w"]) for d in done]
    found = search(each, args.scoring, args.thresholds, minimum)
    at_half = search_at(each, args.scoring, minimum, 0.5)
    record = {"value": found["threshold"], "scoring": args.scoring,
              **({"minimum": minimum} if minimum is not None else {}),
              "score": found["score"], "score_at_0.5": at_half, "folds": len(done),
              "splitter": splitter, "seed": args.seed, "thresholds": args.thresholds,
              "positive": labels[1]}
    _print(args, record, found, minimum, None if stop is None else len(folds))
    if stop is not None:  # a threshold of some folds is not written as the file's
        if out is not None:
            print(f"chainrule tune-threshold: {out} not written (the threshold is of "
                  f"{len(done)} of {len(folds)} folds; run again to refit)", file=sys.stderr)
        return stop
    if out is None:
        return 0
    return _refit(given, out, record)


def search_at(folds: list[tuple], scoring: str, minimum: float | None,
              threshold: float) -> float:
    """The mean over the folds of the score at ``threshold`` exactly (no interpolation)."""
    from ._cli_models_threshold_cv_search import threshold_scores

    return float(np.mean([threshold_scores(p, y, np.array([threshold]), scoring, minimum,
                                           w)[0] for p, y, w in folds]))


def _stopped(done: int, k: int) -> int:
    """Say an interrupt during fold ``done + 1`` of ``k`` on stderr; its exit status."""
    from ._cli_checkpoint import stopped_how

    how, status = stopped_how()
    print(f"chainrule tune-threshold: {how} during fold {done + 1} of {k}; the threshold "
          f"is of the {done} fold{'s' if done > 1 else ''} finished", file=sys.stderr)
    return status


def _print(args: argparse.Namespace, record: dict, found: dict,
           minimum: float | None, planned: int | None = None) -> None:
    """Print the threshold found (``--json``: as JSON); ``planned``: the folds there were
    to be where an interrupt left ``record["folds"]`` of them (marked partial)."""
    from ._cli_models_cv_table import json_text

    if args.json:
        print(json_text({**record, "per_fold": [float(s) for s in found["fold_scores"]],
                         "partial": planned is not None,
                         **({"folds_planned": planned} if planned is not None else {})}))
        return
    if planned is not None:
        print(f"partial: the {record['folds']} fold{'s' if record['folds'] > 1 else ''} "
              f"finished of {planned}")
    words = scoring_words(args.scoring, minimum)
    print(f"threshold: {record['value']:.6g} (class {record['positive']} predicted where "
          f"its probability is at or above it), the best of {args.thresholds} by the mean "
          f"{words} over {record['folds']} folds ({record['splitter']}, seed {args.seed})")
    print(f"mean {words}: {record['score']:.6g} at the threshold, "
          f"{record['score_at_0.5']:.6g} at 0.5; each fold's at the threshold: "
          + ", ".join(f"{s:.4g}" for s in found["fold_scores"]))
    if record["score"] < 0:  # a constrained score met in no fold at any threshold
        print(f"note: no threshold meets the minimum of {words} in every fold (a mean "
              "below 0)", file=sys.stderr)


def _refit(given: argparse.Namespace, out: str, record: dict) -> int:
    """train's run of the options as typed, on all of DATA, writing ``out`` with the
    threshold recorded (its output on stderr with --json)."""
    from ._cli_models_train import _train

    train_args = copy.deepcopy(given)
    train_args.out, train_args.command = out, "train"
    train_args.threshold_tuned = record
    if not given.quiet:  # -q: no status line (the threshold is on stdout)
        print(f"refitting on all of DATA, threshold {record['value']:.6g} recorded",
              file=sys.stderr)
    with contextlib.redirect_stdout(sys.stderr) if given.json else contextlib.nullcontext():
        return _train(train_args)
