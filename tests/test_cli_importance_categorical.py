"""``chainrule importance`` of a model with a categorical column: the column is one feature.

A CSV column of text is one-hot encoded by ``train`` into 0/1 features, one per category.
Shuffled one at a time they would make rows of two categories or of none; the command
shuffles the column's rows together, which is what scikit-learn's
``permutation_importance`` does to the raw column of a model that encodes it itself.  The
reference here is that: an estimator written in the test that takes the raw cells (text
and numbers), one-hot encodes the text with the categories sorted as the test finds them,
and runs the network's forward pass from the file's weights.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sklearn.inspection import permutation_importance
from sklearn.metrics import log_loss

from chainrule.cli import main
from test_cli_importance import _ACTIVATIONS, _FileClassifier


class _RawClassifier(_FileClassifier):
    """The raw columns (colour: text, x and z: numbers) encoded as the model file's
    network reads them: colour's 0/1 features in its place, sorted by category."""

    def __init__(self, path=None, colours=None):
        self.path = path
        self.colours = colours

    def _outputs(self, X):
        X = np.asarray(X, dtype=object)
        onehot = (X[:, [1]] == np.array(self.colours)[None, :]).astype(float)
        encoded = np.hstack([X[:, [0]].astype(float), onehot, X[:, [2]].astype(float)])
        meta, layers = self._load()
        # the 0/1 features keep mean 0 and scale 1 (the file says so: checked in the test)
        A = (encoded - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
        for W, b, activation in layers:
            A = _ACTIVATIONS[activation](A @ W + b)
        return np.hstack([1 - A, A])  # two classes: one sigmoid unit, the second's probability


def test_a_categorical_column_is_shuffled_as_one_feature_as_scikit_learn_would(
        tmp_path, capsys):
    rng = np.random.default_rng(3)
    n = 160
    colour = rng.choice(["red", "green", "blue"], n)
    x, z = rng.normal(size=n), rng.normal(size=n)
    y = np.where((colour == "red") ^ (x > 0), "yes", "no")
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["x", "colour", "z", "y"])
        for row in zip(x, colour, z, y, strict=True):
            writer.writerow([repr(float(row[0])), row[1], repr(float(row[2])), row[3]])
    model = tmp_path / "m.npz"
    assert main(["train", str(path), "--target", "y", "--hidden", "8", "--activation", "tanh",
                 "--epochs", "60", "--seed", "0", "-q", "-o", str(model)]) == 0
    with np.load(model) as f:
        record = json.loads(str(f["__meta__"]))
    meta = record["metadata"]
    colours = sorted(set(colour))
    assert [layer["activation"] for layer in record["network"]["layers"]] == ["tanh", "sigmoid"]
    assert meta["x_mean"][1:4] == [0.0] * 3 and meta["x_scale"][1:4] == [1.0] * 3

    capsys.readouterr()
    assert main(["importance", str(model), str(path), "--repeats", "4", "--seed", "7",
                 "--json"]) == 0
    got = {row["feature"]: row for row in json.loads(capsys.readouterr().out)["features"]}
    assert sorted(got) == ["colour", "x", "z"]  # the column, not its 0/1 features

    raw = np.column_stack([x.astype(object), colour, z.astype(object)])
    est = _RawClassifier(str(model), colours).fit(raw, y)
    want = permutation_importance(est, raw, y, n_repeats=4, random_state=7,
                                  scoring="accuracy")
    for j, name in enumerate(["x", "colour", "z"]):
        np.testing.assert_allclose(got[name]["importances"], want.importances[j],
                                   rtol=0, atol=1e-12)
    # the model uses colour and x, not z: what the figures must show
    assert got["colour"]["importance_mean"] > 0.2 and got["x"]["importance_mean"] > 0.2
    assert abs(got["z"]["importance_mean"]) < 0.1


def test_unknown_categories_zeros_shuffles_an_unseen_category_as_all_zeros(
        tmp_path, capsys):
    """A held-out file with a colour the training data lacked (purple): refused by
    default, naming it, as evaluate refuses it; with --unknown-categories zeros, the
    figures are permutation_importance's of the raw table encoded by hand, purple being
    none of colour's 0/1 features (the hand encoding gives zeros to a colour it lacks)."""
    rng = np.random.default_rng(5)
    n = 200
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    x, z = rng.normal(size=n), rng.normal(size=n)
    colour[150:][rng.random(50) < 0.3] = "purple"  # held-out rows alone
    y = np.where((colour == "red") ^ (x > 0), "yes", "no")
    rows = [[repr(float(a)), c, repr(float(b)), t] for a, c, b, t in zip(x, colour, z, y,
                                                                       strict=True)]
    for name, part in (("train.csv", rows[:150]), ("test.csv", rows[150:])):
        with open(tmp_path / name, "w", newline="") as fh:
            csv.writer(fh).writerows([["x", "colour", "z", "y"], *part])
    assert "purple" in colour[150:] and "purple" not in colour[:150]
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--hidden", "8",
                 "--activation", "tanh", "--epochs", "60", "--seed", "0", "-q", "-o",
                 str(model)]) == 0
    test = str(tmp_path / "test.csv")
    for command in ("evaluate", "importance"):
        capsys.readouterr()
        assert main([command, str(model), test]) == 2
        err = capsys.readouterr().err
        assert "'purple'" in err and "--unknown-categories zeros" in err, err

    capsys.readouterr()
    assert main(["importance", str(model), test, "--unknown-categories", "zeros",
                 "--repeats", "3", "--seed", "2", "--scoring", "log_loss", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    got = {row["feature"]: row for row in result["features"]}
    assert sorted(got) == ["colour", "x", "z"]
    raw = np.column_stack([x.astype(object), colour, z.astype(object)])[150:]
    est = _RawClassifier(str(model), ["blue", "green", "red"]).fit(raw, y[150:])
    assert result["baseline"] == pytest.approx(log_loss(y[150:], est.predict_proba(raw)),
                                               rel=1e-12)
    want = permutation_importance(est, raw, y[150:], n_repeats=3, random_state=2,
                                  scoring="neg_log_loss")
    for j, name in enumerate(["x", "colour", "z"]):
        np.testing.assert_allclose(got[name]["importances"], want.importances[j],
                                   rtol=0, atol=1e-12)
