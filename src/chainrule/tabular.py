"""Tables of examples for the command line: CSV, NPZ or a bundled data set.

:func:`read_data` turns a file or a data-set name into a :class:`Table` (numeric
features, raw targets, column names), refusing malformed input with a one-line
message that names the file, line and column.  What a trained model keeps to
use such tables (labels, feature names, standardisation) is
:class:`chainrule.saved_model.SavedModel`.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BUNDLED", "Table", "read_data"]

# Defined here until 2026-12-04, now in saved_model; still importable from here.
_MOVED_TO_SAVED_MODEL = ("CLI_FORMAT", "SavedModel", "encode_labels", "fit_labels",
                         "regression_targets")


def __getattr__(name: str) -> object:
    if name in _MOVED_TO_SAVED_MODEL:  # saved_model imports this module: looked up lazily
        from . import saved_model

        return getattr(saved_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Table:
    """Examples read from a file or a bundled data set.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,) or None
        Raw targets: strings (CSV cells, string arrays) or numbers; None when
        the data has no target.
    feature_names : list of str, length n_features
    target_name : str or None
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

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    def where(self, i: int) -> str:
        """Where example ``i`` comes from, for messages ("file.csv line 7" or "data.npz row 6")."""
        if self.lines is not None:
            return f"{self.source} line {int(self.lines[i])}"
        return f"{self.source} row {i}"


# --- bundled data sets ----------------------------------------------------------------------
def _sklearn(name: str):
    import sklearn.datasets as skd

    bunch = getattr(skd, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=np.float64)
    if name == "digits":
        X = X / 16.0
    names = [str(n) for n in getattr(bunch, "feature_names", [])] or [
        f"x{i}" for i in range(X.shape[1])]
    if name == "diabetes":
        return X, np.asarray(bunch.target, dtype=np.float64), names, "progression", \
            "regression", None
    labels = ([int(v) for v in bunch.target_names] if name == "digits"
              else [str(v) for v in bunch.target_names])
    target = {"iris": "species", "digits": "digit", "wine": "cultivar",
              "breast_cancer": "diagnosis"}[name]
    return X, np.asarray(bunch.target), names, target, "classification", labels


def _generated(name: str, seed: int):
    from . import datasets

    if name == "xor":
        X, y = datasets.xor()
        return X, y, ["x1", "x2"], "xor", "classification", [0, 1]
    if name == "sinusoid":
        X, y = datasets.sinusoid(100, 0.1, seed=seed)
        return X, y, ["x"], "t", "regression", None
    import sklearn.datasets as skd

    if name == "moons":
        X, y = skd.make_moons(200, noise=0.2, random_state=seed)
    else:
        X, y = skd.make_circles(200, noise=0.1, factor=0.5, random_state=seed)
    return X, y, ["x1", "x2"], "class", "classification", [0, 1]


BUNDLED: dict[str, str] = {
    "digits": "8x8 handwritten digits, 1797 x 64 pixels / 16, 10 classes",
    "iris": "150 irises x 4 measurements, 3 species",
    "wine": "178 wines x 13 chemical measurements, 3 cultivars",
    "breast_cancer": "569 tumours x 30 features, malignant or benign",
    "diabetes": "442 patients x 10 features, disease progression (regression)",
    "xor": "the four XOR points, 2 classes",
    "moons": "200 points in two interleaved half-moons (noise 0.2), 2 classes",
    "circles": "200 points on two noisy concentric circles, 2 classes",
    "sinusoid": "100 samples of sin(2 pi x) + noise (0.1), regression",
}


def _bundled(name: str, seed: int) -> Table:
    if name in ("digits", "iris", "wine", "breast_cancer", "diabetes"):
        X, y, names, target, task, labels = _sklearn(name)
    else:
        X, y, names, target, task, labels = _generated(name, seed)
    y = np.asarray(labels)[y] if labels is not None else np.asarray(y)  # class names
    return Table(np.asarray(X, dtype=np.float64), y, names, target, name, task, labels)


def _bundled_target(table: Table, target: str, strict: bool) -> Table:
    """A bundled data set with the column ``target`` as its target.

    The other measurements stay features; the data set's own target (class
    names, say) is left out.  The task is then inferred from the column.
    A name that is not a column is an error, unless ``strict`` is False (a
    saved model's recorded target name): the data set's own target is then
    kept, as an NPZ file falls back on ``y``.
    """
    if target not in table.feature_names:
        if not strict:
            return table
        columns = [*table.feature_names, table.target_name]
        raise ValueError(
            f"{table.source}: no column {target!r} for the target (--target); "
            f"expected one of the data set's columns: {', '.join(map(repr, columns))}")
    i = table.feature_names.index(target)
    keep = [j for j in range(table.X.shape[1]) if j != i]
    return Table(table.X[:, keep], table.X[:, i].copy(),
                 [table.feature_names[j] for j in keep], target, table.source)


# --- files ----------------------------------------------------------------------------------
def _parse_floats(cells: np.ndarray, where: Any, what: str) -> np.ndarray:
    """Cells (strings) as finite floats; the first bad cell is named in the error."""
    try:
        values = cells.astype(np.float64)
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        return values
    for i, cell in enumerate(cells):
        text = str(cell).strip()
        if not text:
            raise ValueError(f"{where(i)}, {what}: missing value")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{where(i)}, {what}: not a number: {text!r}") from None
        if not np.isfinite(value):
            raise ValueError(f"{where(i)}, {what}: not a finite number: {text!r}")
    raise ValueError(f"{what}: values that are not finite numbers")  # pragma: no cover


def _some(names: list[str], n: int = 10) -> str:
    return ", ".join(names[:n]) + (f", ... ({len(names)} in all)" if len(names) > n else "")


def _columns(names: list[str], wanted: list[str], source: str, what: str) -> list[int]:
    missing = [n for n in wanted if n not in names]
    if missing:
        shown = ", ".join(repr(n) for n in missing)
        raise ValueError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''} {shown}{what} "
            f"(columns: {_some(names)})"
        )
    return [names.index(n) for n in wanted]


def _read_csv(path: Path, target: str | None, features: list[str] | None,
              need_target: bool, features_what: str) -> Table:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, strict=True)
            rows, line = [], 1  # the line each row starts on: a quoted field may span lines
            for row in reader:
                if any("\0" in cell for cell in row):  # numpy's strings would drop it at the end
                    raise ValueError(f"{path} line {line}: a NUL byte (\\x00); expected a text "
                                     "(CSV) file")
                if any(cell.strip() for cell in row):
                    rows.append((line, row))
                line = reader.line_num + 1
    except UnicodeDecodeError:
        pipe = "" if path.is_file() else " (an .npz archive cannot be read from a pipe)"
        raise ValueError(f"{path}: not a UTF-8 text (CSV) file{pipe}") from None
    except csv.Error as exc:
        raise ValueError(f"{path}: malformed CSV: {exc}") from None
    if not rows:
        raise ValueError(f"{path}: empty file; expected a header row of column names")
    header = [cell.strip() for cell in rows[0][1]]
    if all(_is_number(cell) for cell in header):
        raise ValueError(
            f"{path} line {rows[0][0]}: the first row must be a header of column names, "
            f"got numbers ({', '.join(header[:4])}{', ...' if len(header) > 4 else ''})"
        )
    if "" in header:
        j = header.index("")
        # pandas' to_csv writes its index first, with no name: the usual such file
        index = (" (pandas' DataFrame.to_csv writes its index there: write the file with "
                 "index=False)") if j == 0 else ""
        raise ValueError(f"{path} line {rows[0][0]}: column {j + 1} has no name{index}")
    # a target or feature named by the caller among the first row's text cells says that the
    # row is the header, whatever it looks like; its numbers say nothing (a model's feature
    # '0' is also a pixel value 0 of a header-less file's first example)
    text = [cell for cell in header if not _is_number(cell)]
    named = bool({target, *(features or ())} & set(text))
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
    dup = sorted({n for n in header if header.count(n) > 1})
    if dup:
        raise ValueError(f"{path}: duplicate column name(s) {', '.join(map(repr, dup))}")
    body = rows[1:]
    if not body:
        raise ValueError(f"{path}: no rows of data after the header")
    for n, row in body:
        if len(row) != len(header):
            raise ValueError(
                f"{path} line {n}: malformed CSV: {len(row)} fields, the header has "
                f"{len(header)}"
            )
    cells = np.array([row for _, row in body], dtype=str)
    lines = np.array([n for n, _ in body])
    defaulted = target is None and need_target
    if defaulted:
        target = header[-1]
    t_col, y = None, None
    if target is not None and (need_target or target in header):
        (t_col,) = _columns(header, [target], str(path), " (the target)")
        y = np.char.strip(cells[:, t_col])
        empty = np.flatnonzero(y == "")
        if need_target and empty.size:
            raise ValueError(f"{path} line {lines[empty[0]]}, target {target!r}: missing value")
    if features is None:
        features = [n for i, n in enumerate(header) if i != t_col]
        if not features:
            raise ValueError(f"{path}: no feature columns besides the target {target!r}")
    cols = _columns(header, features, str(path), features_what)
    if need_target and t_col in cols:  # the answer among the inputs: a model that learns nothing
        hint = ("; it is the last column, the target when none is named: name the target "
                "column (--target on the command line)") if defaulted else ""
        raise ValueError(
            f"{path}: the target column {target!r} is also a feature{features_what}; a "
            f"model must not be given its target as an input{hint}"
        )
    table = Table(np.empty((len(body), len(cols))), y, list(features), target, str(path),
                  lines=lines)
    for j, c in enumerate(cols):
        table.X[:, j] = _parse_floats(cells[:, c], table.where, f"column {header[c]!r}")
    return table


def _preview_row(cells: list[str], n: int = 5) -> str:
    return ", ".join(cells[:n]) + (", ..." if len(cells) > n else "")


def _example_as_header(header: list[str], body: list[tuple[int, list[str]]]
                       ) -> tuple[int, int] | None:
    """Whether the first row of a CSV file is an example rather than column names.

    A header-less file whose last column is text (the UCI iris file:
    ``5.1,3.5,1.4,0.2,Iris-setosa``) has a first row of both numbers and text,
    which a header may have too (a pandas export of integer column names:
    ``0,1,2,label``).  The first row is taken for an example only when it
    has a number, each of its numbers stands over a column of numbers, and
    each of its other cells is itself a value of its column further down
    (``Iris-setosa`` is; a name such as ``label`` is not).

    Returns
    -------
    (int, int) or None
        The column of the first text cell found among the values and the line
        where it is, or None (a header).
    """
    numeric = [_is_number(cell) for cell in header]
    if not any(numeric) or all(numeric):  # all numbers: refused on their own
        return None
    rows = [(n, [cell.strip() for cell in row]) for n, row in body if len(row) == len(header)]
    found = None
    # the text cells first: a column name (``label``) that no row holds ends the search
    # after one column, before the numbers of every other column are parsed
    for j, cell in enumerate(header):
        if not numeric[j]:
            line = next((n for n, row in rows if row[j] == cell), None)
            if line is None:
                return None
            found = found or (j, line)
    for j in range(len(header)):
        if numeric[j] and not all(_is_number(row[j]) for _, row in rows if row[j]):
            return None
    return found


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _feature_names(raw: np.ndarray, path: Path) -> list[str]:
    """An NPZ file's ``feature_names`` array as distinct column names (bytes read as UTF-8)."""
    if raw.ndim != 1:
        raise ValueError(f"{path}: 'feature_names' must be a 1-D array of column names, got "
                         f"shape {raw.shape}")
    try:  # np.bytes_ would otherwise be named "b'age'"
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in raw.tolist()]
    except UnicodeDecodeError:
        raise ValueError(f"{path}: 'feature_names' holds bytes that are not UTF-8 text") from None
    blank = next((j for j, n in enumerate(names) if not n.strip()), None)
    if blank is not None:  # as in a CSV header: a model's column that no header can name
        raise ValueError(f"{path}: 'feature_names' gives column {blank + 1} no name (got "
                         f"{names[blank]!r})")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:  # as in a CSV header: a model would take the first such column twice
        raise ValueError(f"{path}: duplicate column name(s) {', '.join(map(repr, dup))} in "
                         "'feature_names'")
    return names


def _read_npz(path: Path, target: str | None, features: list[str] | None,
              need_target: bool, strict_target: bool, features_what: str,
              all_columns: bool = False) -> Table:
    from .io import _READ_ERRORS, read_npz

    try:  # truncated, corrupted, encrypted or not an archive: one error naming the file
        arrays = read_npz(path)
    except _READ_ERRORS as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None
    if "X" not in arrays:
        raise ValueError(f"{path}: no array named 'X' (arrays: {', '.join(arrays) or 'none'})")
    X = arrays["X"]
    if X.ndim not in (2, 4) or X.size == 0 or X.dtype.kind not in "biuf":  # rows and columns
        raise ValueError(
            f"{path}: 'X' must be a non-empty numeric array of shape (n_samples, n_features), "
            f"or of images (n_samples, C, H, W), got shape {X.shape} of dtype {X.dtype}"
        )
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(X))[0])
        raise ValueError(f"{path}: X[{', '.join(map(str, where))}] is not a finite number "
                         f"({X[where]})")
    image_shape = None
    if X.ndim == 4:  # images: one flat row each, channel by channel (as --input-shape reads)
        image_shape = tuple(int(d) for d in X.shape[1:])
        X = X.reshape(X.shape[0], -1)
    names = ([f"x{i}" for i in range(X.shape[1])] if "feature_names" not in arrays
             else _feature_names(arrays["feature_names"], path))
    if len(names) != X.shape[1]:
        raise ValueError(f"{path}: {len(names)} feature_names for {X.shape[1]} columns of X")
    key = target or "y"
    if target is not None and target not in arrays and "y" in arrays and not strict_target:
        key = "y"  # the model's target name came from a CSV column
    y = arrays.get(key)
    # a target the user named must be there; a model's recorded one only when it is needed
    if y is None and (need_target or (target is not None and strict_target)):
        raise ValueError(
            f"{path}: no array named {key!r} for the target (arrays: {', '.join(arrays)})")
    if y is not None:
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"{path}: the target {key!r} must have shape ({X.shape[0]},) like the rows "
                f"of X, got {y.shape}"
            )
        if y.dtype.kind not in "biufU":
            raise ValueError(f"{path}: the target {key!r} has dtype {y.dtype}; expected "
                             "numbers or strings")
        empty = np.flatnonzero(np.char.strip(y) == "") if y.dtype.kind == "U" else []
        if need_target and len(empty):  # as an empty cell of a CSV file: not a class ""
            raise ValueError(f"{path} row {empty[0]}, target {key!r}: missing value (an empty "
                             "string)")
    if features is not None:
        unnamed = "feature_names" not in arrays
        if all_columns and unnamed and X.shape[1] != len(features):
            # the names x0, x1, ... are positions: taking the first of more columns would
            # drop the others without a word
            raise ValueError(
                f"{path}: X has {X.shape[1]} columns and no feature_names array, so its "
                f"columns are taken by position, for the {len(features)} features"
                f"{features_what} ({_some(list(features))}); give X exactly those columns, "
                "or name its columns in a feature_names array"
            )
        positional = unnamed and not set(features) & set(names)
        if positional:  # unnamed columns, a model trained on named ones: by position
            names = list(features)
        else:
            cols = _columns(names, features, str(path), features_what)
            X, names = X[:, cols], list(features)
    return Table(X, y, names, key if y is not None else None, str(path),
                 image_shape=image_shape)


def npz_image_shape(source: str | os.PathLike) -> tuple[int, int, int] | None:
    """The (C, H, W) of the images in an NPZ file's 4-D ``X``, or None.

    None for anything else (a 2-D ``X``, a CSV file, a bundled data set, a
    file that cannot be read: :func:`read_data` then says what is wrong).

    Parameters
    ----------
    source : str or PathLike

    Returns
    -------
    tuple of 3 ints, or None
    """
    from .io import _READ_ERRORS

    path = Path(source)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as arrays:
            if "X" not in arrays.files:
                return None
            shape = arrays["X"].shape
    except _READ_ERRORS:  # read_data names what is wrong
        return None
    return tuple(int(d) for d in shape[1:]) if len(shape) == 4 else None


def read_data(
    source: str | os.PathLike,
    target: str | None = None,
    features: list[str] | None = None,
    need_target: bool = True,
    seed: int = 0,
    strict_target: bool = True,
    features_what: str = " that the model was trained on",
    all_columns: bool = False,
) -> Table:
    """Examples from a CSV file, an NPZ file or a bundled data set.

    Parameters
    ----------
    source : str or PathLike
        A ``.csv`` file (a header row of column names, then one example per
        row), a ``.npz`` file (array ``X`` of shape (n_samples, n_features),
        or images of shape (n_samples, C, H, W), taken as their flat rows,
        target ``y`` or the array named by ``target``, optional
        ``feature_names``; without them the columns are taken by position),
        or the name of a bundled data set (:data:`BUNDLED`).
    target : str, optional
        The target column (CSV) or array (NPZ); by default the last CSV
        column and the NPZ array ``y``.  For a bundled data set, one of its
        columns: a feature column becomes the target (the task then follows
        that column, and the data set's own target is left out).  A CSV
        file's first row that looks like an example (``0,1,yes`` over a
        yes/no column) is taken for the header when ``target`` (or a feature)
        names one of its text cells; its numbers never name a column.
    features : list of str, optional
        Feature columns to take, by name and in this order (as a model was
        trained on); by default every column but the target.
    need_target : bool, default True
        Whether a missing target is an error (False for prediction: the
        target is then read only if present).
    seed : int, default 0
        Seeds the generated data sets (moons, circles, sinusoid).
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
    if features is not None:
        dup = list(dict.fromkeys(n for n in features if list(features).count(n) > 1))
        if dup:
            raise ValueError(
                f"duplicate feature column{'s' if len(dup) > 1 else ''} "
                f"{', '.join(map(repr, dup))}{features_what}: each column can be taken once "
                f"(got {', '.join(map(str, features))})"
            )
    path = Path(source)
    if not path.exists() and str(source) in BUNDLED:
        table = _bundled(str(source), seed)
        if target is not None and target != table.target_name:
            table = _bundled_target(table, target, strict_target)
        if features is not None:
            cols = _columns(table.feature_names, features, str(source), features_what)
            table.X, table.feature_names = table.X[:, cols], list(features)
        return table
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
    is_zip = False
    if path.is_file():
        with open(path, "rb") as fh:
            is_zip = fh.read(4) == b"PK\x03\x04"
    if path.suffix.lower() == ".npz" or is_zip:
        return _read_npz(path, target, features, need_target, strict_target, features_what,
                         all_columns)
    return _read_csv(path, target, features, need_target, features_what)
