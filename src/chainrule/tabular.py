"""Tables of examples for the command line: CSV, NPZ or a bundled data set, and a saved model.

:func:`read_data` turns a file or a data-set name into a :class:`Table` (numeric
features, raw targets, column names), refusing malformed input with a one-line
message that names the file, line and column.  :class:`SavedModel` is a
network together with what is needed to use it on such tables: the task, the
class labels, the feature names, the target name and the feature (and, for
regression, target) standardisation, all kept in the model file's metadata
(:func:`chainrule.io.save`), so ``chainrule predict`` maps outputs back to labels.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .network import Network

__all__ = [
    "BUNDLED", "SavedModel", "Table", "encode_labels", "fit_labels", "read_data",
    "regression_targets",
]

CLI_FORMAT = "chainrule.cli.model"  # the "kind" recorded in a model's metadata


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
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    target_name: str | None
    source: str
    task: str | None = None
    labels: list | None = None
    lines: np.ndarray | None = field(default=None, repr=False)

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
                if any(cell.strip() for cell in row):
                    rows.append((line, row))
                line = reader.line_num + 1
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a UTF-8 text (CSV) file") from None
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
        raise ValueError(f"{path} line {rows[0][0]}: column {header.index('') + 1} has no name")
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
    if target is None and need_target:
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
        raise ValueError(
            f"{path}: the target column {target!r} is also a feature{features_what}; a "
            "model must not be given its target as an input"
        )
    table = Table(np.empty((len(body), len(cols))), y, list(features), target, str(path),
                  lines=lines)
    for j, c in enumerate(cols):
        table.X[:, j] = _parse_floats(cells[:, c], table.where, f"column {header[c]!r}")
    return table


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
    if X.ndim != 2 or X.size == 0 or X.dtype.kind not in "biuf":  # rows and columns
        raise ValueError(
            f"{path}: 'X' must be a non-empty 2-D numeric array (n_samples, n_features), got "
            f"shape {X.shape} of dtype {X.dtype}"
        )
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        i, j = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"{path}: X[{i}, {j}] is not a finite number ({X[i, j]})")
    names = ([str(n) for n in arrays["feature_names"]] if "feature_names" in arrays
             else [f"x{i}" for i in range(X.shape[1])])
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
    return Table(X, y, names, key if y is not None else None, str(path))


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
        target ``y`` or the array named by ``target``, optional
        ``feature_names``; without them the columns are taken by position),
        or the name of a bundled data set (:data:`BUNDLED`).
    target : str, optional
        The target column (CSV) or array (NPZ); by default the last CSV
        column and the NPZ array ``y``.  For a bundled data set, one of its
        columns: a feature column becomes the target (the task then follows
        that column, and the data set's own target is left out).
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
        raise FileNotFoundError(
            f"no such file or bundled data set: {source} (bundled: {', '.join(BUNDLED)})")
    if path.is_dir():
        raise ValueError(f"{source}: is a directory; expected a .csv or .npz file")
    with open(path, "rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"
    if path.suffix.lower() == ".npz" or is_zip:
        return _read_npz(path, target, features, need_target, strict_target, features_what,
                         all_columns)
    return _read_csv(path, target, features, need_target, features_what)


# --- labels ---------------------------------------------------------------------------------
def _json_label(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def _text(v: object) -> str:
    """A target or label as the text ``predict`` writes: strings as they are, 2.0 as "2"."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (float, np.floating)) and np.isfinite(v):
        return str(_json_label(v))
    return str(v.item() if isinstance(v, np.generic) else v)


def _value(text: str) -> float | None:
    """A label's text as a finite number, or None when it is not one."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def fit_labels(y: np.ndarray) -> tuple[list, np.ndarray]:
    """Class labels of raw targets and the class index of each example.

    Text targets (CSV cells, string arrays) keep their text exactly: ``"01"``,
    ``"1"`` and ``"1.0"`` are three classes, and ``predict`` writes them back as
    they were written.  Text that reads as numbers is sorted by value (then as
    text), so ``"2"`` comes before ``"10"``; other text is sorted as text.
    Numeric arrays (NPZ files, bundled data sets) give numbers, ints when whole.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)

    Returns
    -------
    labels : list of length n_classes (JSON-serialisable)
    index : ndarray of shape (n_samples,), int
    """
    y = np.asarray(y)
    if y.dtype.kind in "biuf":
        values = y.astype(np.float64)
        if np.isfinite(values).all():
            classes, index = np.unique(values, return_inverse=True)
            return [_json_label(v) for v in classes], index
    texts, index = np.unique(np.char.strip(y.astype(str)), return_inverse=True)
    labels = [str(t) for t in texts]
    values = [_value(t) for t in labels]
    if all(v is not None for v in values):  # "2" before "10"; "01" before "1" before "1.0"
        order = sorted(range(len(labels)), key=lambda i: (values[i], labels[i]))
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        return [labels[i] for i in order], rank[index]
    return labels, index


def encode_labels(y: np.ndarray, labels: list, table: Table | None = None) -> np.ndarray:
    """Class index of each raw target given the model's ``labels``.

    A target matches the label of the same text (numbers as ``predict``
    writes them: 2.0 as ``"2"``).  Failing that, a number matches the one
    label of the same value, if there is exactly one: ``"1.0"`` in a CSV file
    matches the label ``1`` (or ``"1"``), but not when the model has both
    ``"1"`` and ``"1.0"``; a boolean matches ``"True"``/``"False"``, else the
    label of value 1 or 0 (:func:`fit_labels` makes the classes 0 and 1 of
    boolean targets).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Raw targets (numbers or strings).
    labels : list
        The model's classes (strings or numbers), in the order of its output units.
    table : Table, optional
        Where ``y`` came from, to name the line of a bad value.

    Returns
    -------
    ndarray of shape (n_samples,), int

    Raises
    ------
    ValueError
        If a target is not one of ``labels``, naming where it is.
    """
    where = table.where if table is not None else (lambda i: f"row {i}")
    name = table.target_name if table is not None else "target"
    by_text: dict[str, int] = {}
    by_value: dict[float, list[int]] = {}
    for i, label in enumerate(labels):
        text = _text(label)
        by_text.setdefault(text, i)
        value = _value(text)
        if value is not None:
            by_value.setdefault(value, []).append(i)
    index = np.empty(len(y), dtype=np.intp)
    for i, cell in enumerate(np.asarray(y).tolist()):
        text = _text(cell)
        j = by_text.get(text)
        if j is None:
            # a boolean target (an NPZ array of dtype bool) trained as the classes 0 and 1
            value = float(cell) if isinstance(cell, bool) else _value(text)
            same = by_value.get(value, []) if value is not None else []
            if len(same) != 1:
                raise ValueError(
                    f"{where(i)}, target {name!r}: {text!r} is not one of the model's classes "
                    f"({', '.join(map(_text, labels))})"
                )
            j = same[0]
        index[i] = j
    return index


def regression_targets(table: Table) -> np.ndarray:
    """The table's targets as finite floats of shape (n_samples,), naming a bad cell."""
    assert table.y is not None
    return _parse_floats(np.asarray(table.y), table.where, f"target {table.target_name!r}")


# --- a network with what it needs for tables -----------------------------------------------
@dataclass
class SavedModel:
    """A network plus the metadata that maps tables to its inputs and outputs back to labels.

    Attributes
    ----------
    network : Network
    metadata : dict
        ``task`` ("classification" or "regression"), ``labels`` (classes, in
        the order of the output units), ``feature_names``, ``target_name``,
        ``x_mean``/``x_scale`` (features are standardised as ``(X - mean) /
        scale`` before the network), ``y_mean``/``y_scale`` (regression:
        the network predicts the standardised target), ``history`` (loss per
        epoch) and ``training`` (the settings).
    """

    network: Network
    metadata: dict

    @property
    def task(self) -> str:
        return self.metadata.get("task", "regression")

    @property
    def labels(self) -> list | None:
        return self.metadata.get("labels")

    @property
    def feature_names(self) -> list[str] | None:
        return self.metadata.get("feature_names")

    @property
    def classes_(self) -> np.ndarray | None:
        """The labels as an array (scikit-learn's name), or None for regression."""
        return None if self.labels is None else np.asarray(self.labels)

    def _inputs(self, X: object) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n_samples, {self.n_features}), got {X.shape}")
        mean = self.metadata.get("x_mean")
        if mean is not None:
            X = (X - np.asarray(mean)) / np.asarray(self.metadata["x_scale"])
        n_in = self.network.n_inputs
        return X.reshape(-1, *n_in) if isinstance(n_in, tuple) else X  # images: flat rows

    @property
    def n_features(self) -> int:
        """Features per example (a convolutional network's image, flattened)."""
        n_in = self.network.n_inputs
        return int(np.prod(n_in)) if isinstance(n_in, tuple) else n_in

    def outputs(self, X: object) -> np.ndarray:
        """Network outputs for raw features X of shape (n_samples, n_features)."""
        return self.network.forward(self._inputs(X))

    def predict_proba(self, X: object) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of labels."""
        if self.task != "classification":
            raise ValueError("predict_proba: the model is a regression model")
        A = self.outputs(X)
        return np.column_stack([1.0 - A[:, 0], A[:, 0]]) if A.shape[1] == 1 else A

    def predict_index(self, X: object) -> np.ndarray:
        """Class index (classification) of shape (n_samples,)."""
        return self.predict_proba(X).argmax(axis=1)

    def predict(self, X: object) -> np.ndarray:
        """Labels (classification) or targets in their units (regression), shape (n_samples,)."""
        if self.task == "classification":
            return np.asarray(self.labels)[self.predict_index(X)]
        A = self.outputs(X)
        y = A[:, 0] if A.shape[1] == 1 else A
        if "y_mean" in self.metadata:
            y = y * self.metadata["y_scale"] + self.metadata["y_mean"]
        return y

    def save(self, path: str | os.PathLike) -> Path:
        """Write the network and metadata (:func:`chainrule.io.save`); returns the file."""
        from .io import save

        return save(self.network, path, metadata={"kind": CLI_FORMAT, **self.metadata})

    @classmethod
    def load(cls, path: str | os.PathLike) -> SavedModel:
        """Read a model file and check its metadata against its network.

        A plain saved network (no ``task``) is a classifier when its output is
        softmax or sigmoid (labels 0, 1, ...), else a regression model, without
        scaling.

        Raises
        ------
        FileNotFoundError, IsADirectoryError, ValueError
            On missing, truncated, corrupted or foreign files, a directory,
            and on metadata that disagrees with the network or is of the
            wrong type ("m.npz: corrupted chainrule model file (labels: 3
            labels for a network with 1 output)"); see :func:`_metadata_problem`.
        """
        from .io import NETWORK_FORMAT, read_file, restore_network

        meta, arrays = read_file(path, NETWORK_FORMAT)
        net = restore_network(meta, arrays, path)
        metadata = meta.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ValueError(f"{path}: corrupted chainrule model file (metadata: expected a "
                             "JSON object)")
        metadata = dict(metadata)
        if "task" not in metadata and metadata.get("kind") != CLI_FORMAT:
            # a network saved from Python: what its output layer says
            act = net.output_activation
            classify = act is not None and act.name in ("softmax", "sigmoid")
            metadata["task"] = "classification" if classify else "regression"
            if classify:
                metadata["labels"] = list(range(max(2, net.n_outputs)))
        model = cls(net, metadata)
        problem = _metadata_problem(model)
        if problem:
            raise ValueError(f"{path}: corrupted chainrule model file ({problem})")
        return model


_TASKS = ("classification", "regression")


def _finite_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _metadata_problem(model: SavedModel) -> str | None:
    """What in a model's metadata disagrees with its network or with itself, or None.

    The one check of everything the command line reads from a model file: the
    task, the labels (one per output unit; a single sigmoid output has two),
    the feature names, the standardisation (one mean and one positive scale per
    feature; a regression target's mean and scale as numbers), and the types of
    the records ``info`` and ``plot loss`` show.

    Returns
    -------
    str or None
        ``"KEY: what is wrong"``, e.g. ``"labels: 3 labels for a network with 1 output"``.
    """
    meta, net = model.metadata, model.network
    n_in, n_out = model.n_features, net.n_outputs
    inputs = f"a network with {_plural(n_in, 'input')}"
    task = meta.get("task")
    if task not in _TASKS:
        return (f"task: {task!r}, expected 'classification' or 'regression'"
                if "task" in meta else "task: missing")
    labels = meta.get("labels")
    if task == "classification" or labels is not None:
        if labels is None:
            return "labels: missing for a classification model"
        if not isinstance(labels, list) or not all(
                isinstance(v, str) or _finite_number(v) for v in labels):
            return "labels: expected a list of strings or numbers"
        texts = [_text(v) for v in labels]
        dup = next((t for t in texts if texts.count(t) > 1), None)
        if dup is not None:
            return f"labels: {dup!r} appears {texts.count(dup)} times"
        if task == "classification" and len(labels) != (2 if n_out == 1 else n_out):
            return (f"labels: {_plural(len(labels), 'label')} for a network with "
                    f"{_plural(n_out, 'output')}")
    names = meta.get("feature_names")
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
            return "feature_names: expected a list of strings"
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            return f"feature_names: {dup!r} appears {names.count(dup)} times"
        if len(names) != n_in:
            return f"feature_names: {_plural(len(names), 'name')} for {inputs}"
    for mean, scale in (("x_mean", "x_scale"), ("y_mean", "y_scale")):
        if (mean in meta) != (scale in meta):
            present, absent = (mean, scale) if mean in meta else (scale, mean)
            return f"{absent}: missing, though {present} is there"
    for key in ("x_mean", "x_scale"):
        if key in meta:
            values = meta[key]
            if not isinstance(values, list) or not all(_finite_number(v) for v in values):
                return f"{key}: expected a list of finite numbers"
            if len(values) != n_in:
                return f"{key}: {_plural(len(values), 'value')} for {inputs}"
            if key == "x_scale" and not all(v > 0 for v in values):
                return "x_scale: expected positive numbers"
    for key in ("y_mean", "y_scale"):
        if key in meta:
            if not _finite_number(meta[key]) or (key == "y_scale" and not meta[key] > 0):
                return f"{key}: expected a {'positive' if key == 'y_scale' else 'finite'} " \
                       f"number, got {meta[key]!r}"
    for key in ("target_name", "data", "kind"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            return f"{key}: expected a string, got {meta[key]!r}"
    if meta.get("training") is not None and not isinstance(meta["training"], dict):
        return f"training: expected a JSON object of settings, got {meta['training']!r}"
    history = meta.get("history")
    if history is not None:
        if not isinstance(history, dict):
            return f"history: expected a JSON object of lists, got {history!r}"
        for key, values in history.items():
            if not isinstance(values, list) or not all(_finite_number(v) for v in values):
                return f"history: {key!r} is not a list of finite numbers"
    return None
