"""The history's training ``accuracy`` under ``sample_weight``: the weighted fraction of
the epoch's rows classified right (scikit-learn's ``accuracy_score(sample_weight=)``), as
``loss``, ``val_loss`` and ``val_accuracy`` are weighted, in the Trainer's mini-batch
loop and in the CLI's L-BFGS history alike; without weights the plain fraction.

The references are scikit-learn's ``accuracy_score`` on the predictions of the network
the epoch started from (an epoch with a negligible step leaves it unchanged), or of the
saved model's weights written out in NumPy.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    return X, y, rng.integers(0, 4, size=60).astype(float)


def _predicted(net: cr.Network, X: np.ndarray) -> np.ndarray:
    P = net.predict(X)
    return P.argmax(axis=1) if P.shape[1] > 1 else (P[:, 0] > 0.5).astype(int)


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize(("batch_size", "shuffle"), [(60, False), (16, False), (16, True)])
def test_training_accuracy_is_weighted(output, batch_size, shuffle):
    X, y, w = _data()
    if output == "sigmoid":  # one output: counted batch by batch
        y = (y > 0).astype(int)
    net = cr.mlp([4, 5, 3 if output == "softmax" else 1], hidden="tanh", output=output,
                 seed=1)
    before = copy.deepcopy(net)
    # a step too small to move the parameters: each batch's predictions are the start's
    history = cr.train(net, X, y, optimizer="sgd", lr=1e-300, epochs=1, seed=0,
                       batch_size=batch_size, shuffle=shuffle, sample_weight=w)
    assert np.max(np.abs(net.params - before.params)) < 1e-290  # the zero biases: 1e-300s
    pred = _predicted(before, X)
    weighted = accuracy_score(y, pred, sample_weight=w)
    assert weighted != pytest.approx(accuracy_score(y, pred))  # they differ here
    assert history["accuracy"] == [pytest.approx(weighted, rel=1e-12)]
    # unweighted (and weights all 1): the plain fraction, counted as before
    for weights in (None, np.ones(60)):
        plain = copy.deepcopy(before)
        history = cr.train(plain, X, y, optimizer="sgd", lr=1e-300, epochs=1, seed=0,
                           batch_size=batch_size, shuffle=shuffle, sample_weight=weights)
        assert history["accuracy"] == [accuracy_score(y, pred)]


def test_class_weight_alone_leaves_the_accuracy_unweighted():
    """class_weight weighs the training cost only, as it leaves val_accuracy and
    Network.evaluate's accuracy unweighted."""
    X, y, w = _data(1)
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=1)
    before = copy.deepcopy(net)
    history = cr.train(net, X, y, optimizer="gd", lr=1e-300, epochs=1, seed=0,
                       class_weight="balanced", sample_weight=w)
    pred = _predicted(before, X)
    assert history["accuracy"] == [pytest.approx(accuracy_score(y, pred, sample_weight=w),
                                                 rel=1e-12)]
    net = copy.deepcopy(before)
    history = cr.train(net, X, y, optimizer="gd", lr=1e-300, epochs=1, seed=0,
                       class_weight="balanced")
    assert history["accuracy"] == [accuracy_score(y, pred)]


def _forward(path, X: np.ndarray) -> np.ndarray:
    """The saved network's outputs of raw rows X (relu hidden, softmax), in NumPy."""
    meta = load_metadata(path)
    A = (X - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    layers = SavedModel.load(path).network.layers
    for i, layer in enumerate(layers):
        Z = A @ layer.W + layer.b
        if i < len(layers) - 1:
            A = np.maximum(Z, 0.0)
        else:
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
    return A


def test_cli_lbfgs_history_accuracy_is_weighted(tmp_path, capsys):
    """The last iterate's training accuracy is the saved model's, weighted by
    --sample-weight's column, as the closing line prints it."""
    X, y, w = _data(2)
    w[:3] = 1  # every class with a positive weight
    path, model = tmp_path / "t.csv", tmp_path / "m.npz"
    rows = [",".join([*(repr(float(v)) for v in X[i]), str(int(w[i])), f"k{y[i]}"])
            for i in range(60)]
    path.write_text("a,b,c,d,w,label\n" + "\n".join(rows) + "\n")
    assert main([str(a) for a in ["train", path, "--target", "label", "--sample-weight", "w",
                                  "--hidden", "3", "--optimizer", "lbfgs", "--epochs", "4",
                                  "--val-fraction", "0", "--seed", "1", "-q", "-o", model]]) == 0
    out = capsys.readouterr().out
    meta = load_metadata(model)
    yi = np.array([meta["labels"].index(f"k{v}") for v in y])
    pred = _forward(model, X).argmax(axis=1)
    weighted = accuracy_score(yi, pred, sample_weight=w)
    assert weighted != pytest.approx(accuracy_score(yi, pred))  # they differ here
    assert meta["history"]["accuracy"][-1] == pytest.approx(weighted, rel=1e-12)
    assert f"training accuracy {weighted:.4g}" in out
