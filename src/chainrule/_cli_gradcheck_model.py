"""``chainrule gradcheck --model FILE``: what is checked when the command is given a model file.

A network model file (``chainrule train``, :meth:`chainrule.Network.save`), an
estimator's or an autoencoder's file (their ``save``), on random inputs or on the
first examples of ``--data`` (a generated set drawn as ``evaluate`` draws it:
:func:`~chainrule._cli_models_provenance._data_seed`); and the random targets a
network's loss takes, which the random network of ``--sizes`` draws too.
:mod:`chainrule.cli_gradcheck` holds the command's options and its report;
``_cli_gradcheck_autoencoder`` a SparseAutoencoder's file on ``--data``.
"""

from __future__ import annotations

import argparse

import numpy as np


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, plural unless ``n`` is 1 ("1 random input", "5 random inputs")."""
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def _random_targets(net, rng: np.random.Generator, n: int) -> np.ndarray:
    """Targets the network's loss takes: class labels, 0/1 columns, counts or real values."""
    k = net.n_outputs
    if net.loss.name == "poisson":  # non-negative targets only
        return rng.poisson(2.0, size=(n, k)).astype(float)
    if net.loss.name in ("cross_entropy", "log_loss", "multiclass_hinge") and k > 1:
        return rng.integers(0, k, size=n)
    if net.loss.name == "hinge":  # signs -1 and +1
        return rng.choice([-1.0, 1.0], size=(n, k))
    if net.loss.name in ("cross_entropy", "log_loss"):  # one output: a column of 0s and 1s
        return rng.integers(0, 2, size=(n, 1)).astype(float)
    return rng.normal(size=(n, k))


def _file_format(path: str) -> str | None:
    """The format name recorded in a chainrule file, or None if it cannot be read."""
    import json
    from pathlib import Path

    from .io import _READ_ERRORS, read_npz

    p = Path(path)
    if not p.exists() and p.with_name(p.name + ".npz").exists():
        path = str(p.with_name(p.name + ".npz"))  # as the loaders take a name without .npz
    try:
        meta = json.loads(str(read_npz(path)["__meta__"]))
    except _READ_ERRORS:
        return None
    return meta.get("format") if isinstance(meta, dict) else None


def _load_model(path: str):
    """A network model file (train, Network.save), or an estimator's or autoencoder's file."""
    from .cli_models import _load

    try:
        return _load(path)
    except ValueError:
        from ._mlp_base import ESTIMATOR_FORMAT
        from .autoencoder import AUTOENCODER_FORMAT, load_autoencoder
        from .estimators import load_estimator

        loader = {ESTIMATOR_FORMAT: load_estimator,
                  AUTOENCODER_FORMAT: load_autoencoder}.get(_file_format(path))
        if loader is None:
            raise
        return loader(path)


def trained_targets(model, net, y: np.ndarray) -> np.ndarray:
    """A model file's targets ``y`` as its network was trained on them: class targets as
    they are (a single sigmoid output's labels as a column), a regression's standardised
    with the file's ``y_mean`` and ``y_scale``, shape (n_samples, n_outputs)."""
    if model.task == "classification":
        return y.astype(np.float64)[:, None] if y.ndim == 1 and net.n_outputs == 1 else y
    meta = model.metadata
    Y = ((y - np.asarray(meta.get("y_mean", 0.0), dtype=np.float64))
         / np.asarray(meta.get("y_scale", 1.0), dtype=np.float64))
    return Y if Y.ndim == 2 else Y[:, None]


def _saved_model(args: argparse.Namespace, rng: np.random.Generator):
    from ._layers_embedding import Embedding
    from .autoencoder import SparseAutoencoder, StackedAutoencoder
    from .saved_model import SavedModel

    model = _load_model(args.model)
    if not isinstance(model, SavedModel):  # an estimator's or an autoencoder's file
        if args.data is not None:
            return _estimator_on_data(args, model)
        n_in = model.n_features_in_
        name = type(model).__name__
        if isinstance(model, (SparseAutoencoder, StackedAutoencoder)):  # their own cost
            X = rng.uniform(0.1, 0.9, size=(args.samples, n_in))
            Y = (None if isinstance(model, SparseAutoencoder)
                 else rng.choice(np.asarray(model.classes_), size=args.samples))
            about = f"{args.model}: {name}, the cost its training minimises"
            where = f"{_count(args.samples, 'random input')} in [0.1, 0.9]"
            return model, f"{about}\non {where}", X, Y
        net = model.network_
        X = rng.normal(size=(args.samples, n_in))
        Y = _random_targets(net, rng, args.samples)
        return net, f"{args.model}: {name}\n{net.summary()}\non " \
            f"{_count(args.samples, 'random example')}", X, Y
    net = model.network
    if args.data is None:
        n_in = net.n_inputs
        shape = n_in if isinstance(n_in, tuple) else (n_in,)
        first = net.layers[0]
        if isinstance(first, Embedding):  # random indices into its table, not normal numbers
            X = rng.integers(0, first.num_embeddings, size=(args.samples, *shape)).astype(float)
        else:
            X = rng.normal(size=(args.samples, *shape))
        Y = _random_targets(net, rng, args.samples)
        where = _count(args.samples, "random example")
    else:
        from ._cli_models_provenance import _data_seed
        from ._cli_models_scores import _refuse_one_of_several, default_target_said
        from .cli_models import _model_data, _targets

        several = model.metadata.get("target_names")  # train --target a b: their columns
        if ((model.task == "regression" or model.multilabel) and net.n_outputs > 1
                and not several):  # a saved network of sigmoid outputs under log_loss too
            raise ValueError(
                f"--data: {args.model} predicts {net.n_outputs} values per example, and a "
                "table's target is one column; leave --data out to check it on random "
                "examples")
        seed = _data_seed(model, args.data, args.seed)  # the model's own generated set's
        with default_target_said(model, args.model, args.target):  # a Network's save
            table = _model_data(model, args.data, args.target, True, seed)
            _refuse_one_of_several(model, args.model, args.target, names_taken=False)
            n = min(args.samples, table.n_samples)
            X = model._inputs(table.X[:n])
            y = _targets(model, table)[:n]
        Y = trained_targets(model, net, y)
        where = f"the first {n} of {table.n_samples} examples of {table.source}"
    return net, f"{args.model}:\n{net.summary()}\non {where}", X, Y


def _estimator_on_data(args: argparse.Namespace, estimator):
    """An estimator's network (a StackedAutoencoder: its own cost) on the first examples of DATA.

    The estimators take the features as they are (none of them scales or
    encodes its inputs), so the network is checked on the raw features; the
    targets are what its fit gives the network: the one-hot classes (a single
    column 0/1 for two classes of a sigmoid output) or the regression targets.

    Returns
    -------
    model, about, X of shape (n, n_features), Y
    """
    from ._cli_models_provenance import _data_seed
    from ._cli_models_scores import default_target_said
    from .autoencoder import StackedAutoencoder
    from .cli_models import _model_data, _targets
    from .saved_model import EstimatorModel

    name = type(estimator).__name__
    model = EstimatorModel(estimator)
    if not hasattr(estimator, "predict"):  # a SparseAutoencoder: its inputs, no target
        from ._cli_gradcheck_autoencoder import autoencoder_on_data

        return autoencoder_on_data(args, model)
    net = model.network
    if model.multilabel or (model.task == "regression" and net.n_outputs > 1):
        raise ValueError(
            f"--data: {args.model} predicts {net.n_outputs} values per example, and a "
            "table's target is one column; leave --data out to check it on random examples")
    seed = _data_seed(model, args.data, args.seed)  # the model's own generated set's
    with default_target_said(model, args.model, args.target):  # DATA's last column
        table = _model_data(model, args.data, args.target, True, seed)
        n = min(args.samples, table.n_samples)
        X = np.asarray(table.X[:n], dtype=np.float64)
        y = _targets(model, table)[:n]
    where = f"on the first {n} of {table.n_samples} examples of {table.source}"
    if isinstance(estimator, StackedAutoencoder):  # its cost, with its sparsity penalty
        about = f"{args.model}: {name}, the cost its training minimises"
        return estimator, f"{about}\n{where}", X, np.asarray(model.labels)[y]
    if model.task == "classification":
        Y = y.astype(np.float64)[:, None] if net.n_outputs == 1 else y
    else:
        Y = y[:, None]
    return net, f"{args.model}: {name}\n{net.summary()}\n{where}", X, Y
