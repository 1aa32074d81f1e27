"""``chainrule train``'s reading of DATA (:func:`read_table`), which ``chainrule cv`` and
``tune`` share: the table as train reads it (``--target``, ``--features``, ``--groups``'
and ``--sample-weight``'s columns taken out of it), checked against ``--input-shape`` and
the architecture.  Its preparation for training is
:mod:`chainrule._cli_models_train_prepare`'s."""

from __future__ import annotations

import argparse

from . import _cli_groups as _groups
from . import _cli_models_categorical as _categorical
from . import _cli_sample_weight as _weights
from . import _cli_time_order as _time
from ._cli_image_layout import other_shape as _other_shape
from ._cli_models_train_impute import missing_options
from ._cli_models_train_init_encoding import categories_options, unknown_said
from ._tabular_table import Table
from .cli_architecture import check_features


def other_shape(args: argparse.Namespace, given: list[int], source: object,
                shape: tuple[int, int, int]) -> str:
    """The refusal of DATA's images of ``shape`` where the network takes ``given``: named
    --input-shape where typed, else where it came from (``args.input_shape_from``)."""
    origin = getattr(args, "input_shape_from", None)  # --init-from's network
    if origin is None:
        return _other_shape(given, source, shape)
    return (f"{origin} takes images of {' x '.join(map(str, given))}, but {source} holds "
            f"images of {' x '.join(map(str, shape))} (C x H x W)")


def read_table(args: argparse.Namespace, given_shape: list[int] | None) -> Table:
    """DATA as train reads it (``--target``, ``--features``, a generated set's ``--seed``),
    checked against ``--input-shape`` as given (``given_shape``) and the architecture.

    Returns
    -------
    Table
        Every example of DATA: ``X`` of shape (n_samples, n_features), raw targets ``y``.
    """
    from ._cli_models_train_prepare import indices_first  # (it imports this module)
    from ._tabular_table import MissingValueError, NotANumberError
    from .tabular import read_data

    _time.check_options(args)  # --time-ordered: not with --groups, --val-data
    target = _groups.read_target(args)  # and cv's --groups column, of a CSV file
    try:
        with _groups.groups_said(args), unknown_said(args):
            table, weights = _weights.read_once(args, lambda features: read_data(  # --sample-
                args.data, target=target, features=features, seed=args.seed,  # weight's
                features_what=" (--features)",  # column read with them
                dtype=getattr(args, "dtype", "float64"),  # --dtype (train, cv, tune)
                **(categories_options(args) or _categorical.categorical_options(args)),
                **missing_options(args)))
    except MissingValueError as exc:  # how train fills it
        raise ValueError(f"{exc.bare} (give --impute to fill it)") from None
    except NotANumberError as exc:  # not "one-hot encode it" nor --categorical: indices
        if exc.target or not indices_first(args):
            raise
        raise NotANumberError(exc.bare, _index_words(args, True), exc.lookalike, exc.cell,
                              exc.target) from None
    table = _groups.with_groups(args, table)  # its column no target
    y = table.y
    if not isinstance(args.target, list) and getattr(y, "ndim", 1) == 2 and y.shape[1] > 1:
        # an NPZ archive named as a CSV file: its target array of several columns was not
        # taken for as many targets before the data was read (check_before_data)
        raise ValueError(f"{table.source}: an NPZ archive under a CSV file's name, its "
                         f"target array {args.target or 'y'!r} of shape {y.shape}; rename it "
                         "to .npz to train on its columns as several targets")
    if (given_shape is not None and table.image_shape is not None
            and tuple(given_shape) != table.image_shape):
        raise ValueError(other_shape(args, given_shape, table.source, table.image_shape))
    if args.features is not None and table.columns is None and (
            table.X.shape[1] != len(args.features)):
        # an NPZ file without feature_names, whose columns are the positions x0, x1, ...:
        # read_data takes names that are none of them as a model's, by position (every
        # column); the model file would then hold fewer names than its network has inputs
        shown = ", ".join(map(repr, args.features))
        raise ValueError(
            f"{table.source}: missing column{'s' if len(args.features) > 1 else ''} {shown} "
            f"(--features): X has no feature_names array, so its {table.X.shape[1]} columns "
            f"are named by position, x0 to x{table.X.shape[1] - 1}")
    table = _weights.with_sample_weight(args, table, weights)  # its column no feature
    check_features(args, table.X.shape[1], table.source)
    if indices_first(args):
        _check_indices(args, table)
    return table


def _embedding_size(args: argparse.Namespace) -> int | None:
    """The ``num_embeddings`` of ``--layers``' Embedding first layer, None where it is no
    positive int (refused where the network is built)."""
    size = args.layers[0].get("num_embeddings")
    return size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None


def _index_words(args: argparse.Namespace, text: bool = False) -> str:
    """What an Embedding first layer takes, for the refusal of a cell that is no index
    (``text``: a cell of text, whose column of categories wants writing as indices)."""
    size = _embedding_size(args)
    whole = f"whole numbers 0 to {size - 1} (num_embeddings {size})" if size else \
        "whole numbers from 0"
    words = (f"an Embedding first layer (--layers) takes each column's values as indices "
             f"into its table, {whole}")
    return words + (": write the column's categories as those indices (text is neither an "
                    "index nor one-hot encoded for it; --categorical is refused)" if text else "")


def _check_indices(args: argparse.Namespace, table: Table) -> None:
    """Refuse DATA's first feature cell that is no index of ``--layers``' Embedding first
    layer (a fraction, a negative number, one past ``num_embeddings``), naming its column
    and line (its row of an NPZ file), before the network is built: the layer refused it
    only as the run began, at its position in a shuffled training batch.  Missing cells
    (NaN, filled by --impute) are left to the imputation."""
    import numpy as np

    X, size = table.X, _embedding_size(args)
    bad = ~np.isnan(X) & ((X != np.floor(X)) | (X < 0) | (X >= (size or np.inf)))
    if not bad.any():
        return
    row, col = (int(i) for i in np.argwhere(bad)[0])
    names = table.columns or table.feature_names
    where = (f"{table.source} line {int(table.lines[row])}" if table.lines is not None else
             f"{table.source} row {row}")
    raise ValueError(f"{where}, column {names[col]!r}: {float(X[row, col])!r} is no index; "
                     f"{_index_words(args)}")
