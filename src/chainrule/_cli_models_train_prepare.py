"""``chainrule train``'s data preparation, which ``chainrule cv`` repeats on each fold: of
the table read (:func:`~chainrule._cli_models_train_read.read_table`), the task, the
labels, the validation split, the standardising statistics and the class weights worked
out from the rows given (:func:`prepare`).  Called by ``_cli_models_train_run`` (train:
every row of DATA) and ``_cli_models_cv`` (cv: a fold's training rows, so that nothing of
its held-out rows is used)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _cli_groups as _groups
from . import _cli_models_categorical as _categorical
from . import _cli_sample_weight as _weights
from . import _cli_time_order as _time
from . import _train_statistics as _statistics
from ._cli_checkpoint import resolved_loss, resolved_options
from ._cli_class_weight import resolve_class_weight
from ._cli_models_data import _content_sha256, _file_sha256, _stdin_sha256
from ._cli_models_train_impute import _impute
from ._cli_models_train_impute import missing_options as missing_options
from ._cli_models_train_task import (
    _check_huber,
    _check_label_smoothing,
    _infer_task,
    _infer_task_several,
    _multilabel_targets,
    _numeric_targets,
    _split,
)
from ._cli_models_val_data import (
    check_val_range,
    check_val_targets,
    combined,
    read_val_data,
    val_data_record,
)
from ._cli_statistics import _check_target_size, _constant, _mean_std, _standardise
from ._saved_model_range import training_range
from ._tabular_table import Table
from .cli_architecture import image_statistics
from .cli_args import check_loss_output


@dataclass(eq=False)
class Prepared:
    """What :func:`prepare` worked out of a table, for the network to train on.

    Attributes
    ----------
    task : {"classification", "regression"}
    several : bool
        Several targets (one output each).
    meta : dict
        What the model file records: task, names, labels, standardising statistics ...
    table : Table
        The table trained on (with ``--val-data``: DATA's rows, then the file's).
    X : ndarray of shape (n_samples, n_features)
        The features, standardised with the training rows' statistics (``--scale none``:
        as read); with ``--impute``, their missing cells filled first and the missing
        indicators (``--missing-indicator``) after them, left 0/1.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        The targets as scored: class indices into ``meta["labels"]`` (multi-label: 0/1),
        or the regression targets in their own units.
    targets : ndarray of shape (n_samples, n_outputs)
        What the network fits: class indices (a softmax), 0/1 columns (sigmoids), or
        standardised regression targets.
    train_idx, val_idx : ndarray of int
        The training and validation rows (``--val-fraction``, ``--val-data``).
    output : str
        The output activation.
    n_out : int
        The network's outputs.
    n_data : int
        DATA's rows (``--val-data``'s follow them in ``table``).
    target_words : str
        The target(s) as the messages name them.
    class_weight : object
        What :class:`~chainrule.training.Trainer` takes as ``class_weight``.
    meaning : object
        What those weights mean, by class label (None without ``--class-weight``).
    resolved : dict
        :func:`~chainrule._cli_checkpoint.resolved_options` of the run.
    sample_weight : ndarray of shape (n_samples,) or None
        Each example's weight (``--sample-weight``), None without.
    val_gaps_written : dict or None
        ``--val-data``'s ``gaps_written`` (how its missing cells are written), None
        without (``table``'s is DATA's).
    """

    task: str
    several: bool
    meta: dict
    table: Table
    X: np.ndarray
    y: np.ndarray
    targets: np.ndarray
    train_idx: np.ndarray
    val_idx: np.ndarray
    output: str
    n_out: int
    n_data: int
    target_words: str
    class_weight: object
    meaning: object
    resolved: dict
    sample_weight: np.ndarray | None = None
    val_gaps_written: dict | None = None

    def fit_arrays(self) -> tuple[np.ndarray, np.ndarray,
                                  tuple[np.ndarray, np.ndarray] | None]:
        """The training inputs and targets and the validation pair (None without one)."""
        X, targets, val_idx = self.X, self.targets, self.val_idx
        val = (X[val_idx], targets[val_idx]) if len(val_idx) else None
        return X[self.train_idx], targets[self.train_idx], val

    def fit_weights(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The training and validation rows' weights (``--sample-weight``), or Nones."""
        w = self.sample_weight
        return (None, None) if w is None else (w[self.train_idx], w[self.val_idx])


def indices_first(args: argparse.Namespace) -> bool:
    """Whether ``--layers`` starts with an Embedding layer, whose input columns are
    indices into its table: ``--scale standard`` leaves them as they are (standardised,
    they would be fractions, no row's index), and the model file records no ``x_mean``,
    so that predict and evaluate take the raw indices too."""
    layers = getattr(args, "layers", None)
    return bool(layers) and isinstance(layers[0], dict) and layers[0].get("type") == "Embedding"


def prepare(args: argparse.Namespace, table: Table, several: bool, run_settings: dict,
            provenance: bool = True, task: str | None = None,
            labels: list | None = None) -> Prepared:
    """Prepare ``table`` for training as ``chainrule train`` does, from its training rows.

    The task is inferred (``--task``), the labels fitted, the validation rows split off
    (``--val-fraction``, its default of 0.1, or 0 below 20 examples, set in ``args``;
    ``--val-data`` read and appended), and the standardising statistics and class
    weights computed from the training rows alone.

    Parameters
    ----------
    args : argparse.Namespace
        train's options, checked by ``check_before_data``.
    table : Table
        The examples: DATA (train), or a fold's training rows (cv).
    several : bool
        Several targets.
    run_settings : dict
        :func:`~chainrule._cli_checkpoint.run_options` of ``args``.
    provenance : bool, default True
        Record in ``meta`` where DATA is and its SHA-256 (train's model file); cv's
        folds, whose models are not written, record neither.
    task : {"classification", "regression"} or None, default None
        The task, when already known (cv: inferred from every row, which a fold's
        training rows alone might not give); None infers it from ``table`` and
        ``--task``.  ``args.task`` is left as given, for the messages that name it.

    Returns
    -------
    Prepared
    """
    from .activations import OUTPUT_RANGES, _outside, get_activation
    from .losses import get_loss
    from .saved_model import encode_labels, fit_labels

    if task is None:
        task = (_infer_task_several(table, args.task, args.loss) if several else
                _infer_task(table, args.task, args.loss))
    _check_huber(args, task)
    target_words = (", ".join(map(repr, table.target_names)) if several else
                    repr(table.target_name))  # as the messages name the target(s)
    meta: dict = {"task": task, "feature_names": table.feature_names,
                  **({"target_names": table.target_names} if several else
                     {"target_name": table.target_name}), "data": str(args.data),
                  # every column but the target (no --features): a file without column
                  # names must then have exactly these columns (see _model_data)
                  "all_columns": args.features is None,
                  **_categorical.categorical_record(table)}  # columns read, categories
    if not provenance:  # cv: the rows of a fold, not DATA, and no file to write
        pass
    elif args.data == "-":  # standard input (no path): what it held, read once, for evaluate
        meta["data_sha256"], meta["data_rows"] = _stdin_sha256(), table.n_samples
    elif Path(args.data).is_file():  # where it is: evaluate, run elsewhere, knows it again
        meta["data_path"] = os.path.abspath(args.data)
        # and what it held: evaluate tells the file from one changed since, or put in its place
        meta["data_sha256"], meta["data_rows"] = _file_sha256(args.data), table.n_samples
    elif Path(args.data).exists():  # a pipe (<(cmd): /dev/fd/63), whose path means nothing
        meta["data_rows"] = table.n_samples
    content = _content_sha256(args.data) if provenance else None
    if content is not None:  # its data as read (decompressed): evaluate knows it anywhere
        meta["data_content_sha256"] = content
    n_data = table.n_samples  # DATA's rows (--val-data's follow them in the table)
    val_written = None  # how --val-data writes its missing cells (--impute)
    if args.val_data is not None:  # DATA's columns, labels among DATA's; all of DATA trains
        val_table = _weights.val_weights(args, read_val_data(args, table, several))
        check_val_targets(table, val_table, task, several)
        meta.update(val_data_record(args, val_table, meta.get("data_sha256")))
        table, val_written = combined(table, val_table), val_table.gaps_written
    margin = None  # a margin loss's output, width and targets (see _margin_targets)
    if task == "classification" and several:  # multi-label: a sigmoid unit per target
        meta["labels"], y, output = _multilabel_targets(table, args.output, args.loss)
        n_out, targets = y.shape[1], y.astype(np.float64)
    elif task == "classification" and labels is not None:  # the model's output units
        meta["labels"], y = list(labels), encode_labels(np.asarray(table.y), labels, table)
        margin = _margin_targets(args, labels, y)
    elif task == "classification":
        labels, y = fit_labels(np.asarray(table.y))
        if len(labels) < 2:
            raise ValueError(f"{table.source}: the target {table.target_name!r} has one class "
                             f"({labels[0]!r}); classification needs two or more")
        meta["labels"] = labels
        margin = _margin_targets(args, labels, y)  # multiclass_hinge, hinge: scores
    else:
        y = _numeric_targets(table, args)  # (n, k) of k targets
        for j, name in enumerate(table.target_names or [table.target_name]):
            _check_target_size(y[:, j] if several else y, table.source, name)
        # the Poisson loss needs positive outputs: exp, its canonical link, unless told
        n_out, targets = (y.shape[1] if several else 1), None
        output = args.output or ("exp" if args.loss == "poisson" else "identity")
    if task == "classification" and not several and margin is not None:
        output, n_out, targets = margin
    elif task == "classification" and not several:
        # cross_entropy is softmax's loss: of one sigmoid unit it is -y log a, blind to class 0
        entropy = args.loss is not None and get_loss(args.loss).name == "cross_entropy"
        output = args.output or ("sigmoid" if len(labels) == 2 and not entropy else "softmax")
        kind = get_activation(output).name  # an alias by what it is: "logistic" is "sigmoid"
        if kind == "sigmoid" and entropy:
            raise ValueError(
                f"--loss {args.loss}: of a single sigmoid output a it is -y log a, which the "
                f"examples of the class {labels[0]!r} (y = 0) do not enter, so the network "
                f"would learn to predict {labels[1]!r} for every example; use --output "
                "softmax (two units: the default with this loss) or --loss log_loss")
        if kind not in ("softmax", "sigmoid") or (kind == "sigmoid" and len(labels) > 2):
            raise ValueError(
                f"--output: a classifier of {len(labels)} classes needs a softmax output"
                f"{' (or sigmoid)' if len(labels) == 2 else ''}, got {output!r}"
            )
        n_out = 1 if kind == "sigmoid" else len(labels)
        targets = y if n_out > 1 else y.astype(np.float64)[:, None]
    check_loss_output(args.loss, output, output_given=args.output is not None,
                      default=f"the default for {task}")
    _check_label_smoothing(args, task, output)
    if args.val_data is not None:  # the file's rows validate, none of DATA's
        if table.groups is not None:
            raise ValueError(f"--groups {args.groups}: with --val-data no row of DATA is "
                             "held out, so no group is: leave out --groups, or --val-data "
                             "for --val-fraction's rows of whole groups")
        args.val_fraction = 0.0
        train_idx, val_idx = np.arange(n_data), np.arange(n_data, table.n_samples)
    else:
        if args.val_fraction is None:  # (--groups: and 2 groups or more, one of them to
            # validate, as cv's default for a fold's training rows)
            args.val_fraction = 0.1 if table.n_samples >= 20 and (
                table.groups is None or np.unique(table.groups).size >= 2) else 0.0
        ordered = getattr(args, "time_ordered", False)  # --time-ordered: the last rows
        train_idx, val_idx = (
            _time.val_split(table.n_samples, args) if ordered else
            _split(table.n_samples, args.val_fraction, args.seed,
                   y if task == "classification" and not several else None)
            if table.groups is None or not args.val_fraction else  # whole groups
            _groups.val_split(table, args))
        if ordered and task == "classification" and (
                not several):  # the last rows, not stratified: a class may be all there
            present = _present(meta["labels"], y)
            _time.check_val_classes(table, args, *present, train_idx)
            _time.warn_val_classes(table, args, *present, val_idx)  # a tail of some
        if table.groups is not None and len(val_idx) and task == "classification" and (
                not several):  # whole groups, not stratified: a class may be all held out
            _groups.check_val_classes(table, args, *_present(meta["labels"], y), train_idx)
    X, w = table.X, table.sample_weight  # w: --sample-weight's, weighing the statistics
    w_fit = None if w is None else w[train_idx]
    if w is not None:  # each part needs a weight > 0: a weighted mean of nothing is none
        _weights.check_parts(args, w[train_idx], w[val_idx])
    # --impute: filled with the training rows' statistics, before the standardisation
    X, indicators = _impute(args, table, X, train_idx, w_fit, meta)
    # the training rows' range, per feature (images: per channel): predict warns of data
    # far outside it (other units, another column); the validation rows left out
    shape = args.input_shape or table.image_shape
    if len(train_idx):
        meta["x_range"] = training_range(X[train_idx], None if shape is None else tuple(shape))
    if args.scale == "standard" and not indices_first(args):  # (indices: as they are)
        if args.input_shape is not None:  # images: each channel as a whole (see --help)
            mean, scale = image_statistics(X[train_idx], tuple(args.input_shape), w_fit)
        elif indicators is not None:  # the missing indicators left 0/1, as one-hot features
            n = len(indicators) - int(indicators.sum())  # (of the rows, not a copy of them)
            mean, scale = _statistics.feature_statistics(X, train_idx, table, w_fit, n)
            mean = np.r_[mean, np.zeros(int(indicators.sum()))]
            scale = np.r_[scale, np.ones(int(indicators.sum()))]
        else:
            # a constant column only centred; the one-hot features of a category left 0/1
            mean, scale = _statistics.feature_statistics(X, train_idx, table, w_fit)
        # --impute's filled copy is this run's own: standardised where it is
        X = (_standardise if indicators is None else _statistics.standardise_owned)(
            X, mean, scale, table.source, [f"feature {n!r}" for n in table.feature_names] + (
                [] if indicators is None else
                [f"feature 'missingindicator_{n}'" for n in meta["impute"]["indicators"]]))
        meta["x_mean"], meta["x_scale"] = mean.tolist(), scale.tolist()
    if task == "regression":
        y_mean, y_scale = 0.0, 1.0
        # a bounded output (sigmoid, relu, exp, ...; the Poisson loss's exp among them)
        # predicts values in its range: the target must lie there, as it is (centred, it
        # would not: an exp output could not predict below the mean)
        # (softmax, of several targets: shares in [0, 1], not to be standardised either)
        kind = get_activation(output).name
        ranges = {**OUTPUT_RANGES, "softmax": (0.0, 1.0)}
        low, high = ranges.get(kind, (-np.inf, np.inf))
        bounded = np.isfinite(low) or np.isfinite(high)
        y_fit = y[train_idx]
        if bounded and _outside(y_fit, low, high):  # past a bound by rounding only is inside
            what = (f"--output {output}" if args.output else
                    f"the {output} output (the default for --loss {args.loss})")
            advice = ("the Poisson loss models counts, which are >= 0" if args.loss == "poisson"
                      else "use --output identity (the default for regression), or rescale "
                      "the target")
            raise ValueError(
                f"{what}: its outputs lie in [{low:g}, {high:g}], but the target"
                f"{'s' if several else ''} {target_words} run{'' if several else 's'} "
                f"from {y_fit.min():.7g} to {y_fit.max():.7g}; "
                f"{advice}")
        if bounded and args.val_data is not None:  # the file's targets, named by the file
            check_val_range(args, y[val_idx], output, low, high, f"target{'s' if several else ''}"
                            f" {target_words} run{'' if several else 's'}")
        if args.scale == "standard" and not bounded:
            y_mean, y_scale = _mean_std(y[train_idx], weights=w_fit)  # of each target
            # a constant target is only centred, as a constant feature
            y_scale = np.where(_constant(y[train_idx], weights=w_fit), 1.0, y_scale)
            y_mean, y_scale = (y_mean.tolist(), y_scale.tolist()) if several else (
                float(y_mean), float(y_scale))
            meta["y_mean"], meta["y_scale"] = y_mean, y_scale
        names = [f"target {name!r}" for name in table.target_names or [table.target_name]]
        targets = _standardise(y, np.asarray(y_mean), np.asarray(y_scale), table.source, names)
        targets = targets if several else targets[:, None]
    # what the options that depend on the data mean: a resumed run's must be the run's
    class_weight, meaning = resolve_class_weight(
        args.class_weight, task=task, loss=resolved_loss(output, args.loss),
        labels=meta.get("labels"), y_train=y[train_idx] if task == "classification" else None,
        target=table.target_names if several else table.target_name)
    resolved = resolved_options(run_settings, task=task, output=output, loss=args.loss,
                                target=table.target_names if several else table.target_name,
                                n_train=len(train_idx),
                                class_weight=meaning, features=table.feature_names)

    return Prepared(task=task, several=several, meta=meta, table=table, X=X, y=y,
                    targets=targets, train_idx=train_idx, val_idx=val_idx, output=output,
                    n_out=n_out, n_data=n_data, target_words=target_words,
                    class_weight=class_weight, meaning=meaning, resolved=resolved,
                    sample_weight=w, val_gaps_written=val_written)


def _present(labels: list, y: np.ndarray) -> tuple[list, np.ndarray]:
    """The classes of ``labels`` that ``y`` holds and ``y``'s index into them (all of
    them, but for a model's classes of which DATA holds some: ``--init-from``)."""
    present, index = np.unique(y, return_inverse=True)
    return [labels[int(c)] for c in present], index.ravel()


def _margin_targets(args, labels: list, y: np.ndarray) -> tuple | None:
    """A margin loss's output, its width and targets, or None for another loss.

    ``multiclass_hinge`` (cs231n's SVM loss): an identity output of one score per class,
    the class indices as targets; ``hinge`` (micrograd's, two classes): one identity
    score, the second label +1 and the first -1 (scikit-learn's
    ``LabelBinarizer(neg_label=-1)``).  A softmax or sigmoid ``--output`` is refused by
    ``check_loss_output`` (its (0, 1) never reaches the margins of 1).
    """
    from .losses import get_loss

    if args.loss is None or get_loss(args.loss).name not in ("multiclass_hinge", "hinge"):
        return None
    output = args.output or "identity"
    if get_loss(args.loss).name == "multiclass_hinge":
        return output, len(labels), y
    if len(labels) != 2:
        raise ValueError(f"--loss {args.loss}: the binary hinge loss scores two classes "
                         f"(-1 and +1), got {len(labels)}; use --loss multiclass_hinge "
                         "(cs231n's SVM loss) for three or more")
    return output, 1, (2.0 * y - 1.0)[:, None]
