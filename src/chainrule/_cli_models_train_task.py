"""``chainrule train``'s reading of the data: the task inferred from the target, and the
validation split (see :mod:`chainrule._cli_models_train`)."""

from __future__ import annotations

import numpy as np


def _infer_task(table, requested: str, loss: str | None = None) -> str:
    if requested != "auto":
        return requested
    if table.task is not None:
        return table.task
    if loss == "poisson":  # counts: whole numbers, often few distinct ones, yet a regression
        return "regression"
    y = np.asarray(table.y)
    try:
        values = y.astype(np.float64)
    except ValueError:
        _refuse_stray_text(table)
        return "classification"
    whole = np.all(np.isfinite(values)) and np.all(values == np.round(values))
    return "classification" if whole and len(np.unique(values)) <= 20 else "regression"


def _refuse_stray_text(table) -> None:
    """Refuse a target of numbers with a few text cells, which would become classes.

    Text makes a target a classification, but a column of more than 20 distinct
    numbers in which at most half of the cells are text ("NA", "?", "n/a") is a
    numeric target with missing or bad values: as classes, every number would
    be a class of its own.  ``--task classification`` still takes it as labels.
    """
    numbers, text = [], []
    for i, cell in enumerate(np.asarray(table.y).tolist()):
        try:
            numbers.append(float(cell))
        except (TypeError, ValueError):
            text.append((i, cell))
    distinct = len(set(numbers))
    if distinct > 20 and len(text) <= len(numbers):
        shown = ", ".join(f"{cell!r} (example {i + 1})" for i, cell in text[:5])
        more = f" and {len(text) - 5} more" if len(text) > 5 else ""
        raise ValueError(
            f"{table.source}: the target {table.target_name or 'column'!s} holds "
            f"{distinct} distinct numbers and {len(text)} cell(s) that are not numbers: "
            f"{shown}{more}; remove or fill those examples for a regression, or pass --task "
            "classification to take every value as a class label"
        )


def _split(n: int, fraction: float, seed: int, stratify: np.ndarray | None):
    from sklearn.model_selection import train_test_split

    index = np.arange(n)
    if not fraction:
        return index, index[:0]
    if not 0 < fraction < 1:
        raise ValueError(f"--val-fraction must be in [0, 1), got {fraction}")
    n_val = int(np.ceil(fraction * n))
    if n_val >= n:
        raise ValueError(f"--val-fraction {fraction} leaves no training examples of {n}")
    if stratify is not None:  # only where each side can hold every class
        counts = np.bincount(stratify)
        if counts.min() < 2 or min(n_val, n - n_val) < len(counts):
            stratify = None
    return train_test_split(index, test_size=n_val, random_state=seed, stratify=stratify)


def _infer_task_several(table, requested: str, loss: str | None = None) -> str:
    """The task of several targets (``--target a b ...``): a multi-output regression.

    Several targets are fitted only as numbers, one identity output each
    (:class:`~chainrule.MLPRegressor` of a 2-D target).  ``--task auto`` takes
    them for a regression when every column holds numbers and one at least
    is not class-like (whole numbers, at most 20 distinct ones, which one
    target would take for classes); columns that all look like class labels
    (0/1, yes/no) are refused, as is ``--task classification``, with what to
    do instead: a multi-label classifier of 0/1 columns is
    :class:`~chainrule.MLPClassifier` from Python.
    """
    names = table.target_names
    shown = ", ".join(names)
    multilabel = (f"several classification targets (--target {' '.join(names)}) are not "
                  "supported by chainrule train: train one model per target, or fit "
                  "chainrule.MLPClassifier on the 0/1 indicator columns from Python "
                  "(multi-label)")
    if requested == "classification":
        raise ValueError(f"--task classification: {multilabel}")
    y = np.asarray(table.y)
    text, classlike = [], []
    for j, name in enumerate(names):
        try:
            values = y[:, j].astype(np.float64)
        except ValueError:
            text.append(name)
            continue
        whole = np.all(np.isfinite(values)) and np.all(values == np.round(values))
        if whole and len(np.unique(values)) <= 20:
            classlike.append(name)
    if requested == "regression" or loss == "poisson":
        return "regression"  # a cell that is no number is named by regression_targets
    if text:
        raise ValueError(f"{table.source}: the target{'s' if len(text) > 1 else ''} "
                         f"{', '.join(text)} hold{'' if len(text) > 1 else 's'} text, which "
                         f"is class labels; {multilabel}")
    if len(classlike) == len(names):
        raise ValueError(f"{table.source}: the targets {shown} all hold whole numbers, at "
                         "most 20 distinct ones each, which one target would take for class "
                         f"labels; {multilabel}; or give --task regression to fit them as "
                         "numbers")
    return "regression"
