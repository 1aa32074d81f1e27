"""``--folds all`` of ``chainrule cv`` and ``tune`` with ``--groups COLUMN``:
leave-one-group-out, scikit-learn's ``LeaveOneGroupOut``: one fold per group, each group
held out once, scored by a model trained on every other group.

``all`` is a value of ``--folds`` (not a flag of its own) because it answers the question
``--folds`` asks, how many folds: as many as there are groups, each one a fold; a
number of folds beside a flag would be a contradiction to refuse.  Without ``--groups``
(each row its own group: ``--folds N`` of N rows is leave-one-out already) and with
``--time-ordered`` (which never trains on later rows) it is refused.
"""

from __future__ import annotations

import argparse

import numpy as np

__all__ = ["ALL", "folds_type", "logo_folds", "logo_words"]

#: ``--folds``' value of leave-one-group-out.
ALL = "all"


def folds_type(text: str) -> int | str:
    """``--folds``' value: a whole number of folds, or ``all`` (leave-one-group-out).

    Raises
    ------
    argparse.ArgumentTypeError
        For anything else, saying what is expected.
    """
    if text.strip().lower() == ALL:
        return ALL
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of folds (2 or more), or 'all' with --groups "
            f"(leave-one-group-out: one fold per group), got {text!r}") from None


def check_all(groups: str | None, time_ordered: bool) -> None:
    """Refuse ``--folds all`` without ``--groups`` or with ``--time-ordered``.

    Raises
    ------
    ValueError
        Naming the option and what to give instead.
    """
    if time_ordered:
        raise ValueError("--folds all: leave-one-group-out is of --groups, not of "
                         "--time-ordered (whose folds never train on later rows): give "
                         "--folds K")
    if groups is None:
        raise ValueError("--folds all: leave-one-group-out holds out each group of --groups "
                         "COLUMN once, and no --groups is given: give --groups COLUMN, or "
                         "--folds K (K the number of examples holds out each row once)")


def logo_folds(table, task: str, several: bool, name: str) -> tuple[str, list]:
    """``LeaveOneGroupOut``'s (training rows, held-out rows) of each fold of ``table``'s
    groups (``table.groups``, of shape (n_samples,), of the column ``name``), in the
    order of the sorted groups, and its name.

    Raises
    ------
    ValueError
        For a single group (nothing would be left to train on); for a classifier of one
        target whose class is held out whole by a fold (the class of one group only).
    """
    from sklearn.model_selection import LeaveOneGroupOut

    from .saved_model import fit_labels

    ids, codes = np.unique(table.groups, return_inverse=True)
    column = f"--groups {name}"
    if len(ids) < 2:
        raise ValueError(
            f"--folds all: {table.source} holds {len(ids)} group ({column}), and "
            "leave-one-group-out trains each fold on the other groups, of which there are "
            "none: cross-validation needs 2 groups or more")
    folds = list(LeaveOneGroupOut().split(np.zeros((len(codes), 1)), None, codes))
    if task == "classification" and not several:
        labels, y = fit_labels(np.asarray(table.y))
        for i, (train_rows, held_rows) in enumerate(folds, 1):
            lack = np.setdiff1d(np.arange(len(labels)), y[train_rows])
            if lack.size:
                c = int(lack[0])
                raise ValueError(
                    f"--folds all: every example of the class {labels[c]!r} of the target "
                    f"{table.target_name!r} is in the group {ids[codes[held_rows[0]]].item()!r} "
                    f"({column}), held out by fold {i} (LeaveOneGroupOut), whose training "
                    "rows then lack it: leave-one-group-out needs each class in 2 groups "
                    "or more; give --folds K (StratifiedGroupKFold), or leave out the "
                    "class's examples")
    return "LeaveOneGroupOut", folds


def logo_words(record: dict, seed: int) -> str:
    """The words of cv's and tune's folds line within its parentheses, and after: of
    ``LeaveOneGroupOut`` (``record``: ``group_record``'s)."""
    others = record["count"] - 1
    return (f"LeaveOneGroupOut of {record['count']} groups of {record['column']!r}, "
            f"--folds all, not shuffled; seed {seed} of each fold's training): each fold "
            f"holds out one group, scored by a model trained on the other {others}")
