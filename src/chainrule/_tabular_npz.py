"""NPZ files for :func:`chainrule.tabular.read_data`: arrays ``X`` (rows, or images
of shape (n, C, H, W), or (n, H, W) of one channel), a target array and optional
``feature_names``, read without pickle through :func:`chainrule.io.read_npz`.  Import
from :mod:`chainrule.tabular`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ._tabular_table import (
    TEXT_FEATURES_HINT,
    MissingValueError,
    Table,
    _columns,
    _duplicates,
    _some,
)
from ._tabular_text import UnreadableFileError

# the arrays of a file of scipy.sparse.save_npz (CSR, CSC and BSR add indices and indptr,
# COO row and col, DIA offsets): one matrix in its storage arrays
_SAVE_NPZ_ARRAYS = {"format", "shape", "data"}
_FLOAT64 = np.dtype(np.float64)  # X's dtype unless told (read_data's dtype)


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
    dup = _duplicates(names)
    if dup:  # as in a CSV header: a model would take the first such column twice
        raise ValueError(f"{path}: duplicate column name(s) {', '.join(map(repr, dup))} in "
                         "'feature_names'")
    return names


def _read_npz(path: Path, target: str | None, features: list[str] | None,
              need_target: bool, strict_target: bool, features_what: str,
              all_columns: bool = False, nan_class: bool = False,
              more: tuple[str, ...] = (), missing: bool = False,
              dtype: np.dtype = _FLOAT64) -> Table:
    from .io import _READ_ERRORS, read_npz

    try:  # truncated, corrupted, encrypted or not an archive: one error naming the file
        arrays = read_npz(path)
    except _READ_ERRORS as exc:
        if not str(path).lower().endswith(".npz"):  # a .csv.zip: pandas reads it, not here
            raise UnreadableFileError(
                f"{path}: not a readable .npz file of arrays ({exc}); a CSV file is read "
                "plain or compressed by gzip, bzip2 or xz (.csv.gz, .csv.bz2, .csv.xz), not "
                "in a zip archive: unzip it, or recompress it as one of those") from None
        raise UnreadableFileError(f"{path}: not a readable .npz file ({exc})") from None
    if "X" not in arrays and _SAVE_NPZ_ARRAYS <= set(arrays):
        # what scipy.sparse.save_npz writes: one matrix in its storage arrays, no target
        fmt = arrays["format"]
        fmt = (f" ({fmt.item().decode(errors='replace') if fmt.dtype.kind == 'S' else fmt})"
               if fmt.ndim == 0 and fmt.dtype.kind in "SU" else "")
        raise ValueError(
            f"{path}: a sparse matrix written by scipy.sparse.save_npz{fmt}, not a data "
            "file: expected an array named 'X' (and a target to train or evaluate); the "
            "command line reads dense arrays, e.g. np.savez(path, X=X.toarray(), y=y) "
            "(from Python, the estimators and chainrule.train take the sparse matrix itself)")
    if "X" not in arrays:
        from ._io_kind import saved_kind

        kind = saved_kind(arrays["__meta__"]) if "__meta__" in arrays else None
        if kind is not None:  # a model file given as DATA (evaluate model.npz model.npz)
            raise ValueError(f"{path}: {kind}, not data: DATA is a .csv file or an .npz file "
                             "of arrays X and y (evaluate, predict, importance and plot take "
                             "the model file first, then the data)")
        raise ValueError(f"{path}: no array named 'X' (arrays: {', '.join(arrays) or 'none'})")
    X = arrays["X"]
    if X.ndim not in (2, 3, 4) or X.size == 0 or X.dtype.kind not in "biuf":  # rows, columns
        raise ValueError(_x_forms(path, X.shape, X.dtype))
    # of the dtype already (float64, or float32 read as float32): as loaded, this call's own
    narrowed = X.dtype.kind == "f" and X.dtype.itemsize > dtype.itemsize
    finite = np.isfinite(X) if narrowed else None  # float64 read as float32: its range
    with np.errstate(over="ignore"):  # refused below, naming the cell
        X = X.astype(dtype, copy=False)
    # missing (--impute): a NaN is a cell to fill; an infinity is refused whatever
    bad = ~np.isfinite(X) & ~np.isnan(X) if missing else ~np.isfinite(X)
    if finite is not None and (bad & finite).any():  # finite as written, not as read
        where = tuple(int(i) for i in np.argwhere(bad & finite)[0])
        raise ValueError(f"{path}: X[{', '.join(map(str, where))}] = "
                         f"{arrays['X'][where]:g} is beyond the range of {dtype.name}")
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        at = f"{path}: X[{', '.join(map(str, where))}]"
        message = f"{at} is not a finite number ({X[where]})"
        if np.isnan(X[where]):
            raise MissingValueError(message, f"{at}: missing value (NaN)")
        raise ValueError(message)
    image_shape = _image_shape(X.shape)
    if image_shape is not None:  # images: one flat row each, channel by channel (as
        X = X.reshape(X.shape[0], -1)  # --input-shape reads them)
    names = ([f"x{i}" for i in range(X.shape[1])] if "feature_names" not in arrays
             else _feature_names(arrays["feature_names"], path))
    if len(names) != X.shape[1]:
        raise ValueError(f"{path}: {len(names)} feature_names for {X.shape[1]} columns of X")
    key = target or "y"
    if (target is not None and _target_array(arrays, target) is None and "y" in arrays
            and not strict_target):
        key = "y"  # the model's target name came from a CSV column
    if not more and key in arrays and (arrays[key].ndim > 2 or arrays[key].shape[1:] == (0,)):
        raise ValueError(  # a 2-D array is read as its columns: say so, not "(n,)" alone
            f"{path}: the target {key!r} must have shape ({X.shape[0]},), or "
            f"({X.shape[0]}, k) of k targets, like the rows of X, got {arrays[key].shape}")
    if not more and key in arrays and arrays[key].ndim == 2:  # Y (n, k): k targets
        if arrays[key].shape[1] == 1:
            arrays[key] = arrays[key][:, 0]
        elif arrays[key].shape[1] >= 2:
            key, *rest = target_columns(key, arrays[key].shape[1])
            more = tuple(rest)
    _refuse_ambiguous(arrays, (key, *more), path)
    missing = []
    if more:  # several targets: one 1-D array each, or the columns K[j] of a 2-D array K
        missing = [name for name in (key, *more) if _target_array(arrays, name) is None]
        if missing and need_target:
            raise ValueError(f"{path}: no array{'s' if len(missing) > 1 else ''} named "
                             f"{', '.join(map(repr, missing))} for the targets (arrays: "
                             f"{', '.join(arrays)})")
        if need_target:
            _all_columns(arrays, [key, *more], path)
    y = None if more and missing else _target_array(arrays, key)  # predict: not needed
    # a target the user named must be there; a model's recorded one only when it is needed
    if y is None and (need_target or (target is not None and strict_target)):
        raise ValueError(
            f"{path}: no array named {key!r} for the target (arrays: {', '.join(arrays)})")
    if y is not None:
        y = _npz_target(y, key, X.shape[0], path, need_target, nan_class)
        if more:
            y = np.column_stack([y, *(_npz_target(_target_array(arrays, k), k, X.shape[0],
                                                  path, need_target, nan_class)
                                      for k in more)])
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
                 image_shape=image_shape,
                 target_names=[key, *more] if more and y is not None else None)


_COLUMN = re.compile(r"(.+)\[(\d+)\]\Z")  # "Y[2]": column 2 of a 2-D target array Y


def target_columns(key: str, k: int) -> list[str]:
    """The names of the ``k`` targets that a 2-D NPZ array ``key`` of shape (n, k) holds:
    ``key[0]`` .. ``key[k-1]``, by which a model records them and reads them again."""
    return [f"{key}[{j}]" for j in range(k)]


def _column_of(arrays: dict[str, np.ndarray], name: str) -> tuple[str, int] | None:
    """``(K, j)`` where ``name`` is ``K[j]`` and ``K`` is a 2-D array of more than ``j``
    columns (whether or not ``name`` is an array of its own too); else None."""
    m = _COLUMN.match(name)
    whole = arrays.get(m.group(1)) if m else None
    if whole is None or whole.ndim != 2 or int(m.group(2)) >= whole.shape[1]:
        return None
    return m.group(1), int(m.group(2))


def _target_array(arrays: dict[str, np.ndarray], name: str) -> np.ndarray | None:
    """The array ``name``, or for ``K[j]`` column j of a 2-D array ``K``; None if neither."""
    if name in arrays:
        return arrays[name]
    column = _column_of(arrays, name)
    return None if column is None else arrays[column[0]][:, column[1]]


def _refuse_ambiguous(arrays: dict[str, np.ndarray], names: tuple[str, ...],
                      path: Path) -> None:
    """Refuse a target name ``K[j]`` that is both an array of its own and column j of a 2-D
    array ``K``: either reading would silently train or score on the other one's values."""
    for name in names:
        column = _column_of(arrays, name) if name in arrays else None
        if column is not None:
            base, j = column
            raise ValueError(
                f"{path}: the target {name!r} is both an array of its own (shape "
                f"{arrays[name].shape}) and column {j} of the 2-D array "
                f"{base!r} (shape {arrays[base].shape}); rename one of them")


def _all_columns(arrays: dict[str, np.ndarray], names: list[str], path: Path) -> None:
    """Refuse a 2-D target array of more columns than the targets ``K[j]`` take of it: a
    model of k targets scored on the first k of more columns would drop the others.  Its
    columns in another order (``--target Y[1] Y[0]``) are read in that order, as a CSV
    file's columns are."""
    for base in dict.fromkeys(m.group(1) for m in map(_COLUMN.match, names)
                              if m and m.group(1) in arrays and m.group() not in arrays):
        k = arrays[base].shape[1]
        taken = [n for n in names if n.startswith(base + "[")]
        if sorted(taken) != sorted(target_columns(base, k)):
            raise ValueError(
                f"{path}: the target array {base!r} has {k} columns (shape "
                f"{arrays[base].shape}), but the targets are {', '.join(taken)}; expected "
                f"shape (n_samples, {len(taken)}), each of its columns one of the targets")


def _npz_target(y: np.ndarray, key: str, n: int, path: Path, need_target: bool,
                nan_class: bool) -> np.ndarray:
    """The target array ``key`` of an NPZ file, of shape (n,), refused naming what is wrong:
    another shape, a dtype of neither numbers nor strings, a missing value."""
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(
            f"{path}: the target {key!r} must have shape ({n},) like the rows "
            f"of X, got {y.shape}"
        )
    if y.dtype.kind == "S":  # byte strings (h5py's): their UTF-8 text, the same classes
        y = _decoded(y, key, path)  # in the same order (UTF-8 sorts as its code points)
    if y.dtype.kind not in "biufU":
        raise ValueError(f"{path}: the target {key!r} has dtype {y.dtype}; expected "
                         "numbers or strings")
    empty = np.flatnonzero(np.char.strip(y) == "") if y.dtype.kind == "U" else []
    if need_target and len(empty):  # as an empty cell of a CSV file: not a class ""
        raise ValueError(f"{path} row {empty[0]}, target {key!r}: missing value (an empty "
                         "string)")
    # "nan" (np.array(["a", np.nan]) writes it): missing, as in a CSV file, not a class
    nan = (np.flatnonzero(np.isin(np.char.lower(np.char.strip(y)), ["nan", "+nan", "-nan"]))
           if y.dtype.kind == "U" else [])
    if need_target and len(nan) and not nan_class:
        raise ValueError(f"{path} row {nan[0]}, target {key!r}: missing value "
                         f"({str(y[nan[0]])!r})")
    bad = np.flatnonzero(~np.isfinite(y)) if y.dtype.kind == "f" else []
    if need_target and len(bad):  # NaN: a missing value, not the class "nan"
        raise ValueError(f"{path} row {bad[0]}, target {key!r}: not a finite number: "
                         f"{str(y[bad[0]])!r}")
    return y


def _decoded(y: np.ndarray, key: str, path: Path) -> np.ndarray:
    """Byte-string targets (dtype ``|S7``, as h5py reads strings) as text, decoded as UTF-8
    (ASCII included); refused, naming the first row that is not UTF-8, where one is not."""
    try:
        return np.char.decode(y, "utf-8")
    except UnicodeDecodeError:
        values = y.tolist()
        row = next(i for i, v in enumerate(values) if not _utf8(v))
        raise ValueError(
            f"{path} row {row}, target {key!r}: {values[row]!r} is not UTF-8 text (the "
            f"target has dtype {y.dtype}, byte strings, read as UTF-8); save it decoded, e.g. "
            "y = np.char.decode(y, 'latin-1') for Latin-1 bytes") from None


def _utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _npz_shape(source: str | os.PathLike, name: str) -> tuple[int, ...] | None:
    """The shape of the array ``name`` of an NPZ file, from its .npy header (without
    reading or inflating the data), or None (no such array, not an NPZ file, or ``-``:
    standard input, which holds a CSV file, not a file named "-")."""
    import zipfile

    from ._io_npz import npy_header
    from .io import _READ_ERRORS

    path = Path(source)
    if source == "-" or not path.is_file():  # a Path("-") is a file named "-"
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            member = next((m for m in (name + ".npy", name) if m in names), None)
            if member is None:
                return None
            with zf.open(member) as fh:
                shape, _ = npy_header(fh)
    except _READ_ERRORS:  # read_data names what is wrong
        return None
    return tuple(int(d) for d in shape)


def _x_forms(path: object, shape: tuple[int, ...], dtype: np.dtype | None = None) -> str:
    """The refusal of an ``X`` of ``shape`` (and ``dtype``) that is neither rows nor images."""
    hint = "; " + TEXT_FEATURES_HINT if dtype is not None and dtype.kind in "SU" else ""
    return (f"{path}: 'X' must be a non-empty numeric array of shape (n_samples, n_features), "
            "or of images (n_samples, C, H, W), or (n_samples, H, W) of one channel, got "
            f"shape {tuple(shape)}" + (f" of dtype {dtype}" if dtype is not None else "") + hint)


def _image_shape(shape: tuple[int, ...]) -> tuple[int, int, int] | None:
    """The (C, H, W) of images in an array ``X`` of ``shape``: (n, C, H, W), or (n, H, W)
    of one channel (grey images, as MNIST's come), C = 1; None for rows (n, n_features)."""
    if len(shape) == 4:
        return tuple(int(d) for d in shape[1:])
    return (1, int(shape[1]), int(shape[2])) if len(shape) == 3 else None


def npz_image_shape(source: str | os.PathLike) -> tuple[int, int, int] | None:
    """The (C, H, W) of the images in an NPZ file's ``X``, or None.

    Images are a 4-D ``X`` (n, C, H, W), or a 3-D one (n, H, W) of one channel,
    whose shape is (1, H, W).  None for anything else (a 2-D ``X``, a CSV file,
    a bundled data set, a file that cannot be read: :func:`read_data` then says
    what is wrong).

    Parameters
    ----------
    source : str or PathLike

    Returns
    -------
    tuple of 3 ints, or None

    Raises
    ------
    ValueError
        For an ``X`` of neither 2, 3 nor 4 axes (its shape, and the forms taken), as
        :func:`read_data` refuses it: before what the file's images would decide.
    """
    shape = _npz_shape(source, "X")
    if shape is not None and len(shape) not in (2, 3, 4):
        raise ValueError(_x_forms(source, shape))
    return None if shape is None else _image_shape(shape)


def npz_targets(source: str | os.PathLike, target: str | None) -> list[str] | None:
    """The targets that an NPZ file's 2-D target array of shape (n, k), k >= 2, holds.

    Parameters
    ----------
    source : str or PathLike
    target : str or None
        The target array's name (None: ``y``, as :func:`read_data` takes).

    Returns
    -------
    list of k str, or None
        ``target[0]`` .. ``target[k-1]``, which :func:`read_data` reads as
        the columns of that array; None for a 1-D array or one of one
        column (one target), another file, or a file that cannot be read.
    """
    key = target or "y"
    shape = _npz_shape(source, key)
    if shape is None or len(shape) != 2 or shape[1] < 2:
        return None
    return target_columns(key, shape[1])
