"""``chainrule cv --optimizer newton-cg | trust-ncg`` of a network with a BatchNorm layer:
each fold's network is trained by code shared with ``train`` (``fit_lbfgs``, which runs
``chainrule.minimize``), untested through cv until now.

The reference of each fold: ``chainrule.minimize(method=...)`` run here on the fold's
training rows (the folds scikit-learn's ``StratifiedKFold(k, shuffle=True,
random_state=seed)`` gives, as cv documents), standardised with NumPy by the statistics of
the rows it trains on; the network built by ``chainrule.architecture.network_from_layers``
from the same layer dicts and seed; its evaluation-mode outputs (running statistics) on
the fold's held-out rows give the accuracy and log loss, by scikit-learn's metrics.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold, train_test_split

import chainrule as cr
from chainrule.architecture import network_from_layers
from file_helpers import cli_ok
from test_cli_lbfgs import blobs  # noqa: F401 (the fixture)

LAYERS = [{"type": "Dense", "fan_out": 4, "activation": "identity"},
          {"type": "BatchNorm", "activation": "tanh"}]


def _fold_reference(X, y, tr, te, seed, epochs, method, val_fraction):
    """minimize of the --layers network on fold rows ``tr`` (less train's validation
    split of them: ``ceil(fraction * n)`` rows, stratified, by --seed), standardised by
    the rows it trains on; its accuracy and log loss of rows ``te``, and its iterations."""
    fit = tr
    if val_fraction:
        fit, _ = train_test_split(tr, test_size=int(np.ceil(val_fraction * len(tr))),
                                  random_state=seed, stratify=y[tr])
    mean, std = X[fit].mean(axis=0), X[fit].std(axis=0)
    net = network_from_layers([*LAYERS, {"type": "Dense", "fan_out": 3,
                                         "activation": "softmax"}],
                              input_shape=2, loss="cross_entropy", seed=seed,
                              weight_decay=0.001)
    result = cr.minimize(net, (X[fit] - mean) / std, y[fit], method=method, maxiter=epochs)
    proba = net.forward((X[te] - mean) / std)  # evaluation mode: the running statistics
    return (accuracy_score(y[te], proba.argmax(axis=1)),
            log_loss(y[te], proba, labels=[0, 1, 2]), result.nit)


@pytest.mark.parametrize("method, val_fraction", [("newton-cg", 0.0), ("trust-ncg", 0.0),
                                                  ("newton-cg", 0.1)])
def test_each_folds_scores_are_minimize_of_its_training_rows(blobs, tmp_path, capsys,  # noqa: F811
                                                             method, val_fraction):
    path, X, y = blobs
    layers = tmp_path / "layers.json"
    layers.write_text(json.dumps(LAYERS))
    out, _ = cli_ok(capsys, ["cv", path, "--optimizer", method, "--layers", layers,
                             "--weight-decay", "0.001", "--epochs", "6", "--seed", "2",
                             "--folds", "3", "--val-fraction", val_fraction, "-q", "--json"])
    record = json.loads(out)
    assert record["splitter"] == "StratifiedKFold" and len(record["per_fold"]) == 3
    folds = StratifiedKFold(3, shuffle=True, random_state=2).split(X, y)
    for row, (tr, te) in zip(record["per_fold"], folds, strict=True):
        acc, loss, nit = _fold_reference(X, y, tr, te, 2, 6, method, val_fraction)
        assert row["train_samples"] == len(tr)
        assert row["epochs"] == nit and nit > 2  # the fold's run went somewhere
        assert row["accuracy"] == pytest.approx(acc, abs=1e-12)
        assert row["log_loss"] == pytest.approx(loss, rel=1e-8)
    accs = [r["accuracy"] for r in record["per_fold"]]
    assert record["mean"]["accuracy"] == pytest.approx(np.mean(accs), abs=1e-12)
