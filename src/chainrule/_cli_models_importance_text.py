"""The text of ``chainrule importance`` (:mod:`chainrule._cli_models_importance`): its
table of features, its progress bar and the words of its shuffles."""

from __future__ import annotations

import sys

import numpy as np


def _table_lines(names: list[str], mean: np.ndarray, std: np.ndarray) -> list[str]:
    """The rows of features, their mean and std, in columns."""
    width = max(len("feature"), *(len(n) for n in names))
    cells = [(f"{m:.6g}", f"{s:.6g}") for m, s in zip(mean, std, strict=True)]
    a = max(len("importance"), *(len(m) for m, _ in cells))
    b = max(len("std"), *(len(s) for _, s in cells))
    return [f"{'feature':<{width}}  {'importance':>{a}}  {'std':>{b}}",
            *(f"{n:<{width}}  {m:>{a}}  {s:>{b}}" for n, (m, s) in zip(names, cells,
                                                                   strict=True))]


def _bar(total: int, quiet: bool):
    """A progress bar of ``total`` shuffled scores on stderr, shown after a second (none
    with ``quiet``, or where stderr shows none: a log file, a pipe)."""
    from ._training_epochs import _bar_drawn

    if quiet or not _bar_drawn():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="importance", unit="pass", leave=False, file=sys.stderr,
                delay=1.0)


def _shuffles(repeats: int) -> str:
    """'5 shuffles'; '1 shuffle (std 0: ...)', whose spread says nothing."""
    if repeats == 1:
        return "1 shuffle (std 0: give --repeats 2 or more for a spread)"
    return f"{repeats} shuffles"
