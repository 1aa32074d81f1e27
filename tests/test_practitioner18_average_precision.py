"""Average precision in ``evaluate``, ``cv`` and ``tune --scoring average_precision``.

The reference is scikit-learn's ``average_precision_score`` of the probabilities that
``predict --proba`` writes (two classes: of the second class; three or more: the macro
average of each class against the others, ``label_binarize``; multi-label: the macro
average over the targets), with ``sample_weight`` as ``--sample-weight`` passes it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score
from sklearn.preprocessing import label_binarize

from chainrule.cli import main
from file_helpers import cli_out as _run
from file_helpers import cli_proba as _proba

FAST = ["--hidden", "4", "--epochs", "6", "--seed", "0", "-q"]


@pytest.fixture(scope="module")
def rare(tmp_path_factory):
    """A rare class 'yes' (about 1 row in 10) with a weight column, and a model of it."""
    d = tmp_path_factory.mktemp("rare")
    X, y = make_classification(240, 4, n_informative=2, n_redundant=0, weights=[0.9],
                               class_sep=0.7, random_state=2)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["w"] = np.random.default_rng(0).integers(1, 4, len(y))
    frame["kind"] = np.where(y == 1, "yes", "no")
    frame.to_csv(d / "d.csv", index=False)
    assert main([str(a) for a in ["train", d / "d.csv", "--target", "kind", "--features",
                                  "a", "b", "c", "d", *FAST, "-o", d / "m.npz"]]) == 0
    return d, frame


def test_binary_average_precision_is_sklearns(rare, capsys):
    d, frame = rare
    proba = _proba(capsys, d / "m.npz", d / "d.csv", d / "p.csv", ["no", "yes"])
    y = (frame["kind"] == "yes").to_numpy()
    got = json.loads(_run(capsys, ["evaluate", d / "m.npz", d / "d.csv", "--json"]))
    assert got["average_precision"] == pytest.approx(
        average_precision_score(y, proba[:, 1]), abs=1e-12)
    weighted = json.loads(_run(capsys, ["evaluate", d / "m.npz", d / "d.csv", "--json",
                                        "--sample-weight", "w"]))
    assert weighted["average_precision"] == pytest.approx(
        average_precision_score(y, proba[:, 1], sample_weight=frame["w"]), abs=1e-12)
    assert weighted["average_precision"] != got["average_precision"]
    text = _run(capsys, ["evaluate", d / "m.npz", d / "d.csv"])
    assert f"average precision: {got['average_precision']:.6g}" in text.splitlines()


def test_three_classes_and_multilabel_take_the_macro_average(tmp_path, capsys):
    _run(capsys, ["train", "iris", *FAST, "-o", tmp_path / "iris.npz"])
    names = ["setosa", "versicolor", "virginica"]
    proba = _proba(capsys, tmp_path / "iris.npz", "iris", tmp_path / "p.csv", names)
    from sklearn.datasets import load_iris

    Y = label_binarize(load_iris().target, classes=[0, 1, 2])
    got = json.loads(_run(capsys, ["evaluate", tmp_path / "iris.npz", "iris", "--json"]))
    assert got["average_precision"] == pytest.approx(
        np.mean([average_precision_score(Y[:, j], proba[:, j]) for j in range(3)]), abs=1e-12)

    rng = np.random.default_rng(3)  # three labels, each a noisy linear rule of X
    X = rng.normal(size=(150, 4))
    T = (X[:, :3] + rng.normal(size=(150, 3)) > [0.0, 0.8, -0.5]).astype(int)
    frame = pd.DataFrame(X, columns=["f0", "f1", "f2", "f3"])
    targets = ["t0", "t1", "t2"]
    frame[targets] = T
    frame.to_csv(tmp_path / "ml.csv", index=False)
    _run(capsys, ["train", tmp_path / "ml.csv", "--target", *targets, *FAST,
                  "-o", tmp_path / "ml.npz"])
    P = _proba(capsys, tmp_path / "ml.npz", tmp_path / "ml.csv", tmp_path / "q.csv", targets)
    got = json.loads(_run(capsys, ["evaluate", tmp_path / "ml.npz", tmp_path / "ml.csv",
                                   "--json"]))
    assert got["average_precision"] == pytest.approx(
        average_precision_score(T, P, average="macro"), abs=1e-12)


def test_left_out_with_roc_auc_where_the_data_hold_one_class(rare, capsys):
    d, frame = rare
    frame[frame["kind"] == "no"].to_csv(d / "no.csv", index=False)
    got = json.loads(_run(capsys, ["evaluate", d / "m.npz", d / "no.csv", "--json"]))
    assert "roc_auc" not in got and "average_precision" not in got
    assert "roc_auc_left_out" in got
    text = _run(capsys, ["evaluate", d / "m.npz", d / "no.csv"])
    assert "average precision: left out, as ROC AUC" in text


def test_tune_ranks_by_mean_average_precision(rare, capsys):
    d, _ = rare
    got = json.loads(_run(capsys, ["tune", d / "d.csv", "--target", "kind", "--features",
                                   "a", "b", "c", "d", "--epochs", "4", "--seed", "0", "-q",
                                   "--folds", "3", "--grid", "lr=0.001,0.03",
                                   "--scoring", "average_precision", "--json"]))
    assert got["scoring"] == "average_precision" and got["greater_is_better"] is True
    means = [np.mean([f["average_precision"] for f in r["per_fold"]]) for r in got["results"]]
    np.testing.assert_allclose([r["mean"]["average_precision"] for r in got["results"]],
                               means, rtol=0, atol=1e-15)
    assert got["best_index"] == int(np.argmax(means))
    assert [r["rank"] for r in got["results"]] == [
        1 + int(np.sum(np.array(means) > m)) for m in means]
