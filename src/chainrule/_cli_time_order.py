"""``--time-ordered`` of ``chainrule train``, ``cv`` and ``tune``: DATA's rows are in time
order (oldest first) as the file gives them, so no row is held out to score a model
trained on rows after it.

cv's and tune's folds are scikit-learn's ``TimeSeriesSplit(n_splits=--folds)``
(:func:`time_folds`): the rows are cut, in order, into ``--folds`` held-out blocks after a
first block that is only ever trained on, and each fold trains on every row before its
block; nothing is shuffled (the mini-batches of a fold's training are, as train's, which
leaks nothing).  train's ``--val-fraction`` rows are the last ``ceil(fraction * rows)``
rows (:func:`val_split`), not a random draw.
"""

from __future__ import annotations

import argparse

import numpy as np

__all__ = ["TIME_ORDERED_HELP", "add_time_ordered_option", "check_options",
           "check_val_classes", "folds_words", "time_folds", "time_record", "val_split"]

_OPTION = "--time-ordered"

TIME_ORDERED_HELP = (
    "the rows of DATA are in time order, oldest first (sales by day, sensor readings), as "
    "the file gives them: no row is held out to score a model trained on later rows. "
    "train's --val-fraction rows are the last ceil(fraction x rows) rows of DATA, not a "
    "random draw; cv's and tune's folds are scikit-learn's TimeSeriesSplit(n_splits="
    "--folds): the rows cut in order into a first block, never held out, and --folds "
    "blocks, each held out by a fold trained on every row before it; nothing shuffled "
    "(each fold's mini-batches are, as train's). Why: shuffled folds train on rows later "
    "than those they score, which overstates how a model does on the future. Not with "
    "--groups (refused) (default: off, rows held out at random)")


def add_time_ordered_option(p: argparse.ArgumentParser) -> None:
    """Add ``--time-ordered`` to the parser ``p`` (train's options: train's, cv's,
    tune's)."""
    p.add_argument("--time-ordered", action="store_true", dest="time_ordered",
                   help=TIME_ORDERED_HELP)


def check_options(args: argparse.Namespace) -> None:
    """Refuse ``--time-ordered`` with the options it makes no sense with, before DATA is
    read: ``--groups`` (whole groups at random, or blocks of time: one of them) and
    ``--val-data`` (no row of DATA validates, so none is held out last).

    Raises
    ------
    ValueError
        Naming both options and why.
    """
    if not getattr(args, "time_ordered", False):
        return
    if getattr(args, "groups", None) is not None:
        raise ValueError(
            f"{_OPTION}: not with --groups {args.groups}: --groups holds out whole groups "
            "drawn at random, --time-ordered the latest rows (TimeSeriesSplit's blocks, "
            "which would cut groups in two); give one of them")
    if getattr(args, "val_data", None) is not None:
        raise ValueError(
            f"{_OPTION}: not with --val-data {args.val_data}: with --val-data every row of "
            "DATA trains and none is held out, so none is held out last; leave out "
            f"{_OPTION}, or --val-data for the last --val-fraction rows of DATA")


def time_record(args: argparse.Namespace, folds: list) -> dict | None:
    """What cv and tune say of ``--time-ordered``: the rows of the first block, never held
    out (those before the first fold's held-out block); None without the option."""
    if not getattr(args, "time_ordered", False) or not folds:
        return None
    return {"never_held_out": len(folds[0][0])}


def folds_words(splitter: str, record: dict, seed: int) -> str:
    """The words of cv's and tune's folds line within its parentheses, and after: of
    ``TimeSeriesSplit`` (``record``: :func:`time_record`'s)."""
    return (f"{splitter} of the rows in DATA's order, --time-ordered, not shuffled; seed "
            f"{seed} of each fold's training): each fold scored by a model trained on the "
            f"rows before it, the first {record['never_held_out']} rows never held out")


def time_folds(table, task: str, several: bool, k: int) -> tuple[str, list]:
    """``TimeSeriesSplit(n_splits=k)``'s (training rows, held-out rows) of each fold of
    ``table``'s rows in order, and its name.

    Raises
    ------
    ValueError
        For fewer rows than ``k + 1`` (a first block and one row per fold); for a
        classifier of one target whose fold's training rows lack a class (its first
        example later than them).
    """
    from sklearn.model_selection import TimeSeriesSplit

    from .saved_model import fit_labels

    n = table.n_samples
    if n < k + 1:
        raise ValueError(
            f"--folds {k}: {table.source} has {n} examples, and {_OPTION} cuts them into "
            f"{k + 1} blocks in order (TimeSeriesSplit: a first block only trained on, then "
            f"one held out per fold), one row each at least: give --folds {n - 1} or fewer")
    folds = list(TimeSeriesSplit(n_splits=k).split(np.zeros((n, 1))))
    if task == "classification" and not several:
        labels, y = fit_labels(np.asarray(table.y))
        first = np.array([int(np.argmax(y == c)) for c in range(len(labels))])
        for i, (train_rows, _) in enumerate(folds, 1):
            late = np.flatnonzero(first >= len(train_rows))
            if late.size:
                c = int(late[np.argmax(first[late])])
                raise ValueError(
                    f"--folds {k}: the class {labels[c]!r} of the target "
                    f"{table.target_name!r} first appears in row {int(first[c])} of "
                    f"{table.source} (counted from 0), after the {len(train_rows)} training "
                    f"rows of fold {i} ({_OPTION}: TimeSeriesSplit, rows in order), which "
                    "then lack it: give fewer --folds (a longer first block), or rows of "
                    "every class early in DATA")
    return "TimeSeriesSplit", folds


def val_split(n: int, args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """train's ``--val-fraction`` of ``n`` rows in time order: the last
    ``ceil(fraction * n)`` validate, the rows before them train.

    Returns
    -------
    train_idx, val_idx : ndarray of int
        The rows that train and those that validate, each in order.

    Raises
    ------
    ValueError
        Where the fraction leaves no row to train on.
    """
    n_val = int(np.ceil(args.val_fraction * n)) if args.val_fraction else 0
    if n_val >= n:
        fold = getattr(args, "fold", None)
        rows = "" if fold is None else f" (the training rows of fold {fold[0]} of {fold[1]})"
        raise ValueError(f"--val-fraction {args.val_fraction:g}: of {n} examples{rows}, "
                         f"the last {n_val} ({_OPTION}) leave none to train on: give a "
                         "smaller --val-fraction, or 0 for none")
    return np.arange(n - n_val), np.arange(n - n_val, n)


def check_val_classes(table, args: argparse.Namespace, labels: list, y: np.ndarray,
                      train_idx: np.ndarray) -> None:
    """Refuse train's last ``--val-fraction`` rows (:func:`val_split`) where they hold
    every example of a class, which the training rows then lack (a classifier of one
    target: ``labels``, its classes; ``y`` of shape (n_samples,), each example's class
    index; ``train_idx``, the training rows).

    Raises
    ------
    ValueError
        Naming the class and the row it first appears in.
    """
    lack = np.setdiff1d(np.arange(len(labels)), y[train_idx])
    if not lack.size:
        return
    c, fold = int(lack[0]), getattr(args, "fold", None)
    rows = "" if fold is None else f" (the training rows of fold {fold[0]} of {fold[1]})"
    raise ValueError(
        f"--val-fraction {args.val_fraction:g}: every example of the class {labels[c]!r} of "
        f"the target {table.target_name!r} of {table.source}{rows} is in its last "
        f"{len(y) - len(train_idx)} rows, held out for validation ({_OPTION}: the first is "
        f"row {int(np.argmax(y == c))}, counted from 0), so the training rows lack it: give "
        "a smaller --val-fraction (0 for none), or rows of that class earlier in DATA")
