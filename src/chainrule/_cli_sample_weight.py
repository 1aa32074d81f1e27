"""``--sample-weight COLUMN`` of ``chainrule train``, ``cv``, ``evaluate`` and
``importance``: a column of the data (an array of an NPZ file) that weighs each example,
read and checked here.

The column is no feature: :func:`with_sample_weight` reads it (finite numbers >= 0 with a
positive sum, refused by name and line otherwise), keeps it as the table's
``sample_weight`` and takes it out of the features read by default (every column but the
target).  Training multiplies each example's loss by its weight, the cost being the
weighted mean (:meth:`~chainrule.Network.loss_and_grad`, as scikit-learn's MLP), and
``evaluate`` (and ``importance``, of its baseline and every shuffle) passes the weights
to scikit-learn's metrics as ``sample_weight``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ._cli_sample_weight_evaluate import (  # evaluate's and importance's, here as before
    EVALUATE_HELP,
    evaluation_weights,
    table_seed,
    weights_line,
)

__all__ = ["EVALUATE_HELP", "SAMPLE_WEIGHT_HELP", "check_folds", "check_parts",
           "check_weight_names", "evaluation_weights", "is_csv", "is_pipe", "read_once",
           "read_weights", "split_weights", "table_seed", "val_weights", "weighted_mean_std",
           "weights_line", "with_sample_weight", "with_weight_column"]

_OPTION = "--sample-weight"

SAMPLE_WEIGHT_HELP = (
    "a column of DATA (an array of an NPZ file) holding each example's weight, a number "
    ">= 0 (their sum > 0); it is not a feature. Each training example's loss is multiplied "
    "by its weight: the cost is the weighted mean, its per-sample weight decay divided by "
    "the weights' sum (scikit-learn's MLP with sample_weight: integer weights train as "
    "the rows repeated that many times); the standardising statistics are weighted too, "
    "and with --class-weight an example weighs the product (balanced counts the classes' "
    "weights). The validation rows (--val-fraction, or --val-data's own column of that "
    "name) are weighted in the validation cost that --patience watches, as scikit-learn's "
    "early stopping scores them (default: none, every example weighs 1)")


def read_once(args: argparse.Namespace, read) -> tuple:
    """DATA as ``read(features)`` reads it, and ``--sample-weight``'s weights (None
    without the option), for train and cv.

    A CSV file (a pipe, standard input) is read once: the weight column with the features
    (``args.features`` and it), then taken out (:func:`split_weights`); a pipe could not
    be read twice.  Where that read fails, or the column's cells are no weights, the
    column is read alone (:func:`read_weights`), its fault said first, as before.  An NPZ
    file's weights, an array of their own, are read alone first.

    Returns
    -------
    table : Table
        Without the weight column (a default target that is the weight column is left
        for :func:`with_sample_weight` to refuse).
    weights : ndarray of shape (n_samples,) or None
    """
    name = getattr(args, "sample_weight", None)
    if name is None or not is_csv(args.data):
        weights = check_weight_names(args)  # the names checked, the column read alone
        return read(args.features), weights
    check_weight_names(args, read=False)  # refused where it is also a feature or a target
    features = with_weight_column(args.data, name, args.features, ())
    try:
        table = read(features)
    except (ValueError, OSError) as exc:  # the weight column's fault said first, then the
        if is_pipe(args.data):  # features' as a read without it says it (listing no weight
            raise  # column among the features); a pipe's bytes are gone: its reader's words
        read_weights(args.data, name, args.seed, None)
        read(args.features)
        raise exc from None
    if name == table.target_name or name in (table.target_names or ()):
        return table, None  # refused by with_sample_weight
    table, weights = split_weights(table, name, is_pipe(args.data))
    if weights is None:  # a cell that is no weight: said by its reader, naming it
        weights = read_weights(args.data, name, args.seed, None)
    return table, weights


def with_weight_column(data: str, name: str | None, features: list[str] | None,
                       targets: tuple) -> list[str] | None:
    """The features to read of ``data`` with the weight column ``name``: ``features`` and
    it, where ``data`` is a CSV file (standard input, a pipe, a file that is no NPZ
    archive) and it is neither among them nor one of ``targets``; ``features`` itself
    (the same object) otherwise, or when it is None (every column but the target: the
    weight column among them)."""
    if name is None or name in (*(features or ()), *targets) or not is_csv(data):
        return features
    return features if features is None else [*features, name]


def is_csv(data: str) -> bool:
    """Whether ``data`` is read as a CSV file: standard input, a pipe, a file that is
    neither an .npz name nor a zip archive (as ``read_data`` tells them); not a bundled
    set or a missing file (their messages are the column's reader's)."""
    if data == "-":
        return True
    path = Path(data)
    if not path.exists() or path.is_dir() or path.suffix.lower() == ".npz":
        return False
    if not path.is_file():  # a pipe: its first bytes, once taken, are lost
        return True
    with open(path, "rb") as fh:
        return fh.read(4) != b"PK\x03\x04"


def is_pipe(data: str) -> bool:
    """Whether ``data`` is a pipe (``<(zcat data.csv.gz)``), whose bytes are read once."""
    return data != "-" and Path(data).exists() and not Path(data).is_file()


def split_weights(table, name: str, refuse: bool = False) -> tuple:
    """The weight column ``name``, read as a feature of ``table`` (of a CSV file), taken
    out: ``table`` without it and its weights, the floats its cells are; None for the
    weights where the column is not there, is categorical (text), or its values are not
    finite numbers >= 0 with a positive sum (:func:`read_weights` then names the cell,
    reading it again; ``refuse``: a pipe, not to be read again, whose bad weight is
    named here)."""
    if name not in table.feature_names or name in (table.categories or {}):
        return table, None
    weights = table.X[:, table.feature_names.index(name)].copy()
    rest = without_weight_column(table, name)
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if refuse and bad.size:
        raise ValueError(f"{_OPTION} {name}: {table.where(int(bad[0]))}: the weight is "
                         f"{float(weights[bad[0]])!r}; expected a finite number >= 0")
    if refuse and not weights.any():
        raise ValueError(f"{_OPTION} {name}: every weight of {table.source} is 0; at least "
                         "one example must weigh more than 0")
    return (rest, None) if bad.size or not weights.any() else (rest, weights)


def check_weight_names(args: argparse.Namespace, read: bool = True) -> np.ndarray | None:
    """The weights of ``--sample-weight``'s column of DATA (None without the option, or
    without ``read``), read before the features, once a weight column that is also named
    as the target, a feature or a categorical column is refused (the option's parsed
    ``args``)."""
    name = getattr(args, "sample_weight", None)
    if name is None:
        return None
    for dest, option in (("target", "--target"), ("features", "--features"),
                         ("categorical", "--categorical")):
        given = getattr(args, dest, None)  # a name (one --target), a list, or None
        if name in ([given] if isinstance(given, str) else given or ()):
            raise ValueError(
                f"{_OPTION} {name}: the column is also given to {option}; the weight "
                "column weighs the examples and is neither a feature nor a target: name "
                "another column")
    return read_weights(args.data, name, args.seed, None) if read else None


def read_weights(data: str, name: str, seed: int, n_rows: int | None, what: str = "DATA"
                 ) -> np.ndarray:
    """The weights of the column (NPZ array) ``name`` of ``data``, checked.

    Parameters
    ----------
    data : str
        A CSV or NPZ file, or ``-`` (standard input); a bundled data set is refused.
    name : str
        The column.
    seed : int
        Passed on to the reader (a generated set is refused before).
    n_rows : int or None
        The examples of ``data`` as the features were read: the weights must be as many
        (None: checked by the caller).
    what : str
        How the messages name the file's role ("DATA", "--val-data").

    Returns
    -------
    ndarray of shape (n_rows,), float64 (n_rows: the file's)

    Raises
    ------
    ValueError
        Naming ``--sample-weight``, the column and the row: a missing column, a cell
        that is not a finite number, a negative weight, or weights summing to 0.
    """
    from .tabular import BUNDLED, read_data

    if data != "-" and not Path(data).exists() and data in BUNDLED:
        raise ValueError(f"{_OPTION} {name}: {what} {data} is a bundled data set, which has "
                         "no weight column; give a CSV or NPZ file holding one")
    if data != "-" and Path(data).is_file() and not is_csv(data):  # NPZ: its array alone
        source, cells, where, n_file = _npz_weights(data, name)  # (X not read again)
    else:
        try:
            table = read_data(data, target=name, features=[], need_target=False, seed=seed)
        except ValueError as exc:  # the reader's words for a target: said of the weights
            message = (str(exc).replace(" for the target", "").replace(" (the target)", "")
                       .replace(f"the target {name!r}", f"the weight column {name!r}")
                       .replace(f"target {name!r}", f"weight column {name!r}"))
            raise ValueError(f"{_OPTION} {name}: {message}") from None
        if table.y is None:
            raise ValueError(f"{_OPTION} {name}: {table.source} has no column {name!r}" + (
                "" if what == "DATA" else f" ({what}: its rows are weighted by their own "
                "column of that name, as DATA's)"))
        source, cells, where, n_file = (table.source, np.asarray(table.y), table.where,
                                        table.n_samples)
    if cells.shape != (n_rows if n_rows is not None else n_file,):
        raise ValueError(f"{_OPTION} {name}: {source} holds {name!r} of shape "
                         f"{' x '.join(map(str, cells.shape))}; one weight per example "
                         f"({n_file if n_rows is None else n_rows}) is needed")
    weights = np.empty(cells.shape[0])
    for i, cell in enumerate(cells.tolist()):
        try:
            value = float(cell.strip() if isinstance(cell, str) else cell)
        except (TypeError, ValueError):
            shown = "missing" if isinstance(cell, str) and not cell.strip() else f"{cell!r}"
            raise ValueError(f"{_OPTION} {name}: {where(i)}: the weight is {shown}; "
                             "expected a number >= 0") from None
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{_OPTION} {name}: {where(i)}: the weight is {cell!r}; "
                             "expected a finite number >= 0")
        weights[i] = value
    if not weights.any():
        raise ValueError(f"{_OPTION} {name}: every weight of {source} is 0; at least "
                         "one example must weigh more than 0")
    return weights


def _npz_weights(data: str, name: str) -> tuple:
    """The weight array ``name`` of the NPZ file ``data``, read alone: its source, cells,
    the words for row i, and the rows of X (from its .npy header: X is not read)."""
    from ._tabular_npz import _npz_shape
    from ._tabular_npz_array import npz_array

    try:
        cells = npz_array(data, name)
    except ValueError as exc:
        raise ValueError(f"{_OPTION} {name}: {exc}") from None
    shape = _npz_shape(data, "X")
    n_file = shape[0] if shape else cells.shape[0]  # (no X: DATA's read refuses it)
    if cells.ndim != 1 or cells.shape[0] != n_file:  # the reader's words, as before
        raise ValueError(f"{_OPTION} {name}: {data}: the weight column {name!r} must have "
                         f"shape ({n_file},) like the rows of X, got {cells.shape}")
    return data, cells, (lambda i: f"{data} row {i}"), n_file


def with_sample_weight(args: argparse.Namespace, table, weights: np.ndarray | None):
    """``table`` with its ``sample_weight``, the ``weights`` of ``--sample-weight``'s column
    (:func:`check_weight_names`), that column taken out of its features (read as one by
    default); ``table`` itself without the option.

    Raises
    ------
    ValueError
        As :func:`read_weights`; also for a weight column read as the target (the last
        column of a CSV file without --target), or one that leaves no feature.
    """
    from dataclasses import replace

    name = getattr(args, "sample_weight", None)
    if name is None:
        return table
    if name == table.target_name or name in (table.target_names or ()):
        raise ValueError(f"{_OPTION} {name}: the weight column is the target (the last "
                         "column of a CSV file is the target when --target names none); "
                         "name the target column with --target")
    if weights.shape != (table.n_samples,):  # a file changed between the two reads
        raise ValueError(f"{_OPTION} {name}: {len(weights)} weights for the "
                         f"{table.n_samples} examples of {table.source}")
    return replace(without_weight_column(table, name), sample_weight=weights)


def without_weight_column(table, name: str):
    """``table`` without the feature column ``name`` (``--sample-weight``'s, read as a
    feature where every column but the target is one); ``table`` itself where it has none
    of that name.

    Raises
    ------
    ValueError
        Where it is the only feature.
    """
    from dataclasses import replace

    columns = table.columns or table.feature_names
    if name not in columns:
        return table
    if len(table.feature_names) == 1:
        raise ValueError(f"{table.source}: no feature columns besides the target and the "
                         f"weight column {name!r} ({_OPTION})")
    j = table.feature_names.index(name)
    keep = [i for i in range(len(table.feature_names)) if i != j]
    return replace(table, X=table.X[:, keep],
                   feature_names=[n for n in table.feature_names if n != name],
                   columns=None if table.columns is None else
                   [n for n in table.columns if n != name])


def check_parts(args: argparse.Namespace, w_train: np.ndarray, w_val: np.ndarray) -> None:
    """Refuse a split whose training rows, or validation rows (if any), all weigh 0; of
    a fold of cv (``args.fold``: its number and the number of folds), naming it; in the
    words and counts of the library's refusal (:mod:`chainrule._split_weights`)."""
    from ._split_weights import check_split_weights

    fold, ordered = getattr(args, "fold", None), getattr(args, "time_ordered", False)
    split = (f"--val-fraction {args.val_fraction} ("
             + ("the last rows, --time-ordered)" if ordered else f"--seed {args.seed})"))
    check_split_weights(
        f"{_OPTION} {args.sample_weight}",
        split if fold is None else f"fold {fold[0]} of {fold[1]}'s {split}",
        f"Give another {'' if ordered else '--seed or '}--val-fraction (0: no validation "
        "rows).", w_train, w_val if len(w_val) else None, held="validation",
        held_use="for the weighted validation cost")


def check_folds(args: argparse.Namespace, weights: np.ndarray | None, folds: list,
                splitter: str) -> None:
    """cv: refuse, before any fold is trained, a fold whose training rows or held-out rows
    all weigh 0 (``weights``: DATA's, None without ``--sample-weight``; ``folds``: the
    (training rows, held-out rows) of each fold, by ``splitter``): its model, or its
    weighted scores (a mean of no weight), would be undefined; as :func:`check_parts`."""
    from ._split_weights import check_split_weights

    if weights is None:
        return
    for i, (train, held) in enumerate(folds, 1):
        check_split_weights(
            f"{_OPTION} {args.sample_weight}",
            f"fold {i} of {len(folds)} ({splitter}, --seed {args.seed})",
            "Give fewer --folds or another --seed.", weights[train], weights[held],
            held_use="for the fold's scores (means weighted by them)")


def weighted_mean_std(values: np.ndarray, weights: np.ndarray, axis: int | tuple[int, ...]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The weighted mean and standard deviation (ddof 0) of ``values`` over ``axis``, each
    row (axis 0) weighing ``weights[i]``: those of the rows repeated as many times for
    integer weights, as scikit-learn's ``StandardScaler.fit(X, sample_weight=)``.

    Parameters
    ----------
    values : ndarray of shape (n_rows, ...)
    weights : ndarray of shape (n_rows,)
        >= 0, with a positive sum.
    axis : int or tuple of int
        Axis 0 among them.

    Returns
    -------
    mean, std : ndarray of ``values``' shape without ``axis``
    """
    w = np.broadcast_to((weights / weights.max()).reshape((-1,) + (1,) * (values.ndim - 1)),
                        values.shape)
    total = w.sum(axis=axis, keepdims=True)
    mean = (w * values).sum(axis=axis, keepdims=True) / total
    var = (w * (values - mean) ** 2).sum(axis=axis) / np.squeeze(total, axis=axis)
    return np.squeeze(mean, axis=axis), np.sqrt(var)


def val_weights(args: argparse.Namespace, val):
    """The ``--val-data`` table ``val`` with the weights of its own ``--sample-weight``
    column (the file has DATA's columns), or ``val`` itself without the option or where
    they were read with its features (a CSV file, ``_cli_models_val_data``)."""
    from dataclasses import replace

    name = getattr(args, "sample_weight", None)
    if name is None or val.sample_weight is not None:  # read with the features (a CSV file)
        return val
    return replace(val, sample_weight=read_weights(args.val_data, name, args.seed,
                                                   val.n_samples, "--val-data"))
