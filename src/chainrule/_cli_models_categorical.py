"""``chainrule train``'s categorical columns: the options that make ``read_data`` one-hot
encode a CSV file's columns of text (and those of ``--categorical``), what the model
file records of them, and the standardisation that leaves their 0/1 features as they
are (see :mod:`chainrule._tabular_categories`, which encodes them)."""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from ._cli_statistics import _constant, _mean_std
from ._tabular_categories import MAX_CATEGORIES, one_hot_mask


def categorical_options(args: argparse.Namespace) -> dict:
    """``read_data``'s options of train's categorical columns: DATA's columns of text, and
    those of ``--categorical``, one-hot encoded, at most ``--max-categories`` categories
    each (a file that is not CSV: only ``--categorical`` is checked, and refused).  With
    an Embedding first layer (its columns are indices): none, ``--categorical`` refused."""
    from ._cli_models_train_prepare import indices_first  # (that module imports this one)

    forced = getattr(args, "categorical", None)
    if indices_first(args):  # an Embedding's input columns are indices: none one-hot encoded
        if forced:
            raise ValueError(
                f"--categorical {' '.join(forced)}: an Embedding first layer (--layers) "
                "takes its columns as indices into its table; one-hot encoded, a column "
                "would become 0/1 columns, read as the indices 0 and 1 at positions of "
                "their own; leave --categorical out (the column's values, integers from 0, "
                "are the indices)")
        return {"categorical": False}  # a column of text: refused by read_data, by name
    return {"categorical": list(forced) if forced else True,
            "max_categories": getattr(args, "max_categories", MAX_CATEGORIES)}


def categorical_record(table) -> dict:
    """What the model file records of the table's categorical columns: ``columns`` (the
    columns read, in order) and ``categories`` (each categorical one's, sorted); ``{}``
    where there are none (the file is then as before they were encoded)."""
    if not table.categories:
        return {}
    return {"columns": list(table.columns), "categories": dict(table.categories)}


def encoded_line(table) -> str | None:
    """The line train prints of the columns it one-hot encoded; None where there are none."""
    if not table.categories:
        return None
    return f"{table.source}: one-hot encoded " + ", ".join(
        f"{name!r} ({len(cats)} categories)" for name, cats in table.categories.items())


def validation_only(table, train_idx: np.ndarray, val_idx: np.ndarray,
                    X: np.ndarray | None = None) -> dict[str, list]:
    """Per categorical column of ``table``, its categories that rows of ``val_idx`` hold
    and no row of ``train_idx`` does (columns with none left out).

    The model file records every category of DATA, but the weights of one seen only in
    the validation rows (``--val-fraction``) are never trained: their 0/1 feature is 0
    in every training row.  scikit-learn's ``Pipeline(OneHotEncoder(), MLP(early_stopping=
    True))`` keeps them alike, its encoder fitted on every row; train says it.

    ``X`` (shape (n_samples, n_features), or more columns after them: the missing
    indicators): the features as trained on, the one-hot ones 0/1, where ``--impute``
    filled the missing cells, so that a fill category (``--impute constant``'s) that
    only validation rows' missing cells hold is found too; None: ``table.X`` (a missing
    cell, NaN, holding no category).
    """
    if not table.categories or not len(val_idx):
        return {}
    dummies = one_hot_mask(table.columns, table.categories)
    rows = table.X if X is None else X[:, :table.X.shape[1]]
    # (n_samples, n_dummies), a byte each; a missing cell (--impute: NaN) holds none
    on = np.nan_to_num(rows[:, dummies]) != 0
    trained, held = on[train_idx].any(axis=0), on[val_idx].any(axis=0)
    found, j = {}, 0
    for column in (c for c in table.columns if c in table.categories):
        known = table.categories[column]
        only = [c for c, t, h in zip(known, trained[j:j + len(known)], held[j:j + len(known)],
                                     strict=True) if h and not t]
        if only:
            found[column] = only
        j += len(known)
    return found


def feature_statistics(X_train: np.ndarray, table, weights: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The mean and scale of ``--scale standard`` of each feature, shape (n_features,).

    A numeric feature's training mean and standard deviation (of a feature constant in
    training, the scale 1: it is only centred; its deviation is the rounding of its mean,
    by which another value would be multiplied ~1e15).  A categorical column's 0/1
    features keep mean 0 and scale 1: they stay 0/1, as scikit-learn's
    ``ColumnTransformer`` of a ``OneHotEncoder`` beside a ``StandardScaler`` of the
    numeric columns leaves them.

    Parameters
    ----------
    X_train : ndarray of shape (n_train, n_features)
    table : Table
        The table the rows come from (its ``columns`` and ``categories``).
    weights : ndarray of shape (n_train,), optional
        The rows' weights (``--sample-weight``): weighted statistics.

    Returns
    -------
    mean, scale : ndarray of shape (n_features,)
    """
    mean, scale = _mean_std(X_train, weights=weights)
    scale[_constant(X_train, weights=weights)] = 1.0
    if table.categories:
        dummies = one_hot_mask(table.columns, table.categories)
        mean[dummies], scale[dummies] = 0.0, 1.0
    return mean, scale


def fold_tables(train, held, fill_category: str | None = None) -> tuple:
    """A cross-validation fold's training and held-out rows (:class:`Table` s of the same
    columns), each categorical column encoded over the categories of the training rows
    alone, as ``chainrule train`` on those rows encodes it.

    The categories were read from every row of the file; one that the fold's training
    rows lack loses its 0/1 feature (a column of zeros there, whose weights training
    would never move from their random start), and a held-out row of it is all zeros in
    its column, as ``evaluate --unknown-categories zeros`` encodes a category the model
    does not know (scikit-learn's ``OneHotEncoder(handle_unknown="ignore")`` refitted
    per fold).

    A missing cell (``--impute``: a row of NaNs) holds no category; under ``--impute
    constant`` its fill category (``fill_category``) is kept in a column with a missing
    cell among the training rows, which it fills there, as a ``SimpleImputer`` before the
    ``OneHotEncoder`` refitted per fold gives it; a held-out row's missing cell in a column
    without one among the training rows is then all zeros there, an unseen category.

    Returns
    -------
    train, held : Table
        ``X`` of shape (n_train, n_kept) and (n_held, n_kept).
    unseen : dict of str to int
        Per categorical column, the held-out rows whose category the training rows
        lack (columns with none left out).
    """
    if not train.categories:
        return train, held, {}
    dummies = one_hot_mask(train.columns, train.categories)
    keep = ~dummies | (np.nan_to_num(train.X) != 0).any(axis=0)
    if fill_category is not None:
        j = 0
        for column in train.columns:
            known = train.categories.get(column, [None])
            if fill_category in known and np.isnan(train.X[:, j]).any():
                keep[j + known.index(fill_category)] = True
            j += len(known)
    if keep.all():
        return train, held, {}
    categories, unseen, j = {}, {}, 0
    X_held = held.X.copy()
    for column in train.columns:
        if column not in train.categories:
            j += 1
            continue
        known = train.categories[column]
        kept = keep[j:j + len(known)]
        categories[column] = [c for c, k in zip(known, kept, strict=True) if k]
        # (a missing cell of --impute, NaN, is no unseen category)
        on = np.nan_to_num(X_held[:, j:j + len(known)][:, ~kept]).any(axis=1)
        if fill_category in known and not kept[known.index(fill_category)]:
            # a missing cell filled with the category the training rows lack: all zeros
            gap = np.isnan(X_held[:, j])
            X_held[gap, j:j + len(known)] = 0.0
            on |= gap
        if on.any():
            unseen[column] = int(on.sum())
        j += len(known)
    names = [n for n, k in zip(train.feature_names, keep, strict=True) if k]
    return (replace(train, X=train.X[:, keep], feature_names=names, categories=categories),
            replace(held, X=X_held[:, keep], feature_names=names, categories=categories),
            unseen)
