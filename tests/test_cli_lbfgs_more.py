"""More of ``chainrule train --optimizer lbfgs``: what ``info`` prints of its settings,
the accuracies it records and a signal that lands in its converging iteration."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.io import load_metadata


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    """A CSV of three overlapping classes, and what it holds."""
    rng = np.random.default_rng(11)
    centres = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    X = np.round(np.concatenate([c + rng.normal(size=(20, 2)) for c in centres]), 6)
    y = np.repeat([0, 1, 2], 20)
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    path = tmp_path_factory.mktemp("lbfgs_more") / "data.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f1", "f2", "kind"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", f"c{c}"]
                          for (a, b), c in zip(X, y, strict=True)])
    return path, X, y


@pytest.mark.parametrize("optimizer, left_out", [
    ("lbfgs", ("lr", "momentum", "batch_size")), ("adam", ("momentum",)),
])
def test_info_leaves_out_the_settings_an_optimizer_has_no_use_for(
        blobs, tmp_path, capsys, optimizer, left_out):
    """``info`` printed ``lr=None, momentum=None, batch_size=None`` for lbfgs (and
    ``momentum=None`` for adam); ``--json`` still holds them, as null."""
    path, *_ = blobs
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--optimizer", optimizer, "--epochs", "2", "-q",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    trained = next(line for line in capsys.readouterr().out.splitlines()
                   if line.startswith("trained: "))
    assert "None" not in trained
    assert f"optimizer={optimizer}" in trained
    for key in left_out:
        assert f"{key}=" not in trained
    if optimizer == "adam":
        assert "lr=0.01" in trained and "batch_size=32" in trained
    assert main(["info", str(out), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)["training"]
    assert all(record[key] is None for key in left_out)
    assert record == load_metadata(out)["training"]
