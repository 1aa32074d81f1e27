"""A CSV file of numbers read as its rows come (see :mod:`chainrule._tabular_csv`).

The general reader holds every row's cells as strings until the file is read, to check
the file as a whole first: a Python string per cell, some 70 bytes for a number of 17
digits, ten times the float it becomes.  A file whose header is plain column names and
whose feature cells are all finite numbers needs none of those checks: its features are
parsed (``float``, as the general reader parses them) row by row into one buffer of
float64, and only the target column's cells are kept as text.  At the first row that
is anything else (a cell that is no number, a row of another length) the file is read
again by the general reader, whose messages and tables are then the file's.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np


class Restart(Exception):
    """The file needs the general reader: read it again with it."""


def numbers_plan(header: list[str], target: str | None, features: list[str] | None,
                 more: tuple[str, ...], need_target: bool, encoding: object | None,
                 is_number) -> tuple[str | None, int | None, list[int], list[str]] | None:
    """What the rows of a file whose first row is ``header`` (stripped) are read for: the
    target, its column, the feature columns and their names; None where the general
    reader's checks of the whole file may have something to say (a header holding a
    number or an unnamed or repeated column, a column not found, several targets, a
    categorical column named, ...)."""
    if (more or "" in header or len(set(header)) != len(header)
            or any(is_number(cell) for cell in header)):
        return None
    position = {name: i for i, name in enumerate(header)}
    if target is None and need_target:
        target = header[-1]
    t_col = None
    if target is not None and (need_target or target in position):
        if target not in position:
            return None
        t_col = position[target]
    if features is None:
        features = [name for i, name in enumerate(header) if i != t_col]
    if not features or any(name not in position for name in features):
        return None
    cols = [position[name] for name in features]
    if need_target and t_col in cols:
        return None
    if encoding is not None and encoding.wanted(list(features)):
        return None
    return target, t_col, cols, list(features)


class NumberRows:
    """The rows of a file read by :func:`numbers_plan`'s plan, one at a time: the line of
    each, its target cell as written, its feature cells as float64."""

    def __init__(self, plan: tuple, width: int) -> None:
        self.target, self.t_col, self.cols, self.features = plan
        self.width = width
        self.lines = array("q")
        self.targets: list[str] = []
        self.values = array("d")

    def add(self, line: int, row: list[str]) -> None:
        """The row starting on ``line``; :class:`Restart` where it is not all numbers."""
        if len(row) != self.width:
            raise Restart
        try:
            # (no itemgetter: its tuples, in 3.11, wait for the cyclic collector)
            self.values.fromlist([float(row[c]) for c in self.cols])
        except ValueError:
            raise Restart from None
        self.lines.append(line)
        if self.t_col is not None:
            self.targets.append(row[self.t_col])

    def features_block(self, missing: bool) -> np.ndarray:
        """The features, of shape (n_rows, n_features): :class:`Restart` where a value is
        not finite (``missing``: a NaN, a gap whose spelling the general reader records;
        an infinity, refused by name)."""
        if not self.lines:
            raise Restart
        X = np.frombuffer(self.values, dtype=np.float64)
        if not np.isfinite(X).all():
            raise Restart
        return X.reshape(len(self.lines), len(self.cols))

    def table(self, path: Path | str, need_target: bool, nan_class: bool,
              missing: bool, target_column, table_type):
        """The :class:`~chainrule._tabular_table.Table` of the rows read."""
        X = self.features_block(missing)
        lines = np.array(self.lines.tolist())  # as the general reader makes it
        self.lines = array("q")
        y = None
        if self.t_col is not None:
            y = target_column(np.array(self.targets, dtype=str), self.target, lines, path,
                              need_target, nan_class)
            self.targets = []
        return table_type(X, y, self.features, self.target, str(path), lines=lines,
                          target_names=None)
