"""``chainrule train --init-from MODEL``: fine-tuning a saved model from the command line,
as Keras's ``load_model`` then ``fit`` or PyTorch's ``load_state_dict`` then training.

What comes from MODEL: the network (its layers, their sizes and activations, the output
layer and the loss, its weights and its frozen marks unless ``--freeze`` is given, its
dtype), the task, the class labels, and the scaling: the model's fitted ``x_mean`` /
``x_scale`` (and a regression's ``y_mean`` / ``y_scale``) standardise DATA, so that the
inputs mean what they meant to the weights (DATA's own statistics are not computed).
What comes from the command line: the data and how it is split and weighted, and the
training (optimizer, rate, epochs, batch size, schedule, --freeze, checkpoints, seed).

Options that would build or scale another network (--hidden, --layers, --activation,
--dropout, --input-shape, --init, --output, --loss, --huber-delta, --scale none, another
--task or --dtype) are refused before any data is read, as is a file that is no model
of the command line or of ``Network.save`` (an estimator's, a checkpoint, data).  Once
DATA is read, its number of features, feature names, task and targets must be the
model's (:func:`init_prepared`), naming both; its class labels may be some of the model's
(a classifier fine-tuned on a subset of its classes, as in Keras or PyTorch: DATA's labels
index the model's output units, and the model written keeps all its classes), but none
that the model has no output for.  DATA's categorical columns are one-hot encoded with
MODEL's category lists (a category MODEL never saw as all zeros, warned of), its missing
cells filled with MODEL's ``--impute`` record, and ``--categorical`` and another
``--impute`` are refused: :mod:`chainrule._cli_models_train_init_encoding` (which
encodes ``--val-data`` the same way).

The model file written records where the run started (``init_from``: MODEL as given,
``init_from_params_sha256``: the SHA-256 of its parameter vector's bytes), which
``chainrule info`` shows with the other training settings; a checkpoint's notes record
it too, and ``--resume`` refuses another ``--init-from`` (or none).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib

import numpy as np

from ._cli_models_train_init_encoding import check_encoding

# train's options that build or scale the network, which MODEL fixes: None when not given
_ARCHITECTURE = {"hidden": "--hidden", "activation": "--activation", "dropout": "--dropout",
                 "layers": "--layers", "input_shape": "--input-shape", "output": "--output",
                 "loss": "--loss", "huber_delta": "--huber-delta"}
# what the model file's training record says of the architecture, copied into the new one
_RECORDED = ("hidden", "activation", "dropout", "layers", "input_shape",
             "input_shape_from_data", "init")


CV_INIT_FROM_HELP = (
    "fine-tune on each fold: every fold's network starts from the network of MODEL (a "
    "model file of train, tune -o or Network.save), as chainrule train --init-from MODEL "
    "on the fold's training rows starts: MODEL's layers, weights, output, loss, frozen "
    "parameters, dtype, task, classes, categories, --impute values and scaling (each "
    "fold's rows standardised with MODEL's means and deviations, not the fold's own: "
    "nothing of the held-out rows is used still); the options train refuses with it are "
    "refused. MODEL must not have been trained on DATA's rows, whose held-out rows its "
    "weights would have seen: cv says so when MODEL records DATA as its training data "
    "(default: a new network on each fold)")


TUNE_INIT_FROM_HELP = (
    "fine-tune: every combination's folds start from the network of MODEL, as cv "
    "--init-from MODEL's do (MODEL's layers, weights, scaling, categories: --grid varies "
    "the training options, such as lr, epochs, weight-decay, freeze; an architecture "
    "option in --grid is refused), and -o's refit is chainrule train DATA --init-from "
    "MODEL with the best; cv's warning when MODEL was trained on DATA (default: a new "
    "network)")


def add_init_from_option(p: argparse.ArgumentParser, command: str = "train") -> None:
    """``--init-from MODEL`` on train's (``command`` "train"), cv's ("cv") or tune's
    ("tune") parser ``p`` (tune's ``--grid`` refuses it: :func:`refuse_init_from_option`)."""
    if command in ("cv", "tune"):
        p.add_argument("--init-from", default=None, metavar="MODEL", dest="init_from",
                       help=CV_INIT_FROM_HELP if command == "cv" else TUNE_INIT_FROM_HELP)
        return
    p.add_argument("--init-from", default=None, metavar="MODEL", dest="init_from",
                   help="fine-tune: start from the network of MODEL (a model file of train, "
                   "tune -o or Network.save): its layers, weights, output and loss, its "
                   "frozen parameters unless --freeze is given, its dtype, task and class "
                   "labels, and its scaling (DATA is standardised with the model's fitted "
                   "means and deviations, so that the inputs mean the same); the training "
                   "options are this command's. --hidden, --layers, --activation, "
                   "--dropout, --input-shape, --init, --output, --loss, --huber-delta, "
                   "--scale none, another --task or --dtype are refused; DATA's features and "
                   "targets must be the model's, its classes some or all of the model's "
                   "(the model written keeps them all); DATA is one-hot encoded with the model's "
                   "categories and filled with its --impute values (a model without them: "
                   "--impute fills with DATA's own, --missing-indicator is refused). "
                   "The model written records "
                   "MODEL and the SHA-256 of its parameters (info shows them), and "
                   "--resume refuses another --init-from (default: a new network)")


class _RefuseInitFrom(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"--init-from {values}: not an option --grid varies: give --init-from "
                     "MODEL outside --grid, and every combination fine-tunes MODEL on each "
                     "fold")


def refuse_init_from_option(p: argparse.ArgumentParser) -> None:
    """``--init-from`` on the parser of tune's ``--grid`` values ``p``, refused with the
    reason (not argparse's "unrecognized arguments") and left out of its help."""
    p.add_argument("--init-from", action=_RefuseInitFrom, default=None, dest="init_from",
                   help=argparse.SUPPRESS)


def params_sha256(net) -> str:
    """The SHA-256 of the bytes of ``net.params`` (C order, its own dtype)."""
    return hashlib.sha256(np.ascontiguousarray(net.params).tobytes()).hexdigest()


def _load(path: str):
    """The model of ``path``, refusing a chainrule file of another kind by name."""
    from ._cli_models_data import _load as load_model_file
    from ._io_kind import saved_kind_of_file

    kind = saved_kind_of_file(path)
    if kind is not None and not kind.startswith("a model file"):
        estimator = kind.startswith("an estimator")
        raise ValueError(
            f"--init-from {path}: {kind}, not a model file; --init-from takes a model file of "
            "chainrule train (or tune -o, Network.save)"
            + ("; an estimator trains on from its weights in Python (warm_start=True, or "
               "partial_fit)" if estimator else
               "; continue a checkpoint's run with --resume" if "checkpoint" in kind else ""))
    try:
        return load_model_file(path)
    except FileNotFoundError as exc:
        raise ValueError(f"--init-from {path}: no such file") from exc
    except (IsADirectoryError, ValueError) as exc:
        message = str(exc)
        raise ValueError(message if message.startswith("--init-from") else
                         f"--init-from {path}: {message}") from None


def frozen_marks(net) -> list[str] | None:
    """The frozen marks of ``net``'s layers as ``check_freeze`` resolves ``--freeze``:
    ``"i"`` for a layer not trainable, ``"i:name"`` for a parameter; None for none."""
    marks = []
    for i, layer in enumerate(net.layers):
        names = [spec.name for spec in layer.param_specs()]
        if not names:
            continue
        frozen = set(names) if not layer.trainable else set(layer.frozen) & set(names)
        if frozen == set(names):
            marks.append(str(i))
        else:
            marks += [f"{i}:{name}" for name in names if name in frozen]
    return marks or None


def check_init_from(args: argparse.Namespace):
    """Read ``--init-from`` MODEL before any data and set the architecture options from it.

    Returns
    -------
    SavedModel or None
        The model (also ``args.init_model``); None without ``--init-from``.

    Raises
    ------
    ValueError
        For an option that would build or scale another network, and for a file that is
        no model (an estimator's, a checkpoint, data, no file), naming both.
    """
    path = getattr(args, "init_from", None)
    args.init_model = None
    if path is None:
        return None
    for name, option in _ARCHITECTURE.items():
        if getattr(args, name, None) is not None:
            raise ValueError(f"{option}: the network comes from --init-from {path} (its "
                             f"layers, output and loss); leave {option} out to fine-tune it, "
                             "or --init-from out to train a new network")
    if args.init != "auto":
        raise ValueError(f"--init {args.init}: --init-from {path} gives the initial weights; "
                         "leave --init out")
    model = _load(path)
    net, meta = model.network, model.metadata
    if args.task != "auto" and args.task != model.task:
        raise ValueError(f"--task {args.task}: the model of --init-from {path} is a "
                         f"{model.task} model; leave --task out")
    dtype = net.dtype.name
    if args.dtype != "float64" and args.dtype != dtype:
        raise ValueError(f"--dtype {args.dtype}: the model of --init-from {path} computes in "
                         f"{dtype}; leave --dtype out (the run keeps the model's)")
    scaled = "x_mean" in meta
    if args.scale == "none" and scaled:
        raise ValueError(f"--scale none: the model of --init-from {path} standardises its "
                         "inputs with the means and deviations it was trained with, which "
                         "the run reuses (its weights take inputs so scaled); leave --scale "
                         "out")
    check_encoding(args, path, meta)
    record = meta.get("training") or {}
    for key in _RECORDED:  # the record of the new model says what network it is
        setattr(args, key, record.get(key, getattr(args, key, None)))
    if args.init is None:
        args.init = "auto"
    if isinstance(net.n_inputs, tuple):  # a network of images: read DATA as them
        args.input_shape = list(net.n_inputs)
        args.input_shape_from = f"--init-from {path}: the model's network"  # not typed
    if net.output_activation is None:  # train's networks end in a Dense layer
        raise ValueError(f"--init-from {path}: its network ends in a "
                         f"{type(net.layers[-1]).__name__} layer, not the Dense output layer "
                         "train trains; fine-tune it in Python (chainrule.train)")
    args.output = net.output_activation.name
    args.loss = net.loss.name
    if net.loss.params.get("delta") is not None:  # huber's threshold
        args.huber_delta = float(net.loss.params["delta"])
    args.task = model.task
    args.scale = "standard" if scaled else "none"
    args.dtype = dtype
    args.init_model = model
    args.init_from_sha256 = params_sha256(net)
    args.freeze_given = bool(getattr(args, "freeze", None))
    return model


def network_plan(net) -> list[tuple[str, tuple[str, ...]]]:
    """The layers of ``net`` as ``layer_plan`` lists them: type and parameter names."""
    return [(type(layer).__name__, tuple(spec.name for spec in layer.param_specs()))
            for layer in net.layers]


def init_network(args: argparse.Namespace):
    """A copy of MODEL's network to train: its frozen marks, or ``--freeze``'s instead."""
    from ._cli_models_train_freeze import apply_freeze

    net = args.init_model.network.copy()
    if args.freeze_given:  # --freeze replaces the model's marks
        for layer in net.layers:
            layer.trainable = True
            layer.frozen = set()
        apply_freeze(net, args.freeze)
    return net


def _differs(path: str, what: str, model_has: object, data_has: object, source: str) -> None:
    if model_has != data_has:
        raise ValueError(f"--init-from {path}: the model's {what} {model_has}, {source}'s "
                         f"{data_has}; fine-tuning needs DATA of the model's features, "
                         "targets and classes")


def _numbers(y: object) -> bool:
    """Whether the targets ``y`` read are numbers (or text of numbers, as a CSV file's)."""
    try:
        np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def prepare_from_model(args: argparse.Namespace, table, several: bool, run_settings: dict,
                       **options):
    """``prepare`` of DATA (cv: a fold's training rows) for a run from MODEL: read
    unscaled, then checked against the model and standardised with its statistics
    (:func:`init_prepared`); ``options``: ``prepare``'s (cv's ``provenance``, ``task``)."""
    from ._cli_models_train_prepare import prepare

    model = args.init_model
    if model.task == "regression" and not _numbers(table.y):  # said before --task's words
        raise ValueError(f"--init-from {args.init_from}: the model's task is regression, "
                         f"{table.source}'s target holds text (classes); fine-tuning needs "
                         "DATA of the model's features, targets and classes")
    labels = None  # a classifier: DATA's labels are indices into the model's classes
    if model.task == "classification" and not several:
        labels = _known_classes(args.init_from, model.labels, table)
    scale, args.scale = args.scale, "none"  # DATA's own statistics are not the model's
    try:
        p = prepare(args, table, several, run_settings, labels=labels, **options)
    finally:
        args.scale = scale
    return init_prepared(args, p)


def _known_classes(path: str, labels: list, table) -> list:
    """The model's classes ``labels``, once every class of DATA's target is among them:
    DATA may hold some of them only (its labels then index the model's output units, as
    Keras and PyTorch keep a fine-tuned model's), but none the model has no output for."""
    from .saved_model import encode_labels, fit_labels

    if table.y is None or np.asarray(table.y).ndim != 1:
        return labels
    unknown = []
    for label in fit_labels(np.asarray(table.y))[0]:
        try:
            encode_labels(np.asarray([label]), labels)
        except ValueError:
            unknown.append(label)
    if unknown:
        raise ValueError(f"--init-from {path}: {table.source}'s target {table.target_name!r} "
                         f"holds the classes {unknown}, which the model has no output for "
                         f"(its classes are {list(labels)}); fine-tuning keeps the model's "
                         "classes: DATA may hold some of them, but no other")
    return labels


def held_note(labels: list, y: np.ndarray) -> str:
    """What train says after the classes ``labels`` where DATA's class indices ``y`` hold
    some of them only (``--init-from``'s model's classes): "" where they hold all."""
    held = np.unique(y)
    if len(held) == len(labels):
        return ""
    return (f", {len(held)} of them in the data ({', '.join(str(labels[int(c)]) for c in held)}"
            "; the model's other outputs are kept)")


def init_prepared(args: argparse.Namespace, p):
    """``p`` (``prepare``'s, of DATA read with ``--scale none``) checked against MODEL and
    standardised with MODEL's statistics, which ``p.meta`` records in place of DATA's."""
    from ._cli_statistics import _standardise

    model, path = args.init_model, args.init_from
    meta, net, source = model.metadata, model.network, p.table.source
    _differs(path, "task is", model.task, p.task, source)
    # (its missing indicators among them, as p.X's last columns)
    n_in = net.n_inputs if not isinstance(net.n_inputs, tuple) else int(np.prod(net.n_inputs))
    _differs(path, "number of inputs is", n_in, p.X.shape[1], source)
    names = model.feature_names
    if names is not None and list(names) != list(p.table.feature_names):
        _differs(path, "features are", names, p.table.feature_names, source)
    targets = meta.get("target_names") or meta.get("target_name")
    given = p.table.target_names or p.table.target_name
    if targets is not None:
        _differs(path, "target is" if isinstance(targets, str) else "targets are",
                 targets, given, source)
    if p.task == "classification":
        _differs(path, "classes are", model.labels, p.meta["labels"], source)
    _differs(path, "number of outputs is", net.n_outputs, p.n_out, source)
    X, targets = p.X, p.targets
    out = dict(p.meta)
    if "x_mean" in meta:
        features = [f"feature {n!r}" for n in p.table.feature_names]
        features += [f"feature {j}" for j in range(len(features), X.shape[1])]
        X = _standardise(X, np.asarray(meta["x_mean"]), np.asarray(meta["x_scale"]),
                         source, features)
        out["x_mean"], out["x_scale"] = list(meta["x_mean"]), list(meta["x_scale"])
    if "y_mean" in meta:  # a regression: the target as the network predicts it
        names = [f"target {n!r}" for n in p.table.target_names or [p.table.target_name]]
        y = np.asarray(p.y, dtype=np.float64).reshape(len(p.y), -1)
        targets = _standardise(y, np.asarray(meta["y_mean"]), np.asarray(meta["y_scale"]),
                               source, names)
        out["y_mean"], out["y_scale"] = meta["y_mean"], meta["y_scale"]
    return dataclasses.replace(p, X=X, targets=targets, meta=out)


def init_line(args: argparse.Namespace, source: str) -> str | None:
    """What train says of a run from MODEL (None for a new network)."""
    model = getattr(args, "init_model", None)
    if model is None:
        return None
    scaled = ("standardised with the model's means and deviations (its training data's, "
              f"not {source}'s), so that the inputs mean what they meant to its weights"
              if "x_mean" in model.metadata else "taken as given, as the model took them")
    return (f"starting from {args.init_from}: its network and weights"
            + (f" (frozen: {','.join(args.freeze)})" if args.freeze else "")
            + f"; the inputs {scaled}")


def init_record(args: argparse.Namespace, training: dict) -> dict:
    """The training record ``training`` of a run from MODEL: the model's architecture as
    its record says it (a network saved from Python: none), and where the run started."""
    model = getattr(args, "init_model", None)
    if model is None:
        return training
    record = model.metadata.get("training") or {}
    training = {k: v for k, v in training.items() if k not in _RECORDED}
    return {**{k: record[k] for k in _RECORDED if k in record}, **training,
            "init_from": str(args.init_from), "init_from_params_sha256": args.init_from_sha256}


def trained_on_data_note(args: argparse.Namespace, n_rows: int,
                         command: str = "cv") -> str | None:
    """What cv says when ``--init-from`` MODEL records DATA as its own training data
    (the same file, bytes or bundled set, as evaluate knows it): every fold's held-out
    rows were among the rows its weights were fitted to; None otherwise."""
    from ._cli_models_provenance import _trained_on

    model = getattr(args, "init_model", None)
    if model is None or not _trained_on(model, args.data, args.seed, n_rows).startswith(
            ", the data the model was trained on"):
        return None
    return (f"chainrule {command}: warning: the model of --init-from {args.init_from} was trained "
            f"on {args.data}, DATA: its weights have seen every fold's held-out rows, so the "
            "scores overstate how fine-tuning it does on new rows; cross-validate on rows "
            "it was not trained on")
