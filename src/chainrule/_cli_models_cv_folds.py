"""The folds of ``chainrule cv`` (and ``tune``): scikit-learn's ``StratifiedKFold`` for a
classifier of one target, ``KFold`` otherwise, shuffled with ``--seed``; the numbers of
folds no split can give refused, naming the class or target's value too rare for them,
before any fold trains.  Also the wording of train's options on the commands that train
folds (cv, tune, tune-threshold): :func:`word_fold_options`."""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np


def _rows(table, idx: np.ndarray):
    """The examples ``idx`` of ``table`` (a :class:`~chainrule.tabular.Table`), in order."""
    return replace(table, X=table.X[idx],
                   y=None if table.y is None else np.asarray(table.y)[idx],
                   lines=None if table.lines is None else table.lines[idx],
                   sample_weight=None if table.sample_weight is None
                   else table.sample_weight[idx],
                   groups=None if table.groups is None else table.groups[idx])


def _folds(table, task: str, several: bool, k: int | str, seed: int,
           groups: str | None = None, time_ordered: bool = False, gap: int = 0,
           max_train_rows: int | None = None) -> tuple[str, list]:
    """The name of the splitter and its (training rows, held-out rows) of each fold; of
    whole groups where ``table.groups`` holds them (``--groups``' column ``groups``:
    ``_cli_groups.group_folds``); ``TimeSeriesSplit``'s of the rows in order with
    ``time_ordered`` (``--time-ordered``: ``_cli_time_order.time_folds``, of ``gap``
    and ``max_train_rows``);
    ``LeaveOneGroupOut``'s with ``k`` ``"all"`` (``--folds all``:
    ``_cli_groups_logo``)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    from ._cli_groups import group_folds
    from ._cli_groups_logo import ALL, check_all, logo_folds
    from ._cli_time_order import time_folds
    from .saved_model import fit_labels

    n = table.n_samples
    if k == ALL:  # --folds all: leave-one-group-out
        check_all(groups if table.groups is not None else None, time_ordered)
        splitter, folds = logo_folds(table, task, several, groups)
        if task == "classification" and several:  # multi-label
            _check_multilabel_folds(table, folds, seed, splitter)
        return splitter, folds
    if not 2 <= k <= n:
        raise ValueError(
            f"--folds {k}: " + ("cross-validation needs 2 folds or more (each fold's "
                                "model is scored on rows it was not trained on)" if k < 2 else
                                f"{table.source} has {n} examples, and each fold needs one "
                                f"held out at least: give --folds {n} or fewer"))
    if time_ordered:
        splitter, folds = time_folds(table, task, several, k, gap, max_train_rows)
        if task == "classification" and several:  # multi-label
            _check_multilabel_folds(table, folds, seed, splitter)
        return splitter, folds
    if table.groups is not None:
        splitter, folds = group_folds(table, task, several, k, seed, groups)
        if task == "classification" and several:  # multi-label
            _check_multilabel_folds(table, folds, seed, splitter)
        return splitter, folds
    if task == "classification" and not several:
        labels, codes = fit_labels(np.asarray(table.y))
        counts = np.bincount(codes, minlength=len(labels))
        few = int(np.argmin(counts))
        if counts[few] < k:
            raise ValueError(
                f"--folds {k}: the class {labels[few]!r} of the target {table.target_name!r} "
                f"has {counts[few]} example{'s' if counts[few] != 1 else ''} in "
                f"{table.source}, fewer than the {k} folds; stratified folds hold each class "
                "in every fold: " + (f"give --folds {counts[few]} or fewer" if counts[few] > 1
                                     else "no --folds can hold one example in each, cv "
                                     "needing 2 or more: leave out the class's example"))
        return "StratifiedKFold", list(StratifiedKFold(k, shuffle=True, random_state=seed)
                                       .split(np.zeros((n, 1)), codes))
    folds = list(KFold(k, shuffle=True, random_state=seed).split(np.zeros((n, 1))))
    if task == "classification":  # multi-label
        _check_multilabel_folds(table, folds, seed)
    return "KFold", folds


def _check_multilabel_folds(table, folds: list, seed: int, splitter: str = "KFold") -> None:
    """Refuse folds of which the training rows hold one value only of a multi-label target.

    KFold does not stratify: the examples of a target's rarer value may all be held out
    by one fold, whose training rows, of one class, train would refuse (blaming DATA,
    which holds both); said here, naming the target, the fold and the value's count,
    before any fold is trained.  A target of other than two values in DATA is left to
    train's own message.
    """
    y = np.asarray(table.y)
    # LeaveOneGroupOut (--folds all) and TimeSeriesSplit draw nothing: no --seed to name
    logo, seeded = splitter == "LeaveOneGroupOut", splitter not in ("LeaveOneGroupOut",
                                                                     "TimeSeriesSplit")
    for j, name in enumerate(table.target_names):
        values, counts = np.unique(y[:, j], return_counts=True)
        if len(values) != 2:
            continue
        for i, (train_rows, _) in enumerate(folds, 1):
            seen = set(np.unique(y[train_rows, j]).tolist())
            if len(seen) == 2:
                continue
            rare = 0 if values[0].item() not in seen else 1
            value, other, c = values[rare].item(), values[1 - rare].item(), int(counts[rare])
            advice = ("give fewer --folds or another --seed" if seeded else
                      "give --folds K (GroupKFold), whose folds hold several groups out"
                      if logo else "give fewer --folds (longer first training rows)")
            raise ValueError(
                f"--folds {'all' if logo else len(folds)}: the target {name!r} is {value!r} "
                f"in {c} example{'s' if c != 1 else ''} of {table.source}, "
                + (f"none among the training rows of fold {i} ({splitter}), which are all "
                   f"{other!r}" if splitter == "TimeSeriesSplit" else
                   f"held out by fold {i} ({splitter}{f', --seed {seed}' if seeded else ''}), "
                   f"whose training rows are then all {other!r}")
                + ": a multi-label classifier learns each target "
                "from both of its values; "
                + (advice if c > 1 else
                   "a value of one example is always held out by one fold: leave out the "
                   "target or that example"))


def word_fold_options(p: argparse.ArgumentParser, helps: dict[str, str]) -> None:
    """Train's options on ``p``, a command that trains one network per fold: the help of
    each ``dest`` in ``helps`` replaced (``-o`` also typed as a model path, default none
    written), the others cv refuses (``_cli_models_cv._REFUSED``) parsed but hidden, to be
    refused by name."""
    from ._cli_models_cv import _REFUSED
    from .cli_args import model_path

    refused = {dest for dest, _, _ in _REFUSED}
    for action in p._actions:
        if action.dest in helps:
            action.help = helps[action.dest]
            if action.dest == "out":
                action.type, action.default = model_path, None
        elif action.dest in refused:
            action.help, action.default = argparse.SUPPRESS, None
