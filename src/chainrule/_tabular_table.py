"""The table :func:`chainrule.tabular.read_data` returns, and the cell and column
helpers its readers share: cells as finite floats, columns found by name.  Import
from :mod:`chainrule.tabular`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(eq=False)
class Table:
    """Examples read from a file or a bundled data set.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,) or (n_samples, n_targets), or None
        Raw targets: strings (CSV cells, string arrays) or numbers; None when
        the data has no target.  One column per target when several were
        asked for (``target_names``).
    feature_names : list of str, length n_features
    target_name : str or None
        The target's name (of several targets: the first's).
    source : str
        The file or data-set name, for messages.
    task : {"classification", "regression"} or None
        Known for bundled data sets.
    labels : list or None
        Class names of a bundled data set, in the order of its integer targets.
    lines : ndarray of shape (n_samples,) or None
        Line number of each example in a CSV file, for messages.
    image_shape : tuple (C, H, W) or None
        The shape of each example of an NPZ file whose ``X`` holds images,
        shape (n_samples, C, H, W); ``X`` is then their flat rows, channel by
        channel.
    target_names : list of str or None
        The targets' names, when several were asked for.
    columns : list of str or None
        The CSV columns read as features, in order, when some are categorical:
        each of those is one-hot encoded in place, as the 0/1 features
        ``"column=category"`` of ``feature_names``; None: the features are the
        columns.
    categories : dict of str to list of str, or None
        Each categorical column's categories (sorted), in the order of its 0/1
        features; None when no column is categorical.
    sample_weight : ndarray of shape (n_samples,) or None
        Each example's weight, from the column the command line names
        (``--sample-weight``; not a feature); None: unweighted.
    gaps_written : dict of str to dict of str to int, or None
        Of a CSV file read with missing cells (``--impute``): each column (of
        ``columns``, else ``feature_names``) whose missing cells are not all empty, to
        how many of them each spelling holds, as written without spaces around it
        ("" for an empty cell), in the order first seen; None: no such column.
    groups : ndarray of shape (n_samples,) or None
        Each example's group (its cell of the column cv's and tune's ``--groups``
        name; not a feature), by which whole groups are held out; None: no groups.
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    target_name: str | None
    source: str
    task: str | None = None
    labels: list | None = None
    lines: np.ndarray | None = field(default=None, repr=False)
    image_shape: tuple[int, int, int] | None = None
    target_names: list[str] | None = None
    columns: list[str] | None = None
    categories: dict[str, list[str]] | None = None
    sample_weight: np.ndarray | None = field(default=None, repr=False)
    gaps_written: dict[str, dict[str, int]] | None = field(default=None, repr=False)
    groups: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_samples(self) -> int:
        """Examples in the table: ``X.shape[0]``."""
        return self.X.shape[0]

    def where(self, i: int) -> str:
        """Where example ``i`` comes from, for messages ("file.csv line 7" or "data.npz row 6").

        Parameters
        ----------
        i : int
            The example's row in ``X``, from 0.

        Returns
        -------
        str
        """
        if self.lines is not None:
            return f"{self.source} line {int(self.lines[i])}"
        return f"{self.source} row {i}"


# said after a feature that is text: the tables' features are numbers, categories included
TEXT_FEATURES_HINT = (
    "features must be numbers: one-hot encode a column of categories first (one 0/1 "
    "column per category), or, from Python, fit chainrule.MLPClassifier or MLPRegressor "
    "in a scikit-learn Pipeline after a OneHotEncoder (sklearn.compose.make_column_transformer)")


_MARKERS = ("NA", "N/A", "n/a", "#N/A", "NULL", "null", "None", "?", "#N/A N/A", "#NA", "<NA>",
            "-1.#IND", "1.#IND", "-1.#QNAN", "1.#QNAN")
#: The text cells that a column of numbers reads as missing, besides an empty cell and a
#: NaN (:data:`NAN_SPELLINGS`): pandas' ``read_csv`` default ``na_values``, case as
#: written ("NA", not "na"), and "?", how the UCI repository's files (adult,
#: heart-disease) mark a gap.  A cell of these is a gap to fill, not a category to encode.
MISSING_MARKERS = frozenset(_MARKERS)

#: A missing cell as written without spaces around it ("", "NA", ...) to the text that
#: ``float`` reads as a NaN: ``map(GAP_TEXT.get, cells, cells)`` before ``map(float, ...)``
#: reads a column of numbers with gaps in one pass
GAP_TEXT = dict.fromkeys(("", *MISSING_MARKERS), "nan")

#: How a NaN is written (any case): a missing number, as ``float`` reads it
NAN_SPELLINGS = frozenset({"nan", "+nan", "-nan"})

#: The spellings of a missing number, for messages and the README
MISSING_SPELLINGS_TEXT = "an empty cell, nan (any case), " + ", ".join(_MARKERS)

# not read as missing, but looks like a mark of a missing value: its refusal says so
_LOOKALIKES = frozenset({m.lower() for m in MISSING_MARKERS}
                        | {"--", "---", "missing", "none", "na", "n.a.", ".", "nil", "empty"})


def is_missing_number(text: str) -> bool:
    """Whether the cell ``text`` of a column of numbers is a missing value: empty, a NaN
    (:data:`NAN_SPELLINGS`, any case) or a marker of one (:data:`MISSING_MARKERS`, case
    as written), spaces around it aside (what ``--impute`` fills)."""
    value = text.strip()
    return not value or value in MISSING_MARKERS or value.lower() in NAN_SPELLINGS


def missing_cells(stripped: np.ndarray, nan: bool = True) -> np.ndarray:
    """Which of the cells ``stripped`` (strings of shape (n,), spaces around them taken
    off) are missing values of a column of numbers, as :func:`is_missing_number` says,
    at once: bool of shape (n,).  ``nan``: a NaN ("nan", any case) is one too."""
    gap = (stripped == "") | np.isin(stripped, list(MISSING_MARKERS))
    if nan:
        short = np.char.str_len(stripped) <= 4  # "nan", "+nan", "-nan" of any case
        gap[short] |= np.isin(np.char.lower(stripped[short]), list(NAN_SPELLINGS))
    return gap


#: What :func:`lookalike_hint` tells of a missing value to a model that does not fill one
NO_IMPUTE_HINT = ("this model refuses it, an empty cell too: it was trained without "
                  "--impute, which fills missing cells (train it with --impute, or drop the "
                  "row)")


#: ... and to a target's cell, never imputed
TARGET_HINT = "an empty cell is refused too: drop the row (a target is never imputed)"


def lookalike_hint(text: str, fills: bool = True, target: bool = False) -> str | None:
    """What the cell ``text`` among numbers may be where it is no number and no marker of
    a missing one (:func:`is_missing_number`) but looks like one ("-", "--", "missing",
    "na"), or None.  ``fills``: whether what reads it takes a missing value (train, which
    says how to fill an empty cell; a model of ``--impute``); where not (a model trained
    without ``--impute``), an empty cell is refused too, and the hint says so; ``target``:
    the cell is a target's, whose missing value is refused whatever fills features."""
    value = text.strip()
    gap = TARGET_HINT if target else None if fills else NO_IMPUTE_HINT
    if value == "-":
        return ("a spreadsheet's accounting format writes a zero as '-': write 0 if it is "
                + ("one, or leave the cell empty if the value is missing" if gap is None
                   else "one; if the value is missing, " + gap))
    if value.lower() in _LOOKALIKES:
        return (f"{value!r} is not read as a missing value (those are "
                f"{MISSING_SPELLINGS_TEXT}): if it marks one, "
                + ("leave the cell empty" if gap is None else gap))
    return None


class MissingValueError(ValueError):
    """A missing feature cell refused (the table was read without ``missing=True``).

    ``bare`` (where, column, "missing value" and how it was written) is kept for
    ``chainrule train``, which says how to fill it (``--impute``)."""

    def __init__(self, message: str, bare: str) -> None:
        super().__init__(message)
        self.bare = bare


class NotANumberError(ValueError):
    """A feature cell of text where a number was expected: ``"{bare}; {hint}"``.

    ``bare`` (file, line, column and the cell) is kept for a caller whose advice
    differs from the reader's (a model's column of numbers, in ``chainrule predict``);
    ``lookalike``, :func:`lookalike_hint`'s of the cell (None: none), is advice that
    holds for a reader that takes a missing value ("-", a spreadsheet's zero); ``cell``,
    the cell's text, for a caller's own :func:`lookalike_hint`; ``target``, whether the
    cell is a target's.
    """

    def __init__(self, bare: str, hint: str, lookalike: str | None = None,
                 cell: str = "", target: bool = False) -> None:
        super().__init__(f"{bare}; {lookalike or hint}" if lookalike or hint else bare)
        self.bare, self.lookalike, self.cell, self.target = bare, lookalike, cell, target


#: What a missing cell written as a marker ("NA") is told: a feature's, and a target's,
#: which ``--impute`` does not fill.
FEATURE_GAP_ADVICE = "fill it in (impute) or drop the row first"
TARGET_GAP_ADVICE = ("fill it in or drop the row (--impute fills features only; targets are "
                     "never imputed)")


def _parse_floats(cells: np.ndarray, where: Any, what: str, hint: str = "",
                  missing: bool = False, advice: str = FEATURE_GAP_ADVICE) -> np.ndarray:
    """Cells (strings) as finite floats; the first bad cell is named in the error.

    ``hint`` follows the message of a cell that is no number ("...: not a number:
    'b'; HINT"), a :class:`NotANumberError`.  ``missing``: a missing cell
    (:func:`is_missing_number`) is a NaN, to be filled (``--impute``), not refused (a
    :class:`MissingValueError`).  ``advice`` follows the message of a cell written as a
    missing value's marker ("NA"): :data:`TARGET_GAP_ADVICE` for a target.
    """
    if missing:
        gap = missing_cells(np.char.strip(np.asarray(cells, dtype=str)))
        if gap.any():
            out = np.full(len(cells), np.nan)
            if not gap.all():
                out[~gap] = _parse_floats(np.asarray(cells)[~gap], lambda i: where(
                    int(np.flatnonzero(~gap)[i])), what, hint)
            return out
    try:
        values = cells.astype(np.float64)
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        return values
    for i, cell in enumerate(cells):
        text = str(cell).strip()
        if not text:
            raise MissingValueError(f"{where(i)}, {what}: missing value",
                                    f"{where(i)}, {what}: missing value")
        if text.lower() in NAN_SPELLINGS:
            raise MissingValueError(f"{where(i)}, {what}: not a finite number: {text!r}",
                                    f"{where(i)}, {what}: missing value ({text!r})")
        try:
            value = float(text)
        except ValueError:
            if text in MISSING_MARKERS:
                raise MissingValueError(
                    f"{where(i)}, {what}: missing value (written {text!r}): {advice}",
                    f"{where(i)}, {what}: missing value (written {text!r})") from None
            target = advice is TARGET_GAP_ADVICE
            raise NotANumberError(f"{where(i)}, {what}: not a number: {text!r}", hint,
                                  lookalike_hint(text, target=target), text, target) from None
        if not np.isfinite(value):
            raise ValueError(f"{where(i)}, {what}: not a finite number: {text!r}")
    raise ValueError(f"{what}: values that are not finite numbers")  # pragma: no cover


def _some(names: list[str], n: int = 10, count: str = "in all") -> str:
    """The first ``n`` of ``names`` joined by commas, then ``", ... (N in all)"`` (N the
    number of names, ``count`` the words after it) where there are more."""
    return ", ".join(names[:n]) + (f", ... ({len(names)} {count})" if len(names) > n else "")


def _duplicates(names: list) -> list:
    """The names that appear more than once, sorted (a Counter: linear in the names)."""
    return sorted(n for n, k in Counter(names).items() if k > 1)


def _columns(names: list[str], wanted: list[str], source: str, what: str) -> list[int]:
    # the first column of each name, as names.index gives it, in one pass over the names
    position: dict[str, int] = {}
    for i, n in enumerate(names):
        position.setdefault(n, i)
    missing = [n for n in wanted if n not in position]
    if missing:
        # the first ten: a model of 28x28 pixels named by position lists 784 otherwise
        shown = _some([repr(n) for n in missing], count="missing")
        raise ValueError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''} {shown}{what} "
            f"(columns: {_some(names)})"
        )
    return [position[n] for n in wanted]
