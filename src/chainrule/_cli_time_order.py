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
import sys

import numpy as np

__all__ = ["TIME_ORDERED_HELP", "add_time_ordered_option", "check_options",
           "check_val_classes", "folds_words", "time_folds", "time_record",
           "val_classes_warning", "val_split", "warn_val_classes"]

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


GAP_HELP = (
    "with --time-ordered: ROWS rows left out just before each held-out block, neither "
    "trained on nor scored (scikit-learn's TimeSeriesSplit gap): where a row's target "
    "looks up to ROWS rows ahead (next week's sales) or its features are lags of the "
    "target, the last training rows would otherwise share values with the held-out "
    "block; train's: the ROWS rows before its last --val-fraction rows (default: 0)")

MAX_TRAIN_ROWS_HELP = (
    "with --time-ordered: each fold trains on the last ROWS rows before its held-out block "
    "(and --gap) at most, a sliding window instead of every row before it "
    "(TimeSeriesSplit's max_train_size); train's: the last ROWS rows before its "
    "validation rows (default: every row before them)")


def _rows(least: int):
    """An argparse type: a whole number of rows, ``least`` or more."""
    def rows(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < least:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of rows, {least} or more, got {text!r}")
        return value

    return rows


def add_time_ordered_option(p: argparse.ArgumentParser) -> None:
    """Add ``--time-ordered``, ``--gap ROWS`` and ``--max-train-rows ROWS`` to the parser
    ``p`` (train's options: train's, cv's, tune's)."""
    p.add_argument("--time-ordered", action="store_true", dest="time_ordered",
                   help=TIME_ORDERED_HELP)
    p.add_argument("--gap", type=_rows(0), default=0, metavar="ROWS", help=GAP_HELP)
    p.add_argument("--max-train-rows", type=_rows(1), default=None, metavar="ROWS",
                   dest="max_train_rows", help=MAX_TRAIN_ROWS_HELP)


def _window(args: argparse.Namespace) -> tuple[int, int | None]:
    """``--gap``'s and ``--max-train-rows``' values of ``args`` (0 and None when absent)."""
    return getattr(args, "gap", None) or 0, getattr(args, "max_train_rows", None)


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
        gap, most = _window(args)
        for option, value in (("--gap", gap or None), ("--max-train-rows", most)):
            if value is not None:
                raise ValueError(
                    f"{option} {value}: an option of {_OPTION} (rows in time order, "
                    "TimeSeriesSplit's folds), which is not given: give --time-ordered, "
                    f"or leave out {option}")
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
    gap, most = _window(args)
    return {"never_held_out": int(folds[0][1][0]), "gap": gap, "max_train_rows": most}


def folds_words(splitter: str, record: dict, seed: int) -> str:
    """The words of cv's and tune's folds line within its parentheses, and after: of
    ``TimeSeriesSplit`` (``record``: :func:`time_record`'s)."""
    gap, most = record.get("gap") or 0, record.get("max_train_rows")
    rows = "rows" if most is None else f"last {most} rows (--max-train-rows)"
    before = "it" if not gap else f"the {gap} left out just before it (--gap)"
    return (f"{splitter} of the rows in DATA's order, --time-ordered, not shuffled; seed "
            f"{seed} of each fold's training): each fold scored by a model trained on the "
            f"{rows} before {before}, the first {record['never_held_out']} rows never held "
            "out")


def time_folds(table, task: str, several: bool, k: int, gap: int = 0,
               max_train_rows: int | None = None) -> tuple[str, list]:
    """``TimeSeriesSplit(n_splits=k, gap=gap, max_train_size=max_train_rows)``'s
    (training rows, held-out rows) of each fold of ``table``'s rows in order, and its
    name.

    Raises
    ------
    ValueError
        For fewer rows than ``k + 1`` (a first block and one row per fold); for a gap
        that leaves the first fold no row to train on, saying how many rows it needs;
        for a classifier of one target whose fold's training rows lack a class (its
        first example later than them, or before the window of ``max_train_rows``).
    """
    from sklearn.model_selection import TimeSeriesSplit

    from .saved_model import fit_labels

    n = table.n_samples
    if n < k + 1:
        raise ValueError(
            f"--folds {k}: {table.source} has {n} examples, and {_OPTION} cuts them into "
            f"{k + 1} blocks in order (TimeSeriesSplit: a first block only trained on, then "
            f"one held out per fold), one row each at least: give --folds {n - 1} or fewer")
    block = n // (k + 1)
    first_block = n - k * block
    if first_block - gap < 1:  # TimeSeriesSplit's own refusal, in cv's words
        raise ValueError(
            f"--gap {gap}: {table.source} has {n} examples, which --folds {k} cut into a "
            f"first block of {first_block} rows and {k} held-out blocks of {block} "
            f"({_OPTION}: TimeSeriesSplit, rows // (folds + 1) a block); the {gap} rows "
            f"before the first held-out block leave "
            f"{'none' if first_block <= gap else first_block - gap} to train its fold on: "
            f"{gap * (k + 1) + 1} examples or more are needed for --folds {k} with "
            f"--gap {gap}; give --gap {first_block - 1} or less, or fewer --folds")
    folds = list(TimeSeriesSplit(n_splits=k, gap=gap, max_train_size=max_train_rows)
                 .split(np.zeros((n, 1))))
    if task == "classification" and not several:
        labels, y = fit_labels(np.asarray(table.y))
        first = np.array([int(np.argmax(y == c)) for c in range(len(labels))])
        for i, (train_rows, _) in enumerate(folds, 1):
            lack = np.setdiff1d(np.arange(len(labels)), y[train_rows])
            early = lack[first[lack] < train_rows[-1]]
            if early.size:  # seen before the window of --max-train-rows, not in it
                c = int(early[0])
                raise ValueError(
                    f"--max-train-rows {max_train_rows}: the class {labels[c]!r} of the "
                    f"target {table.target_name!r} of {table.source} is in none of the "
                    f"{len(train_rows)} training rows of fold {i} (rows "
                    f"{int(train_rows[0])} to {int(train_rows[-1])}, counted from 0: "
                    f"{_OPTION}, the last rows before its held-out block), which then lack "
                    "it: give a larger --max-train-rows, or leave it out")
            late = np.flatnonzero(first > train_rows[-1])
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
    ``ceil(fraction * n)`` validate, the ``--gap`` rows before them are left out, and
    the rows before those train (the last ``--max-train-rows`` of them, where given).

    Returns
    -------
    train_idx, val_idx : ndarray of int
        The rows that train and those that validate, each in order (the gap's in
        neither).

    Raises
    ------
    ValueError
        Where the fraction (and the gap) leave no row to train on, saying how many
        rows are needed.
    """
    gap, most = _window(args)
    n_val = int(np.ceil(args.val_fraction * n)) if args.val_fraction else 0
    fold = getattr(args, "fold", None)
    rows = "" if fold is None else f" (the training rows of fold {fold[0]} of {fold[1]})"
    if n_val >= n:
        raise ValueError(f"--val-fraction {args.val_fraction:g}: of {n} examples{rows}, "
                         f"the last {n_val} ({_OPTION}) leave none to train on: give a "
                         "smaller --val-fraction, or 0 for none")
    gap = gap if n_val else 0  # no validation rows: none for a gap to come before
    end = n - n_val - gap
    if end < 1:
        need = n + 1  # the fewest rows that leave one to train on: n - ceil(fraction *
        while need - int(np.ceil(args.val_fraction * need)) - gap < 1:  # n), nondecreasing
            need += 1
        raise ValueError(f"--gap {gap}: of {n} examples{rows}, the last {n_val} validate "
                         f"(--val-fraction {args.val_fraction:g}, {_OPTION}) and the {gap} "
                         f"before them are left out, which leaves none to train on: "
                         f"{need} examples or more are needed; give --gap "
                         f"{n - n_val - 1} or less, or a smaller --val-fraction (0 for "
                         "none)")
    start = 0 if most is None else max(0, end - most)
    return np.arange(start, end), np.arange(n - n_val, n)


def check_val_classes(table, args: argparse.Namespace, labels: list, y: np.ndarray,
                      train_idx: np.ndarray) -> None:
    """Refuse train's last ``--val-fraction`` rows (:func:`val_split`, and the gap before
    them) where they hold every example of a class, or the window of ``--max-train-rows``
    none, which the training rows then lack (a classifier of one
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
    first = int(np.argmax(y == c))
    gap, most = _window(args)
    if first < train_idx[0]:  # before the window of --max-train-rows
        raise ValueError(
            f"--max-train-rows {most}: the class {labels[c]!r} of the target "
            f"{table.target_name!r} of {table.source}{rows} is in none of its "
            f"{len(train_idx)} training rows (rows {int(train_idx[0])} to "
            f"{int(train_idx[-1])}, counted from 0: {_OPTION}, the last rows before the "
            "validation rows), which then lack it: give a larger --max-train-rows, or "
            "leave it out")
    after = len(y) - int(train_idx[-1]) - 1
    raise ValueError(
        f"--val-fraction {args.val_fraction:g}: every example of the class {labels[c]!r} of "
        f"the target {table.target_name!r} of {table.source}{rows} is in its last "
        f"{after} rows, held out for validation"
        f"{f' or left out before them (--gap {gap})' if gap else ''} ({_OPTION}: the first "
        f"is row {first}, counted from 0), so the training rows lack it: give a smaller "
        f"--val-fraction (0 for none){', a smaller --gap' if gap else ''}, or rows of that "
        "class earlier in DATA")


def val_classes_warning(table, args: argparse.Namespace, labels: list, y: np.ndarray,
                        val_idx: np.ndarray) -> str | None:
    """The warning of train's last ``--val-fraction`` rows (:func:`val_split`) where they
    hold some of the classes only, or None where they hold every class (or none is held
    out).  Such a tail, as of a file sorted by class rather than by time, cannot score the
    classes it lacks: its accuracy and loss, and what ``--patience`` watches, are those
    of its classes alone.  Printed on stderr, ``-q`` or not (a classifier of one target:
    ``labels``, its classes; ``y`` of shape (n_samples,), each example's class index;
    ``val_idx``, the validation rows)."""
    if not len(val_idx):
        return None
    lack = np.setdiff1d(np.arange(len(labels)), y[val_idx])
    if not lack.size:
        return None
    held = np.unique(y[val_idx])
    fold = getattr(args, "fold", None)
    rows = "" if fold is None else f" of fold {fold[0]} of {fold[1]}"
    command = getattr(args, "command", None) or "train"

    def named(classes: np.ndarray) -> str:
        words = ", ".join(repr(labels[int(c)]) for c in classes[:12])
        return words + (f" and {classes.size - 12} more" if classes.size > 12 else "")

    return (f"chainrule {command}: warning: {_OPTION}: the {len(val_idx)} validation rows"
            f"{rows} (the last --val-fraction {args.val_fraction:g} of {table.source}) hold "
            f"only the class{'es' if held.size > 1 else ''} {named(held)} of the target "
            f"{table.target_name!r}; the class{'es' if lack.size > 1 else ''} "
            f"{named(lack)} {'are' if lack.size > 1 else 'is'} missing from them, so the "
            "validation scores (and --patience) cannot score "
            f"{'them' if lack.size > 1 else 'it'}; rows sorted by class, not by time? "
            f"Leave out {_OPTION}: a stratified draw validates every class")


def warn_val_classes(table, args: argparse.Namespace, labels: list, y: np.ndarray,
                     val_idx: np.ndarray) -> None:
    """Print :func:`val_classes_warning`'s warning on stderr, where there is one."""
    words = val_classes_warning(table, args, labels, y, val_idx)
    if words is not None:
        print(words, file=sys.stderr)
