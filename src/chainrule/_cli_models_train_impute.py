"""``--impute`` in ``chainrule train``'s data preparation
(:mod:`chainrule._cli_models_train_prepare`, where cv and tune import it from): the
options of the reading that keep missing cells, and the filling of them with the
training rows' statistics.  Import from :mod:`chainrule._cli_models_train_prepare`.

An Embedding first layer (``--layers``) takes its columns as indices into its table
(:func:`~chainrule._cli_models_train_prepare.indices_first`): ``--impute mean`` (and
``median``, of an even count of rows) would fill a missing index with a fraction, which
the layer refused only as the run began, and ``--missing-indicator``'s 0/1 columns
would be read as indices at positions of their own; :func:`check_indices` refuses both
before DATA is read.  ``most_frequent`` fills an index some row holds, and ``constant``
the index ``--fill-value`` names (an integer in ``[0, num_embeddings)``)."""

from __future__ import annotations

import argparse
import math

import numpy as np

from ._tabular_table import Table

# the strategies whose fill is no index of an Embedding's table: what each fills with
_NOT_INDICES = {"mean": "the column's mean", "median": "the column's median (a half-way "
                "value between two indices for an even count of rows)"}


def missing_options(args: argparse.Namespace) -> dict:
    """``read_data``'s options of ``--impute``: missing cells read as NaNs, and under
    ``--impute constant`` the fill category of a categorical column with missing cells
    (``--fill-value``, else "missing_value"); ``{}`` without ``--impute``."""
    from ._impute import TEXT_FILL

    strategy = getattr(args, "impute", None)
    if strategy is None:
        return {}
    check_indices(args)  # an Embedding first layer's index columns: no fraction filled in
    fill = getattr(args, "fill_value", None)
    return {"missing": True, "missing_category": (
        (TEXT_FILL if fill is None else fill.strip()) if strategy == "constant" else None)}


def _impute(args: argparse.Namespace, table: Table, X: np.ndarray, train_idx: np.ndarray,
            w_fit: np.ndarray | None, meta: dict) -> tuple[np.ndarray, np.ndarray | None]:
    """``--impute``: X's missing cells filled with the training rows' statistics (and the
    missing indicators appended), the record kept in ``meta``; also which features are
    indicators (bool of shape (n_features,), None without ``--impute``)."""
    from ._cli_models_train_init_encoding import imputer_record
    from ._impute import fit_imputer, impute, indicator_name

    if getattr(args, "impute", None) is None:
        return X, None
    columns = table.columns or table.feature_names
    record = imputer_record(args)  # --init-from: MODEL's fill values, not DATA's
    if record is None:
        record = fit_imputer(X[train_idx], columns, table.categories, args.impute,
                             args.fill_value, args.missing_indicator, w_fit, table.source)
    names = [indicator_name(c) for c in record["indicators"]]
    clash = [n for n in names if n in table.feature_names]
    if clash:
        raise ValueError(f"{table.source}: the missing indicator {clash[0]!r} "
                         "(--missing-indicator) has the name of a column; rename that column")
    meta["impute"] = record
    flags = np.r_[np.zeros(X.shape[1], dtype=bool), np.ones(len(names), dtype=bool)]
    return impute(X, record, columns, table.categories), flags


def check_indices(args: argparse.Namespace) -> None:
    """Refuse ``--impute`` settings that give an Embedding first layer no index.

    Raises
    ------
    ValueError
        For ``--impute mean`` or ``median``, ``--missing-indicator``, or an ``--impute
        constant`` ``--fill-value`` that is not an integer in ``[0, num_embeddings)``,
        with a network whose ``--layers`` start with an Embedding layer; naming the
        option and why.
    """
    from ._cli_models_train_prepare import indices_first  # (that module imports this one)

    if not indices_first(args):
        return
    first = args.layers[0]
    size = first.get("num_embeddings")
    rows = (f"indices into its table of {size} rows, 0 to {size - 1}"
            if isinstance(size, int) and not isinstance(size, bool) and size > 0 else
            "indices into its table")
    why = f"an Embedding first layer (--layers) takes its columns as {rows}"
    strategy = args.impute
    if strategy in _NOT_INDICES:
        raise ValueError(f"--impute {strategy}: {why}; a missing cell filled with "
                         f"{_NOT_INDICES[strategy]} is no index of it; use --impute "
                         "most_frequent (the index the training rows hold most often) or "
                         "--impute constant --fill-value INDEX")
    if getattr(args, "missing_indicator", False):
        raise ValueError(f"--missing-indicator: {why}; its 0/1 columns would be read as "
                         "the indices 0 and 1, at positions of their own; leave it out")
    fill = getattr(args, "fill_value", None)
    if strategy == "constant" and fill is not None:
        try:
            value = float(fill)
        except ValueError:
            value = math.nan
        if not (value.is_integer() and value >= 0
                and (not isinstance(size, int) or value < size)):
            raise ValueError(f"--fill-value {fill}: {why}; expected one of them, an "
                             f"integer, got {fill!r}")
