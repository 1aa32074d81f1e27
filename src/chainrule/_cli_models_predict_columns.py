"""predict's columns: the names of its prediction and ``--proba`` columns, the
columns ``--keep`` copies from the data (checked before the data are read, then read),
and the refusal of an ``-o`` named as another format than CSV text.

Moved from :mod:`chainrule.cli_models`, which imports every name from here as before.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Collection
from pathlib import Path

import numpy as np

from ._cli_args_files import STDOUT
from ._cli_models_data import _target_names, model_columns


def _proba_names(model) -> list[str]:
    """The names of predict's ``--proba`` columns: ``proba_LABEL`` of each class, named
    by the labels' text in the prediction column (an estimator's class 2.0: 2); of a
    multi-label classifier of several targets, ``proba_TARGET`` of each target (the
    probability of its second label); of one that names none (a saved network of several
    sigmoid outputs), ``proba_prediction_0``, ``proba_prediction_1``, ..."""
    several = _target_names(model)
    if getattr(model, "multilabel", False) and several:
        return [f"proba_{name}" for name in several]
    labels = model.labels or ()
    if getattr(model, "multilabel", False) and any(isinstance(v, list) for v in labels):
        # a saved network of several sigmoid outputs: labels [0, 1] per output, no names;
        # proba_prediction_0, ... beside its prediction_0, ... (not "proba_[0, 1]" twice)
        return [f"proba_{name}" for name in _prediction_names(model, "prediction")]
    return [f"proba_{_label_text(label)}" for label in model.labels or ()]


def _check_keep(keep: list[str] | None, data: str, proba: Collection[str]) -> None:
    """Refuse a ``--keep`` that repeats a column, or names a probability column
    (``proba``: :func:`_proba_names`), or reads a pipe by its name (read once; DATA "-",
    standard input, is kept once read: :func:`chainrule._tabular_text.stdin_read_once`),
    before the data are read.

    The prediction columns (the target's name, or ``NAME_0``, ``NAME_1``, ... of
    several outputs) are checked by :func:`_prediction_names`, from the model."""
    if not keep:
        return
    twice = [col for i, col in enumerate(keep) if col in keep[:i]]
    if twice:
        raise ValueError(f"--keep: column {twice[0]!r} given twice (got --keep "
                         f"{' '.join(keep)}); name each column once")
    _check_clash(keep, set(proba))
    if data == "-":  # standard input, kept once read: read again for the kept columns
        return
    path = Path(data)
    if path.exists() and not path.is_file() and not path.is_dir():
        raise ValueError(f"--keep: {data} is not a regular file (a pipe is read once, for the "
                         "features); save the data to a file, or pipe it to DATA - "
                         "(standard input, which is kept), to copy columns from it")


def _prediction_names(model, name: str) -> list[str]:
    """The names of the prediction columns, known from the model before any data are read.

    ``name`` (the target's name, or "prediction"), the targets' names of a model
    file of several targets (``target_names``), or ``name_0``, ``name_1``, ... for
    each output of a regression network of several outputs, or each label of a
    multi-label classifier (an estimator's file)."""
    n = model.network.n_outputs
    targets = _target_names(model)
    if targets is not None:  # a model file of several targets: a column named after each
        return targets
    several = (getattr(model, "multilabel", False) if model.task == "classification"
               else n > 1)
    return [f"{name}_{j}" for j in range(n)] if several else [name]


def _check_clash(keep: list[str], columns: Collection[str]) -> None:
    """Refuse a ``--keep`` column named as one of the prediction ``columns``."""
    clash = [col for col in keep if col in columns]
    if clash:
        raise ValueError(f"--keep {clash[0]}: the output has a column of that name (the "
                         "predictions'); a copy would make two columns of one name: compare "
                         "the target with the predictions with chainrule evaluate")


def _kept(model, table, args: argparse.Namespace, col: str) -> list:
    """The cells of the column (or NPZ array) ``col`` of ``args.data``, row by row as
    ``table`` (the model's features of the same file) holds them: read as a target is,
    text as written (a feature of the model included: an id "007" stays "007"); a
    feature that is a column of an NPZ file's X is its number."""
    from .tabular import read_data

    features = model_columns(model)
    options = {"features": features, "seed": args.seed, "all_columns":
               model.metadata.get("all_columns") is True,
               "features_what": " that the model was trained on",
               **({"categories": model.metadata["categories"], "unknown_categories":
                   args.unknown_categories} if model.metadata.get("categories") else {}),
               **({"missing": True} if model.metadata.get("impute") else {})}
    if features is not None and col in features:
        try:  # a CSV file's cells as written; a column of an NPZ file's X: its numbers
            kept = read_data(args.data, target=col, need_target=False, **options)
        except ValueError:
            kept = None
        if kept is None or kept.y is None or np.shape(kept.y) != (table.n_samples,):
            return list(table.X[:, table.feature_names.index(col)])
        return list(kept.y)
    try:
        kept = read_data(args.data, target=col, need_target=False, **options)
        if kept.y is None or kept.target_name != col:  # the reader's error, naming the columns
            read_data(args.data, target=col, **options)
            raise ValueError(f"{kept.source}: no column {col!r}")
    except ValueError as exc:  # said of the column to copy, not of a target
        message = str(exc).replace(" (the target)", "").replace(" for the target", "")
        raise ValueError(f"--keep {col}: {message.replace('the target ', 'the column ')}"
                         ) from None
    y = np.asarray(kept.y)
    if y.shape != (table.n_samples,):
        raise ValueError(f"--keep {col}: {kept.source} holds {col!r} of shape "
                         f"{' x '.join(map(str, y.shape))}; one value per example "
                         f"({table.n_samples}) is needed")
    return list(y)


def _label_text(v: object) -> str:
    """A predicted class label's cell: text as it is, a number as the model's label (2.0: 2)."""
    from .saved_model import _text

    return v if isinstance(v, str) else _text(v)


#: Suffixes of a file that is no CSV text: pandas.read_csv decompresses the first by the
#: name (a plain CSV there fails: "Not a gzipped file"); the others name another format.
#: (.gz, .bz2 and .xz are written compressed: ``_io_files.COMPRESSIONS``.)
_COMPRESSED = {".zip": "zip", ".zst": "zstd", ".tar": "tar"}
_OTHER = {".npz": "an NPZ archive (chainrule reads a .npz DATA as one)", ".npy": "a NumPy array",
          ".xlsx": "an Excel workbook", ".xls": "an Excel workbook",
          ".parquet": "a Parquet file", ".feather": "a Feather file",
          ".pkl": "a pickle", ".pickle": "a pickle", ".h5": "an HDF5 file",
          ".hdf5": "an HDF5 file"}


def _refuse_other_format(out: str | None) -> None:
    """Refuse predict's ``-o`` of a name whose suffix says another format (``preds.csv.gz``,
    ``preds.parquet``), which the CSV text written there would not be:
    ``pandas.read_csv("preds.csv.gz")`` fails on it (after the refusal of a name that is
    an input of the command, which says more)."""
    if out in (None, STDOUT) or (os.path.exists(out) and not os.path.isfile(out)):
        return  # the standard output, /dev/null, a pipe: written as they are
    stem, suffix = os.path.splitext(out)
    csv_name = stem if stem.lower().endswith(".csv") else stem + ".csv"
    if suffix.lower() in _COMPRESSED:
        raise ValueError(
            f"-o {out}: the name of a {_COMPRESSED[suffix.lower()]}-compressed file, but "
            f"predict writes CSV text, plain or compressed by gzip, bzip2 or xz, which "
            f"pandas.read_csv({out!r}) would fail to decompress; name it "
            f"{csv_name}, or {csv_name}.gz (.bz2, .xz) to have it compressed")
    if suffix.lower() in _OTHER:
        raise ValueError(
            f"-o {out}: the name of {_OTHER[suffix.lower()]}, but predict writes CSV text; "
            f"name it {stem}.csv (pandas.read_csv reads it; DataFrame.to_parquet, to_excel "
            "... write the other formats)")
