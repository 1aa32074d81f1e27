"""What the model commands share: a model file read (a saved model or an estimator's file),
the data it scores read with its features and target, the scores that train and evaluate
print (from ``_cli_models_scores``), and the help text of a DATA argument (the
statistics of ``--scale standard`` are ``_cli_statistics``'s).  Read by
:mod:`chainrule.cli_models` and its ``_cli_models_train``, ``_cli_models_show`` and
``_cli_models_plot``, and by :mod:`chainrule.cli_gradcheck`."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from ._cli_models_load import _checkpoint_of_train as _checkpoint_of_train
from ._cli_models_load import _load as _load
from ._cli_models_load import _load_predictor as _load_predictor
from ._cli_models_load import _model_file as _model_file
from ._cli_models_scores import _NAMES as _NAMES
from ._cli_models_scores import _evaluate_target as _evaluate_target
from ._cli_models_scores import _label_scores as _label_scores
from ._cli_models_scores import _scores as _scores
from ._cli_models_scores import _target_names
from ._cli_models_scores import _target_scores as _target_scores
from ._tabular_dtype import FLOAT32_MODEL, within_range
from .cli_args import refuse_overwriting

_DATA_HELP = ("a .csv file (header row of column names; .csv.gz, .bz2, .xz read decompressed), "
              "a .npz file (arrays X and y; X may hold images, shape (n, C, H, W), or (n, H, "
              "W) of one channel), or a bundled data set: digits, iris, wine, breast_cancer, "
              "diabetes, xor, moons, circles, sinusoid")
_DATA_EXAMPLE = "a .csv or .npz file or a bundled data set, such as iris"


def _file_sha256(path: str) -> str:
    """The SHA-256 of a file's bytes, as hex: what train records of its DATA file
    (``data_sha256``), so that evaluate knows whether the file changed since.  A CSV file
    that the reader read to its end in this command's run was hashed as it was read
    (:mod:`chainrule._tabular_digest`): that digest, without reading it again."""
    import hashlib

    from ._tabular_digest import kept

    found = kept(path)
    if found is not None:
        return found.file
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _content_sha256(path: str) -> str | None:
    """The SHA-256 (hex) of DATA's data as read, whatever its path or compression: the CSV
    text of a file (``.csv.gz``'s decompressed), of standard input (``-``) or of a pipe,
    as the reader hashed it in this run; an NPZ file's bytes.  What train records as
    ``data_content_sha256`` and evaluate compares, so that ``d.csv``, ``d.csv.gz``, a
    copy and the same bytes piped are known as the same data.  None where it is not
    known without reading DATA again (a pipe not read in this run, a bundled set)."""
    from ._tabular_compressed import compression
    from ._tabular_digest import kept
    from ._tabular_text import stdin_content_sha256

    if path == "-":
        return stdin_content_sha256()
    found = kept(path)
    if found is not None:
        return found.content
    if compression(path) is None and Path(path).is_file():  # an NPZ file: its bytes
        return _file_sha256(path)
    return None


def _stdin_sha256() -> str:
    """The SHA-256 of the bytes of standard input (DATA ``-``), as hex: what train records
    of them, and what evaluate compares.  Read once in a command's run
    (:func:`chainrule._tabular_text.stdin_read_once`): the bytes the table was read from; a
    text stream without bytes (a test's StringIO) is hashed as UTF-8."""
    import hashlib

    from ._tabular_text import _stdin_bytes

    raw = _stdin_bytes()
    return hashlib.sha256(raw.encode("utf-8") if isinstance(raw, str) else raw).hexdigest()


def _cost_words(model) -> str:
    """What the recorded loss per epoch is: the cost the network minimised, in its terms."""
    net, meta = model.network, model.metadata
    words = f"mean {net.loss.label}"
    if getattr(model, "multilabel", False):  # log loss: the sum over the output units
        words += f" summed over the {net.n_outputs} targets"
    if model.task == "regression" and "y_mean" in meta:
        words += (" on the standardised targets" if _target_names(model) else
                  " on the standardised target")
    words += " + weight decay" if net.weight_decay else ""
    if "class_weight" in (meta.get("training") or {}):  # chainrule train --class-weight
        words += "; training cost weighted by --class-weight"
    if "sample_weight" in (meta.get("training") or {}):  # chainrule train --sample-weight
        words += f"; weighted by the column {meta['training']['sample_weight']!r}"
    return words


def _loss_title(model) -> str:
    """The title of a model file's loss curve (train --plot, plot loss): what the cost is, of
    the training examples and (when the history has them) the validation examples, and the
    data it was trained on (the file's name, as given to train, or the data set's); the
    parenthesis on a line of its own where one line would be too long to show whole."""
    data = model.metadata.get("data")
    on = (" on standard input" if data == "-" else  # train -: no file to name
          " on a pipe" if _from_pipe(model.metadata) or _old_pipe(model.metadata) else
          f" on {Path(str(data)).name}" if data else "")
    # a run without validation examples (--val-fraction 0, too few examples) draws no
    # validation curve: the title must not name one
    validation = bool((model.metadata.get("history") or {}).get("val_loss"))
    cost = "Training and validation cost" if validation else "Training cost"
    title = f"{cost}{on} ({_cost_words(model)})"
    # the picture is 8 inches wide: a longer title (70 characters and more) was cut at
    # both ends; its parenthesis goes on a second line
    if len(title) < _TITLE_WIDTH:
        return title
    import textwrap

    return "\n".join([f"{cost}{on}", *textwrap.wrap(f"({_cost_words(model)})", _TITLE_WIDTH)])


_TITLE_WIDTH = 70  # the characters of a title line that an 8-inch picture shows whole


def _from_pipe(meta: dict) -> bool:
    """Whether train read its DATA from a pipe (``<(cmd)``, a named pipe): a path that was
    no regular file (no ``data_path``) and not standard input, whose rows and text's
    SHA-256 it recorded (``data_rows``, ``data_content_sha256``)."""
    from ._cli_models_provenance import _is_digest

    data, rows = meta.get("data"), meta.get("data_rows")
    return (isinstance(data, str) and data != "-" and meta.get("data_path") is None
            and isinstance(rows, int) and not isinstance(rows, bool)
            and _is_digest(meta.get("data_content_sha256")))


def _old_pipe(meta: dict) -> bool:
    """Whether an older train read its DATA from a pipe (``<(cmd)``) that it recorded by
    its name alone: a file descriptor's path (``/dev/fd/63``, ``/proc/self/fd/63``), no
    ``data_path`` and no digest of its text, a name that meant nothing after the run."""
    import re

    data = meta.get("data")
    return (isinstance(data, str) and meta.get("data_path") is None and not _from_pipe(meta)
            and re.fullmatch(r"/(dev/fd|proc/(self|\d+)/fd)/\d+", data) is not None)


def _history_unit(model) -> str:
    """What one value of a model file's loss history is the loss of, as the loss curve's
    axis says it: "iteration (lbfgs)" for ``chainrule train --optimizer lbfgs`` (a value per
    L-BFGS iteration; "iteration (newton-cg)" ... for the other full-batch methods), else
    "epoch"."""
    from ._cli_args_rule import FULL_BATCH_OPTIMIZERS

    name = (model.metadata.get("training") or {}).get("optimizer")
    return f"iteration ({name})" if name in FULL_BATCH_OPTIMIZERS else "epoch"


def _preview(labels: list, n: int = 6) -> str:
    """The first ``n`` of ``labels`` (class labels, column names, categories) joined by
    commas, with ", ..." when there are more.  Where one of them would not read back from
    that list as written (a comma in it, such as the category ``South, West``, spaces at
    an end, an empty text, a text ``...``), every one is shown quoted, as ``repr`` writes
    it, so that ``Central, North East, South, West`` cannot pass for four categories."""
    texts = [str(x) for x in labels]
    if any("," in t or t != t.strip() or t in ("", "...") for t in texts):
        texts = [repr(t) for t in texts]
    shown = ", ".join(texts[:n])
    return shown + (", ..." if len(labels) > n else "")


def _not_empty(name: str, what: str, example: str) -> None:
    """Refuse an empty file or data set name, which paths would read as the directory '.'."""
    if not name:
        raise ValueError(f"empty {what} name {name!r}; give {example}")


def _refuse_overwriting_inputs(out: str | None, args: argparse.Namespace) -> None:
    """Refuse an output (``-o/--out``) that is the model or data file of the command."""
    refuse_overwriting(out, "-o/--out", {"model file": _model_file(args.model),
                                         "data file": args.data})


def model_columns(model) -> list[str] | None:
    """The columns a model reads from a table, in order: its file's ``columns`` where it
    one-hot encodes categorical ones (its ``feature_names`` are then their 0/1 features),
    else its ``feature_names`` (None: the table's columns by position)."""
    columns = model.metadata.get("columns")
    return list(columns) if columns else model.feature_names


def _by_position(features: list[str] | None, message: str) -> str:
    """What to do where a table lacks the columns of a model whose features are named by
    position, ``x0`` to ``x{n-1}`` (trained on an NPZ file's ``X`` without
    ``feature_names``): a CSV header that names them otherwise (pixels ``p0``, ...)."""
    if not features or " missing column" not in message or features != [
            f"x{i}" for i in range(len(features))]:
        return ""
    return (f"; the model's {len(features)} features are named by position, x0 to "
            f"x{len(features) - 1} (its training data named no columns: an NPZ file's X "
            "without feature_names): give the CSV header those names, in that order, or "
            "an NPZ file of X, whose columns are taken by position")


def _model_data(model, data: str, target: str | None, need_target: bool, seed: int,
                unknown: str = "error", weight_column: str | None = None):
    from ._cli_sample_weight import (
        is_csv,
        is_pipe,
        split_weights,
        with_weight_column,
        without_weight_column,
    )
    from ._tabular_npz import _npz_shape
    from ._tabular_table import MissingValueError, NotANumberError, lookalike_hint
    from ._tabular_text import UnreadableFileError
    from .saved_model import EstimatorModel
    from .tabular import read_data

    _not_empty(data, "data", _DATA_EXAMPLE)
    shape = model.network.n_inputs
    if not isinstance(shape, tuple) and model.metadata.get("image_shape"):
        shape = tuple(model.metadata["image_shape"])  # an MLP trained on images, as rows
    # images of another shape, before read_data counts their pixels as columns ("X has 25
    # columns and no feature_names array" for images of 1 x 5 x 5)
    _check_image_shape(data, _npz_shape(data, "X"), shape)
    features = model_columns(model)
    categories = model.metadata.get("categories")
    # an estimator fitted on an array: its features are the columns, by position (predict
    # reads no target: there every column is one, a target column of the file included)
    taken = ("every column but the target is a feature" if need_target else
             "every column is a feature, so give the features alone, without a target")
    unnamed = ("" if features is not None else
               f" (the estimator was fitted without feature names: {taken}, in the order "
               "of its fit)" if isinstance(model, EstimatorModel) else
               # a network saved from Python (chainrule.io.save): its inputs by position
               f" (the network was saved without feature names: {taken}, in the order of "
               "its inputs)" if model.metadata.get("kind") is None else "")
    # a network saved from Python records no training data to speak of
    network_only = (features is None and not isinstance(model, EstimatorModel)
                    and model.metadata.get("kind") is None)
    several = _target_names(model)
    recorded = (several if need_target else None) if several else (
        model.metadata.get("target_name"))  # predict reads no targets of several

    def read(columns: list[str] | None):
        try:
            # a model trained on every column of its data takes an NPZ file without column
            # names only with as many columns (chosen columns, --features x0 x2, by position)
            return read_data(data, target=target or recorded,
                             features=columns, need_target=need_target, seed=seed,
                             strict_target=target is not None,
                             all_columns=model.metadata.get("all_columns") is True,
                             nan_class=_has_nan_class(model),
                             **({"categories": categories, "unknown_categories": unknown}
                                if categories else {}),
                             # --impute: missing cells read as NaNs, which the model fills
                             **({"missing": True} if model.metadata.get("impute") else {}))
        except NotANumberError as exc:  # not "one-hot encode it first": the model's numbers
            raise ValueError(f"{exc.bare}; " + ((exc.lookalike and lookalike_hint(
                exc.cell, bool(model.metadata.get("impute")), exc.target)) or (
                "the model takes numbers in this column" + ("" if network_only else
                                                            ", as its training data held them")))
                + unnamed) from None
        except MissingValueError as exc:  # a model of --impute reads them: not this one
            raise ValueError(f"{exc.bare}: the model was trained without --impute, so it "
                             "takes no missing cells: fill the cell in or drop the row (train "
                             f"with --impute for a model that fills them){unnamed}") from None
        except UnreadableFileError:  # the file, not its columns: no note on columns
            raise
        except ValueError as exc:
            if not unnamed:
                raise ValueError(f"{exc}{_by_position(features, str(exc))}") from None
            raise ValueError(f"{exc}{unnamed}") from None

    # --sample-weight's column of a CSV file read with the features, in one pass (a pipe
    # is read once); where that fails, the features alone, the column read after
    named = [n for t in (target, recorded) for n in ([t] if isinstance(t, str) else t or ())]
    with_weights = with_weight_column(data, weight_column, features, tuple(named))
    table = None
    if with_weights is not features:
        try:
            table = read(with_weights)
        except ValueError:
            if is_pipe(data):  # its bytes are gone: read again, it would be empty
                raise
            table = None
    table = read(features) if table is None else table
    one = not several and not ((model.task == "regression" or getattr(
        model, "multilabel", False)) and model.network.n_outputs > 1)  # predicts 1 target
    if need_target and table.target_names and one:
        # one target name read as the k columns of a 2-D array (Y of shape (n, k)): a model
        # of one target would be scored against k columns at once
        names = table.target_names
        raise ValueError(
            f"{table.source}: the target {names[0][:names[0].rindex('[')]!r} is an array of "
            f"{len(names)} columns ({', '.join(names)}), and the model predicts one target; "
            f"name one of them, such as --target {names[0]!r}")
    if weight_column is not None and (features is None or with_weights is not features):
        # read as a feature (every column but the target, of a model without names; or
        # added to the model's): taken out, its weights kept where they are weights
        table, weights = split_weights(table, weight_column, is_pipe(data))
        table = without_weight_column(table, weight_column)  # a column of no weights too
        if weights is not None and (with_weights is not features or is_csv(data)):
            table = replace(table, sample_weight=weights)
    n_in = model.n_features
    if table.image_shape is not None:  # its axes unknown here: the images as read
        _check_image_shape(table.source, (len(table.X), *table.image_shape), shape)
    if table.X.shape[1] != n_in:
        raise ValueError(f"{table.source}: {table.X.shape[1]} features; the model takes "
                         f"{n_in}{unnamed}")
    if model.network.dtype == np.float32:  # named by the file's line or row, not X's row
        within_range(table, np.float32, FLOAT32_MODEL)
    return _unknown_fills(model, table, unknown)


def _unknown_fills(model, table, unknown: str):
    """``table`` whose missing cells of a categorical column that the model fills with a
    category it lacks (``--impute constant``, no gap there in training) are all zeros
    (``--unknown-categories zeros``, as an unknown category), or refused naming the line."""
    from ._impute import unknown_fill_message, unknown_fills

    record = model.metadata.get("impute")
    found = [] if record is None else unknown_fills(
        table.X, record, model_columns(model), model.metadata.get("categories"))
    if not found:
        return table
    if unknown != "zeros":
        name, _, _, rows = found[0]
        raise ValueError(unknown_fill_message(table.where(int(rows[0])), name,
                                              record["fill"][name],
                                              "--unknown-categories zeros encodes "
                                              "it as all zeros, as an unknown category"))
    X = table.X.copy()
    for _, j, k, rows in found:
        X[rows, j:j + k] = 0.0
    return replace(table, X=X)


def _has_nan_class(model) -> bool:
    """Whether a classifier's labels hold the text "nan" (any case): an estimator fitted on
    it, or a model trained before such a target cell was read as missing."""
    labels = model.labels or ()
    if getattr(model, "multilabel", False) and _target_names(model):  # two per target
        labels = [label for pair in labels for label in pair]
    return model.task == "classification" and any(
        isinstance(label, str) and label.strip().lower() in ("nan", "+nan", "-nan")
        for label in labels)


def _check_image_shape(source: str, x_shape: tuple[int, ...] | None, shape: object) -> None:
    """Refuse images of a data file's ``X`` of ``x_shape`` (n, C, H, W), or (n, H, W) of one
    channel, that are not of the model's input ``shape``; None, or rows: no images."""
    from ._tabular_npz import _image_shape

    images = None if x_shape is None else _image_shape(x_shape)
    if images is not None and isinstance(shape, tuple) and images != shape:
        from ._image_layout import channels_last_hint

        # X's own images (n, H, W, C): not grey images (n, H, W) read as (n, 1, H, W)
        hint = channels_last_hint(x_shape[1:], shape)
        raise ValueError(f"{source}: images of shape {' x '.join(map(str, images))}; the "
                         f"model takes images of shape {' x '.join(map(str, shape))} "
                         f"(C x H x W){'; ' + hint if hint else ''}")


def _targets(model, table) -> np.ndarray:
    from .saved_model import encode_labels, regression_targets

    if getattr(model, "multilabel", False) and table.target_names:  # each target's 0 or 1
        y = np.asarray(table.y)
        # an estimator fitted on an indicator matrix records no labels of its own: 0 and 1
        pairs = (model.labels if _target_names(model) else [[0, 1]] * y.shape[1])
        return np.column_stack([
            encode_labels(y[:, j], pair, replace(table, target_name=name))
            for j, (name, pair) in enumerate(zip(table.target_names, pairs, strict=True))])
    if model.task == "classification":
        return encode_labels(np.asarray(table.y), model.labels, table)
    return regression_targets(table)
