"""``--impute`` in ``chainrule train``'s data preparation
(:mod:`chainrule._cli_models_train_prepare`, where cv and tune import it from): the
options of the reading that keep missing cells, and the filling of them with the
training rows' statistics.  Import from :mod:`chainrule._cli_models_train_prepare`."""

from __future__ import annotations

import argparse

import numpy as np

from ._tabular_table import Table


def missing_options(args: argparse.Namespace) -> dict:
    """``read_data``'s options of ``--impute``: missing cells read as NaNs, and under
    ``--impute constant`` the fill category of a categorical column with missing cells
    (``--fill-value``, else "missing_value"); ``{}`` without ``--impute``."""
    from ._impute import TEXT_FILL

    strategy = getattr(args, "impute", None)
    if strategy is None:
        return {}
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
