"""``chainrule tune-threshold``: a binary classifier's decision threshold chosen by
cross-validation, against scikit-learn's ``TunedThresholdClassifierCV``.

The reference is run on the same out-of-fold probabilities: each fold's held-out
probabilities that chainrule's fold networks gave are recorded, and
``TunedThresholdClassifierCV(_Lookup(oof), cv=<the same folds>, thresholds=N)`` refits a
stand-in "classifier" per fold that returns them, so that the thresholds grid (each
fold's ``linspace`` of its probabilities, the common ``linspace``, the interpolated mean)
and the choice (the first argmax) are scikit-learn's own.  The scores at a threshold are
``sklearn.metrics``'.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from sklearn import metrics
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import make_scorer
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

from chainrule import _cli_models_threshold_cv as tt
from chainrule._cli_models_threshold_cv_search import threshold_scores
from chainrule.cli import main
from chainrule.saved_model import load_model
from file_helpers import cli_fails, cli_out, cli_proba
from pr_helpers import FEATURES, pr_data

FAST = ["--hidden", "4", "--epochs", "30", "--seed", "0", "-q", "--target", "kind",
        *FEATURES]


class _Lookup(ClassifierMixin, BaseEstimator):
    """A stand-in classifier of X = the row numbers: its probability of class 1 is the
    recorded out-of-fold probability of each row (each row is held out once)."""

    def __init__(self, oof=None):
        self.oof = oof

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        p = self.oof[np.asarray(X)[:, 0].astype(int)]
        return np.column_stack([1 - p, p])


def _recorded(monkeypatch) -> list[dict]:
    """Each fold's held-out rows and probabilities, as tune-threshold's folds give them."""
    folds: list[dict] = []
    fold = tt._proba_fold

    def keep(*job):
        done = fold(*job)
        folds.append({"train": job[-2], "held": job[-1], **done})
        return done

    monkeypatch.setattr(tt, "_proba_fold", keep)
    return folds


def _precision_at_recall(minimum):
    def score(y, pred):  # precision where recall >= minimum, else -1 (the CLI's rule)
        recall = metrics.recall_score(y, pred, zero_division=0)
        return (metrics.precision_score(y, pred, zero_division=0) if recall >= minimum
                else -1.0)
    return make_scorer(score)


@pytest.mark.parametrize("scoring, extra, reference", [
    ("balanced_accuracy", [], "balanced_accuracy"),
    ("f1", ["--thresholds", "40"], "f1"),
    ("precision_at_recall", ["--min-recall", "0.8", "--thresholds", "50"],
     _precision_at_recall(0.8)),
])
def test_threshold_is_tunedthresholdclassifiercv_s(tmp_path, capsys, monkeypatch, scoring,
                                                   extra, reference):
    y, _ = pr_data(tmp_path / "d.csv")
    folds = _recorded(monkeypatch)
    out = json.loads(cli_out(capsys, ["tune-threshold", tmp_path / "d.csv", *FAST,
                                      "--folds", "4", "--scoring", scoring, "--json",
                                      *extra]))
    assert len(folds) == 4
    # the folds are cv's: StratifiedKFold(4, shuffle=True, random_state=--seed)
    expected = list(StratifiedKFold(4, shuffle=True, random_state=0).split(y, y))
    for got, (train, held) in zip(folds, expected, strict=True):
        np.testing.assert_array_equal(got["train"], train)
        np.testing.assert_array_equal(got["held"], held)
        np.testing.assert_array_equal(got["y"], y[held])  # 'yes' is the second class
    oof = np.empty(len(y))
    for f in folds:
        oof[f["held"]] = f["proba"]
    n = int(extra[extra.index("--thresholds") + 1]) if "--thresholds" in extra else 100
    ref = TunedThresholdClassifierCV(
        _Lookup(oof), scoring=reference, thresholds=n,
        cv=[(f["train"], f["held"]) for f in folds]).fit(np.arange(len(y))[:, None], y)
    assert out["value"] == pytest.approx(ref.best_threshold_, rel=1e-12)
    assert out["score"] == pytest.approx(ref.best_score_, rel=1e-12)
    assert out["scoring"] == scoring and out["folds"] == 4 and out["thresholds"] == n
    assert out["splitter"] == "StratifiedKFold" and out["positive"] == "yes"
    assert np.mean(out["per_fold"]) == pytest.approx(out["score"], rel=1e-12)
    if scoring == "balanced_accuracy":  # the mean score at 0.5 exactly, of sklearn.metrics
        at_half = np.mean([metrics.balanced_accuracy_score(f["y"], f["proba"] >= 0.5)
                           for f in folds])
        assert out["score_at_0.5"] == pytest.approx(at_half, rel=1e-12)


def test_threshold_scores_are_sklearn_metrics_weighted():
    rng = np.random.default_rng(3)
    p = rng.uniform(size=60).round(2)  # ties at the thresholds too
    y = (rng.uniform(size=60) < p).astype(int)
    w = rng.uniform(0.1, 3.0, 60)
    ts = np.array([0.0, 0.1, 0.25, 0.5, 0.73, 0.99, 1.0])
    for t, ba, f1, acc in zip(ts, threshold_scores(p, y, ts, "balanced_accuracy",
                                                   sample_weight=w),
                              threshold_scores(p, y, ts, "f1", sample_weight=w),
                              threshold_scores(p, y, ts, "accuracy", sample_weight=w),
                              strict=True):
        pred = (p >= t).astype(int)
        assert ba == pytest.approx(metrics.balanced_accuracy_score(y, pred, sample_weight=w))
        assert f1 == pytest.approx(metrics.f1_score(y, pred, sample_weight=w,
                                                    zero_division=0))
        assert acc == pytest.approx(metrics.accuracy_score(y, pred, sample_weight=w))
    for t, got in zip(ts, threshold_scores(p, y, ts, "recall_at_precision", 0.7), strict=True):
        pred = (p >= t).astype(int)
        precision = metrics.precision_score(y, pred, zero_division=0)
        assert got == (metrics.recall_score(y, pred) if precision >= 0.7 else -1.0)


@pytest.fixture(scope="module")
def refit(tmp_path_factory):
    """tune-threshold -o's model, its --json, and train's model of the same options."""
    d = tmp_path_factory.mktemp("refit")
    y, _ = pr_data(d / "d.csv")
    argv = [str(d / "d.csv"), *FAST]

    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["tune-threshold", *argv, "--folds", "3", "--json",
                     "-o", str(d / "t.npz")]) == 0
        assert main(["train", *argv, "-o", str(d / "plain.npz")]) == 0
    return d, y, json.loads(text.getvalue().splitlines()[0])


def test_refit_is_train_s_model_with_the_threshold_stored(refit, capsys):
    d, _, out = refit
    tuned, plain = load_model(d / "t.npz"), load_model(d / "plain.npz")
    assert tuned.metadata["threshold"]["value"] == out["value"]
    assert "threshold" not in plain.metadata
    # the refit is train's run of the same options on all of DATA, bit for bit
    np.testing.assert_array_equal(tuned.network.params, plain.network.params)
    info = cli_out(capsys, ["info", d / "t.npz"])
    assert f"decision threshold: {out['value']:.6g}" in info
    assert "decision threshold" not in cli_out(capsys, ["info", d / "plain.npz"])


def test_predict_and_evaluate_use_the_stored_threshold(refit, capsys, tmp_path):
    import pandas as pd

    d, y, out = refit
    t = out["value"]
    proba = cli_proba(capsys, d / "t.npz", d / "d.csv", tmp_path / "p.csv", ["no", "yes"])
    labels = pd.read_csv(tmp_path / "p.csv")["kind"].to_numpy()
    np.testing.assert_array_equal(labels, np.where(proba[:, 1] >= t, "yes", "no"))
    scores = json.loads(cli_out(capsys, ["evaluate", d / "t.npz", d / "d.csv", "--json"]))
    assert scores["threshold"] == t
    assert scores["balanced_accuracy"] == pytest.approx(
        metrics.balanced_accuracy_score(y, proba[:, 1] >= t), rel=1e-12)
    # --threshold overrides the file's
    cli_out(capsys, ["predict", d / "t.npz", d / "d.csv", "--threshold", "0.5",
                     "-o", tmp_path / "half.csv"])
    half = pd.read_csv(tmp_path / "half.csv")["kind"].to_numpy()
    np.testing.assert_array_equal(half, np.where(proba[:, 1] >= 0.5, "yes", "no"))
    text = cli_out(capsys, ["evaluate", d / "t.npz", d / "d.csv"])
    assert f"threshold: {t:g}" in text and "the model file's" in text
    # a file without a threshold: the most probable class, as before
    plain = cli_proba(capsys, d / "plain.npz", d / "d.csv", tmp_path / "q.csv", ["no", "yes"])
    np.testing.assert_array_equal(pd.read_csv(tmp_path / "q.csv")["kind"].to_numpy(),
                                  np.array(["no", "yes"])[plain.argmax(axis=1)])
    assert "threshold" not in json.loads(cli_out(capsys, ["evaluate", d / "plain.npz",
                                                          d / "d.csv", "--json"]))


@pytest.mark.parametrize("argv, words", [
    (["iris", "--epochs", "1"], ["--target species", "3 classes", "two classes"]),
    (["diabetes", "--epochs", "1"], ["--target", "regression target"]),
    (["breast_cancer", "--epochs", "1", "--scoring", "precision_at_recall"],
     ["--scoring precision_at_recall", "--min-recall"]),
    (["breast_cancer", "--epochs", "1", "--min-recall", "0.8"],
     ["--min-recall", "not of --scoring balanced_accuracy"]),
    (["breast_cancer", "--epochs", "1", "--plot", "x.png"],
     ["--plot", "not an option of chainrule tune-threshold"]),
    (["breast_cancer", "--epochs", "1", "--loss", "hinge"], ["--loss hinge", "margin"]),
])
def test_refusals_name_the_argument(capsys, argv, words):
    err = cli_fails(capsys, ["tune-threshold", *argv])
    for word in words:
        assert word in err, err


def test_multilabel_refused(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    np.savez(tmp_path / "ml.npz", X=X, Y=np.column_stack([X[:, 0] > 0, X[:, 1] > 0])
             .astype(int))
    err = cli_fails(capsys, ["tune-threshold", tmp_path / "ml.npz", "--target", "Y",
                          "--epochs", "1"])
    assert "multi-label" in err and "--target" in err, err


@pytest.mark.slow
def test_n_jobs_gives_the_same_threshold(tmp_path, capsys):
    pr_data(tmp_path / "d.csv")
    argv = ["tune-threshold", tmp_path / "d.csv", *FAST, "--folds", "3", "--json"]
    one = json.loads(cli_out(capsys, argv))
    assert json.loads(cli_out(capsys, [*argv, "--n-jobs", "2"])) == one
