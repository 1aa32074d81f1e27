"""A table of named columns as the features of a :class:`~chainrule.saved_model.SavedModel`.

A pandas DataFrame, or any mapping of column name to 1-D array (a dict of lists), is
read by the model's column names, as ``chainrule predict`` reads a CSV file's columns:
in any order, extra columns ignored, a missing one refused by name; a categorical
column (the model file's ``categories``) one-hot encoded over the training categories,
as :func:`chainrule.tabular.read_data` encodes it (an unseen category refused, or all
zeros with ``unknown_categories="zeros"``, ``--unknown-categories zeros``).  pandas is
not needed: a DataFrame is known by its ``columns`` and ``__getitem__``, and nothing
here imports it.  The encoded rows are the raw features ``predict(X)`` takes (before
the model's standardisation, which :meth:`SavedModel.predict` applies).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ._tabular_categories import UnknownCategoryError, one_hot
from ._tabular_table import MISSING_MARKERS, _some, lookalike_hint

#: The values of ``unknown_categories``: refuse a category the training data lacked, or
#: encode it as all zeros (``chainrule predict --unknown-categories``).
UNKNOWN_CATEGORIES = ("error", "zeros")

_TABLE = "a table of named columns (a pandas DataFrame, or a dict of column name to values)"


def is_table(X: object) -> bool:
    """Whether ``X`` is a table of named columns: a mapping, or a DataFrame-like object
    (one with ``columns`` and ``__getitem__``; pandas is not imported)."""
    if isinstance(X, Mapping):
        return True
    return (not isinstance(X, np.ndarray) and hasattr(X, "columns")
            and hasattr(X, "__getitem__"))


def _names(X: object) -> set:
    """The column names of the table ``X``: a mapping's keys, a DataFrame's ``columns``,
    or, of a table whose ``columns`` are its arrays (a pyarrow ``Table``, polars'
    ``DataFrame`` has names), its ``column_names``."""
    if isinstance(X, Mapping):
        return set(X.keys())
    names = getattr(X, "column_names", None)
    try:
        return set(X.columns if names is None else names)
    except TypeError:  # columns that are arrays, not names
        raise ValueError(f"X: {type(X).__name__}.columns must be the columns' names, as a "
                         "pandas DataFrame's are; pass a dict of column name to values, "
                         "or a DataFrame") from None


def check_unknown(unknown: object) -> None:
    """Refuse an ``unknown_categories`` that is not "error" or "zeros", naming it."""
    if not isinstance(unknown, str) or unknown not in UNKNOWN_CATEGORIES:
        raise ValueError(f"unknown_categories must be 'error' or 'zeros', got {unknown!r}")


def _where(i: int) -> str:
    return f"X row {i} (from 0)"


def _missing(value: object) -> bool:
    """A missing cell: None, a NaN, or pandas' NA or NaT (known by their type's name)."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return type(value).__name__ in ("NAType", "NaTType")


def _column(X: object, name: str, n_rows: int | None) -> np.ndarray:
    """``X[name]`` as a 1-D array, refused naming the column where it is not one, or
    not as long as the columns before it (``n_rows``).

    A list (not an array) that numpy would make text keeps its cells as objects: a
    float NaN among strings stays a missing cell, not the text ``"nan"``."""
    raw = X[name]
    values = np.asarray(raw)
    if values.dtype.kind in "US" and not isinstance(raw, np.ndarray):
        values = np.asarray(raw, dtype=object)
    if values.ndim != 1:
        twice = (" (the table has two columns of this name?)"
                 if not isinstance(X, Mapping) and values.ndim == 2 else "")
        raise ValueError(f"X[{name!r}] must be a 1-D array of the column's values, got "
                         f"shape {values.shape}{twice}")
    if n_rows is not None and len(values) != n_rows:
        raise ValueError(f"X[{name!r}] has {len(values)} values, the columns before it "
                         f"{n_rows}: the columns of X must be of one length")
    return values


def _numbers(values: np.ndarray, name: str, missing: bool = False) -> np.ndarray:
    """A column of numbers as float64 of shape (n_rows,); a missing, non-finite or text
    cell refused naming its row and the column, as ``chainrule predict`` refuses it
    (``missing``, a model of ``--impute``: a missing cell is a NaN, filled later)."""
    if values.dtype.kind == "c":  # the cast would drop the imaginary parts
        raise TypeError(f"X[{name!r}] must hold real numbers, got dtype {values.dtype}")
    if values.dtype.kind in "biuf":
        out = values.astype(np.float64)
    else:  # text (a dict of a CSV reader's strings), objects (pandas' nullable columns)
        out = np.empty(len(values))
        for i, value in enumerate(values.tolist()):
            text = value.strip() if isinstance(value, str) else None
            if _missing(value) or text == "" or text in MISSING_MARKERS:
                if missing:
                    out[i] = np.nan
                    continue
                raise ValueError(f"{_where(i)}, column {name!r}: missing value ({value!r}): "
                                 "fill it in (impute) or drop the row first")
            try:
                out[i] = float(value if text is None else text)
            except (TypeError, ValueError):
                hint = (text is not None and lookalike_hint(text, missing)) or (
                    "the model takes numbers in this column, as its training data held them")
                raise ValueError(
                    f"{_where(i)}, column {name!r}: not a number: {value!r}; {hint}") from None
    bad = np.flatnonzero(~np.isfinite(out) & ~(missing & np.isnan(out)))
    if bad.size:
        i = int(bad[0])
        what = "missing value (NaN)" if np.isnan(out[i]) else f"not a finite number: {out[i]}"
        raise ValueError(f"{_where(i)}, column {name!r}: {what}: fill it in (impute) or drop "
                         "the row first")
    return out


def _texts(values: np.ndarray, name: str, missing: bool = False) -> np.ndarray:
    """A categorical column's cells as text of shape (n_rows,), as a CSV file writes
    them (``str`` of each; bytes decoded); a missing cell refused naming its row
    (``missing``, a model of ``--impute``: written "", filled later)."""
    if missing and values.dtype.kind not in "U":
        gap = np.array([_missing(v) for v in values.tolist()], dtype=bool)
        if gap.any():
            cells = np.array([""] * len(values), dtype=object)
            cells[~gap] = list(_texts(values[~gap], name))
            return np.array(cells.tolist(), dtype=str)
    if values.dtype.kind == "U":
        return values
    if values.dtype.kind == "O" and set(map(type, values.tolist())) <= {str, np.str_}:
        return np.array(values.tolist(), dtype=str)  # text: none missing, each its own str
    if values.dtype.kind in "biuf" and values.dtype.itemsize in (1, 2, 4, 8):
        return _number_texts(values, name)
    cells = []
    for i, value in enumerate(values):
        if _missing(value):
            raise ValueError(f"{_where(i)}, column {name!r}: missing value ({value!r}; a "
                             "categorical column: fill the cell in with a category, or drop "
                             "the row)")
        cells.append(value.decode() if isinstance(value, bytes) else str(value))
    return np.array(cells, dtype=str)


def _number_texts(values: np.ndarray, name: str) -> np.ndarray:
    """The cells of a categorical column of booleans, integers or floats (shape
    (n_rows,)) as text, ``str`` of each, as :func:`_texts` writes them: a NaN refused
    naming its row; each distinct value written once.

    Values are told apart by their bits: equal bits are the same number, whose text is
    the same, and 0.0 and -0.0 (equal numbers, texts "0.0" and "-0.0") stay apart."""
    if values.dtype.kind == "f":
        nan = np.flatnonzero(np.isnan(values))
        if nan.size:
            value = values[int(nan[0])]
            raise ValueError(f"{_where(int(nan[0]))}, column {name!r}: missing value "
                             f"({value!r}; a categorical column: fill the cell in with a "
                             "category, or drop the row)")
    bits = values.view(f"u{values.dtype.itemsize}")
    _, first, inverse = np.unique(bits, return_index=True, return_inverse=True)
    texts = np.array([str(values[i]) for i in first], dtype=str)
    return texts[inverse.reshape(-1)]


def _whole_texts(texts: np.ndarray, known: list[str], written: bool = False) -> np.ndarray:
    """The texts (shape (n_rows,)) of a categorical column given as numbers, each whole
    number written as an integer ("10.0" as "10") where that is one of the ``known``
    categories and the float's own text is not, and the other way round: an integer's
    text ("10") as the float's ("10.0") where the model knows only that.

    A CSV file's column of integers is read as written ("10"), but pandas makes the
    column float64 as soon as a cell is missing (a NaN, which ``--impute`` fills; an
    Int64 column's pd.NA too, given to NumPy), and ``str`` writes its values "10.0".
    ``written``: ``texts`` are a CSV file's cells, of which only a float's own text (the
    "10.0" of pandas' ``to_csv`` of such a column) is read so; "010" or "1e1" stay as
    they are, other categories than "10". A model trained on such a file knows "10.0":
    only an integer's own text, "10", is then read as it ("010", "+10" are not)."""
    read = {}
    for text in set(texts.tolist()) - set(known) - {""}:
        try:
            value = float(text)
        except ValueError:
            continue
        if not (math.isfinite(value) and value == int(value)):
            continue
        if str(int(value)) in known and not (written and repr(value) != text):
            read[text] = str(int(value))
        elif text == str(int(value)) and repr(value) in known:
            read[text] = repr(value)
    if not read:
        return texts.copy()
    out = texts.astype(np.result_type(texts.dtype, f"<U{max(map(len, read.values()))}"))
    for text, category in read.items():
        out[texts == text] = category
    return out


def _lacking_hint(columns: list[str], lacking: list[str], present: set) -> str:
    """Said after the columns the model reads and ``X`` lacks: where the model's names
    are those ``chainrule train`` gives an NPZ file's unnamed columns (x0, x1, ...) and
    ``X`` has none of them, its features go by position; where ``X`` has a lacking
    column's name with spaces around it (``chainrule predict`` strips a CSV header's
    names, ``pandas.read_csv`` keeps them), which ones; else ""."""
    if (len(lacking) == len(columns) and columns == [f"x{i}" for i in range(len(columns))]):
        return ("; x0, x1, ... are the names chainrule train gives the columns of an NPZ "
                "file without feature_names: pass the features by position, an array of "
                "shape (n_samples, n_features) (a DataFrame's X.to_numpy()), or name the "
                "columns so")
    spaced = sorted(repr(c) for c in present if isinstance(c, str) and c.strip() != c
                    and c.strip() in lacking)
    if spaced:
        return (f"; X has {_some(spaced)} (spaces around the name): strip them "
                "(X.rename(columns=str.strip) of a DataFrame), as chainrule predict strips "
                "a CSV file's header")
    return ""


def encode_table(metadata: dict, X: object, unknown: str = "error") -> np.ndarray:
    """The raw features of the table ``X``: shape (n_samples, n_features), float64.

    Parameters
    ----------
    metadata : dict
        The model's: ``columns`` and ``categories`` (a model of categorical columns),
        else ``feature_names``, name the columns read, in order.
    X : DataFrame or mapping of str to array-like of shape (n_samples,)
    unknown : {"error", "zeros"}

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        The columns in the model's order, each categorical one's 0/1 columns in its
        place (not standardised).

    Raises
    ------
    ValueError
        For a model that records no column names, a column the model reads that ``X``
        lacks, columns of different lengths, a missing or non-numeric cell, and (with
        ``unknown="error"``) a category the training data did not have.
    """
    check_unknown(unknown)
    columns = metadata.get("columns") or metadata.get("feature_names")
    if not columns:
        raise ValueError(f"X: {_TABLE} needs a model that records its feature names; this "
                         "one takes its features by position: pass an array of shape "
                         "(n_samples, n_features)")
    present = _names(X)
    lacking = [c for c in columns if c not in present]
    if lacking:
        raise ValueError(
            f"X lacks the column{'s' if len(lacking) > 1 else ''} "
            f"{_some([repr(c) for c in lacking])} that the model reads; it reads "
            f"{len(columns)}: {_some([repr(c) for c in columns], 20)}"
            f"{_lacking_hint(columns, lacking, present)}")
    categories = metadata.get("categories") or {}
    missing = metadata.get("impute") is not None  # missing cells filled by the model
    parts, n_rows = [], None
    for name in columns:
        values = _column(X, name, n_rows)
        n_rows = len(values)
        if name not in categories:
            parts.append(_numbers(values, name, missing)[:, None])
            continue
        texts = _texts(values, name, missing)
        # 10.0 of integers pandas made float; 10 of 10.0; a column of objects (Python
        # ints, text) as a CSV file's cells: only a float's own text taken as the integer
        texts = _whole_texts(texts, categories[name], written=values.dtype.kind not in "fiu")
        try:
            parts.append(one_hot(texts, name, categories[name], _where, unknown, missing))
        except UnknownCategoryError as exc:  # the CLI's option, in Python's words
            raise ValueError(f"{exc.bare} (unknown_categories='zeros' encodes an unknown "
                             "one as all zeros)") from None
    return np.hstack(parts)
