"""A CSV file read column by column as its rows come (see :mod:`chainrule._tabular_csv`).

The reader that checks a file as a whole holds every row's cells as Python strings
until the file is read: some 70 bytes for a number of 17 digits, ten times the float
it becomes, and a file's peak was some 13 times its float64 features.  A file whose
header is plain column names (no number, no repeated name, the columns asked for all
there) is read here instead, one row at a time, each column into a typed array:

* a feature column whose first cell is a number (with ``missing``, ``--impute``: its
  first cell that is not missing, the rows before it NaN): its cells parsed with
  ``float`` (as the general reader parses them) into one float64 buffer of such
  columns, row by row; a missing cell (``missing``) is a NaN, its spelling counted;
* any other column (a target, a column of text, one named categorical): each distinct
  cell, as written, kept once, and the rows as int32 codes into those cells.

At the end each column of text is made the string array the general reader would have
made of it, and read by the same code (targets, categories, one-hot encoding), in the
same order, so that a refusal there (an unknown category, a missing target) is that
reader's, from one pass over the file.  A column of numbers with a cell that reader
refuses (text, an infinity, a gap without ``missing``) is kept as text from then on,
which that code refuses with the same message (:meth:`StreamRows._refuse`).  A row of
another length (or a refused column that the code takes after all) has the file read
again by the general reader, whose messages and tables are then the file's: this
reader never words a message of its own.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ._tabular_table import is_missing_number


class Restart(Exception):
    """The file needs the general reader: read it again with it."""


#: How a finite number of a refused column (:meth:`StreamRows._refuse`) is kept
NUMBER = "0"


def stream_plan(header: list[str], target: str | None, features: list[str] | None,
                more: tuple[str, ...], need_target: bool, encoding: object | None,
                is_number: Callable[[str], bool]) -> tuple | None:
    """What the rows of a file whose first row is ``header`` (stripped) are read for:
    ``(target, more, t_cols, cols, features, text_cols)`` (the target, the further
    targets, the target columns, the feature columns, their names, the feature columns
    read as text whatever they hold);
    None where the general reader's checks of the whole file may have something to say
    (a header holding a number, an unnamed column it refuses, a repeated name, a column
    not found, a target among the features, ...)."""
    if any(is_number(cell) for cell in header):
        return None
    if "" in header and (features is None or "" in {*features, target, *more}
                         or (target is None and need_target and header[-1] == "")):
        return None
    if any(name and k > 1 for name, k in Counter(header).items()):
        return None
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        position.setdefault(name, i)
    if target is None and need_target:
        target = header[-1]
    if more and need_target and any(n not in position for n in (target, *more)):
        return None
    t_cols: list[int] = []
    if target is not None and (need_target or target in position):
        if target not in position:
            return None
        t_cols = [position[target]]
        if more:
            if any(n not in position for n in more):
                return None
            t_cols += [position[n] for n in more]
    if features is None:
        features = [n for i, n in enumerate(header) if i not in t_cols]
    if not features or any(name not in position for name in features):
        return None
    cols = [position[name] for name in features]
    if need_target and any(c in cols for c in t_cols):
        return None
    wanted = set(getattr(encoding, "forced", ()) or ()) | set(
        getattr(encoding, "known", None) or ())
    text_cols = {position[n] for n in features if n in wanted}
    return target, more, t_cols, cols, list(features), text_cols


class TextColumn:
    """The cells of one column, as written: each distinct cell once, and each row's code
    into them (int32)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.codes = array("i")

    def cells(self) -> np.ndarray:
        """The column as the general reader makes it: strings of shape (n_rows,)."""
        distinct = np.array(list(self.index), dtype=str)
        return distinct[np.frombuffer(self.codes, dtype=np.int32)]

    def add(self, cell: str) -> None:
        """One more row's cell."""
        self.codes.append(self.index.setdefault(cell, len(self.index)))

    def stripped_at(self, rows: np.ndarray) -> Iterator[str]:
        """The cells of ``rows``, spaces around them taken off, in the rows' order."""
        distinct = [cell.strip() for cell in self.index]
        codes = np.frombuffer(self.codes, dtype=np.int32)[rows]
        return (distinct[k] for k in codes.tolist())


class StreamRows:
    """The rows of a file read by :func:`stream_plan`'s plan, one at a time.

    Parameters
    ----------
    plan : tuple
        :func:`stream_plan`'s.
    width : int
        The header's number of cells: a row of another length restarts.
    missing : bool
        A missing feature cell is a NaN (``--impute``), its spelling counted.
    """

    def __init__(self, plan: tuple, width: int, missing: bool) -> None:
        self.target, self.more, self.t_cols, self.cols, self.features, self.forced = plan
        self.width, self.missing = width, missing
        self.lines = array("q")
        self.values = array("d")  # the columns of numbers, row after row
        self.num_cols: list[int] | None = None  # decided at the first row
        self.n = 0  # the rows read, once all are
        self.text: dict[int, TextColumn] = {}
        self.gaps: dict[int, Counter] = {}
        # columns of numbers holding a cell the general reader refuses (:meth:`_refuse`):
        # their cells up to it, and the distinct cells after it that are no finite number
        self.refused: dict[int, tuple[TextColumn, dict[str, None]]] = {}

    def _start(self, row: list[str]) -> None:
        """The columns of numbers: each feature column whose first cell is one; with
        ``missing``, one whose first cells are missing (:func:`is_missing_number`) is
        undecided until its first other cell (:meth:`_decide`), kept as text till then."""
        self.num_cols = []
        self.undecided: list[int] = []
        for c in self.cols:
            if c not in self.forced:
                if self.missing and is_missing_number(row[c]):
                    self.undecided.append(c)
                    self.text.setdefault(c, TextColumn())
                    continue
                try:
                    float(row[c])
                except ValueError:
                    pass
                else:
                    self.num_cols.append(c)
                    continue
            self.text.setdefault(c, TextColumn())
        for c in self.t_cols:
            self.text.setdefault(c, TextColumn())
        self.gaps = {c: Counter() for c in self.num_cols}
        self._layout()

    def _layout(self) -> None:
        """The slice of a row that holds the columns of numbers, where they are side by
        side (the usual file), and the text columns' cells and codes."""
        first = self.num_cols[0] if self.num_cols else 0
        self._run = (slice(first, first + len(self.num_cols))
                     if self.num_cols == list(range(first, first + len(self.num_cols)))
                     else None)
        self._text = [(c, col.index, col.codes) for c, col in self.text.items()]

    def _decide(self, row: list[str]) -> None:
        """The undecided columns whose cell in ``row`` is not missing: a column of numbers
        where it is a number (its rows so far NaN, their spellings counted), else text."""
        for c in [c for c in self.undecided if not is_missing_number(row[c])]:
            self.undecided.remove(c)
            try:
                float(row[c])
            except ValueError:
                continue  # text: its cells, the missing ones too, are its codes already
            column = self.text.pop(c)
            counts = np.bincount(np.frombuffer(column.codes, dtype=np.int32),
                                 minlength=len(column.index))
            self.gaps[c] = Counter()
            for cell, k in zip(column.index, counts.tolist(), strict=True):
                self.gaps[c][cell.strip()] += k  # in the order first seen
            # its place among the columns of numbers, in the order of the features: the
            # rows so far (a copy, once) with a column of NaN there
            ahead = set(self.num_cols) | {c}
            order = [k for k in self.cols if k in ahead]
            n = len(self.lines)
            block = np.frombuffer(self.values, dtype=np.float64).reshape(n, len(self.num_cols))
            wider = np.insert(block, order.index(c), np.nan, axis=1)
            del block
            self.values = array("d")
            self.values.frombytes(memoryview(wider).cast("B"))
            del wider
            self.num_cols = order
            self._layout()

    def add(self, line: int, row: list[str]) -> None:
        """The row starting on ``line``; :class:`Restart` where the general reader is
        needed (a row of another length)."""
        if len(row) != self.width:
            raise Restart
        if self.num_cols is None:
            self._start(row)
        if self.undecided:
            self._decide(row)
        try:
            # (no itemgetter: its tuples, in 3.11, wait for the cyclic collector)
            values = (list(map(float, row[self._run])) if self._run is not None else
                      [float(row[c]) for c in self.num_cols])
        except ValueError:
            values = self._checked(row)
        else:
            total = sum(values)
            if total - total != 0.0:  # a NaN or an infinity among them (or an overflow)
                values = self._checked(row)
        self.values.fromlist(values)
        for c, index, codes in self._text:
            cell = row[c]
            codes.append(index.setdefault(cell, len(index)))
        self.lines.append(line)

    def _checked(self, row: list[str]) -> list[float]:
        """The numbers of a row holding one that is not finite: a missing cell (NaN,
        ``missing`` only, its spelling counted), else a cell that the general reader
        refuses (:meth:`_refuse`; 0.0 in its place)."""
        values = []
        for c in self.num_cols:
            cell = row[c]
            try:
                value = float(cell)
            except ValueError:
                value = math.nan if self.missing and is_missing_number(cell) else None
            else:
                if math.isnan(value) and not self.missing:
                    value = None
            refused = self.refused.get(c)
            if refused is not None:
                if value is None or not math.isfinite(value):
                    refused[1].setdefault(cell)
                value = 0.0
            elif value is None or math.isinf(value):
                self._refuse(c, cell)
                value = 0.0
            elif math.isnan(value):
                self.gaps[c][cell.strip()] += 1
            values.append(value)
        return values

    def _refuse(self, c: int, cell: str) -> None:
        """Column of numbers ``c``, whose ``cell`` (of the row being read) the general
        reader refuses (text, an infinity; a gap without ``missing``): kept from now on
        as what that reader's code needs to word the refusal at the end
        (:meth:`refused_cells`): where its gaps are up to ``cell``, which is the first
        cell it names (every one before it a finite number or, with ``missing``, a gap),
        and the distinct spellings of the column's cells that are no finite number
        (whether the column is "mixed" and how its text reads depend on them only).
        Its rows so far: :data:`NUMBER`, or one of its gaps' spellings (each once, where
        the gaps are); after ``cell``, the distinct such cells."""
        n, k = len(self.lines), self.num_cols.index(c)
        so_far = np.frombuffer(self.values, dtype=np.float64).reshape(n, len(self.num_cols))
        gap = np.flatnonzero(np.isnan(so_far[:, k]))
        column = TextColumn()
        column.index[NUMBER] = 0
        spellings = list(self.gaps[c]) or [""]
        codes = np.zeros(n, dtype=np.int32)
        codes[gap] = len(column.index)
        for i, spelling in zip(gap, spellings, strict=False):
            codes[i] = column.index.setdefault(spelling, len(column.index))
        column.codes.frombytes(codes.tobytes())
        column.add(cell)
        self.refused[c] = (column, {})

    def refused_cells(self, c: int) -> np.ndarray:
        """A refused column (:meth:`_refuse`) as strings of shape (n_rows,) that the
        general reader's code refuses as it refuses the column's own: its cells up to
        the one it names, then its other cells that are no finite number, then
        :data:`NUMBER`."""
        column, later = self.refused[c]
        head = column.cells()
        return np.concatenate([head, np.array(list(later), dtype=str),
                               np.full(self.n - len(head) - len(later), NUMBER)])

    def numbers(self) -> dict[int, np.ndarray]:
        """Each column of numbers (a view of shape (n_rows,)) by its column."""
        block = np.frombuffer(self.values, dtype=np.float64).reshape(self.n, len(self.num_cols))
        return {c: block[:, k] for k, c in enumerate(self.num_cols)}

    def block(self) -> np.ndarray | None:
        """The features of shape (n_rows, n_features) without a copy, where every feature
        column is one of numbers in the order of the features; else None."""
        if self.num_cols != self.cols or self.refused:
            return None
        return np.frombuffer(self.values, dtype=np.float64).reshape(self.n, len(self.cols))

    def spellings(self, c: int, rows: np.ndarray) -> Counter:
        """How the cells of column ``c`` at ``rows`` (those read as NaN) are written."""
        if c in self.gaps:
            return self.gaps[c]
        return Counter(self.text[c].stripped_at(rows))


def read_table(rows: StreamRows, path: Path | str, need_target: bool, nan_class: bool,
               missing: bool, encoding: object | None, helpers: dict) -> object:
    """The :class:`~chainrule._tabular_table.Table` of the rows read, made as the general
    reader makes it from the same cells (its errors raised as it raises them);
    :class:`Restart` where no row was read, or a refused column is not refused."""
    if not rows.lines:
        raise Restart
    return _table(rows, path, need_target, nan_class, missing, encoding, **helpers)


def _table(rows: StreamRows, path, need_target, nan_class, missing, encoding, *,
           target_column, target_cells, parse_floats, with_gaps, table_type, hint):
    lines = np.array(rows.lines.tolist())  # as the general reader makes it
    rows.n, rows.lines = len(lines), array("q")
    target, t_cols, cols, features = rows.target, rows.t_cols, rows.cols, rows.features
    y = None
    if t_cols:
        y = target_column(rows.text[t_cols[0]].cells(), target, lines, path, need_target,
                          nan_class)
    names = None
    if len(t_cols) > 1 and y is not None:
        y = np.column_stack([y, *(target_cells(rows.text[c].cells(), name, lines, path,
                                               need_target, nan_class)
                                  for c, name in zip(t_cols[1:], rows.more, strict=True))])
        names = [target, *rows.more]
    X = rows.block()
    table = table_type(np.empty((len(lines), 0)) if X is None else X, y, list(features),
                       target, str(path), lines=lines, target_names=names)
    if X is None:
        numbers = rows.numbers()
        for c in rows.refused:
            del numbers[c]

        def text(c: int) -> np.ndarray:
            return rows.refused_cells(c) if c in rows.refused else rows.text[c].cells()

        if encoding is not None:
            cells = (numbers[c] if c in numbers else text(c) for c in cols)
            table = encoding.encode(table, cells)
        else:  # a column of numbers with gaps that starts with one
            X = np.empty((len(lines), len(cols)))
            for j, c in enumerate(cols):
                X[:, j] = numbers[c] if c in numbers else parse_floats(
                    text(c), table.where, f"column {features[j]!r}", hint,
                    missing)
            table.X = X
        rows.values = array("d")
        if rows.refused:  # (which that code refuses: read again, as before, if not)
            raise Restart
    if missing:
        table = with_gaps(table, rows.spellings, cols)
    return table
