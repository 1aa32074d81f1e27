"""``chainrule train --val-data FILE``: validation examples of the user's own, in place of a
held-out fraction of DATA (see :mod:`chainrule._cli_models_train_run`, which calls this).

The file is read with DATA's columns (its target(s) and features, by name, as ``evaluate``
reads a model's features: extra columns are left out, a missing one is refused), its class
labels must be among the training data's, and it is appended to the training table so that
the run prepares it as it prepared a held-out fraction: with the statistics of the training
rows alone (the mean and standard deviation of every feature and regression target), its
labels mapped with the training labels.  All of DATA trains."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

import numpy as np


def check_val_data_options(args: argparse.Namespace) -> None:
    """Refuse what ``--val-data`` cannot be given with, before any data is read.

    Parameters
    ----------
    args : argparse.Namespace
        train's options: ``val_data``, ``val_fraction`` (None when not given), ``data``,
        ``find_lr``, ``out`` and ``plot``.

    Raises
    ------
    ValueError
        For a bundled data set's name, ``-`` when DATA is ``-`` too, an empty name,
        ``--val-fraction`` given as well, ``--find-lr`` (whose range test takes no
        validation examples), and an output that is the validation file.
    """
    from ._cli_models_data import _not_empty
    from .cli_args import refuse_overwriting
    from .tabular import BUNDLED

    given = args.val_data
    if given is None:
        return
    _not_empty(given, "--val-data", "a .csv or .npz file of validation examples")
    if given in BUNDLED and not Path(given).exists():
        raise ValueError(
            f"--val-data {given}: the name of a bundled data set; --val-data takes a .csv or "
            ".npz file of validation examples of your own, with DATA's columns (to validate "
            f"on part of {given}, train on it with --val-fraction instead)")
    if given != "-" and not Path(given).exists():  # read_data would offer bundled names
        raise ValueError(f"--val-data {given}: no such file (give a .csv or .npz file of "
                         "validation examples)")
    if given == "-" and args.data == "-":
        raise ValueError(
            "--val-data -: DATA is standard input (-) already, which is read once; give the "
            "validation examples as a file, or DATA as a file and --val-data -")
    if args.val_fraction is not None:
        raise ValueError(
            f"--val-fraction {args.val_fraction:g} with --val-data {given}: the validation "
            "examples are the file's, and no fraction of DATA is held out (all of it trains); "
            "give one of the two")
    if args.find_lr:
        raise ValueError(
            f"--val-data {given} with --find-lr: the learning-rate range test trains on "
            "DATA's rows and watches the training loss, no validation examples; leave "
            "--val-data out of the range test, and give it to the run that follows")
    refuse_overwriting(args.out, "-o/--out", {"validation file (--val-data)": given})
    refuse_overwriting(args.plot, "--plot", {"validation file (--val-data)": given})


def read_val_data(args: argparse.Namespace, table, several: bool):
    """The ``--val-data`` file read with the columns of the training ``table``.

    Parameters
    ----------
    args : argparse.Namespace
        train's options (``val_data``, ``features``, ``seed``).
    table : Table
        The training data as read from DATA.
    several : bool
        Whether there are several targets.

    Returns
    -------
    Table
        Its features in the order of ``table``'s, its target(s) under the same name(s).

    Raises
    ------
    ValueError
        For a missing feature or target column (named, as the file is), images of
        another shape than DATA's, or another number of columns of an NPZ file
        without feature names.
    """
    from ._cli_sample_weight import is_pipe, read_weights
    from ._tabular_npz import _image_shape, _npz_shape

    shape = _npz_shape(args.val_data, "X")  # images of another shape, before their pixels
    images = None if shape is None else _image_shape(shape)  # are counted as columns
    if images is not None and table.image_shape is not None and images != table.image_shape:
        from ._image_layout import channels_last_hint  # (n, H, W, C) of DATA's (C, H, W)

        hint = channels_last_hint(images, table.image_shape)
        raise ValueError(
            f"--val-data {args.val_data}: images of shape {' x '.join(map(str, images))}; "
            f"DATA {table.source} holds images of shape "
            f"{' x '.join(map(str, table.image_shape))} (C x H x W)"
            + (f"; {hint}" if hint else ""))
    target = table.target_names if several else table.target_name
    features = table.columns or table.feature_names
    weight = _weight_column(args, features, target)  # read with the features, once
    try:
        val = _read(args, table, target, features if weight is None else [*features, weight],
                    weight)
    except (ValueError, OSError):  # a file read again: the features' fault said first,
        if weight is None or is_pipe(args.val_data):  # then the weights', as read apart
            raise  # a pipe's bytes are gone: its reader's words
        _read(args, table, target, features)
        read_weights(args.val_data, weight, args.seed, None, "--val-data")
        raise
    if weight is not None:
        val = _split_val_weights(args, val, weight)
    source = f"--val-data {val.source}"
    _check_fill_categories(args, table, val)
    # flat rows beside images of their width are the images' pixels, as predict and
    # evaluate take them; images beside DATA's rows must be --input-shape's, if given
    given = getattr(args, "input_shape", None)
    if (val.image_shape is not None and table.image_shape is None and given is not None
            and val.image_shape != tuple(given)):
        from ._image_layout import channels_last_hint

        hint = channels_last_hint(val.image_shape, tuple(given))
        raise ValueError(f"{source}: images of shape "
                         f"{' x '.join(map(str, val.image_shape))}; --input-shape "
                         f"{' '.join(map(str, given))} takes DATA's rows as images of shape "
                         f"{' x '.join(map(str, given))} (C x H x W)"
                         + (f"; {hint}" if hint else ""))
    if val.X.shape[1] != table.X.shape[1]:
        raise ValueError(f"{source}: {val.X.shape[1]} features; DATA {table.source} has "
                         f"{table.X.shape[1]} ({', '.join(table.feature_names[:6])}"
                         f"{', ...' if table.X.shape[1] > 6 else ''})")
    if val.n_samples == 0:
        raise ValueError(f"{source}: no examples")
    return val


def _read(args: argparse.Namespace, table, target: str | list[str] | None,
          features: list[str], weight: str | None = None):
    """``--val-data`` read with ``features`` (DATA's, and ``--sample-weight``'s column
    ``weight`` among them where given), its reader's faults said in train's terms."""
    from ._cli_models_train_init_encoding import read_options, unknown_said
    from ._tabular_categories import UnknownCategoryError
    from ._tabular_table import MissingValueError, NotANumberError
    from .tabular import read_data

    try:  # encoded as DATA is: with --init-from MODEL's categories, its unknown ones as 0s
        with unknown_said(args, "--val-data "):
            return read_data(args.val_data, target=target, features=features, seed=args.seed,
                             features_what=" that DATA has (--val-data)",
                             all_columns=args.features is None, dtype=table.X.dtype.name,
                             **read_options(args, table.categories),
                             **({"missing": True} if getattr(args, "impute", None) else {}))
    except (MissingValueError, NotANumberError) as exc:
        if weight is not None and f"column {weight!r}:" in exc.bare:  # a weight's cell
            raise ValueError(f"--sample-weight {weight}: --val-data {exc.bare}; expected a "
                             "number >= 0") from None
        if isinstance(exc, MissingValueError):  # how train fills it
            raise ValueError(f"--val-data {exc.bare} (give --impute to fill it)") from None
        raise ValueError(f"--val-data {exc.bare}; " + (exc.lookalike or (
            f"the column holds numbers in DATA {table.source}"))
        ) from None  # not "one-hot encode it first"
    except UnknownCategoryError as exc:  # train has no --unknown-categories to advise
        raise ValueError(
            f"--val-data {exc.bare} (a validation file's categories must be among those of "
            f"DATA {table.source}: drop the row, or train on data that has the category)"
        ) from None
    except ValueError as exc:  # a missing column, an unreadable file: named as the option
        if str(exc).startswith("--val-data"):
            raise
        raise ValueError(f"--val-data {exc}") from None


def _weight_column(args: argparse.Namespace, features: list[str],
                   target: str | list[str] | None) -> str | None:
    """``--sample-weight``'s column, to be read with the features of a CSV ``--val-data``
    (standard input, a pipe: read once), or None (no option, an NPZ file whose weights are
    an array of their own, or a column that is a feature or the target, refused later)."""
    from ._cli_sample_weight import is_csv

    name = getattr(args, "sample_weight", None)
    targets = target if isinstance(target, list) else [target]
    if name is None or name in (*features, *targets) or not is_csv(args.val_data):
        return None
    return name


def _split_val_weights(args: argparse.Namespace, val, name: str):
    """``val`` read with the weight column ``name`` as a feature: without it, with its
    weights as ``sample_weight``.  A cell that is no weight is named by
    :func:`~chainrule._cli_sample_weight.read_weights` (of a file, read again for it), or
    by :func:`~chainrule._cli_sample_weight.split_weights` (of a pipe)."""
    from ._cli_sample_weight import is_pipe, read_weights, split_weights

    rest, weights = split_weights(val, name, is_pipe(args.val_data))
    if weights is None:
        weights = read_weights(args.val_data, name, args.seed, val.n_samples, "--val-data")
    return replace(rest, sample_weight=weights)


def _check_fill_categories(args: argparse.Namespace, table, val) -> None:
    """Refuse a validation file's missing cell of a categorical column that ``--impute
    constant`` fills with a category DATA's column lacks (DATA has no gap there), naming
    the file's line, as an unknown category of the file is refused."""
    from ._impute import TEXT_FILL, unknown_fill_message, unknown_fills

    if getattr(args, "impute", None) != "constant" or not table.categories:
        return
    fill = TEXT_FILL if args.fill_value is None else args.fill_value.strip()
    found = unknown_fills(val.X, {"fill": dict.fromkeys(table.categories, fill)},
                          table.columns, table.categories)
    if found:
        name, _, _, rows = found[0]
        raise ValueError(unknown_fill_message(
            f"--val-data {val.where(int(rows[0]))}", name, fill,
            f"a validation file's categories must be among those of DATA {table.source}: "
            "drop the row, or train on data with a missing cell in the column"))


def check_val_targets(table, val, task: str, several: bool) -> None:
    """Refuse a validation class label that the training data lacks, or a regression
    target that is not a number (or too large), naming the validation file.

    A class of the training data that the validation file lacks is fine (validation
    scores it as it is).  Several targets (multi-label): each target's labels.  The
    targets are checked here, where the file's name and lines are known: appended to
    DATA's table (:func:`combined`), a bad cell would be blamed on DATA.

    Raises
    ------
    ValueError
        Naming the label, the target and the validation file.
    """
    from ._cli_statistics import _check_target_size
    from .saved_model import fit_labels, regression_targets

    if task != "classification":
        y_val = regression_targets(val)  # a text cell, "NA": refused by the file's line
        for j, name in enumerate(table.target_names or [table.target_name]):
            _check_target_size(y_val[:, j] if several else y_val, f"--val-data {val.source}",
                               name)
        return
    y, y_val = np.asarray(table.y), np.asarray(val.y)
    columns = ([(name, y[:, j], y_val[:, j]) for j, name in enumerate(table.target_names)]
               if several else [(table.target_name, y, y_val)])
    for name, train_col, val_col in columns:
        known, _ = fit_labels(train_col)
        seen, _ = fit_labels(val_col)
        unknown = [label for label in seen if label not in known]
        if unknown:
            shown = ", ".join(map(repr, unknown[:6])) + (", ..." if len(unknown) > 6 else "")
            classes = ", ".join(map(repr, known[:6])) + (", ..." if len(known) > 6 else "")
            raise ValueError(
                f"--val-data {val.source}: the target {name!r} holds the label"
                f"{'s' if len(unknown) > 1 else ''} {shown}, which the training data "
                f"{table.source} lacks (its classes: {classes}); the model cannot predict "
                "a class it was not trained on: give validation examples of the training "
                "classes")


def check_val_range(args: argparse.Namespace, y_val: np.ndarray, output: str,
                    low: float, high: float, targets: str) -> None:
    """Refuse regression targets of the ``--val-data`` file outside the bounded output's
    range ``[low, high]`` (the exp of ``--loss poisson``, a sigmoid ...), as the training
    targets are refused: the network cannot predict them, and the loss would refuse them
    as its internal ``validation_data`` argument, naming no file.

    Parameters
    ----------
    args : argparse.Namespace
        train's options (``val_data``, ``output``, ``loss``).
    y_val : ndarray of shape (n_val,) or (n_val, n_targets)
        The file's targets, as read.
    output : str
        The output activation.
    low, high : float
        Its range (infinite bounds allowed).
    targets : str
        The target's (or targets') name(s) in words, with the verb ("target 'y' runs").

    Raises
    ------
    ValueError
        Naming the file, the output and its range, and the targets' smallest and largest.
    """
    from .activations import _outside

    if not _outside(y_val, low, high):
        return
    what = (f"--output {output}" if args.output else
            f"the {output} output (the default for --loss {args.loss})")
    advice = ("the Poisson loss models counts, which are >= 0" if args.loss == "poisson"
              else "give validation targets in that range, as the training targets are")
    raise ValueError(
        f"--val-data {args.val_data}: {what} lies in [{low:g}, {high:g}], but the file's "
        f"{targets} from {y_val.min():.7g} to {y_val.max():.7g}; {advice}")


def combined(table, val):
    """The training ``table`` with the validation rows after its own (the same columns)."""
    lines = (None if table.lines is None or val.lines is None
             else np.concatenate([table.lines, val.lines]))
    weights = (None if table.sample_weight is None or val.sample_weight is None
               else np.concatenate([table.sample_weight, val.sample_weight]))
    return replace(table, X=np.concatenate([table.X, val.X]),
                   y=np.concatenate([np.asarray(table.y), np.asarray(val.y)]), lines=lines,
                   sample_weight=weights)


def _read_sha256(path: object) -> str | None:
    """The SHA-256 of the bytes of the CSV file or pipe at ``path`` as the reader read them
    in this run (:mod:`chainrule._tabular_digest`); None where it did not."""
    from ._tabular_digest import kept

    found = kept(path)
    return None if found is None else found.file


def val_data_record(args: argparse.Namespace, val, data_sha256: str | None = None) -> dict:
    """What the model file records of the validation file: its name as given
    (``val_data``), its absolute path (``val_data_path``, of a file), the SHA-256 of its
    bytes (``val_data_sha256``), of its data as read (``val_data_content_sha256``: a CSV
    file's text decompressed, standard input's, an NPZ file's bytes, where known without
    reading it again) and its rows (``val_data_rows``), as of DATA.

    A validation file whose bytes are DATA's (``data_sha256``, the same file or a copy),
    or whose data as read is (``d.csv.gz`` beside ``d.csv``), is warned of on standard
    error: its examples all train, so the validation scores are training scores and
    ``--patience`` and the plateau schedule watch the training loss, which early stopping
    is meant not to do.
    """
    import sys

    from ._cli_models_data import _content_sha256, _file_sha256, _stdin_sha256

    record: dict = {"val_data": str(args.val_data)}
    if args.val_data == "-":
        record["val_data_sha256"] = _stdin_sha256()
    elif Path(args.val_data).is_file():
        record["val_data_path"] = os.path.abspath(args.val_data)
        record["val_data_sha256"] = _file_sha256(args.val_data)
    content = _content_sha256(args.val_data)
    if content is not None:  # its rows as read: evaluate knows them at any path (or piped)
        record["val_data_content_sha256"] = content
    record["val_data_rows"] = val.n_samples
    # the bytes of each as read: a file's or standard input's, else a pipe's (<(cmd)),
    # which the reader hashed as it read them (a pipe is read once)
    data_bytes = data_sha256 if data_sha256 is not None else _read_sha256(args.data)
    val_bytes = record.get("val_data_sha256") or _read_sha256(args.val_data)
    same = data_bytes is not None and val_bytes == data_bytes
    data_content = _content_sha256(args.data)
    if same or (content is not None and content == data_content):
        # "decompressed" where the bytes of one side are not its text (a .csv.gz)
        unpacked = any(raw is not None and raw != text for raw, text in
                       ((data_bytes, data_content), (val_bytes, content)))
        held = ("the same bytes" if same else "the same data (decompressed)" if unpacked
                else "the same data")
        print(f"chainrule train: warning: --val-data {args.val_data} holds {held} as "
              f"DATA {args.data}: every validation example also trains, so the validation "
              "scores are training scores and --patience and the plateau schedule watch the "
              "training loss; give examples held out of DATA (or leave --val-data out: "
              "--val-fraction holds out part of DATA)", file=sys.stderr)
    return record
