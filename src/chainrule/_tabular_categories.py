"""Categorical feature columns of CSV files: one-hot encoded, as scikit-learn's
``OneHotEncoder(handle_unknown="error")`` encodes them, for
:func:`chainrule.tabular.read_data` (``categorical=``, ``categories=``).

A feature column is categorical when its cells are text and none is a number (the
empty cell and the usual markers of a missing number, "NA" or "?", aside: a column
of numbers with such gaps stays a column of numbers with missing values, and a
column of both numbers and text is refused, a typing error as likely as
categories), or when it is named as categorical (zip codes, integer codes).  Its categories are
its distinct cells, stripped of spaces around them, sorted as text (the order of
``OneHotEncoder``'s ``categories_``); each becomes a 0/1 column named
``"column=category"``, in place of the column.  Import from :mod:`chainrule.tabular`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ._tabular_columns import (
    _finite_floats,
    _floats_with_gaps,
    _is_number,
    _mixed_hint,
    _written_numbers,
    column_kind,
)
from ._tabular_table import (
    NAN_SPELLINGS,
    TEXT_FEATURES_HINT,
    MissingValueError,
    Table,
    _parse_floats,
    _some,
)

#: The most categories a column may have by default (``max_categories``): more is taken
#: for an ID or free text, which one-hot encoding turns into as many input columns.
MAX_CATEGORIES = 100

#: A column of at least this many rows, each its own category, is an ID or free text.
_ID_ROWS = 20


class UnknownCategoryError(ValueError):
    """A cell of a categorical column that is none of the model's categories.

    Its message is ``"{bare} ({hint})"``; ``bare`` (line, column, value and the known
    categories) is kept, for a caller whose advice differs (``train --val-data``, whose
    categories are DATA's, has no ``--unknown-categories``).
    """

    def __init__(self, bare: str, hint: str) -> None:
        super().__init__(f"{bare} ({hint})")
        self.bare = bare


def _stripped(cells: np.ndarray, name: str, where: Callable[[int], str],
              missing: bool = False) -> np.ndarray:
    """The cells stripped of spaces; an empty one is refused, naming its line and column.

    ``missing`` (``--impute``): an empty cell, or a NaN ("nan", any case), is kept as ""
    (a missing cell, filled later) instead."""
    values = np.char.strip(cells)
    if missing:
        return np.where(np.isin(np.char.lower(values), list(NAN_SPELLINGS)), "", values)
    empty = np.flatnonzero(values == "")
    if empty.size:
        bare = f"{where(int(empty[0]))}, column {name!r}: missing value"
        raise MissingValueError(f"{bare} (a categorical column: fill the cell in with a "
                                "category, or drop the row)", bare)
    return values


def fit_categories(cells: np.ndarray, name: str, source: str, where: Callable[[int], str],
                   max_categories: int = MAX_CATEGORIES, missing: bool = False,
                   fill_category: str | None = None) -> list[str]:
    """The sorted categories of a column of training data.

    Parameters
    ----------
    cells : ndarray of shape (n_rows,), str
        The column's cells as written.
    name : str
        The column's name, for messages.
    source : str
        The file, for messages.
    where : callable
        ``where(i)``: where row ``i`` is, for messages ("file.csv line 7").
    max_categories : int
        The most categories allowed.
    missing : bool, default False
        Missing cells (empty, "nan") allowed (``--impute``): not categories.
    fill_category : str or None
        With ``missing``, where the column has a missing cell, this category is one
        of its categories too (``--impute constant``'s fill value, which the missing
        cells become, as ``SimpleImputer(strategy="constant")`` before a
        ``OneHotEncoder``).

    Returns
    -------
    list of str
        The distinct stripped cells, sorted as text.

    Raises
    ------
    ValueError
        For an empty cell (naming its line), more than ``max_categories``
        categories, or one category per row in 20 rows or more (an ID or free
        text, from which nothing generalises), naming the column and the count.
    """
    values = _stripped(cells, name, where, missing)
    given = values[values != ""]
    if fill_category is not None and len(given) < len(values):
        given = np.append(given, fill_category)
    categories = [str(c) for c in np.unique(given)]
    k, n = len(categories), len(given)
    drop = ("leave the column out (--features naming the others on the command line, or "
            "drop it from the file)")
    written = _written_numbers(values) if k > max_categories or k == n >= _ID_ROWS else None
    if written:  # a formatted column of numbers, not an ID nor categories
        raise ValueError(f"{source}: column {name!r} has {k} categories in {n} rows, but "
                         f"{written}")
    if k == n and n >= _ID_ROWS:
        # a column of numbers named categorical (--categorical): a measurement, or an ID
        numbers = all(_is_number(c) for c in categories)
        what = (f"numbers, a different one in each of its {n} rows (a measurement or an ID, "
                if numbers else
                f"text with a different value in each of its {n} rows (an ID or free text, ")
        raise ValueError(
            f"{source}: column {name!r} is {what}not "
            f"categories: one-hot encoded it would be {k} input columns, each seen once); "
            + ("leave it out of --categorical (categorical= from Python) to read it as "
               f"numbers, or {drop}" if numbers else drop))
    if k > max_categories:
        raise ValueError(
            f"{source}: column {name!r} has "
            f"{k} categories in {n} rows, more than {max_categories} (--max-categories): "
            f"one-hot encoded it would be {k} input columns; {drop}, or raise "
            "--max-categories")
    return categories


def one_hot(cells: np.ndarray, name: str, categories: list[str],
            where: Callable[[int], str], unknown: str = "error",
            missing: bool = False) -> np.ndarray:
    """The 0/1 columns of ``cells`` over ``categories``.

    Parameters
    ----------
    cells : ndarray of shape (n_rows,), str
    name : str
    categories : list of str, length k
    where : callable
        ``where(i)``: where row ``i`` is, for messages.
    unknown : {"error", "zeros"}
        A cell that is none of the categories: refused (OneHotEncoder's
        ``handle_unknown="error"``), or a row of zeros.
    missing : bool, default False
        A missing cell (empty, "nan") is a row of NaNs, to be filled (``--impute``),
        not refused.

    Returns
    -------
    ndarray of shape (n_rows, k), float64

    Raises
    ------
    ValueError
        For an empty cell or (``unknown="error"``, an :class:`UnknownCategoryError`) a
        category not among ``categories``, naming the line, the column, the value and
        the categories.
    """
    values = _stripped(cells, name, where, missing)
    # each distinct cell looked up once, its rows given its code by the inverse
    distinct, inverse = np.unique(values, return_inverse=True)
    index = {c: i for i, c in enumerate(categories)}
    lookup = np.array([index.get(str(v), -1) for v in distinct], dtype=np.intp)
    codes = lookup[inverse.reshape(-1)]
    gap = values == "" if missing else np.zeros(len(values), dtype=bool)
    bad = np.flatnonzero((codes < 0) & ~gap)
    if bad.size and unknown == "error":
        i = int(bad[0])
        raise UnknownCategoryError(
            f"{where(i)}, column {name!r}: category {str(values[i])!r} was not in the "
            f"training data; the model knows {len(categories)}: "
            f"{_some([repr(c) for c in categories], 20)}",
            "--unknown-categories zeros encodes an unknown one as all zeros")
    if bad.size:  # unknown="zeros": asked for, but said, as a recoded column is no rarity
        _say_unknown(values, bad, name, where)
    X = np.zeros((len(values), len(categories)))
    rows = np.flatnonzero(codes >= 0)
    X[rows, codes[rows]] = 1.0
    X[gap] = np.nan
    return X


def _say_unknown(values: np.ndarray, bad: np.ndarray, name: str,
                 where: Callable[[int], str]) -> None:
    """Warn that the rows ``bad`` of a categorical column's ``values`` (n_rows,) hold
    categories the training data lacked, encoded as all zeros (``unknown="zeros"``):
    how many rows of all, where the first is, and which categories.  A column whose
    categories were recoded (True/False written yes/no) would otherwise be all zeros,
    its predictions those of a row of no category, without a word."""
    import warnings

    from ._validation import caller_outside_chainrule

    unseen = sorted({str(v) for v in values[bad]})
    warnings.warn(
        f"{where(int(bad[0]))}, column {name!r}: {bad.size} of {len(values)} rows hold a "
        f"category that the training data did not have ({_some([repr(c) for c in unseen])})"
        "; encoded as all zeros, as asked (unknown categories: zeros)",
        UserWarning, stacklevel=caller_outside_chainrule())  # the user's predict line


def encoded_names(columns: list[str], categories: dict[str, list[str]]) -> list[str]:
    """The names of the encoded features: a column's own, or ``"column=category"`` per
    category of a categorical one, in the order of ``columns``."""
    names: list[str] = []
    for col in columns:
        names.extend([f"{col}={c}" for c in categories[col]] if col in categories else [col])
    return names


def one_hot_mask(columns: list[str], categories: dict[str, list[str]]) -> np.ndarray:
    """Which encoded features (:func:`encoded_names`) are 0/1 columns of a category:
    bool ndarray of shape (n_features,)."""
    mask: list[bool] = []
    for col in columns:
        mask.extend([True] * len(categories[col]) if col in categories else [False])
    return np.array(mask, dtype=bool)


def categories_problem(meta: dict, n_inputs: int) -> str | None:
    """What is wrong with a model file's ``columns`` and ``categories``, or None.

    ``columns`` (the CSV columns read, in order) and ``categories`` (a JSON object: a
    categorical column's name to its list of distinct categories) come together; the
    columns, each of its categories wide, make the network's inputs.
    """
    if "columns" not in meta and "categories" not in meta:
        return None
    columns, categories = meta.get("columns"), meta.get("categories")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        return "columns: expected a list of strings with categories"
    if len(set(columns)) != len(columns):
        return "columns: a name appears twice"
    if not isinstance(categories, dict) or not all(
            isinstance(v, list) and v and all(isinstance(c, str) for c in v)
            and len(set(v)) == len(v) for v in categories.values()):
        return "categories: expected a JSON object of lists of distinct strings"
    stray = [k for k in categories if k not in columns]
    if stray:
        return f"categories: {stray[0]!r} is not one of the columns"
    width = sum(len(categories[c]) if c in categories else 1 for c in columns)
    if width != n_inputs:
        return (f"categories: the columns encode as {width} features for a network with "
                f"{n_inputs} inputs")
    names = meta.get("feature_names")
    if names is not None and names != encoded_names(columns, categories):
        return "feature_names: not the columns with their categories"
    return None


@dataclass(frozen=True)
class Encoding:
    """How :func:`chainrule.tabular.read_data` one-hot encodes a CSV file's features.

    Attributes
    ----------
    detect : bool
        Whether a column of text that is no number is categorical (its categories
        taken from the file: training data); else such text is refused.
    forced : tuple of str
        Columns categorical whatever they hold (``--categorical``).
    known : dict of str to list of str, or None
        A model's categorical columns and their categories: those columns are
        encoded over these categories.
    max_categories : int
        The most categories of a column whose categories are taken from the file.
    unknown : {"error", "zeros"}
        A category outside ``known``'s: refused, or encoded as all zeros.
    missing : bool
        Missing cells allowed (``--impute``): NaN, a categorical column's row of NaNs.
    fill_category : str or None
        See :func:`fit_categories`.
    """

    detect: bool = False
    forced: tuple[str, ...] = ()
    known: dict[str, list[str]] | None = None
    max_categories: int = MAX_CATEGORIES
    unknown: str = "error"
    missing: bool = False
    fill_category: str | None = None

    def wanted(self, columns: list[str]) -> bool:
        """Whether one of ``columns`` is categorical whatever its cells hold."""
        return any(c in self.forced or c in (self.known or {}) for c in columns)

    def encode(self, table: Table, cells: Iterable[Sequence[str] | np.ndarray]) -> Table:
        """``table`` with its features read from ``cells`` (the n_rows cells of each
        column of ``table.feature_names``, as written, or a column neither known nor
        named categorical already read as float64 numbers, NaN where missing): numbers,
        or a categorical column's 0/1 columns in its place (``table.columns`` and
        ``table.categories`` then say which).

        A column that is neither known nor named categorical and whose cells are all
        finite numbers is read in one pass of ``float``, as a file of numbers is: only
        the other columns become string arrays to be looked at.
        """
        parts, found = [], {}
        for name, written in zip(table.feature_names, cells, strict=True):
            if isinstance(written, np.ndarray) and written.dtype == np.float64:
                parts.append(written[:, None])  # read as numbers already, gaps as NaN
                continue
            numbers = (None if name in self.forced or name in (self.known or {})
                       else _finite_floats(written))
            if numbers is None and self.missing and not (
                    name in self.forced or name in (self.known or {})):
                numbers = _floats_with_gaps(written)  # a column of numbers with gaps
            if numbers is not None:  # a column of numbers: the usual case, read at once
                parts.append(numbers[:, None])
                continue
            col = np.asarray(written, dtype=str)
            kind = None
            if self.known is not None and name in self.known:
                from ._saved_model_table import _whole_texts  # "10.0" of pandas' floats: "10"

                found[name] = list(self.known[name])
                col = _whole_texts(col, found[name], written=True)
            elif name in self.forced or (self.detect and (kind := column_kind(
                    col, self.missing)) == "text"):
                found[name] = fit_categories(col, name, table.source, table.where,
                                             self.max_categories, self.missing,
                                             self.fill_category)
            if name in found:
                parts.append(one_hot(col, name, found[name], table.where, self.unknown,
                                     self.missing))
            else:  # numbers: the first cell that is none named, with what to do
                hint = _mixed_hint(name, col) if kind == "mixed" else TEXT_FEATURES_HINT
                parts.append(_parse_floats(col, table.where, f"column {name!r}", hint,
                                           self.missing)[:, None])
        X = np.hstack(parts) if parts else np.empty((table.n_samples, 0))
        if not found:
            return replace(table, X=X)
        columns = list(table.feature_names)
        names = encoded_names(columns, found)
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(
                    f"{table.source}: the one-hot column {name!r} of a categorical column has "
                    "the name of another column; rename that column")
            seen.add(name)
        return replace(table, X=X, feature_names=names, columns=columns, categories=found)
