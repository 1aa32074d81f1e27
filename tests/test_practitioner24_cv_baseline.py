"""cv of a regression prints two baselines on its own folds: the training rows' mean and
a linear model (scikit-learn's RidgeCV on standardised features), so that a user sees
whether the network does better than a line.  The references: scikit-learn's KFold,
StandardScaler and RidgeCV fitted here, and R^2 / RMSE written in plain NumPy."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_linnerud
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from file_helpers import cli_ok

_ALPHAS = np.logspace(-3, 3, 13)  # 1e-3 .. 1e3, two a decade: the penalties cv tries



def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    """R^2 of one target: 1 - SS_res / SS_tot, in NumPy."""
    return float(1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


def _scores(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """R^2 and RMSE, each the mean over the targets' (scikit-learn's uniform average)."""
    y, pred = y.reshape(len(y), -1), pred.reshape(len(pred), -1)
    return (float(np.mean([_r2(y[:, j], pred[:, j]) for j in range(y.shape[1])])),
            float(np.mean(np.sqrt(np.mean((y - pred) ** 2, axis=0)))))


def _references(X: np.ndarray, y: np.ndarray, k: int, seed: int) -> dict:
    """The mean's and RidgeCV's mean R^2 and RMSE over KFold(k, shuffled with seed)."""
    mean, ridge = [], []
    for tr, te in KFold(k, shuffle=True, random_state=seed).split(X):
        mean.append(_scores(y[te], np.broadcast_to(y[tr].mean(axis=0), y[te].shape)))
        scaler = StandardScaler().fit(X[tr])
        model = RidgeCV(alphas=_ALPHAS).fit(scaler.transform(X[tr]), y[tr])
        ridge.append(_scores(y[te], model.predict(scaler.transform(X[te]))))
    return {"training_mean": np.mean(mean, axis=0), "ridge": np.mean(ridge, axis=0)}


def test_diabetes_baselines_match_ridgecv_and_numpy(capsys):
    X, y = load_diabetes(return_X_y=True)
    out, _ = cli_ok(capsys, ["cv", "diabetes", "--hidden", "2", "--epochs", "1", "-q",
                           "--json"])
    got = json.loads(out)["baseline"]
    ref = _references(X, y, 5, 0)
    for kind in ("training_mean", "ridge"):
        assert got[kind]["mean"]["r2"] == pytest.approx(ref[kind][0], rel=1e-9)
        assert got[kind]["mean"]["rmse"] == pytest.approx(ref[kind][1], rel=1e-9)
    assert len(got["ridge"]["per_fold"]) == len(got["ridge"]["alphas"]) == 5
    # diabetes is close to linear: RidgeCV's held-out R^2 about 0.49, the mean's just
    # below 0 (the held-out rows' mean is not the training rows')
    assert 0.45 < ref["ridge"][0] < 0.52 and -0.01 < ref["training_mean"][0] < 0


def test_linnerud_three_targets_baselines(capsys, tmp_path):
    X, Y = load_linnerud(return_X_y=True)
    np.savez(tmp_path / "l.npz", X=X, Y=Y)
    out, _ = cli_ok(capsys, ["cv", tmp_path / "l.npz", "--target", "Y", "--task",
                           "regression", "--hidden", "2", "--epochs", "1", "--folds", "4",
                           "--seed", "3", "-q", "--json"])
    got = json.loads(out)["baseline"]
    ref = _references(X, Y, 4, 3)
    for kind in ("training_mean", "ridge"):
        assert got[kind]["mean"]["r2"] == pytest.approx(ref[kind][0], rel=1e-9)
        assert got[kind]["mean"]["rmse"] == pytest.approx(ref[kind][1], rel=1e-9)


def test_text_says_when_the_network_is_below_the_line(capsys):
    X, y = load_diabetes(return_X_y=True)
    ref = _references(X, y, 5, 0)
    out, _ = cli_ok(capsys, ["cv", "diabetes", "--hidden", "2", "--epochs", "1", "-q"])
    lines = out.splitlines()
    base = next(line for line in lines if line.startswith("baseline, the same folds:"))
    assert f"r2 {ref['ridge'][0]:.6g}, rmse {ref['ridge'][1]:.6g}" in base
    assert f"the training rows' mean r2 {ref['training_mean'][0]:.6g}" in base
    mean_r2 = float(next(line for line in lines if line.startswith("mean")).split()[-1])
    assert mean_r2 < ref["ridge"][0]  # one epoch of a 2-unit network: below the line
    assert any(line.startswith(f"the network's mean r2 {mean_r2:.6g} is below the "
                               "linear model's") and "--weight-decay" in line
               for line in lines)


def test_no_below_line_where_the_network_beats_it(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(200, 1))
    y = np.sin(2.5 * X[:, 0]) + 0.05 * rng.normal(size=200)  # no line fits a sine
    np.savez(tmp_path / "s.npz", X=X, y=y)
    out, _ = cli_ok(capsys, ["cv", tmp_path / "s.npz", "--hidden", "32", "--epochs", "60",
                           "--activation", "tanh", "-q", "--json"])
    got = json.loads(out)
    ref = _references(X, y, 5, 0)
    assert got["baseline"]["ridge"]["mean"]["r2"] == pytest.approx(ref["ridge"][0], rel=1e-9)
    assert got["mean"]["r2"] > 0.9 > ref["ridge"][0]
    text, _ = cli_ok(capsys, ["cv", tmp_path / "s.npz", "--hidden", "32", "--epochs", "60",
                            "--activation", "tanh", "-q"])
    assert "baseline, the same folds:" in text and "below the linear model" not in text


def test_no_regression_baseline_for_a_classifier(capsys):
    # a classifier's baseline is LogisticRegression's (tests/test_practitioner28_*)
    out, _ = cli_ok(capsys, ["cv", "iris", "--hidden", "2", "--epochs", "1", "--folds", "3",
                           "-q", "--json"])
    assert list(json.loads(out)["baseline"]) == ["logistic"]


def test_sample_weight_weighs_the_baselines(capsys, tmp_path):
    X, y = load_diabetes(return_X_y=True)
    w = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    np.savez(tmp_path / "d.npz", X=X, y=y, w=w)
    out, _ = cli_ok(capsys, ["cv", tmp_path / "d.npz", "--sample-weight", "w", "--hidden", "2",
                           "--epochs", "1", "--folds", "3", "-q", "--json"])
    got = json.loads(out)["baseline"]
    r2s, rmses = {"training_mean": [], "ridge": []}, {"training_mean": [], "ridge": []}
    for tr, te in KFold(3, shuffle=True, random_state=0).split(X):
        scaler = StandardScaler().fit(X[tr], sample_weight=w[tr])
        model = RidgeCV(alphas=_ALPHAS).fit(scaler.transform(X[tr]), y[tr],
                                            sample_weight=w[tr])
        for kind, pred in (("training_mean", np.full(len(te), np.average(y[tr],
                                                                          weights=w[tr]))),
                           ("ridge", model.predict(scaler.transform(X[te])))):
            res = np.sum(w[te] * (y[te] - pred) ** 2)  # weighted, in NumPy
            tot = np.sum(w[te] * (y[te] - np.average(y[te], weights=w[te])) ** 2)
            r2s[kind].append(1.0 - res / tot)
            rmses[kind].append(np.sqrt(res / np.sum(w[te])))
    for kind in r2s:
        assert got[kind]["mean"]["r2"] == pytest.approx(np.mean(r2s[kind]), rel=1e-9)
        assert got[kind]["mean"]["rmse"] == pytest.approx(np.mean(rmses[kind]), rel=1e-9)
