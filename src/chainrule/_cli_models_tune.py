"""``chainrule tune``: a grid (or random) search of train's options, each combination
scored by ``chainrule cv``'s cross-validation.

The combinations are scikit-learn's ``ParameterGrid`` of ``--grid`` (``--random N``:
``ParameterSampler``, as ``RandomizedSearchCV``), each value read by train's own parser
(``_cli_models_tune_grid``); each combination is set up and cross-validated by cv's own
code (``_cli_models_cv.setup`` and ``_run_folds``: the same splitter and seed, so the
same folds, for every combination), ranked by the mean of one of evaluate's scores as
``GridSearchCV``'s ``rank_test_score`` (ties share the smallest rank), printed by
``_cli_models_tune_table``; ``-o`` refits the best on all of DATA by running the
``chainrule train`` line printed for it.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import sys

import numpy as np

from ._cli_groups_logo import folds_type
from ._cli_models_cv_folds import word_fold_options
from ._cli_models_cv_jobs import add_n_jobs
from ._cli_models_train import add_train_options
from .cli_args import positive_int

# evaluate's scores of which lower is better (scikit-learn ranks their negatives)
LOWER_IS_BETTER = ("log_loss", "hamming_loss", "mse", "rmse", "mae")
_SCORING = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "average_precision",
            "log_loss", "hamming_loss", "r2", "mse", "rmse", "mae")


def _add_tune(sub: argparse._SubParsersAction) -> None:
    from ._cli_models_cv import DTYPE_HELP
    from ._cli_models_tune_grid import GRID_HELP, refuse_dashed_entry

    p = sub.add_parser(
        "tune", help="grid or random search of train's options, each combination scored by "
        "k-fold cross-validation (chainrule cv)",
        description="Which of train's settings (hidden sizes, learning rate, weight decay, "
        "...) score best on held-out rows? Each combination of the --grid values "
        "(scikit-learn's ParameterGrid order; --random N: N of them drawn without "
        "replacement by ParameterSampler with --seed, as RandomizedSearchCV) is "
        "cross-validated exactly as chainrule cv with train's other options and those "
        "values would do it, on the same folds for every combination (the same splitter "
        "and --seed), and ranked by the mean over the folds of --scoring (ties share the "
        "smallest rank, as GridSearchCV's rank_test_score; log loss, hamming loss, mse, "
        "rmse and mae: the lowest first). Prints a row per combination (mean, std, rank, "
        "seconds), cv's linear baseline cross-validated on the same folds and scored by "
        "--scoring (with a note where the best network does worse than it), then the "
        "chainrule train line of the best; -o refits it on DATA with "
        "that line (GridSearchCV's refit; its --val-fraction rows held out for "
        "validation, as train holds them) and writes the model, which records the "
        "search. A "
        "combination whose training diverges is ranked last, as scikit-learn's "
        "error_score=nan does. Ctrl-C (or SIGTERM) prints the combinations finished, "
        "marked as partial, and exits with status 130 (143).",
        epilog="example: chainrule tune iris --epochs 30 --grid 'hidden=8|16 16' "
        "lr=0.003,0.03 --folds 3")
    before = len(p._actions)
    add_train_options(p, init_from="tune")
    for action in p._actions[before:]:
        if _has_default(action):  # None until _tune: typed or not, parse_grid must know
            action.default = None
    p.add_argument("--grid", nargs="+", action="extend", metavar="OPTION=VALUES",
                   help=GRID_HELP)
    p.words_check = refuse_dashed_entry  # --grid --lr=0.1: --grid lr=0.1
    p.add_argument("--random", type=positive_int, default=None, metavar="N",
                   help="try N combinations drawn without replacement from the grid by "
                   "scikit-learn's ParameterSampler (random_state --seed) instead of every "
                   "one; N larger than the grid tries each once, said (default: every "
                   "combination)")
    p.add_argument("--folds", type=folds_type, default=5, metavar="K",
                   help="number of folds, as chainrule cv's; with --groups, 'all': "
                   "leave-one-group-out, one fold per group (default: 5)")
    p.add_argument("--scoring", choices=_SCORING, default=None,
                   help="the score that ranks the combinations, one of evaluate's "
                   "(average_precision: the area under the precision-recall curve, of a "
                   "rare class; default: accuracy for classification, r2 for regression, as "
                   "scikit-learn's score)")
    p.add_argument("--json", action="store_true",
                   help="print every combination's options, per-fold scores, means, "
                   "standard deviations and rank as JSON")
    add_n_jobs(p, "every combination's folds (every pair of a combination and a fold)")
    word_fold_options(p, {
        "out": "refit the best combination on DATA, as its chainrule train line does (its "
               "--val-fraction rows held out for validation, as train holds them out), and "
               "write the model to MODEL (default: none written)",
        "seed": "seed of the folds' shuffle, of each fold's training and of --random's draw "
                "(default: 0)",
        "quiet": "no progress on stderr: no line as each combination finishes, nor -o's "
                 "refit line and progress; stdout keeps the table and the best: line, and "
                 "warnings still go to stderr",
        "dtype": DTYPE_HELP.replace(" (default", ", and -o's refit (its train line says "
                                    "--dtype float32); --grid dtype=float32,float64 tries "
                                    "both (default")})
    p.set_defaults(handler=_tune)


def _has_default(action: argparse.Action) -> bool:
    """An option of train with a default (``--epochs``, ``--scale``, ``--weight-decay``)
    that tune's parser leaves None, so that an option typed outside ``--grid`` with its
    default's value is known as typed; ``-o`` (tune's refit) and flags aside."""
    return (bool(action.option_strings) and action.dest not in ("out", "help")
            and action.default is not None and action.default is not False
            and action.default != argparse.SUPPRESS)


def _refuse(args: argparse.Namespace) -> None:
    """Refuse what cv refuses (-o aside: tune's refit), and a search without --grid."""
    from ._cli_models_cv import _REFUSED

    for dest, option, why in _REFUSED:
        if dest != "out" and getattr(args, dest, None) is not None:
            raise ValueError(f"{option}: not an option of chainrule tune: "
                             + why.replace("cv ", "tune ").replace("per fold", "per fold "
                                                                   "of each combination"))
    if not args.grid:
        raise ValueError("--grid: required: give the values of train's options to try, "
                         "such as --grid lr=0.01,0.1 'hidden=32|64 32' (one combination "
                         "is chainrule cv's run)")


def _check_combinations(runs: list[argparse.Namespace], combos: list[dict]) -> None:
    """train's checks that need no data, of every combination, before anything trains."""
    from ._cli_args_optimizer import check_schedule_epochs
    from ._cli_models_train_checks import check_before_data
    from .cli_args import check_loss_output

    for args, combo in zip(runs, combos, strict=True):
        args = copy.deepcopy(args)
        try:
            _, lbfgs, _, _ = check_before_data(args)
            if args.output is not None:
                check_loss_output(args.loss, args.output, output_given=True)
            if not lbfgs:
                check_schedule_epochs(args.schedule, args.epochs)
        except ValueError as exc:
            raise ValueError(f"the combination {_words(combo)}: {exc}") from None


def _sets_up(runs: list[argparse.Namespace], tables: dict) -> bool:
    """Whether one of ``runs`` reads DATA and splits its folds (cv's ``setup``) without a
    ValueError: the first combination's fault is then its own, not every one's."""
    from ._cli_models_cv import setup

    for run in runs:
        run = copy.deepcopy(run)
        run.quiet = True
        try:
            setup(run, tables)
        except ValueError:
            continue
        return True
    return False


def _check_on_data(runs: list[argparse.Namespace], combos: list[dict],
                   tables: dict) -> None:
    """train's checks of every combination that need DATA, before anything trains.

    Each combination is set up as cv sets it up (DATA read, its task inferred, the folds
    split) and its first fold prepared and its network and Trainer made as cv's
    ``_fit_fold`` makes them, without training: a combination that train would refuse on
    DATA (an output that the labels do not fit, a loss of the other task, a task unlike
    the first combination's) is refused naming it before the others spend their time.
    DATA is read once per way of reading it (``tables``, cv's ``_read``: once, unless
    the grid varies ``--features``, ``--categorical``, ``--max-categories``, or
    ``--impute`` or ``--fill-value`` so as to read it otherwise), for the search to use.
    """
    from ._cli_models_categorical import fold_tables
    from ._cli_models_cv import setup
    from ._cli_models_cv_folds import _rows
    from ._cli_models_train_prepare import missing_options, prepare
    from ._cli_models_train_run import new_trainer
    from .cli_architecture import build_network

    first = None
    for i, (run, combo) in enumerate(zip(runs, combos, strict=True)):
        run = copy.deepcopy(run)
        run.quiet = True
        try:
            table, task, several, lbfgs, steps, run_settings, _, folds = setup(run, tables)
        except ValueError as exc:  # DATA read with its options: of it alone, it is named
            if i == 0 and not _sets_up(runs[1:], tables):  # of every one: as cv says it
                raise
            raise ValueError(f"the combination {_words(combo)}: {exc}") from None
        if first is not None and task != first:
            raise ValueError(f"the combination {_words(combo)}: its task is {task}, the "
                             f"first combination's {first}: their scores cannot be ranked "
                             "together")
        first = task
        train_rows, held_rows = folds[0]
        fill = missing_options(run).get("missing_category")  # as cv's _run_folds keeps it
        fitted, _, _ = fold_tables(_rows(table, train_rows), _rows(table, held_rows), fill)
        try:
            p = prepare(run, fitted, several, run_settings, provenance=False, task=task)
            net = build_network(run, p.X.shape[1], p.n_out, p.output)
            if not lbfgs:
                new_trainer(run, net, steps, p.class_weight, {})
        except ValueError as exc:
            raise ValueError(f"the combination {_words(combo)}: {exc}") from None
        except MemoryError as exc:  # a network too large for the machine: whose, said
            raise MemoryError(f"the combination {_words(combo)}: {exc}") from None


def _words(combo: dict[str, str]) -> str:
    """A combination as its options: ``--hidden 64 32 --lr 0.1``; a flag alone when on,
    ``no --missing-indicator`` when off."""
    from ._cli_models_tune_grid import flag_keys

    flags = flag_keys()
    return " ".join((f"--{k}" if v == "on" else f"no --{k}") if k in flags else
                    f"--{k}" + (f" {v}" if v else "") for k, v in combo.items())


def _tune(args: argparse.Namespace) -> int:
    from ._cli_checkpoint import stopped_how
    from ._cli_models_cv import fold_jobs
    from ._cli_models_cv_jobs import run_jobs
    from ._cli_models_data import _DATA_EXAMPLE, _not_empty
    from ._cli_models_tune_baseline import tune_baseline
    from ._cli_models_tune_folds import _cross_validate, _set_up
    from ._cli_models_tune_grid import (
        combination_args,
        combinations,
        parse_grid,
        train_argv,
        value_parser,
    )
    from ._cli_models_tune_table import best_of, print_results
    from .cli_args import refuse_overwriting

    _refuse(args)
    parser = value_parser()
    grid = parse_grid(args.grid, args, parser)  # an option typed is one not None
    defaults = parser.parse_args([], namespace=argparse.Namespace())
    for action in parser._actions:  # train's default of each option not typed
        if _has_default(action) and getattr(args, action.dest, None) is None:
            setattr(args, action.dest, getattr(defaults, action.dest))
    combos, note = combinations(grid, args.random, args.seed)
    base = copy.deepcopy(args)
    base.out = None  # tune's refit, not a fold's
    runs = [combination_args(base, combo, parser) for combo in combos]
    _check_combinations(runs, combos)
    _not_empty(args.data, "data", _DATA_EXAMPLE)
    refuse_overwriting(args.out, "-o/--out", {"data file": args.data})  # train's, said first
    tables: dict = {}  # DATA read, by the options that read it: once for the search
    _check_on_data(runs, combos, tables)
    if note and args.random is not None:
        print(f"chainrule tune: {note}", file=sys.stderr)
    results: list[dict] = []
    search = {"grid": grid, "search": "grid" if args.random is None else "random",
              "combinations": len(combos), "tables": tables}
    # every combination set up (DATA's table, its folds) before any trains, its folds
    # then taken in order from one run of them all (--n-jobs: in workers, every
    # combination's folds sent at once)
    set_up = [_set_up(run, combo, args, search) for run, combo in zip(runs, combos,
                                                                      strict=True)]
    if note and args.random is None:  # one combination: said once DATA is found fit
        print(f"chainrule tune: {note}", file=sys.stderr)
    jobs = [job for one in set_up for job in fold_jobs(*one[1:])]
    try:
        with contextlib.closing(run_jobs(jobs, args.n_jobs)) as taken:
            for i, (one, combo) in enumerate(zip(set_up, combos, strict=True), 1):
                results.append(_cross_validate(one, combo, i, len(combos), args, search,
                                               taken))
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM): the combinations finished are kept
        if not results:
            raise
        how, status = stopped_how()
        print(f"chainrule tune: {how} during combination {len(results) + 1} of "
              f"{len(combos)}; the table is of the {len(results)} finished",
              file=sys.stderr)
        print_results(args, search, results, partial=True)
        return status
    tables.clear()  # the search's reads of DATA: -o's refit reads it as train does
    if all(r["failed"] for r in results):
        raise ArithmeticError("every combination's training diverged: "
                              + "; ".join(r["failed"] for r in results))
    best = best_of(results, search["scoring"])
    baseline = None if best is None else tune_baseline(set_up[results.index(best)],
                                                       search["scoring"])
    best = print_results(args, search, results, partial=False, baseline=baseline,
                         best_run=None if best is None else set_up[results.index(best)][1])
    if best is None:
        raise ArithmeticError(f"no combination has a mean {search['scoring']}: there is no "
                              "best to recommend" + (" or to refit" if args.out else ""))
    if args.out is None:
        return 0
    return _refit(best, train_argv(runs[results.index(best)], parser, args.out), args, search)


def _check_scoring(scoring: str, task: str, several: bool) -> None:
    """Refuse a --scoring that evaluate does not give of the task."""
    given = (("accuracy", "hamming_loss", "log_loss", "f1_macro", "roc_auc",
              "average_precision")
             if task == "classification" and several
             else ("accuracy", "log_loss", "balanced_accuracy", "f1_macro", "roc_auc",
                   "average_precision")
             if task == "classification" else ("mse", "rmse", "mae", "r2"))
    if scoring not in given:
        what = ("a multi-label classification" if several and task == "classification"
                else task)
        raise ValueError(f"--scoring {scoring}: not a score of {what}, whose scores are "
                         f"{', '.join(given)}")


def ranks(results: list[dict], scoring: str) -> np.ndarray:
    """GridSearchCV's ``rank_test_score``: ``rankdata(-score, method="min")`` of each
    combination's mean (negated first where lower is better); a combination without the
    score (diverged, or left out of every fold) or whose mean is NaN ranked after every
    other, as scikit-learn ranks a NaN mean (``error_score=nan``)."""
    from scipy.stats import rankdata

    sign = -1.0 if scoring in LOWER_IS_BETTER else 1.0
    signed = np.array([sign * r["mean"][scoring] if scoring in r["mean"] else -np.inf
                       for r in results])
    signed[np.isnan(signed)] = -np.inf  # rankdata would make every rank NaN
    return rankdata(-signed, method="min").astype(int)


def _refit(best: dict, argv: list[str], args: argparse.Namespace, search: dict) -> int:
    """Run chainrule train's line of the best combination, recording the search in the
    model (``tune`` in its metadata); its output on stderr with --json."""
    from .cli import _parse

    train_args = _parse(["train", *argv])
    train_args.quiet = args.quiet  # no progress bar: the same model
    key = search["scoring"]
    train_args.tuned = {
        "grid": search["grid"], "search": search["search"], "folds": search["folds"],
        "splitter": search["splitter"], "seed": args.seed, "scoring": key,
        "combinations": search["combinations"], "best": best["params"],
        "mean": best["mean"].get(key), "std": best["std"].get(key),
        # how the folds were cut, in the words of tune's --json (none of a shuffled
        # search without --groups: its record as before)
        **{name: search[name] for name in ("groups", "time_ordered") if search.get(name)}}
    if not args.quiet:  # -q: no status line (stdout's best: line says the same)
        print("refitting the best on all of DATA: chainrule train " + _quoted(argv),
              file=sys.stderr)
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        return train_args.handler(train_args)


def _quoted(argv: list[str]) -> str:
    import shlex

    return shlex.join(argv)
