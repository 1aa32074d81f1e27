"""``chainrule importance`` computes the log loss of a single-label classifier's
probabilities, and a single target's MSE, RMSE, MAE and R^2, on the arrays
(``_cli_models_importance_metrics``) instead of calling scikit-learn's metric for
every shuffle: the same number bit for bit as
scikit-learn's call on the same inputs (checked here against it), and scikit-learn's
call where its checks would not pass; every score importance offers gives the same
importances as through scikit-learn's metric calls alone."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as sk
from sklearn.metrics import log_loss as sk_log_loss

from chainrule import _cli_models_importance_metrics as metrics
from chainrule._cli_models_importance import _scorings
from chainrule.cli import main


def _probabilities(rng, n: int, k: int, dtype) -> np.ndarray:
    Z = rng.normal(scale=rng.choice([1.0, 30.0]), size=(n, k))  # 30: p near 0 and 1
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    return (P / P.sum(axis=1, keepdims=True)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [2, 3, 10])
def test_log_loss_is_scikit_learns_bit_for_bit(dtype, k):
    rng = np.random.default_rng(k)
    for trial in range(20):
        n = int(rng.integers(1, 500))
        P = _probabilities(rng, n, k, dtype)
        P[rng.random(n) < 0.05] = np.eye(k, dtype=dtype)[0]  # exactly 0 and 1: clipped
        y = rng.integers(0, k, size=n)
        weights = [None, rng.random(n) + 0.01, rng.integers(0, 3, size=n) + (
            np.arange(n) == 0)]
        for sw in weights:
            ours = metrics.log_loss(y, P, sw)
            theirs = sk_log_loss(y, P, labels=list(range(k)), sample_weight=sw)
            assert isinstance(ours, float)
            assert ours == theirs, (trial, ours, theirs)


def test_inputs_scikit_learn_checks_go_to_its_call():
    P = np.array([[0.2, 0.8], [0.6, 0.4]])
    y = np.array([0, 1])
    assert metrics.log_loss(y, P) == sk_log_loss(y, P, labels=[0, 1])
    assert metrics.log_loss(np.array([0, 2]), P) is None  # a label not among the columns
    assert metrics.log_loss(np.array([-1, 1]), P) is None
    assert metrics.log_loss(y, P * 1.01) is None  # rows summing to 1.01: its warning
    assert metrics.log_loss(y, np.array([[1.2, -0.2], [0.6, 0.4]])) is None  # outside [0, 1]
    assert metrics.log_loss(y.astype(float), P) is None  # not class indices
    assert metrics.log_loss(y, P[:, :1]) is None  # one column
    assert metrics.log_loss(y, P.astype(np.float16)) is None  # a dtype it converts
    assert metrics.log_loss(y[:0], P[:0]) is None


def _theirs(name: str, y, pred, sw) -> float:
    """evaluate's regression score ``name`` by scikit-learn's call, as _regression_scores
    takes it (rmse: the root of the mean squared error)."""
    if name in ("mse", "rmse"):
        mse = float(sk.mean_squared_error(y, pred, sample_weight=sw))
        return mse if name == "mse" else float(np.sqrt(mse))
    if name == "mae":
        return float(sk.mean_absolute_error(y, pred, sample_weight=sw))
    return float(sk.r2_score(y, pred, sample_weight=sw))


@pytest.mark.parametrize("name", ["mse", "rmse", "mae", "r2"])
def test_regression_scores_are_scikit_learns_bit_for_bit(name):
    rng = np.random.default_rng(7)
    for trial in range(30):
        n = int(rng.integers(2, 600))
        y = rng.normal(loc=rng.normal(scale=100), scale=rng.choice([1e-3, 1.0, 1e4]), size=n)
        pred = y + rng.normal(scale=rng.choice([1e-6, 0.3, 50.0]), size=n)
        cases = [(y, pred), (y, y.copy()), (np.full(n, 2.5), pred), (np.full(n, 2.5),
                                                                     np.full(n, 2.5))]
        for yy, pp in cases:  # also perfect predictions, a constant target, both
            for sw in (None, rng.random(n) + 0.01, (rng.integers(0, 3, size=n) + (
                    np.arange(n) < 2)).astype(float)):
                ours = metrics.regression_score(yy, pp, name, sw)
                assert isinstance(ours, float)
                assert ours == _theirs(name, yy, pp, sw), (trial, name)


def test_regression_inputs_left_to_scikit_learn():
    y, pred = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0])
    assert metrics.regression_score(y, pred, "r2") == sk.r2_score(y, pred)
    assert metrics.regression_score(y[:1], pred[:1], "r2") is None  # left out: one example
    assert metrics.regression_score(y, pred, "r2", np.array([0.0, 0.0, 1.0])) is None
    assert metrics.regression_score(y, pred * np.inf, "mse") is None  # evaluate's own
    assert metrics.regression_score(np.c_[y, y], np.c_[pred, pred], "mse") is None
    assert metrics.regression_score(y.astype(np.float32), pred, "mse") is None
    assert metrics.regression_score(y, pred, "accuracy") is None


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("perf30")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 5))
    files = {}
    for task, y in (("classification", np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])),
                    ("binary", (X[:, 2] > 0).astype(int)),
                    ("regression", X[:, 0] - 2 * X[:, 3])):
        np.savez(tmp / f"{task}.npz", X=X, y=y)
        argv = ["train", str(tmp / f"{task}.npz"), "--epochs", "5", "--hidden", "6", "-q",
                "-o", str(tmp / f"m-{task}.npz")]
        assert main([*argv, *(["--task", "regression"] if task == "regression" else [])]) == 0
        files[task] = (tmp / f"m-{task}.npz", tmp / f"{task}.npz")
    return files


def _importance(capsys, model, data, scoring: str) -> dict:
    capsys.readouterr()
    assert main(["importance", str(model), str(data), "--scoring", scoring, "--repeats", "2",
                 "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("task", ["classification", "binary", "regression"])
def test_every_score_is_that_of_scikit_learns_calls(models, capsys, monkeypatch, task):
    from chainrule import _cli_models_importance
    from chainrule.saved_model import load_model

    model, data = models[task]
    names = _scorings(load_model(model))
    direct = []
    spied = "regression_score" if task == "regression" else "log_loss"
    real = getattr(metrics, spied)
    monkeypatch.setattr(metrics, spied, lambda *a: direct.append(real(*a)) or direct[-1])
    for scoring in names:
        ours = _importance(capsys, model, data, scoring)
        with monkeypatch.context() as m:  # every score by scikit-learn's metric calls
            m.setattr(_cli_models_importance, "direct_score", lambda *a: None)
            theirs = _importance(capsys, model, data, scoring)
        assert ours == theirs, scoring
    # the baseline and 2 shuffles of 5 features, on the arrays: log loss, or each of
    # the regression's 4 scores
    assert len(direct) == 11 * (4 if task == "regression" else 1), len(direct)
    assert None not in direct, direct
