"""``--groups COLUMN`` of ``chainrule train``, ``cv`` and ``tune``: a column of DATA (an
array of an NPZ file) naming each example's group (a customer, a patient, a site), which
is no feature; train's validation rows and cv's folds then hold out whole groups.

A CSV file's column is read with the features in one pass, as one more target of
``read_data`` (so that it is no feature, and a pipe or standard input is read once), then
taken out of the targets (:func:`with_groups`); an NPZ file's array is read alone, as
``--sample-weight``'s is.  The folds are scikit-learn's ``StratifiedGroupKFold`` (a
classifier of one target) or ``GroupKFold`` (regression, several targets, multi-label),
shuffled with ``--seed`` (:func:`group_folds`); train's ``--val-fraction`` rows are
``GroupShuffleSplit``'s (:func:`val_split`).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import re
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from ._cli_sample_weight import is_csv, is_pipe

__all__ = ["GROUPS_HELP", "add_groups_option", "check_val_classes", "fewest_groups",
           "group_folds", "group_ids", "group_record", "groups_said", "read_target", "val_split",
           "with_groups"]

_OPTION = "--groups"

GROUPS_HELP = (
    "a column of DATA (an array of an NPZ file) naming each example's group, an ID of text "
    "or numbers (a customer, a patient, a site); it is not a feature. Whole groups are "
    "held out: train's --val-fraction rows by scikit-learn's GroupShuffleSplit (of that "
    "fraction of the groups, --seed); cv's and tune's folds by StratifiedGroupKFold for a "
    "classifier of one target, GroupKFold for regression, several targets or multi-label, "
    "both shuffled with --seed, a group never in two folds. Why: the rows of one group "
    "resemble each other, so held-out rows of a group that also trains score a model on "
    "rows like those it trained on, which overstates how it does on a new group "
    "(default: none, the rows are held out one by one)")


def add_groups_option(p: argparse.ArgumentParser) -> None:
    """Add ``--groups COLUMN`` to the parser ``p`` (train's options: train's, cv's,
    tune's)."""
    p.add_argument("--groups", metavar="COLUMN", default=None, help=GROUPS_HELP)


def read_target(args: argparse.Namespace):
    """The ``target`` to give ``read_data`` for DATA: ``args.target``, and for a CSV file
    with ``--groups`` the groups column after it (read with the features, never one).

    Raises
    ------
    ValueError
        For a groups column that is also the target, a feature, a categorical column
        or the weight column, or that DATA lacks; for a pipe without ``--target`` (its
        last column, the default target, is known only once read).
    """
    name = getattr(args, "groups", None)
    if name is None:
        return args.target
    targets = [args.target] if isinstance(args.target, str) else list(args.target or ())
    for option, given in (("--target", targets), ("--features", args.features or ()),
                          ("--categorical", getattr(args, "categorical", None) or ()),
                          ("--sample-weight", [getattr(args, "sample_weight", None)])):
        if name in given:
            raise ValueError(f"{_OPTION} {name}: the column is also given to {option}; the "
                             "groups column names each example's group and is neither a "
                             "feature, a target nor a weight: name another column")
    if not is_csv(args.data):  # an NPZ array (read alone), a bundled set: with_groups'
        return args.target
    if is_pipe(args.data):
        if not targets:
            raise ValueError(f"{_OPTION} {name}: {args.data} is a pipe, read once, whose "
                             "last column (the target when --target names none) is known "
                             "only as it is read: name the target column with --target")
        return [*targets, name]
    header = _header(args.data)
    if header is not None and name not in header:
        source = "standard input" if args.data == "-" else args.data
        raise ValueError(f"{_OPTION} {name}: {source} has no column {name!r}")
    if not targets and header:
        if header[-1] == name:
            raise ValueError(f"{_OPTION} {name}: the column is the last of {args.data}, the "
                             "target when --target names none; name the target column "
                             "with --target")
        targets = [header[-1]]
    return [*targets, name] if targets else args.target


def _header(data: str) -> list[str] | None:
    """The column names of the CSV file (``-``: standard input, read once per command:
    ``_tabular_text``) ``data``: its first row that is not blank, stripped; None where it
    is not to be read (not UTF-8, malformed: the reader's messages say it)."""
    from ._tabular_compressed import DAMAGE, open_csv  # .csv.gz, .bz2, .xz: decompressed
    from ._tabular_text import _stdin_text

    try:
        with (contextlib.nullcontext(_stdin_text()) if data == "-" else
              open_csv(Path(data))) as fh:
            for row in csv.reader(fh, strict=True):
                if any(cell.strip() for cell in row):
                    return [cell.strip().lstrip("\ufeff") for cell in row]
    except (UnicodeDecodeError, csv.Error, *DAMAGE):
        return None
    return None


@contextlib.contextmanager
def groups_said(args: argparse.Namespace) -> Iterator[None]:
    """Within the block, the reader's words for a missing cell of the groups column (read
    as a target) are said of ``--groups``, naming the row and the column."""
    name = getattr(args, "groups", None)
    try:
        yield
    except ValueError as exc:
        if name is None:
            raise
        found = re.fullmatch(rf"(.*), target {re.escape(repr(name))}: missing value(.*)",
                             str(exc), flags=re.S)
        if found is None:
            raise
        raise ValueError(f"{_OPTION} {name}: {found[1]}, column {name!r}: the group is "
                         f"missing{found[2]}; every example needs its group") from None


def with_groups(args: argparse.Namespace, table):
    """``table`` with its ``groups``: ``--groups``' column, read as the last target of a
    CSV file (:func:`read_target`) and taken out of the targets, or an NPZ file's array
    read alone; ``table`` itself without the option.

    Raises
    ------
    ValueError
        For a bundled data set (no groups column), an NPZ file without the array, an
        array of other than one cell per example, or a missing group (a NaN, an empty
        text), naming the row.
    """
    from .tabular import BUNDLED, read_data

    name = getattr(args, "groups", None)
    if name is None:
        return table
    names = list(table.target_names or [table.target_name])
    if names and names[-1] == name:  # a CSV file's: the last target
        y = np.asarray(table.y)
        rest = names[:-1]
        return replace(table, y=y[:, 0] if len(rest) == 1 else y[:, :-1],
                       target_names=None if len(rest) == 1 else rest,
                       groups=group_ids(y[:, -1]))
    if args.data != "-" and not Path(args.data).exists() and args.data in BUNDLED:
        raise ValueError(f"{_OPTION} {name}: {args.data} is a bundled data set, which has "
                         "no groups column; give a CSV or NPZ file holding one")
    if Path(args.data).is_file() and not is_csv(args.data):  # NPZ: its array alone, not X
        from ._tabular_npz_array import npz_array

        try:
            source, cells = args.data, npz_array(args.data, name)
        except ValueError as exc:
            raise ValueError(f"{_OPTION} {name}: {exc}") from None
    else:
        try:
            read = read_data(args.data, target=name, features=[], need_target=False,
                             seed=args.seed)
        except ValueError as exc:  # the reader's words for a target: said of the groups
            raise ValueError(f"{_OPTION} {name}: "
                             + str(exc).replace(" for the target", "")) from None
        if read.y is None:
            raise ValueError(f"{_OPTION} {name}: {read.source} has no array {name!r}")
        source, cells = read.source, np.asarray(read.y)
    if cells.shape != (table.n_samples,):
        raise ValueError(f"{_OPTION} {name}: {source} holds {name!r} of shape "
                         f"{' x '.join(map(str, cells.shape))}; one group per example "
                         f"({table.n_samples}) is needed")
    missing = (np.isnan(cells) if cells.dtype.kind == "f" else
               np.char.strip(cells.astype(str)) == "" if cells.dtype.kind in "US" else
               np.zeros(cells.shape, dtype=bool))
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise ValueError(f"{_OPTION} {name}: {source} row {i}, array {name!r}: the "
                         "group is missing; every example needs its group")
    return replace(table, groups=group_ids(cells))


_INTEGER = re.compile(r"[+-]?[0-9]+")


def group_ids(cells: np.ndarray) -> np.ndarray:
    """The groups of ``cells`` (of shape (n_samples,), one ID per example) as they are
    compared: a column of numbers as numbers (``1``, ``1.0``, `` 1`` and ``1e0`` one
    group, as pandas reads such a column), integers exactly (IDs past 2**53 kept apart);
    a column of which a cell is no number as text, stripped as the CSV reader strips
    every cell (``"a"`` and ``" a "`` one group); an array of numbers (NPZ) as it is.

    Returns
    -------
    ndarray of shape (n_samples,)
        Of int64 (object for integers past its range), float64 or str.
    """
    cells = np.asarray(cells)
    if cells.dtype.kind not in "USO":
        return cells
    text = [str(cell).strip() for cell in cells.tolist()]
    if all(_INTEGER.fullmatch(cell) for cell in text):
        ints = [int(cell) for cell in text]
        try:
            return np.array(ints, dtype=np.int64)
        except OverflowError:  # IDs past int64: Python's integers, exact
            return np.array(ints, dtype=object)
    try:
        numbers = [float(cell) for cell in text]
    except ValueError:  # a cell of text: the column is of text IDs
        return np.array(text, dtype=str)
    if any("_" in cell for cell in text):  # Python's 1_000: text to pandas
        return np.array(text, dtype=str)
    return np.array(numbers, dtype=np.float64)


def group_record(args: argparse.Namespace, table) -> dict | None:
    """What cv and tune say of ``--groups``: its column and the number of groups of
    ``table`` (DATA's); None without the option."""
    name = getattr(args, "groups", None)
    if name is None or table.groups is None:
        return None
    return {"column": name, "count": int(np.unique(table.groups).size)}


def fewest_groups(table, folds: list) -> float:
    """The fewest groups (``table.groups``) that a fold's training rows hold; infinity
    without groups (each row its own)."""
    if table.groups is None:
        return float("inf")
    return min(len(np.unique(table.groups[train])) for train, _ in folds)


def group_folds(table, task: str, several: bool, k: int, seed: int, name: str
                ) -> tuple[str, list]:
    """The name of the splitter and its (training rows, held-out rows) of each fold, of
    whole groups (``table.groups``, of the column ``name``): ``StratifiedGroupKFold`` for
    a classifier of one target, ``GroupKFold`` otherwise, both shuffled with ``seed``.

    Raises
    ------
    ValueError
        For fewer groups than folds, naming both counts; for a classifier's fold whose
        training rows lack a class (all of its groups held out together).
    """
    from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

    from .saved_model import fit_labels

    _, codes = np.unique(table.groups, return_inverse=True)
    n_groups = int(codes.max()) + 1
    column = f"{_OPTION} {name}"
    if n_groups < k:
        raise ValueError(
            f"--folds {k}: {table.source} holds {n_groups} group{'s' if n_groups != 1 else ''} "
            f"({column}), fewer than the {k} folds; each fold holds out whole groups, one at "
            "least: " + (f"give --folds {n_groups} or fewer" if n_groups >= 2 else
                         "cross-validation needs 2 groups or more"))
    X = np.zeros((table.n_samples, 1))
    if task == "classification" and not several:
        labels, y = fit_labels(np.asarray(table.y))
        splitter = StratifiedGroupKFold(k, shuffle=True, random_state=seed)
        with warnings.catch_warnings():  # a class of fewer examples than folds: its
            # folds are checked below, named in cv's words
            warnings.simplefilter("ignore", UserWarning)
            folds = list(splitter.split(X, y, codes))
        for i, (train_rows, _) in enumerate(folds, 1):
            lack = np.setdiff1d(np.arange(len(labels)), y[train_rows])
            if lack.size:
                c = int(lack[0])
                raise ValueError(
                    f"--folds {k}: every example of the class {labels[c]!r} of the target "
                    f"{table.target_name!r} is held out by fold {i} (its "
                    f"{int(np.unique(codes[y == c]).size)} group(s) {column} in the fold: "
                    f"StratifiedGroupKFold, --seed {seed}), whose training rows then lack "
                    "it: give fewer --folds, another --seed, or more groups of that class")
        return "StratifiedGroupKFold", folds
    return "GroupKFold", list(GroupKFold(k, shuffle=True, random_state=seed).split(X, None,
                                                                                  codes))



def val_split(table, args: argparse.Namespace) -> tuple:
    """train's ``--val-fraction`` of whole groups (``table.groups``, of ``--groups``'
    column): scikit-learn's ``GroupShuffleSplit(n_splits=1, test_size=ceil(fraction *
    groups), random_state=--seed)``, that fraction of the groups, rounded up, held out
    (``args``: train's options, or a cv fold's, ``args.fold`` naming it).

    Returns
    -------
    train_idx, val_idx : ndarray of int
        The rows that train and those that validate, each in order.

    Raises
    ------
    ValueError
        Where the groups are too few to hold one out and keep one to train on.
    """
    from sklearn.model_selection import GroupShuffleSplit

    fraction, fold = args.val_fraction, getattr(args, "fold", None)
    _, codes = np.unique(table.groups, return_inverse=True)
    n_groups = int(codes.max()) + 1
    n_val = int(np.ceil(fraction * n_groups))
    if n_val >= n_groups:
        rows = "" if fold is None else f" (the training rows of fold {fold[0]} of {fold[1]})"
        raise ValueError(
            f"--val-fraction {fraction:g}: {table.source}{rows} holds {n_groups} group"
            f"{'s' if n_groups != 1 else ''} ({_OPTION} {args.groups}), and whole groups are "
            f"held out: {fraction:g} of them ({n_val}) leaves none to train on; "
            + ("give a smaller --val-fraction, or 0 for none" if n_groups >= 2 else
               "a single group cannot both train and validate: give --val-fraction 0"))
    split = GroupShuffleSplit(n_splits=1, test_size=n_val, random_state=args.seed)
    train_idx, val_idx = next(split.split(np.zeros((len(codes), 1)), None, codes))
    return np.sort(train_idx), np.sort(val_idx)


def check_val_classes(table, args: argparse.Namespace, labels: list, y: np.ndarray,
                      train_idx: np.ndarray) -> None:
    """Refuse train's ``--val-fraction`` rows of whole groups (:func:`val_split`, which is
    not stratified) that hold every example of a class, which the training rows then lack
    (a classifier of one target: ``labels``, its classes; ``y`` of shape (n_samples,),
    each example's class index; ``train_idx``, the training rows), as cv refuses such a
    fold.

    Raises
    ------
    ValueError
        Naming the class, its groups and the seed.
    """
    lack = np.setdiff1d(np.arange(len(labels)), y[train_idx])
    if not lack.size:
        return
    c, fold = int(lack[0]), getattr(args, "fold", None)
    rows = "" if fold is None else f" (the training rows of fold {fold[0]} of {fold[1]})"
    held = int(np.unique(table.groups[y == c]).size)
    raise ValueError(
        f"--val-fraction {args.val_fraction:g}: every example of the class {labels[c]!r} of "
        f"the target {table.target_name!r} of {table.source}{rows} is held out for "
        f"validation (its {held} group(s) of "
        f"{_OPTION} {args.groups}: GroupShuffleSplit, --seed {args.seed}), so the training "
        "rows lack it: give another --seed, a smaller --val-fraction (0 for none), or more "
        "groups of that class")
