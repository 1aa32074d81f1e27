"""Tables of examples for the command line: CSV, NPZ or a bundled data set.

:func:`read_data` turns a file or a data-set name into a :class:`Table` (numeric
features, raw targets, column names), refusing malformed input with a one-line
message that names the file, line and column.  What a trained model keeps to
use such tables (labels, feature names, standardisation) is
:class:`chainrule.saved_model.SavedModel`.

Here is :func:`read_data`; ``_tabular_table`` holds :class:`Table` and the helpers
the readers share, ``_tabular_csv`` and ``_tabular_npz`` the readers of the two kinds
of files (``_tabular_text`` the text of a CSV file or standard input), and
``_tabular_bundled`` the bundled data sets (every name is importable from here).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections import Counter
from pathlib import Path

import numpy as np

from ._tabular_bundled import BUNDLED as BUNDLED
from ._tabular_bundled import _bundled, _bundled_target, _bundled_targets
from ._tabular_categories import MAX_CATEGORIES, Encoding
from ._tabular_csv import _example_as_header as _example_as_header
from ._tabular_csv import _is_number as _is_number
from ._tabular_csv import _preview_row as _preview_row
from ._tabular_csv import _read_csv
from ._tabular_dtype import narrowed as _narrowed
from ._tabular_npz import _feature_names as _feature_names
from ._tabular_npz import _read_npz
from ._tabular_npz import npz_image_shape as npz_image_shape
from ._tabular_npz import npz_targets as npz_targets
from ._tabular_table import Table
from ._tabular_table import _columns as _columns
from ._tabular_table import _parse_floats as _parse_floats
from ._tabular_table import _some as _some
from ._tabular_text import STDIN, _stdin_text
from ._validation import check_seed

__all__ = ["BUNDLED", "Table", "read_data"]

# Defined here until 2026-12-04, now in saved_model; still importable from here.
_MOVED_TO_SAVED_MODEL = ("CLI_FORMAT", "SavedModel", "encode_labels", "fit_labels",
                         "regression_targets")


def __getattr__(name: str) -> object:
    if name in _MOVED_TO_SAVED_MODEL:  # saved_model imports this module: looked up lazily
        from . import saved_model

        return getattr(saved_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_data(
    source: str | os.PathLike,
    target: str | list[str] | None = None,
    features: list[str] | None = None,
    need_target: bool = True,
    seed: int = 0,
    strict_target: bool = True,
    features_what: str = " that the model was trained on",
    all_columns: bool = False,
    nan_class: bool = False,
    categorical: bool | list[str] = False,
    categories: dict[str, list[str]] | None = None,
    max_categories: int = MAX_CATEGORIES,
    unknown_categories: str = "error",
    missing: bool = False,
    missing_category: str | None = None,
    dtype: str | np.dtype = "float64",
) -> Table:
    """Examples from a CSV file, an NPZ file or a bundled data set.

    Parameters
    ----------
    source : str or PathLike
        A ``.csv`` file (a header row of column names, then one example per
        row), a ``.npz`` file (array ``X`` of shape (n_samples, n_features),
        or images of shape (n_samples, C, H, W), or (n_samples, H, W) of one
        channel, C = 1, taken as their flat rows,
        target ``y`` or the array named by ``target``, optional
        ``feature_names``; without them the columns are taken by position),
        or the name of a bundled data set (:data:`BUNDLED`).  A CSV file named
        ``.gz``, ``.bz2`` or ``.xz`` (``data.csv.gz``; any case, as pandas'
        ``read_csv`` infers the compression) is read decompressed as it is read
        (gzip, bzip2, xz; never whole), its messages naming the same lines; a
        damaged or truncated one is refused naming it and the compression.  ``"-"``: a CSV
        file read from standard input (once, whole; messages and the table's
        ``source`` name it "standard input"; an NPZ archive there is refused).
    target : str or list of str, optional
        The target column (CSV) or array (NPZ); by default the last CSV
        column and the NPZ array ``y``.  A list of two or more names takes
        several targets (columns, or 1-D arrays of an NPZ file): the table's
        ``y`` then has one column per target, in this order, and
        ``target_names`` lists them; every one must be there (the missing
        ones are named), and none is a feature.  An NPZ array ``Y`` of shape
        (n_samples, k), k >= 2, is k targets named ``Y[0]`` .. ``Y[k-1]``
        (names that read its columns again; a ``Y`` of more columns than
        they name is refused); of shape (n_samples, 1), one target.  For a
        bundled data set, one of its columns: a feature column becomes the
        target (the task then follows that column, and the data set's own
        target is left out).  A CSV
        file's first row that looks like an example (``0,1,yes`` over a
        yes/no column) is taken for the header when ``target`` (or a feature)
        names one of its text cells; its numbers never name a column.
    features : list of str, optional
        Feature columns to take, by name and in this order (as a model was
        trained on); by default every column but the target.
    need_target : bool, default True
        Whether a missing target is an error (False for prediction: the
        target is then read only if present).  A target value that is
        missing (an empty cell, or the text "nan" in any case, as pandas
        reads it) is then an error too, never a class named "nan".
    seed : int, default 0
        Seeds the generated data sets (moons, circles, sinusoid): an int from 0
        to 2**32 - 1 (a bool, None or another value is refused, naming
        ``seed``, whatever the source).
    strict_target : bool, default True
        False: an NPZ file without the array ``target`` uses ``y`` instead
        (``target`` is then a model's recorded name, not the user's choice).
    features_what : str
        How a missing feature column is described in the error.
    all_columns : bool, default False
        Whether ``features`` are every column of an NPZ file without
        ``feature_names`` (a model trained on such a file, whose features are
        the positions ``x0, x1, ...``): another such file must then have
        exactly that many columns, not more of which the first are taken.
    nan_class : bool, default False
        Whether a target text "nan" (any case) is a class of that name, as a
        classifier fitted on such labels (scikit-learn takes the string
        "nan") knows it, rather than a missing value: for evaluating that
        model.
    categorical : bool or list of str, default False
        One-hot encode the categorical feature columns of a CSV file (training
        data), as scikit-learn's ``OneHotEncoder`` does: True, the columns of
        text in which no cell is a number (empty cells and the markers of a
        missing number, such as "NA" or "?", aside: a column of numbers with
        such gaps is one of numbers, whose gaps are refused; a column of both
        numbers and other text is refused, naming its first text cell); a list,
        these columns as well, whatever they hold (zip codes, integer codes).
        A categorical column's categories are its distinct cells, stripped of
        spaces around them, sorted as text; each is a 0/1 feature
        ``"column=category"`` in the column's place, and the table's ``columns``
        and ``categories`` record them.  An empty cell there is refused, naming
        its line; so is a column of more than ``max_categories`` categories, or
        one of 20 rows or more that are each their own category (an ID or free
        text).  False: a text
        feature is refused.  Only for CSV files (NPZ arrays and the bundled data
        sets hold numbers).
    categories : dict of str to list of str, optional
        A model's categorical columns and their categories (the ``categories``
        of the table it was trained on): those columns of a CSV file are
        encoded over them, in that order; a cell that is none of them is
        refused, naming its line, column and value, and the categories
        (OneHotEncoder's ``handle_unknown="error"``), unless
        ``unknown_categories`` is "zeros".
    max_categories : int, default 100
        The most categories a column may have (``categorical``).
    unknown_categories : {"error", "zeros"}, default "error"
        A category unknown to ``categories``: refused, or encoded as all zeros.
    missing : bool, default False
        Whether a missing feature cell is read as a NaN, to be filled (``chainrule
        train --impute``), rather than refused (a ``MissingValueError``, a ValueError
        naming its line and column).  Missing in a column of numbers: an empty
        cell, a NaN written "nan" (any case, signed or not) and the markers of
        :data:`~chainrule._tabular_table.MISSING_MARKERS` (pandas' default
        ``na_values``, case as written: "NA", "N/A", "NULL", "null", "None", ..., and
        "?"); an NPZ file's NaN.  Missing in a categorical column: an empty cell or
        "nan" only (the other markers, "NA" among them, are categories as written:
        North America is one); the cell's 0/1 features are then all NaN.
    missing_category : str or None
        With ``missing``, a category that each categorical column of training data
        (``categorical``) with a missing cell has too (``--impute constant``'s fill).
    dtype : {"float64", "float32"}, default "float64"
        The dtype of the table's ``X``: an NPZ file's float32 ``X`` is kept as it
        is under "float32" (no float64 copy), other arrays and the numbers of a CSV
        file or bundled data set are converted once; a value beyond float32's range
        is refused.

    Returns
    -------
    Table

    Raises
    ------
    FileNotFoundError
        If ``source`` is neither a file nor a bundled data set.
    ValueError
        On malformed files, missing or duplicate columns and values that are
        not numbers, naming the file, line and column.
    """
    seed = check_seed(seed)  # not None: a generated data set would differ at every read
    try:  # (np.dtype(None) is float64)
        name = None if dtype is None else np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in ("float64", "float32"):
        raise ValueError(f"dtype: expected 'float64' or 'float32', got {dtype!r:.80}")
    dtype = np.dtype(name)  # float32: a CSV's float64 numbers converted once
    if features is not None:
        counts = Counter(features)
        dup = list(dict.fromkeys(n for n in features if counts[n] > 1))
        if dup:
            raise ValueError(
                f"duplicate feature column{'s' if len(dup) > 1 else ''} "
                f"{', '.join(map(repr, dup))}{features_what}: each column can be taken once "
                f"(got {', '.join(map(str, features))})"
            )
    more: tuple[str, ...] = ()
    if isinstance(target, (list, tuple)):
        if not target:
            raise ValueError("target: expected a column name or a list of them, got []")
        dup = [n for i, n in enumerate(target) if n in target[:i]]
        if dup:
            raise ValueError(f"duplicate target column {dup[0]!r}: each column can be a "
                             f"target once (got {', '.join(map(str, target))})")
        target, more = target[0], tuple(target[1:])
    if unknown_categories not in ("error", "zeros"):
        raise ValueError(f"unknown_categories: expected 'error' or 'zeros', got "
                         f"{unknown_categories!r:.80}")
    if isinstance(max_categories, bool) or not isinstance(max_categories, int) or (
            max_categories < 1):
        raise ValueError(f"max_categories: expected an int >= 1, got {max_categories!r:.80}")
    forced = [] if isinstance(categorical, bool) else list(categorical)
    encoding = (Encoding(bool(categorical) or bool(forced), tuple(forced), categories,
                         max_categories, unknown_categories, bool(missing), missing_category)
                if categorical or forced or categories else None)
    if isinstance(source, str) and source == "-":  # a pipe into the command: read once
        return _narrowed(_checked_categorical(
            _read_csv(STDIN, target, features, need_target, features_what, nan_class,
                      more, text=_stdin_text(), encoding=encoding, missing=bool(missing)),
            forced), dtype)
    path = Path(source)
    if not path.exists() and str(source) in BUNDLED:
        _refuse_categorical(source, forced, categories)
        table = _bundled(str(source), seed)
        if more:
            return _narrowed(_bundled_targets(table, [target, *more], features,
                                              need_target, features_what), dtype)
        if target is not None and target != table.target_name:
            table = _bundled_target(table, target, strict_target)
        if features is not None:
            cols = _columns(table.feature_names, features, str(source), features_what)
            table.X, table.feature_names = table.X[:, cols], list(features)
        return _narrowed(table, dtype)
    if not path.exists():
        from ._io_files import dangling_link

        raise FileNotFoundError(
            f"no such file or bundled data set: {source}{dangling_link(path)} (bundled: "
            f"{', '.join(BUNDLED)})")
    if path.is_dir():
        raise ValueError(f"{source}: is a directory; expected a .csv or .npz file")
    # a pipe (a shell's <(zcat data.csv.gz), /dev/fd/63) is read once: looking at its first
    # bytes would take them, and a buffer's worth more, from the CSV read next.  An .npz
    # archive is a regular file (a zip archive is read by seeking), so a pipe is a CSV
    # a regular file is opened once: its first bytes looked at (a zip archive, an IDX
    # file), then, a plain CSV file, read from its start through the same descriptor
    opened = io.FileIO(path, "rb") if path.is_file() else None
    with contextlib.closing(opened) if opened is not None else contextlib.nullcontext():
        is_zip = False
        if opened is not None:
            is_zip = opened.read(4) == b"PK\x03\x04"
        if not is_zip and opened is not None:  # MNIST's IDX files: their format said, not
            from ._io_kind import idx_note  # "not UTF-8"

            note = idx_note(path, opened)
            if note:
                raise ValueError(note)
        if path.suffix.lower() == ".npz" or is_zip:
            _refuse_categorical(source, forced, categories)
            return _read_npz(path, target, features, need_target, strict_target,
                             features_what, all_columns, nan_class, more, bool(missing), dtype)
        return _narrowed(_checked_categorical(
            _read_csv(path, target, features, need_target, features_what, nan_class, more,
                      encoding=encoding, missing=bool(missing), opened=opened), forced),
            dtype)


def _refuse_categorical(source: object, forced: list[str],
                        categories: dict[str, list[str]] | None) -> None:
    """Refuse categorical columns of an NPZ file or a bundled data set (numbers only)."""
    if not forced and not categories:
        return
    what = ("categorical: a CSV file's columns can be named categorical (--categorical)"
            if forced else f"the model one-hot encodes the categorical column"
            f"{'s' if len(categories or ()) > 1 else ''} "
            f"{', '.join(map(repr, categories or ()))} of a CSV file")
    raise ValueError(f"{source}: {what}; give the data as a CSV file")


def _checked_categorical(table: Table, forced: list[str]) -> Table:
    """``table``, once the columns named categorical are found among its features."""
    columns = table.columns or table.feature_names
    stray = [n for n in forced if n not in columns]
    targets = table.target_names or ([table.target_name] if table.y is not None else [])
    named = [n for n in stray if n in targets]
    if named:  # not "not among the feature columns": it is there, as the target
        raise ValueError(
            f"{table.source}: categorical column {named[0]!r} (--categorical) is a target, "
            "not a feature: --categorical names feature columns to one-hot encode (a "
            "classifier's target is taken as written, its values the labels); leave it out "
            "of --categorical, or name another target (--target) to make it a feature")
    if stray:
        raise ValueError(
            f"{table.source}: categorical column{'s' if len(stray) > 1 else ''} "
            f"{', '.join(map(repr, stray))} (--categorical) not among the feature columns "
            f"({_some(columns)})")
    return table
