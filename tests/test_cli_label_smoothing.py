"""``chainrule train --label-smoothing EPS``: the model is ``chainrule.minimize`` of a network
with the smoothed loss, ``evaluate``'s log loss stays the plain one against the hard
labels, and what makes no sense is refused by name (in-process, ``chainrule.cli.main``)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata

LABELS = ["a", "b", "c"]


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    rng = np.random.default_rng(6)
    X = np.round(np.concatenate([c + rng.normal(size=(15, 2)) for c in
                                 ([0.0, 0.0], [2.5, 0.0], [0.0, 2.5])]), 6)
    y = np.repeat([0, 1, 2], 15)
    path = tmp_path_factory.mktemp("smooth") / "data.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f1", "f2", "kind"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", LABELS[c]] for (a, b), c in zip(X, y,
                                                                                  strict=True)])
    return path, X, y


def test_model_is_minimize_of_the_smoothed_loss(blobs, tmp_path, capsys):
    path, X, y = blobs
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--label-smoothing", "0.2", "--optimizer", "lbfgs",
                 "--hidden", "4", "--activation", "tanh", "--epochs", "20", "--seed", "2",
                 "--val-fraction", "0", "--scale", "none", "-q", "-o", str(out)]) == 0
    spec = {"name": "cross_entropy", "label_smoothing": 0.2}
    net = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", loss=spec, seed=2)
    result = cr.minimize(net, X, y, maxiter=20)
    assert result.nit > 5
    model = cr.load_model(out)
    assert model.network.loss.get_config() == spec
    np.testing.assert_allclose(model.network.params, net.params, rtol=1e-10, atol=1e-12)
    meta = load_metadata(out)
    assert meta["training"]["label_smoothing"] == 0.2
    # the history is the smoothed cost, as the run minimised it
    np.testing.assert_allclose(meta["history"]["loss"], result.loss_curve, rtol=1e-12)
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert "(mean cross_entropy(label_smoothing=0.2))" in capsys.readouterr().out
    assert main(["info", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["loss_params"] == {"label_smoothing": 0.2}
    # evaluate's log loss: the plain one, of the hard labels
    assert main(["evaluate", str(out), str(path)]) == 0
    proba = net.forward(X)
    plain = float(-np.mean(np.log(proba[np.arange(len(y)), y])))
    assert f"log loss: {plain:g}" in capsys.readouterr().out


def test_a_resumed_run_keeps_its_smoothing(blobs, tmp_path, capsys):
    path, _, _ = blobs
    ck, out = tmp_path / "ck.npz", tmp_path / "m.npz"
    base = ["train", str(path), "--hidden", "3", "--checkpoint", str(ck), "-q", "-o", str(out)]
    assert main([*base, "--epochs", "2", "--label-smoothing", "0.1"]) == 0
    assert main([*base, "--epochs", "3", "--resume", "--label-smoothing", "0.1"]) == 0
    capsys.readouterr()
    assert main([*base, "--epochs", "4", "--resume"]) == 2
    assert ("--label-smoothing: the run in" in capsys.readouterr().err)


@pytest.mark.parametrize("extra, message", [
    (["--target", "f2", "--features", "f1"],
     "--label-smoothing 0.1: softens the class labels of a classification, but the task "
     "is regression"),
    (["--loss", "squared_error"],
     "--label-smoothing 0.1: smooths the targets of cross_entropy or log_loss, but the loss "
     "is squared_error"),
])
def test_refused_by_name(blobs, tmp_path, capsys, extra, message):
    path, _, _ = blobs
    assert main(["train", str(path), "--label-smoothing", "0.1", *extra, "--epochs", "1",
                 "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert message in capsys.readouterr().err
