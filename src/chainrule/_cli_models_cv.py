"""``chainrule cv``: k-fold cross-validation of train's options on a table.

The rows are split by scikit-learn's ``StratifiedKFold`` (a classifier of one target) or
``KFold`` (regression, several targets, multi-label), shuffled with ``--seed``
(``_cli_models_cv_folds``); each fold
is prepared and trained by train's own code (``_cli_models_train_prepare.prepare``, the
Trainer of ``_cli_models_train_run.new_trainer``) on its training rows alone, and scored
on its held-out rows by evaluate's (``_cli_models_report._evaluation``).  The table of
the folds' scores, their means and standard deviations is written by ``_cli_models_cv_table``
(:func:`~chainrule._cli_models_cv_table.print_scores`).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time

from ._cli_groups import fewest_groups
from ._cli_groups_logo import folds_type
from ._cli_models_baseline import cv_baseline
from ._cli_models_baseline_logistic_cv import cv_logistic
from ._cli_models_cv_folds import _folds, _rows, word_fold_options
from ._cli_models_cv_jobs import add_n_jobs
from ._cli_models_cv_table import print_scores
from ._cli_models_data import _DATA_EXAMPLE, _NAMES, _not_empty
from ._cli_models_overfit import folds_overfit_note
from ._cli_models_overfit import overfit as _overfit
from ._cli_models_train import add_train_options

# train's options that cv refuses: their dest, as typed, and why
_REFUSED = (
    ("out", "-o/--out", "cv writes no model: it trains one per fold, scores it on the fold's "
     "held-out rows and keeps only the scores; train the settings chosen with chainrule train"),
    ("plot", "--plot", "cv draws no loss curve (it trains one network per fold); draw the "
     "chosen settings' with chainrule train --plot"),
    ("checkpoint", "--checkpoint", "cv trains a new network per fold and keeps none of them "
     "to continue"),
    ("checkpoint_every", "--checkpoint-every", "cv writes no checkpoint"),
    ("resume", "--resume", "cv writes no checkpoint, so there is no run to continue"),
    ("max_time", "--max-time", "a time budget ends one run of chainrule train, to be "
     "continued with --resume; cv cannot continue a fold"),
    ("find_lr", "--find-lr", "the learning-rate range test trains no model to score; run it "
     "with chainrule train --find-lr"),
    ("lr_min", "--lr-min", "an option of --find-lr, which cv does not run"),
    ("lr_max", "--lr-max", "an option of --find-lr, which cv does not run"),
    ("lr_steps", "--lr-steps", "an option of --find-lr, which cv does not run"),
    ("val_data", "--val-data", "each fold's held-out rows are its test examples; "
     "--val-fraction holds validation examples out of each fold's training rows"),
)


def _add_cv(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cv", help="k-fold cross-validation of train's options: each fold's scores, their "
        "mean and standard deviation",
        description="Cross-validate a network of train's options on a table: the rows are "
        "split into --folds K folds (scikit-learn's StratifiedKFold for a classifier of one "
        "target, every class needing K examples or more; KFold for regression, several targets "
        "or multi-label; shuffled with --seed; with --groups COLUMN, whole groups: "
        "StratifiedGroupKFold or GroupKFold, and with --folds all LeaveOneGroupOut, each group "
        "held out once; with --time-ordered, the rows in order: TimeSeriesSplit, each fold "
        "trained on the rows before its held-out block), and for each fold a network is trained"
        " exactly as chainrule train trains it on the fold's training rows alone (standardising"
        " statistics, labels, --val-fraction's validation rows, class weights and the "
        "categories of categorical columns, of those rows: nothing of the held-out rows is "
        "used; with --init-from MODEL, MODEL's network, statistics and categories, fine-tuned) "
        "and scored on the held-out rows as chainrule evaluate scores a model (accuracy, log "
        "loss, balanced accuracy, macro F1, ROC AUC, average precision / mean squared error, "
        "RMSE, MAE, R^2; a held-out category that the training rows lack is all zeros, as "
        "--unknown-categories zeros encodes it, and said). Prints a line per fold, then the "
        "mean and standard deviation (NumPy's, ddof=0) of each score over the folds; --json "
        "prints them as JSON, with each target's of several. A regression gets two "
        "baselines of the same folds after them: the training rows' mean, and a linear "
        "model (scikit-learn's RidgeCV on the standardised features), said when the "
        "network's mean R^2 is below it (--json: baseline). A Ctrl-C (or SIGTERM) during a "
        "fold prints those of the folds finished, marked as partial, and exits with status 130 "
        "(143). No model is written: train the settings chosen with chainrule train.",
        epilog="example: chainrule cv iris --hidden 16 --epochs 50 --folds 5 --seed 0")
    add_train_options(p, init_from="cv")
    p.add_argument("--folds", type=folds_type, default=5, metavar="K",
                   help="number of folds, 2 to the number of examples; with --groups, "
                   "'all': leave-one-group-out (scikit-learn's LeaveOneGroupOut), one fold "
                   "per group, each group held out once (default: 5)")
    p.add_argument("--json", action="store_true",
                   help="print each fold's scores and their mean and standard deviation "
                   "(each target's too, of several) as JSON")
    add_n_jobs(p, "the folds")
    word_fold_options(p, {
        "seed": "seed of the folds' shuffle and of each fold's training, as train's --seed "
                "(default: 0)",
        "quiet": "no progress on stderr: no line as each fold finishes; stdout keeps the "
                 "table, and warnings still go to stderr",
        "dtype": DTYPE_HELP})
    p.set_defaults(handler=_cv)


#: --dtype's help in cv's words (tune's adds its own: _cli_models_tune).
DTYPE_HELP = ("each fold's network and features in float32 or float64, as chainrule train "
              "--dtype trains them: DATA read once in it (an NPZ file's float32 X kept as "
              "it is, not copied to float64), each fold's training rows standardised and "
              "its network trained in it, its held-out rows scored in it (default: float64)")


def _refuse(args: argparse.Namespace) -> None:
    """Refuse train's options that cv has no use for (:data:`_REFUSED`), naming the first."""
    for dest, option, why in _REFUSED:
        if getattr(args, dest, None) is not None:
            raise ValueError(f"{option}: not an option of chainrule cv: {why}")


def _fit_fold(args: argparse.Namespace, table, task: str, several: bool, lbfgs: bool,
              steps: dict, run_settings: dict):
    """The model chainrule train would write of ``table`` (a fold's training rows), and
    its history: train's preparation, network and Trainer, nothing of its own; ``task``
    is every row's (a fold's training rows alone might look like another)."""
    from ._cli_models_train_init import init_network, prepare_from_model
    from ._cli_models_train_lbfgs import fit_lbfgs
    from ._cli_models_train_prepare import prepare
    from ._cli_models_train_run import new_trainer
    from .cli_architecture import build_network
    from .saved_model import SavedModel

    if getattr(args, "init_model", None) is not None:  # --init-from: MODEL's scaling
        p = prepare_from_model(args, table, several, run_settings, provenance=False,
                               task=task)
    else:
        p = prepare(args, table, several, run_settings, provenance=False, task=task)
    if getattr(args, "fold", None) is not None:  # cv's fold (i, k): said as train says it
        _validation_only(args, p)
    X_fit, T_fit, val = p.fit_arrays()
    w_fit, w_val = p.fit_weights()  # --sample-weight's, as train's
    if getattr(args, "init_model", None) is not None:  # MODEL's network, its weights
        net = init_network(args)
    else:
        net = build_network(args, p.X.shape[1], p.n_out, p.output)
        if getattr(args, "dtype", "float64") != "float64":  # --dtype float32, as train's
            net = net.astype(args.dtype)
    if lbfgs:
        history = fit_lbfgs(net, X_fit, T_fit, val, args.epochs, p.class_weight,
                            verbose=False, max_time=None, sample_weight=w_fit,
                            val_weight=w_val, optimizer=args.optimizer)
    else:
        trainer = new_trainer(args, net, steps, p.class_weight, {})
        trainer._refit = False  # fit once, as train's
        history = trainer.fit(X_fit, T_fit, val if val is None or w_val is None
                              else (*val, w_val), sample_weight=w_fit)
    if history.stop_reason == "interrupted" and history.epochs < args.epochs:
        raise KeyboardInterrupt  # Ctrl-C, or SIGTERM: no fold's scores are to be had
    return SavedModel(net, p.meta), history, len(p.val_idx)


def _validation_only(args: argparse.Namespace, p) -> None:
    """Say of the fold ``args.fold`` the categories that only its validation rows
    (``--val-fraction`` of its training rows) hold, as train says them of DATA: their
    input weights never train."""
    from ._cli_models_categorical import validation_only

    for column, only in validation_only(p.table, p.train_idx, p.val_idx).items():
        one = len(only) == 1
        it, its = ("it", "its") if one else ("them", "their")
        _say(args, f"fold {args.fold[0]}: warning: {column!r}: "
             f"{', '.join(map(repr, only))} {'is' if one else 'are'} only in the fold's "
             f"validation rows (--val-fraction {args.val_fraction:g}): {its} input weights "
             f"never train (no training row holds {it}); give --val-fraction 0, or more "
             f"rows of {it}")


def _say(args: argparse.Namespace, text: str) -> None:
    """Print a fold's ``text`` on stderr (with -q too, as train's warnings), in the name of
    the command that runs the folds (``chainrule cv:``, ``chainrule tune:``); where
    ``args.said`` is a set (tune's, of the search), a text said before is not said again:
    each combination's folds are the same, and so are their messages, but where an
    option of the combination (``--val-fraction``) makes them differ.  In a worker of
    ``--n-jobs`` the text is kept for the parent to say (``_cli_models_cv_jobs``)."""
    from ._cli_models_cv_jobs import recorded

    if recorded(text):
        return
    said = getattr(args, "said", None)
    if said is not None:
        if text in said:
            return
        said.add(text)
    print(f"chainrule {getattr(args, 'command', None) or 'cv'}: {text}", file=sys.stderr)


def setup(args: argparse.Namespace, tables: dict | None = None) -> tuple:
    """cv's checks of ``args`` (train's options, resolved in place as train resolves them),
    DATA read, the task and the folds; tune's of each combination too.

    Parameters
    ----------
    args : argparse.Namespace
        cv's options (a tune combination's).
    tables : dict, optional
        tune's tables of DATA already read, by the options that read them
        (:func:`_read`): a combination that reads DATA as one before takes its table.

    Returns
    -------
    tuple
        ``(table, task, several, lbfgs, steps, run_settings, splitter, folds)``: the
        :class:`~chainrule.tabular.Table` of DATA, its task, whether it has several
        targets, whether the optimizer is L-BFGS, the optimizer's settings, the run's
        options, the splitter's name and each fold's (training rows, held-out rows).
        ``args.val_fraction`` is set to the default every fold takes, when not given.
    """
    from ._cli_args_optimizer import check_schedule_epochs
    from ._cli_checkpoint import run_options
    from ._cli_models_train_checks import check_before_data
    from ._cli_models_train_task import _infer_task, _infer_task_several, _numeric_targets
    from ._cli_sample_weight import check_folds
    from .cli_args import check_loss_output

    _refuse(args)
    several, lbfgs, steps, given_shape = check_before_data(args)
    if args.output is not None:
        check_loss_output(args.loss, args.output, output_given=True)
    _not_empty(args.data, "data", _DATA_EXAMPLE)
    run_settings = run_options(args, steps)
    if not lbfgs:  # a warm-up and its cosine that --epochs leaves no room for
        check_schedule_epochs(args.schedule, args.epochs)
    table = _read(args, given_shape, tables)
    task = (_infer_task_several(table, args.task, args.loss) if several else
            _infer_task(table, args.task, args.loss))
    if task == "regression":  # a cell that is not a number, named by its row of DATA (a
        # fold's table counts its own rows from 0) before any fold is trained
        _numeric_targets(table, args)
    splitter, folds = _folds(table, task, several, args.folds, args.seed,
                             getattr(args, "groups", None),
                             getattr(args, "time_ordered", False),
                             getattr(args, "gap", 0) or 0,
                             getattr(args, "max_train_rows", None))
    check_folds(args, table.sample_weight, folds, splitter)  # --sample-weight's, each > 0
    if args.val_fraction is None:  # train's default, decided once for every fold: 0.1 if
        # each fold trains on 20 rows or more, else none (per fold, 24 rows in 5 folds would
        # stop one fold early on 2 validation rows and run the others to the end)
        # (--groups: and each fold's training rows hold 2 groups or more, one to validate)
        args.val_fraction = 0.1 if min(len(train) for train, _ in folds) >= 20 and (
            fewest_groups(table, folds) >= 2) else 0.0
    return table, task, several, lbfgs, steps, run_settings, splitter, folds


def _read(args: argparse.Namespace, given_shape: list[int] | None,
          tables: dict | None) -> object:
    """DATA as train reads it (``read_table``); with ``tables``, read once per way of
    reading it.

    What makes a read differ is what ``read_data`` is given: DATA, ``--target``,
    ``--features``, ``--seed`` (a generated set), ``--sample-weight`` (its column read with
    the features), ``--categorical`` and ``--max-categories``, ``--impute`` (missing
    cells read as NaNs; under ``constant``, ``--fill-value``'s category) and ``--dtype``
    (float32: its features converted once, or an NPZ file's kept); every other
    option (``--scale``, ``--missing-indicator``, ``--impute``'s other strategies of the
    same read, the network, the optimizer) is applied to the table after, per fold.  A
    table taken from ``tables`` is checked against the combination's ``--input-shape``
    as ``read_table`` checks the one it reads.
    """
    from ._cli_image_layout import other_shape
    from ._cli_models_categorical import categorical_options
    from ._cli_models_train_prepare import missing_options
    from ._cli_models_train_read import read_table
    from .cli_architecture import check_features

    if tables is None:
        return read_table(args, given_shape)
    key = repr((str(args.data), args.target, args.features, args.seed,
                getattr(args, "dtype", "float64"),
                getattr(args, "sample_weight", None), getattr(args, "groups", None),
                categorical_options(args),
                missing_options(args)))
    if key not in tables:
        tables[key] = read_table(args, given_shape)
        return tables[key]
    table = tables[key]
    if (given_shape is not None and table.image_shape is not None
            and tuple(given_shape) != table.image_shape):
        raise ValueError(other_shape(given_shape, table.source, table.image_shape))
    check_features(args, table.X.shape[1], table.source)
    return table


def _cv(args: argparse.Namespace) -> int:
    from ._cli_checkpoint import stopped_how
    from ._cli_models_train_init import trained_on_data_note

    table, task, several, lbfgs, steps, run_settings, splitter, folds = setup(args)
    if (note := trained_on_data_note(args, table.n_samples)) is not None:
        print(note, file=sys.stderr)
    rows: list[dict] = []
    overfit: dict[int, tuple] = {}  # the folds that ended past their best validation loss
    try:
        _run_folds(args, table, task, several, lbfgs, steps, run_settings, folds, rows,
                   overfit)
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM): the folds finished are kept, said
        if not rows:
            raise
        how, status = stopped_how()
        print(f"chainrule cv: {how} during fold {len(rows) + 1} of {len(folds)}; the "
              f"scores are of the {len(rows)} fold{'s' if len(rows) > 1 else ''} finished",
              file=sys.stderr)
        print_scores(args, table, task, splitter, folds, rows)
        return status
    note = folds_overfit_note(overfit, len(folds))  # once for all folds, not per fold
    if note is not None:
        print(note, file=sys.stderr)
    # regression: the training mean's and RidgeCV's; a classifier: LogisticRegression's
    print_scores(args, table, task, splitter, folds, rows,
                 cv_baseline(args, table, task, folds)
                 or cv_logistic(args, table, task, several, folds))
    return 0


def _run_folds(args: argparse.Namespace, table, task: str, several: bool, lbfgs: bool,
               steps: dict, run_settings: dict, folds: list, rows: list[dict],
               overfit: dict | None = None, taken=None) -> None:
    """Train and score each fold, appending its scores to ``rows`` as it finishes, and
    to ``overfit`` (if given) :func:`~chainrule._cli_models_overfit.overfit`'s finding
    by fold number for a fold without --patience that ended past its best; with
    ``args.n_jobs`` (``--n-jobs``) the folds train in worker processes, their results
    taken (and their lines printed) in fold order (``_cli_models_cv_jobs``).  ``taken``
    (tune's, of the whole search): the iterator of ``run_jobs`` to take the folds'
    results from, one per fold."""
    import contextlib

    from ._cli_models_cv_jobs import run_jobs

    if taken is None:
        jobs = fold_jobs(args, table, task, several, lbfgs, steps, run_settings, folds)
        with contextlib.closing(run_jobs(jobs, getattr(args, "n_jobs", None))) as taken:
            _run_folds(args, table, task, several, lbfgs, steps, run_settings, folds, rows,
                       overfit, taken)
        return
    for _ in folds:
        done = next(taken)()
        rows.append(done["row"])
        if overfit is not None and done["overfit"] is not None:
            overfit[done["row"]["fold"]] = done["overfit"]
        if not args.quiet:
            print(done["line"], file=sys.stderr, flush=True)


def fold_jobs(args: argparse.Namespace, table, task: str, several: bool, lbfgs: bool,
              steps: dict, run_settings: dict, folds: list) -> list[tuple]:
    """The arguments of :func:`_fold` of each of ``folds``, in order."""
    return [(args, table, task, several, lbfgs, steps, run_settings, i, len(folds),
             train_rows, held_rows) for i, (train_rows, held_rows) in enumerate(folds, 1)]


def _fold(args: argparse.Namespace, table, task: str, several: bool, lbfgs: bool,
          steps: dict, run_settings: dict, i: int, k: int, train_rows, held_rows) -> dict:
    """Train fold ``i`` of ``k`` on ``table``'s ``train_rows`` and score it on its
    ``held_rows``: its row of scores, its line for stderr, ``_overfit``'s finding (None
    where there is none to look for: L-BFGS, --patience) and its seconds."""
    from ._cli_models_categorical import fold_tables
    from ._cli_models_report import _evaluation
    from ._cli_models_train_prepare import missing_options

    begun = time.perf_counter()
    fold_args = copy.copy(args)  # prepare may set a fold's options: not the next's
    fold_args.quiet = True  # one line per fold, not a progress bar
    fold_args.fold = (i, k)  # named by the fold's messages
    # the categories of the fold's training rows, as train on them would find
    # (--impute constant: its fill category, where the training rows have a gap)
    fill = missing_options(args).get("missing_category")
    fitted, held, unseen = (  # --init-from: MODEL's categories, every fold's inputs
        (_rows(table, train_rows), _rows(table, held_rows), {})
        if getattr(args, "init_model", None) is not None else
        fold_tables(_rows(table, train_rows), _rows(table, held_rows), fill))
    for column, n in unseen.items():
        _say(args, f"fold {i}: {n} held-out example{'s' if n > 1 else ''} of a category "
             f"of {column!r} that the fold's training rows lack, encoded as all zeros "
             "(as evaluate --unknown-categories zeros)")
    start = time.perf_counter()
    try:
        model, history, n_val = _fit_fold(
            fold_args, fitted, task, several, lbfgs, steps, run_settings)
    except ArithmeticError as exc:  # TrainingDiverged: main says it, naming the fold
        exc.fold = f"fold {i} of {k}"
        raise
    seconds = time.perf_counter() - start
    found = (_overfit(history.get("val_loss") or ())
             if not lbfgs and args.patience is None else None)
    scores, no_auc, each, _ = _evaluation(model, held, sample_weight=held.sample_weight)
    names = held.target_names
    row = {"fold": i, "train_samples": len(train_rows), **scores,
           **({"roc_auc_left_out": no_auc} if no_auc else {}),
           **({"targets": dict(zip(names, each, strict=True))} if names else {}),
           "epochs": history.epochs, "stop_reason": history.stop_reason}
    unit = "iteration" if lbfgs else "epoch"
    shown = ", ".join(f"{_NAMES[key]} {v:.4g}" for key, v in scores.items()
                      if key in _NAMES)
    line = (f"fold {i} of {k}: {len(train_rows)} training examples ({n_val} "
            f"of them for validation), {history.epochs} {unit}"
            f"{'' if history.epochs == 1 else 's'} in {seconds:.2f} s"
            f"{'' if history.stop_reason == 'epochs' else f' ({history.stop_reason})'}"
            f"; held out {len(held_rows)}: {shown}")
    return {"row": row, "line": line, "overfit": found,
            "seconds": time.perf_counter() - begun}
