"""``chainrule gradcheck --model FILE --data DATA`` of a SparseAutoencoder's file, and the
cost term by term that ``gradcheck`` prints (:func:`cost_terms_text`).

Its cost (squared reconstruction error, weight decay and the KL sparsity
penalty: :meth:`chainrule.SparseAutoencoder.cost`) on the first rows of DATA,
which are its inputs: the autoencoder predicts no target.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

__all__ = ["autoencoder_on_data", "cost_terms_text"]


def cost_terms_text(model: object, X: np.ndarray, Y: object = None,
                    training: bool = False) -> str | None:
    """What ``J`` is made of, for a SparseAutoencoder or a Network with weight decay.

    A SparseAutoencoder's three terms with their formulas and shares of ``J`` and
    ``rho_hat`` against ``rho`` (:meth:`chainrule.SparseAutoencoder.cost_terms`): a
    student sees which term dominates (the sparsity penalty at the initial weights,
    where ``rho_hat`` is near 0.5).  A Network's data term and weight decay
    (:meth:`chainrule.network.Network.cost_terms`), when its ``weight_decay`` is not 0
    and it is checked in evaluation mode (``training``: BatchNorm's batch statistics,
    another ``J``).  None for any other model.
    """
    from .network import Network

    # not imported: the model cannot be one (the package imports scikit-learn, 3/4 of a
    # random network's gradcheck; tests/test_perf37_cli_startup.py)
    autoencoder = sys.modules.get(f"{__package__}.autoencoder")
    if autoencoder is not None and isinstance(model, autoencoder.SparseAutoencoder):
        return str(model.cost_terms(X))
    if isinstance(model, Network) and model.weight_decay > 0 and not training:
        return str(model.cost_terms(X, Y))
    return None


def autoencoder_on_data(args: argparse.Namespace, model):
    """A SparseAutoencoder's cost on the first rows of DATA, its inputs as given.

    The autoencoder reconstructs its inputs and predicts no target, so DATA is
    read as ``chainrule predict`` reads it: every column a feature (or the
    columns of its ``feature_names_in_``), a bundled data set's features
    without its target; ``--target`` is refused.

    Returns
    -------
    model, about, X of shape (n, n_features), None
    """
    from ._cli_models_provenance import _data_seed
    from .cli_models import _model_data

    name = type(model.estimator).__name__
    if args.target is not None:
        raise ValueError(f"--target: {args.model} holds a {name}, which reconstructs its "
                         f"inputs and predicts no target (got --target {args.target!r}); "
                         "leave --target out and give DATA's features alone")
    table = _model_data(model, args.data, None, False, _data_seed(model, args.data, args.seed))
    n = min(args.samples, table.n_samples)
    X = np.asarray(table.X[:n], dtype=np.float64)
    try:  # inputs its decoder cannot reach (a sigmoid's outside [0, 1]), refused as fit does
        model.estimator.cost(model.estimator.params, X)
    except ValueError as exc:
        raise ValueError(f"--data {args.data}: {exc}") from None
    about = f"{args.model}: {name}, the cost its training minimises"
    return (model.estimator, f"{about}\non the first {n} of {table.n_samples} examples of "
            f"{table.source} (its inputs, as given)", X, None)
