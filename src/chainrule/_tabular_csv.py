"""CSV files for :func:`chainrule.tabular.read_data`: a header row of column names,
then one example per row, each malformed row, cell or header named by its line.
Import from :mod:`chainrule.tabular`."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from ._tabular_categories import Encoding
from ._tabular_compressed import (
    DAMAGE,
    compression,
    damaged,
    is_damage,
    not_utf8,
    open_data,
)
from ._tabular_csv_header import _DECIMAL_COMMAS, _separator_hint
from ._tabular_csv_header import _example_as_header as _example_as_header
from ._tabular_csv_header import _is_number as _is_number
from ._tabular_csv_header import _preview_row as _preview_row
from ._tabular_csv_stream import Restart, StreamRows, read_table, stream_plan
from ._tabular_digest import NulFound, keep, open_plain
from ._tabular_table import (
    GAP_TEXT,
    TEXT_FEATURES_HINT,
    Table,
    _columns,
    _duplicates,
    _parse_floats,
)
from ._tabular_text import UnreadableFileError, _not_utf8, _without_nul


def _find(header: list[str], wanted: list[str], source: str, what: str, hint: str) -> list[int]:
    """``_columns`` of a CSV header, with the separator's ``hint`` after a missing column."""
    try:
        return _columns(header, wanted, source, what)
    except ValueError as exc:
        if not hint:
            raise
        raise ValueError(f"{exc}{hint}") from None


def _read_csv(path: Path | str, target: str | None, features: list[str] | None,
              need_target: bool, features_what: str, nan_class: bool = False,
              more: tuple[str, ...] = (), text: io.TextIOBase | None = None,
              encoding: Encoding | None = None, missing: bool = False,
              stream: bool = True, opened: io.FileIO | None = None) -> Table:
    """The table of a CSV file at ``path``, or of ``text`` already read (standard input,
    which ``path`` then names: :data:`STDIN`); ``encoding``: how categorical feature
    columns are one-hot encoded (None: none is, text is refused); ``missing``: a missing
    feature cell is a NaN (``--impute``), not refused.

    A file (``stream``: one that can be read again, a regular file or standard input's
    text kept) whose header is plain names is read row by row, column by column
    (:mod:`chainrule._tabular_csv_stream`), without a string per cell; any other, and
    one that turns out to need it, is held as text and checked as a whole.  ``opened``:
    the plain regular file at ``path`` already open (``read_data``'s, which looked at its
    first bytes), read through it the first time, not opened again."""
    if text is not None:
        stream = stream and text.seekable()
    else:
        stream = stream and Path(path).is_file()
    nul = False  # a NUL byte seen in the file's bytes: every line looked at, to name it
    while True:
        try:
            table = _read_rows(path, target, features, need_target, features_what,
                               nan_class, more, text, encoding, missing, stream, nul=nul,
                               opened=opened)
        except Restart:  # not a file for the rows as they come: read again, as a whole
            table = None
        except NulFound:
            nul, table = True, None
            continue
        finally:  # read through once (closed with its text): any other read opens the file
            opened = None
        if table is not None:
            return table
        # (out of the handler: the rows read so far are let go first)
        if text is not None:
            text.seek(0)
        stream = False


def _read_rows(path: Path | str, target: str | None, features: list[str] | None,
               need_target: bool, features_what: str, nan_class: bool,
               more: tuple[str, ...], text: io.TextIOBase | None,
               encoding: Encoding | None, missing: bool, stream: bool,
               nul: bool = False, opened: io.FileIO | None = None) -> Table:
    """:func:`_read_csv`'s reading: by the rows as they come where ``stream``
    (:class:`Restart` where the whole file is needed), else as a whole.  A plain regular
    file is read once, its bytes looked at for a NUL byte as they come
    (:class:`~chainrule._tabular_digest.NulFound`); where ``nul`` (one was seen), and for
    any other text, every line is, to name the line that holds it."""
    # .gz, .bz2, .xz: as pandas, by the name (a pipe's by its first bytes)
    plain = (text is None and not nul and compression(path) is None
             and Path(path).is_file())
    if plain:  # (through read_data's descriptor, already open, where it gives one)
        source, kind = open_plain(path, opened), None
    else:
        source, kind = (open_data(path) if text is None
                        else (contextlib.nullcontext(text), None))
    try:
        with source as fh:
            # utf-8-sig takes one byte-order mark off; a file saved twice by an editor that
            # adds one holds more, which would stay in the first column's name
            first = fh.readline().lstrip("\ufeff")
            lines = itertools.chain([first], fh)
            if not plain:
                lines = _without_nul(lines, path)
            reader = csv.reader(lines, strict=True)
            rows, line = [], 1  # the line each row starts on: a quoted field may span lines
            numbers = None  # a file read column by column: its rows as they come
            for row in reader:
                # a row of blank cells is skipped; most rows show it at their first cell
                if not ((row and row[0].strip()) or any(cell.strip() for cell in row)):
                    pass
                elif numbers is not None:
                    numbers.add(line, row)
                else:
                    rows.append((line, row))
                    if len(rows) == 1 and stream:
                        plan = stream_plan([cell.strip() for cell in row], target, features,
                                           more, need_target, encoding, _is_number)
                        numbers = None if plan is None else StreamRows(plan, len(row),
                                                                       missing)
                line = reader.line_num + 1
            keep(path, fh)  # read to its end: its digests, for train's record and evaluate
            if numbers is not None:
                return read_table(numbers, path, need_target, nan_class, missing, encoding,
                                  {"target_column": _target_column,
                                   "target_cells": _target_cells,
                                   "parse_floats": _parse_floats,
                                   "with_gaps": _with_gaps_written, "table_type": Table,
                                   "hint": TEXT_FEATURES_HINT})
    except UnicodeDecodeError:
        if text is not None:  # standard input's bytes, decoded as they are read
            raise UnreadableFileError(f"{path}: not UTF-8 text; expected a CSV file") from None
        if kind is not None:
            raise UnreadableFileError(not_utf8(path, kind)) from None
        if Path(path).is_file():
            raise UnreadableFileError(_not_utf8(Path(path))) from None
        raise UnreadableFileError(f"{path}: not a UTF-8 text (CSV) file (an .npz archive cannot be "
                         "read from a pipe)") from None
    except csv.Error as exc:
        raise UnreadableFileError(f"{path}: malformed CSV: {exc}") from None
    except DAMAGE as exc:
        if kind is None or not is_damage(exc):
            raise
        raise damaged(path, kind, exc) from None
    if not rows:
        raise UnreadableFileError(f"{path}: empty file; expected a header row of column names")
    header = [cell.strip() for cell in rows[0][1]]
    sep = _separator_hint(header)
    if all(_is_number(cell) for cell in header):
        raise ValueError(
            f"{path} line {rows[0][0]}: the first row must be a header of column names, "
            f"got numbers ({', '.join(header[:4])}{', ...' if len(header) > 4 else ''})"
        )
    # a column without a name is refused where it would be taken (a feature when none are
    # named, the default target); where the features are named (a model's, --features) it
    # is left out as any column not named is: pandas' index, which no model needs
    if "" in header and (features is None or "" in {*features, target, *more}
                         or (target is None and need_target and header[-1] == "")):
        j = header.index("")
        # pandas' to_csv writes its index first, with no name: the usual such file
        # (the two ways out that the README gives: no index, or only the named columns)
        index = (" (pandas' DataFrame.to_csv writes its index there: write the file with "
                 "index=False, or leave the column out by naming the features to take with "
                 "--features (read_data's features=))") if j == 0 else ""
        raise ValueError(f"{path} line {rows[0][0]}: column {j + 1} has no name{index}")
    # a target or feature named by the caller among the first row's text cells says that the
    # row is the header, whatever it looks like; its numbers say nothing (a model's feature
    # '0' is also a pixel value 0 of a header-less file's first example)
    text = [cell for cell in header if not _is_number(cell)]
    named = bool({target, *more, *(features or ())} & set(text))
    example = None if named else _example_as_header(header, rows[1:])
    if example is not None:
        j, n = example
        raise ValueError(
            f"{path} line {rows[0][0]}: the first row must be a header of column names, but "
            f"it looks like an example ({_preview_row(header)}): its numbers stand over "
            f"columns of numbers, and {header[j]!r} (column {j + 1}) is a value of that "
            f"column (line {n}); add a header row of column names, which would otherwise "
            "lose this example (if this row is the header, name the target column: "
            f"target={text[-1]!r}, --target {text[-1]} on the command line)"
        )
    dup = [name for name in _duplicates(header) if name]  # unnamed ones: left out
    if dup:  # where they are (a name stripped of spaces may look unlike its twin)
        where = "; ".join(f"{name!r} (columns " + " and ".join(
            str(j + 1) for j, h in enumerate(header) if h == name) + ")" for name in dup)
        raise ValueError(f"{path}: duplicate column name(s) {where}, counted from 1, "
                         "spaces around a name left out: columns are found by name, so "
                         "each needs its own; rename all but one")
    body = rows[1:]
    if not body:
        raise ValueError(f"{path}: no rows of data after the header")
    for n, row in body:
        if len(row) != len(header):
            raise ValueError(
                f"{path} line {n}: malformed CSV: {len(row)} fields, the header has "
                f"{len(header)}{sep}"  # a ';' file of decimal commas: its rows split
                + (_DECIMAL_COMMAS if sep and ";" in header[0] else "")
            )
    lines = np.array([n for n, _ in body])
    defaulted = target is None and need_target
    if defaulted:
        target = header[-1]
    t_col, y = None, None
    if more and need_target:  # every missing target named at once
        _find(header, [target, *more], str(path), " (the targets)", sep)
    if target is not None and (need_target or target in header):
        (t_col,) = _find(header, [target], str(path), " (the target)", sep)
        y = _target_column(_cells(body, t_col), target, lines, path, need_target, nan_class)
    t_cols = [t_col]
    if more and y is not None:  # several targets (--target a b): one column of y each
        t_cols += _find(header, list(more), str(path), " (the targets)", sep)
        y = np.column_stack([y, *(_target_cells(_cells(body, c), header[c], lines, path,
                                                need_target, nan_class) for c in t_cols[1:])])
    if features is None:
        features = [n for i, n in enumerate(header) if i not in t_cols]
        if not features:
            raise ValueError(f"{path}: no feature columns besides the target {target!r}{sep}")
    cols = _find(header, features, str(path), features_what, sep)
    both = [header[c] for c in t_cols[1:] if c in cols]
    if need_target and both:  # a second target among the inputs
        raise ValueError(f"{path}: the target column {both[0]!r} is also a feature"
                         f"{features_what}; a model must not be given its target as an input")
    if need_target and t_col in cols:  # the answer among the inputs: a model that learns nothing
        hint = ("; it is the last column, the target when none is named: name the target "
                "column (--target on the command line)") if defaulted else ""
        raise ValueError(
            f"{path}: the target column {target!r} is also a feature{features_what}; a "
            f"model must not be given its target as an input{hint}"
        )
    plain = encoding is None or not encoding.wanted([header[c] for c in cols])
    X = _finite_block(body, cols, missing) if plain else None
    table = Table(np.empty((len(body), len(cols))) if X is None else X, y, list(features),
                  target, str(path), lines=lines,
                  target_names=[target, *more] if y is not None and more else None)
    if X is None and encoding is not None:  # text columns one-hot encoded, if any
        table = encoding.encode(table, _column_cells(body, cols))
    elif X is None:  # a cell that is no finite number: column by column, naming the first
        for j, c in enumerate(cols):
            table.X[:, j] = _parse_floats(_cells(body, c), table.where,
                                          f"column {header[c]!r}", TEXT_FEATURES_HINT,
                                          missing)
    return _with_gaps_written(table, _body_spellings(body), cols) if missing else table


def _target_column(cells: np.ndarray, target: str, lines: np.ndarray, path: Path | str,
                   need_target: bool, nan_class: bool) -> np.ndarray:
    """The stripped cells of the target column, refusing a missing value ("" or "nan",
    unless ``nan_class``) where a target is needed."""
    y = np.char.strip(cells)
    empty = np.flatnonzero(y == "")
    if need_target and empty.size:
        raise ValueError(f"{path} line {lines[empty[0]]}, target {target!r}: missing value")
    # "nan", "NaN": missing (as pandas reads them, and as a NaN in an NPZ target), not
    # a class named "nan"
    nan = np.flatnonzero(np.isin(np.char.lower(y), ["nan", "+nan", "-nan"]))
    if need_target and nan.size and not nan_class:
        raise ValueError(f"{path} line {lines[nan[0]]}, target {target!r}: missing value "
                         f"({str(y[nan[0]])!r})")
    return y


def _with_gaps_written(table: Table, spellings: Callable[[int, np.ndarray], Counter],
                       cols: list[int]) -> Table:
    """``table`` (read with ``missing``) with its ``gaps_written``: how each column's
    missing cells (NaN in its first feature) are written, where not all are empty;
    ``spellings(c, rows)``: the Counter of column ``c``'s cells at ``rows``, stripped, in
    the order first seen."""
    written, j = {}, 0
    for name, c in zip(table.columns or table.feature_names, cols, strict=True):
        rows = np.flatnonzero(np.isnan(table.X[:, j]))
        j += len(table.categories[name]) if table.categories and name in table.categories \
            else 1
        counts = spellings(c, rows)
        if counts and set(counts) != {""}:
            written[name] = dict(counts)
    return replace(table, gaps_written=written) if written else table


def _body_spellings(body: list[tuple[int, list[str]]]
                    ) -> Callable[[int, np.ndarray], Counter]:
    """:func:`_with_gaps_written`'s ``spellings`` of the rows ``body``."""
    return lambda c, rows: Counter(body[i][1][c].strip() for i in rows)


def _cells(body: list[tuple[int, list[str]]], c: int) -> np.ndarray:
    """Column ``c`` of the rows of ``body``: strings of shape (n_rows,), as written."""
    return np.array([row[c] for _, row in body], dtype=str)


def _column_cells(body: list[tuple[int, list[str]]], cols: list[int]) -> list[list[str]]:
    """The cells of each of the columns ``cols`` of the rows of ``body``, as written: one
    list of n_rows strings per column, from one pass over the rows (a column at a time,
    each row is visited again, and a string array is as wide as its widest cell).

    The pass makes one flat list of strings, which each column then slices: no tuple per
    row (``zip(*rows)`` makes one, and the many of a large file keep the garbage
    collector walking the rows again and again)."""
    if not cols:
        return []
    take = operator.itemgetter(*cols) if len(cols) > 1 else (lambda row: (row[cols[0]],))
    flat = list(itertools.chain.from_iterable(take(row) for _, row in body))
    return [flat[j::len(cols)] for j in range(len(cols))]


def _finite_block(body: list[tuple[int, list[str]]], cols: list[int],
                  missing: bool = False) -> np.ndarray | None:
    """The columns ``cols`` of the rows of ``body`` as floats of shape (n_rows,
    len(cols)), or None where a cell is no finite number (the caller then names it).
    ``missing`` (``--impute``): a missing cell written as such (:data:`GAP_TEXT`, or a
    NaN) is a NaN; None where another cell is no finite number.

    One pass of ``float`` over the cells: the numbers NumPy's cast of strings to
    float64 reads (it parses each as ``float`` does: spaces around, "1e5", "+1",
    ".5", "1_000"), in a fraction of its time and without an array of every cell's text
    (as wide as the widest cell of the file).
    """
    n = len(body)
    if not cols:
        return np.empty((n, 0))
    take = operator.itemgetter(*cols) if len(cols) > 1 else (lambda row: (row[cols[0]],))
    cells = itertools.chain.from_iterable(take(row) for _, row in body)
    try:
        X = np.fromiter(map(float, cells), np.float64, count=n * len(cols))
    except ValueError:
        if not missing:
            return None
        # gaps ("", "NA", ...): a second pass, each read as "nan"
        cells = itertools.chain.from_iterable(take(row) for _, row in body)
        try:
            X = np.fromiter(map(float, map(GAP_TEXT.get, cells, cells)), np.float64,
                            count=n * len(cols))
        except ValueError:
            return None
    ok = not np.isinf(X).any() if missing else np.isfinite(X).all()
    return X.reshape(n, len(cols)) if ok else None


def _target_cells(cells: np.ndarray, name: str, lines: np.ndarray, path: Path,
                  need_target: bool, nan_class: bool) -> np.ndarray:
    """The stripped cells of a second (third, ...) target column, refusing a missing value
    ("" or "nan") as the first target's are refused."""
    y = np.char.strip(cells)
    missing = np.flatnonzero((y == "") | (np.isin(np.char.lower(y), ["nan", "+nan", "-nan"])
                                          & (not nan_class)))
    if need_target and missing.size:
        written = f" ({str(y[missing[0]])!r})" if y[missing[0]] else ""
        raise ValueError(f"{path} line {lines[missing[0]]}, target {name!r}: missing value"
                         f"{written}")
    return y
