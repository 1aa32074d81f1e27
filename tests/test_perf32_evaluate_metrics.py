"""``chainrule evaluate`` (and train's printed scores) compute accuracy, log loss, mse,
rmse, mae and r2 on the arrays (``chainrule._metrics_direct``, shared with importance):
evaluate's JSON is the same, bit for bit, as through scikit-learn's metric calls alone
(the reference: the direct functions made to decline, so that every score goes to
scikit-learn's call), for a classifier, a binary one, float32 probabilities, a single and
several regression targets, with and without sample weights; a regression's evaluate no
longer imports scikit-learn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as sk

from chainrule import _cli_models_scores
from chainrule._metrics_direct import regression_score
from chainrule.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("perf32_evaluate")
    rng = np.random.default_rng(0)
    n = 300
    X = rng.normal(size=(n, 4))
    columns = {f"x{i}": X[:, i] for i in range(4)}
    columns.update(
        cls=np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5]), binary=(X[:, 2] > 0).astype(int),
        r1=X[:, 0] - 2 * X[:, 3] + 0.1 * rng.normal(size=n), r2=X[:, 1] * X[:, 2] + 5,
        w=rng.integers(0, 4, size=n) + rng.random(n))
    names = list(columns)
    data = tmp / "data.csv"
    np.savetxt(data, np.column_stack([columns[c] for c in names]), delimiter=",",
               header=",".join(names), comments="", fmt="%.17g")
    features = ["--features", "x0", "x1", "x2", "x3"]
    out = {}
    for name, target, more in (("classification", ["cls"], []), ("binary", ["binary"], []),
                               ("float32", ["cls"], ["--dtype", "float32"]),
                               ("regression", ["r1"], []), ("targets", ["r1", "r2"], [])):
        model = tmp / f"{name}.npz"
        argv = ["train", str(data), "--target", *target, *features, "--hidden", "5",
                "--epochs", "3", "-q", "-o", str(model), *more]
        assert main(argv) == 0
        out[name] = (str(model), str(data), target)
    return out


def _evaluate(capsys, model: str, data: str, target: list[str], weights: bool) -> dict:
    capsys.readouterr()
    argv = ["evaluate", model, data, "--target", *target, "--json",
            *(["--sample-weight", "w"] if weights else [])]
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("name", ["classification", "binary", "float32", "regression",
                                  "targets"])
def test_evaluate_is_scikit_learns_calls_bit_for_bit(files, capsys, monkeypatch, name,
                                                     weights):
    model, data, target = files[name]
    calls = []
    regression, log_loss = _cli_models_scores.regression_score, _cli_models_scores._log_loss
    monkeypatch.setattr(_cli_models_scores, "regression_score",
                        lambda *a: calls.append(1) or regression(*a))
    monkeypatch.setattr(_cli_models_scores, "_log_loss", lambda *a: calls.append(1)
                        or log_loss(*a))
    ours = _evaluate(capsys, model, data, target, weights)
    assert calls  # the direct path was taken
    monkeypatch.setattr(_cli_models_scores, "regression_score", lambda *a: None)
    monkeypatch.setattr(_cli_models_scores, "_log_loss", lambda *a: None)
    theirs = _evaluate(capsys, model, data, target, weights)  # scikit-learn's calls
    assert json.dumps(ours) == json.dumps(theirs)  # the same keys, order and digits
    assert {"accuracy", "log_loss"} <= set(ours) or {"mse", "rmse", "mae", "r2"} <= set(ours)


@pytest.mark.parametrize("name", ["mse", "rmse", "mae", "r2"])
def test_columns_of_several_targets_bit_for_bit(name):
    # evaluate scores each target as a column view y[:, j] (not contiguous)
    rng = np.random.default_rng(3)
    Y = rng.normal(scale=[1.0, 1e3, 1e-3], size=(257, 3))
    P = Y + rng.normal(scale=0.3, size=Y.shape)
    for sw in (None, rng.random(257) + 0.01):
        for j in range(3):
            y, p = Y[:, j], P[:, j]
            theirs = (float(sk.mean_squared_error(y, p, sample_weight=sw)) if name == "mse"
                      else float(np.sqrt(sk.mean_squared_error(y, p, sample_weight=sw)))
                      if name == "rmse" else
                      float(sk.mean_absolute_error(y, p, sample_weight=sw)) if name == "mae"
                      else float(sk.r2_score(y, p, sample_weight=sw)))
            assert regression_score(y, p, name, sw) == theirs


@pytest.mark.slow  # a fresh Python process: 1 to 3 s
def test_a_regressions_evaluate_imports_no_scikit_learn(files):
    model, data, _ = files["regression"]
    src = str(Path(__file__).resolve().parents[1] / "src")
    code = ("import sys; from chainrule.cli import main; "
            f"assert main(['evaluate', {model!r}, {data!r}, '--target', 'r1']) == 0; "
            "print('sklearn' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": src}, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "False"


def test_weights_not_an_array_go_to_scikit_learns_call():
    from chainrule._cli_models_scores import _log_loss_of, _regression_scores

    y, pred, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.1, 2.0, 2.5, 4.2]), [1, 2, 1, 1]
    assert _regression_scores(y, pred, w) == {
        "mse": sk.mean_squared_error(y, pred, sample_weight=w),
        "rmse": float(np.sqrt(sk.mean_squared_error(y, pred, sample_weight=w))),
        "mae": sk.mean_absolute_error(y, pred, sample_weight=w),
        "r2": sk.r2_score(y, pred, sample_weight=w)}
    P = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5], [0.1, 0.9]])
    labels = np.array([1, 0, 1, 1])
    assert _log_loss_of(labels, P, 2, w) == sk.log_loss(labels, P, labels=[0, 1],
                                                         sample_weight=w)
