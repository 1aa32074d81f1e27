"""``chainrule predict --threshold P`` and ``evaluate --threshold P``: the decision
threshold of a binary (or multi-label) classifier.

The references are scikit-learn's: the labels are those of
``FixedThresholdClassifier(threshold=P, response_method="predict_proba")`` (the second
class where its probability is at or above P) of the probabilities ``predict --proba``
writes, and every score evaluate prints is ``sklearn.metrics``' of those labels.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.model_selection import FixedThresholdClassifier

from chainrule.cli import main
from file_helpers import cli_fails
from file_helpers import cli_out as _run

FAST = ["--hidden", "4", "--epochs", "8", "--seed", "0", "-q"]


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    """A model of a rare class 'yes' (about 1 row in 10), and a test file of its kind."""
    d = tmp_path_factory.mktemp("binary")
    X, y = make_classification(300, 4, n_informative=2, n_redundant=0, weights=[0.9],
                               class_sep=0.8, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["kind"] = np.where(y == 1, "yes", "no")
    frame.iloc[:200].to_csv(d / "train.csv", index=False)
    frame.iloc[200:].to_csv(d / "test.csv", index=False)
    assert main(["train", str(d / "train.csv"), "--target", "kind", *FAST,
                 "-o", str(d / "m.npz")]) == 0
    return d


class _Prefit(ClassifierMixin, BaseEstimator):
    """The probabilities chainrule wrote, as a fitted classifier of classes no/yes."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.array(["no", "yes"])
        return self

    def predict_proba(self, X):
        return self.proba[np.asarray(X, dtype=int).ravel()]


def test_predict_takes_the_second_class_at_or_above_the_threshold(binary, capsys):
    _run(capsys, ["predict", binary / "m.npz", binary / "test.csv", "--proba",
                  "-o", binary / "p.csv"])
    proba = pd.read_csv(binary / "p.csv")[["proba_no", "proba_yes"]].to_numpy()
    # a threshold that is one of the probabilities: that example is at it, so positive
    p = float(np.sort(proba[:, 1])[-8])
    _run(capsys, ["predict", binary / "m.npz", binary / "test.csv", "--proba",
                  "--threshold", repr(p), "-o", binary / "t.csv"])
    out = pd.read_csv(binary / "t.csv")
    np.testing.assert_array_equal(out[["proba_no", "proba_yes"]].to_numpy(), proba)
    index = np.arange(len(proba)).reshape(-1, 1)
    reference = FixedThresholdClassifier(_Prefit(proba).fit(index, ["no", "yes"] * 50),
                                         threshold=p, response_method="predict_proba")
    expected = reference.fit(index, np.resize(["no", "yes"], len(proba))).predict(index)
    np.testing.assert_array_equal(out["kind"].to_numpy(), expected)
    at = proba[:, 1] == p  # exactly at the threshold: predicted positive (>=, not >)
    assert at.any() and (out["kind"][at] == "yes").all()
    assert (out["kind"] == "yes").sum() > (pd.read_csv(binary / "p.csv")["kind"] == "yes").sum()


def test_evaluate_scores_the_labels_of_the_threshold(binary, capsys):
    _run(capsys, ["predict", binary / "m.npz", binary / "test.csv", "--proba",
                  "-o", binary / "p.csv"])
    proba = pd.read_csv(binary / "p.csv")["proba_yes"].to_numpy()
    truth = pd.read_csv(binary / "test.csv")["kind"].to_numpy()
    y, pred = truth == "yes", proba >= 0.2
    plain = json.loads(_run(capsys, ["evaluate", binary / "m.npz", binary / "test.csv",
                                     "--json"]))
    got = json.loads(_run(capsys, ["evaluate", binary / "m.npz", binary / "test.csv",
                                   "--json", "--report", "--threshold", "0.2"]))
    assert got["threshold"] == 0.2
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred), abs=1e-12)
    assert got["balanced_accuracy"] == pytest.approx(
        metrics.balanced_accuracy_score(y, pred), abs=1e-12)
    assert got["f1_macro"] == pytest.approx(metrics.f1_score(y, pred, average="macro"),
                                            abs=1e-12)
    assert got["confusion_matrix"] == metrics.confusion_matrix(y, pred).tolist()
    assert got["report"]["yes"]["recall"] == pytest.approx(metrics.recall_score(y, pred))
    # the threshold-free scores are those of the model's probabilities, as without it
    assert got["log_loss"] == plain["log_loss"] and got["roc_auc"] == plain["roc_auc"]
    assert got["accuracy"] != plain["accuracy"]  # 0.2 is not the default rule here
    text = _run(capsys, ["evaluate", binary / "m.npz", binary / "test.csv",
                         "--threshold", "0.2"])
    assert "threshold: 0.2 (class yes predicted where its probability is at or above it" in text


def test_multilabel_thresholds_each_label(tmp_path, capsys):
    rng = np.random.default_rng(1)  # three labels, each a noisy linear rule of X
    X = rng.normal(size=(160, 5))
    Y = (X[:, :3] + 0.8 * rng.normal(size=(160, 3)) > [0.0, 0.5, -0.3]).astype(int)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(5)])
    names = ["t0", "t1", "t2"]
    frame[names] = Y
    frame.to_csv(tmp_path / "d.csv", index=False)
    _run(capsys, ["train", tmp_path / "d.csv", "--target", *names, *FAST,
                  "-o", tmp_path / "m.npz"])
    _run(capsys, ["predict", tmp_path / "m.npz", tmp_path / "d.csv", "--proba",
                  "--threshold", "0.35", "-o", tmp_path / "p.csv"])
    out = pd.read_csv(tmp_path / "p.csv")
    proba = out[[f"proba_{n}" for n in names]].to_numpy()
    pred = (proba >= 0.35).astype(int)
    np.testing.assert_array_equal(out[names].to_numpy(), pred)
    got = json.loads(_run(capsys, ["evaluate", tmp_path / "m.npz", tmp_path / "d.csv",
                                   "--json", "--report", "--threshold", "0.35"]))
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(Y, pred), abs=1e-12)
    assert got["hamming_loss"] == pytest.approx(metrics.hamming_loss(Y, pred), abs=1e-12)
    assert got["f1_macro"] == pytest.approx(metrics.f1_score(Y, pred, average="macro"),
                                            abs=1e-12)
    for j, name in enumerate(names):
        assert got["targets"][name]["accuracy"] == pytest.approx(
            metrics.accuracy_score(Y[:, j], pred[:, j]), abs=1e-12)
        assert got["confusion_matrices"][name]["matrix"] == metrics.confusion_matrix(
            Y[:, j], pred[:, j]).tolist()


def test_threshold_refused_where_it_means_nothing(binary, tmp_path, capsys):
    _run(capsys, ["train", "iris", *FAST, "-o", tmp_path / "iris.npz"])
    err = cli_fails(capsys, ["predict", tmp_path / "iris.npz", "iris", "--threshold", "0.3"])
    assert "--threshold: " in err and "has 3 classes; a threshold decides between two" in err
    _run(capsys, ["train", "diabetes", *FAST, "-o", tmp_path / "reg.npz"])
    err = cli_fails(capsys, ["evaluate", tmp_path / "reg.npz", "diabetes", "--threshold", "0.3"])
    assert "--threshold: " in err and "is a regression model" in err
    for bad in ("0", "1", "1.5", "nan", "half"):
        err = cli_fails(capsys, ["evaluate", binary / "m.npz", binary / "test.csv",
                              "--threshold", bad])
        assert "--threshold: expected a probability strictly between 0 and 1" in err
