"""``chainrule tune``'s cross-validation of each combination (see
:mod:`chainrule._cli_models_tune`): each set up by cv's ``setup`` before any trains
(:func:`_set_up`), then its folds' results taken in order from one run of every
combination's folds (cv's ``_run_folds`` on the iterator of ``run_jobs``; ``--n-jobs``:
in workers) and summarised (:func:`_cross_validate`)."""

from __future__ import annotations

import argparse
import sys
import time

from ._cli_groups import group_record
from ._cli_time_order import time_record


def _set_up(run: argparse.Namespace, combo: dict[str, str], args: argparse.Namespace,
            search: dict) -> tuple:
    """cv's setup of one combination (``run``: its options): ``(train's line, run,
    table, task, several, lbfgs, steps, run_settings, folds)``; the first's scoring
    checked and recorded in ``search``."""
    import copy

    from ._cli_models_cv import setup
    from ._cli_models_train_init import trained_on_data_note
    from ._cli_models_tune import _check_scoring, _words
    from ._cli_models_tune_grid import train_argv, value_parser

    argv = train_argv(run, value_parser())
    run = copy.deepcopy(run)
    run.quiet = True  # no line per fold: one per combination
    run.said = search.setdefault("said", set())  # a fold's warning: once in the search
    table, task, several, lbfgs, steps, run_settings, splitter, folds = setup(
        run, search["tables"])
    if "task" not in search:  # the first combination's: every other's must be the same
        if (note := trained_on_data_note(run, table.n_samples, "tune")) is not None:
            print(note, file=sys.stderr)  # --init-from MODEL trained on DATA
        scoring = args.scoring or ("accuracy" if task == "classification" else "r2")
        _check_scoring(scoring, task, several)
        if scoring == "r2" and all(len(held) < 2 for _, held in folds):  # as evaluate's
            raise ValueError(
                f"--scoring r2{'' if args.scoring else ' (the default of regression)'}: "
                f"R^2 needs two held-out examples or more, and each of the {len(folds)} "
                "folds holds out one, so no combination would have a score to rank: give "
                "--scoring mse, rmse or mae, or fewer --folds")
        search.update(task=task, splitter=splitter, folds=len(folds), scoring=scoring,
                      groups=group_record(run, table), time_ordered=time_record(run, folds),
                      source=table.source, samples=table.n_samples, table=table)
    elif task != search["task"]:
        raise ValueError(f"the combination {_words(combo)}: its task is {task}, the first "
                         f"combination's {search['task']}: their scores cannot be ranked "
                         "together")
    _refuse_margin_log_loss(run, combo, search["scoring"])
    if not search.get("note"):  # train's words on 21 to 100 whole numbers, said once
        from ._cli_models_train_task import whole_numbers_note

        search["note"] = whole_numbers_note(table, task, run.task, run.loss)
    return argv, run, table, task, several, lbfgs, steps, run_settings, folds


def _refuse_margin_log_loss(run: argparse.Namespace, combo: dict[str, str],
                            scoring: str) -> None:
    """Refuse ``--scoring log_loss`` of a margin loss (multiclass_hinge, hinge) before
    any combination trains: its model gives class scores, not probabilities, and evaluate
    gives it no log loss, so every combination would end unranked."""
    from .losses import get_loss

    if scoring != "log_loss" or run.loss is None:
        return
    name = get_loss(run.loss).name
    if name not in ("multiclass_hinge", "hinge"):
        return
    from ._cli_models_tune import _words

    where = f"the combination {_words(combo)}: " if "loss" in combo else ""
    spelt = run.loss if run.loss == name else f"{run.loss} ({name})"
    raise ValueError(f"--scoring log_loss: {where}--loss {spelt} is a margin loss, whose "
                     "class scores are not probabilities and have no log loss; the "
                     "scorings that apply: accuracy, balanced_accuracy, f1_macro, roc_auc, "
                     "average_precision")


def _cross_validate(set_up: tuple, combo: dict[str, str], i: int, n: int,
                    args: argparse.Namespace, search: dict, taken) -> dict:
    """cv of one combination (``set_up``: :func:`_set_up`'s), its folds' results taken
    from ``taken`` (``run_jobs``'): its folds' scores, their summary; its seconds, the
    sum of its folds' (each timed in its worker, with --n-jobs)."""
    from ._cli_models_cv import _run_folds
    from ._cli_models_cv_table import summary
    from ._cli_models_tune import _words

    argv, run, table, task, several, lbfgs, steps, run_settings, folds = set_up
    rows: list[dict] = []
    timed = _Timed(taken)
    failed = None
    try:
        _run_folds(run, table, task, several, lbfgs, steps, run_settings, folds, rows,
                   taken=timed)
    except ArithmeticError as exc:  # diverged: ranked last, as scikit-learn's error_score
        from ._cli_failures import _diverged

        failed = " ".join((_diverged(exc, run)  # cv's words, of the combination's options
                           or f"{getattr(exc, 'fold', 'a fold')}: {exc}").split())
        for _ in range(len(folds) - timed.count):  # its other folds: not trained, or
            next(taken)  # (--n-jobs) trained, and their results and messages dropped
    seconds = timed.seconds
    mean, std, counts = summary(rows) if not failed else ({}, {}, {})
    result = {"params": combo, "train": argv, "per_fold": rows if not failed else [],
              "mean": mean, "std": std, "folds_scored": counts, "seconds": seconds,
              "failed": failed}
    if not args.quiet:
        key = search["scoring"]
        from ._cli_models_data import _NAMES

        shown = (f"diverged ({failed})" if failed else
                 f"{_NAMES[key]} {mean[key]:.4g} (std {std[key]:.2g})" if key in mean else
                 f"{_NAMES[key]} left out of every fold")
        print(f"combination {i} of {n}: {_words(combo)}: {shown}, {seconds:.2f} s",
              file=sys.stderr, flush=True)
    return result


class _Timed:
    """The iterator ``taken`` of ``run_jobs``, counting the folds taken and summing the
    seconds of those that finished."""

    def __init__(self, taken) -> None:
        self.taken, self.count, self.seconds = taken, 0, 0.0

    def __iter__(self):
        return self

    def __next__(self):
        take = next(self.taken)
        self.count += 1

        def timed() -> dict:
            start = time.perf_counter()
            try:
                done = take()
            except ArithmeticError:  # a fold in this process: its time until it diverged
                self.seconds += time.perf_counter() - start
                raise
            self.seconds += done["seconds"]
            return done

        return timed
