"""``chainrule cv``'s summary of scores near the top of the float range, and its JSON (and
evaluate's and importance's).

A network trained by SGD at a learning rate far too large for it, on diabetes, is scored
with an MSE of about 1e298 (or past the largest float) on each fold: NumPy's ``std`` of two
such numbers squares their deviations into inf (with a RuntimeWarning), though their
standard deviation is a float.  The references are Python's ``statistics.fmean`` and
``statistics.pstdev``, which work in exact fractions, and ``json.loads`` refusing the
``NaN`` and ``Infinity`` constants that RFC 8259 (and most languages' JSON readers) lack.
"""

from __future__ import annotations

import json
import math
import statistics

import pytest

from chainrule._cli_models_cv_table import summary
from chainrule.cli import main

LINEAR_SGD = ["cv", "diabetes", "--hidden", "--epochs", "3", "--folds", "2", "--optimizer",
              "sgd", "-q", "--json"]


def _strict(text: str) -> dict:
    def refuse(constant: str):
        raise AssertionError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def test_the_std_of_scores_whose_squares_overflow_is_finite(capsys):
    capsys.readouterr()
    assert main([*LINEAR_SGD, "--lr", "3e6"]) == 0
    out = capsys.readouterr()
    result = _strict(out.out)
    assert "overflow" not in out.err
    for key in ("mse", "rmse", "mae", "r2"):
        values = [row[key] for row in result["per_fold"]]
        assert abs(values[0]) > 1e140  # the case: mse 5e298, r2 -1e295
        assert result["std"][key] == pytest.approx(statistics.pstdev(values), rel=1e-12)
        assert result["mean"][key] == pytest.approx(statistics.fmean(values), rel=1e-12)


def test_the_summary_of_ordinary_scores_is_numpys():
    rows = [{"mse": 0.1}, {"mse": 0.7}, {"mse": 0.25}]
    mean, std, counts = summary(rows)
    assert mean["mse"] == pytest.approx(statistics.fmean([0.1, 0.7, 0.25]), rel=1e-15)
    assert std["mse"] == pytest.approx(statistics.pstdev([0.1, 0.7, 0.25]), rel=1e-15)
    assert counts == {"mse": 3}
    huge = summary([{"mse": 1.5e308}, {"mse": 1.7e308}])  # their sum overflows
    assert huge[0]["mse"] == pytest.approx(1.6e308) and huge[1]["mse"] == pytest.approx(1e307)


# the overflow of the MSE itself (sklearn's squares of errors of 1e154) is the case, warned
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_scores_that_are_not_finite_are_json_null_where_the_table_has_inf_or_nan(capsys):
    capsys.readouterr()
    assert main([*LINEAR_SGD, "--lr", "5e6"]) == 0
    result = _strict(capsys.readouterr().out)
    assert main([*LINEAR_SGD[:-1], "--lr", "5e6"]) == 0  # the table, of the same folds
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split()[-3:] == ["rmse", "mae", "r2"]  # after mean squared error
    rows = {words[0]: [float(w) for w in words[-4:]] for words in map(str.split, lines[3:7])}
    keys = ["mse", "rmse", "mae", "r2"]
    got = {**{str(r["fold"]): [r[k] for k in keys] for r in result["per_fold"]},
           "mean": [result["mean"][k] for k in keys], "std": [result["std"][k] for k in keys]}
    assert set(got) == set(rows)
    nulls = 0
    for name, cells in rows.items():
        for cell, value in zip(cells, got[name], strict=True):
            if math.isfinite(cell):
                assert value == pytest.approx(cell, rel=1e-5)
            else:  # inf, -inf or nan in the table
                assert value is None
                nulls += 1
    assert nulls >= 8  # the folds' mse, rmse, r2, the means and stds of them


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_tune_json_writes_null_for_a_score_that_is_not_finite(capsys):
    capsys.readouterr()
    argv = ["tune", *LINEAR_SGD[1:], "--grid", "lr=5e6,0.01"]
    assert main(argv) == 0
    result = _strict(capsys.readouterr().out)
    wild, fine = result["results"]
    assert wild["params"] == {"lr": "5e6"}
    assert wild["mean"]["r2"] is None and wild["std"]["mse"] is None
    assert all(row["mse"] is None for row in wild["per_fold"])
    assert math.isfinite(wild["mean"]["mae"])
    assert (wild["rank"], fine["rank"], result["best"]) == (2, 1, {"lr": "0.01"})


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # scikit-learn's
@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")  # 5 iterations: a model file
def test_evaluate_and_importance_json_write_a_score_past_the_largest_float_as_null(
        tmp_path, capsys):
    """A linear model of weights 1e200 predicts about 1e200: its squared errors, and so its
    MSE, RMSE and R^2, are past the largest float (NumPy's inf, as the text prints them),
    its MAE a float.  evaluate --json and importance --json write the former null and parse
    as strict JSON; the MAE is NumPy's mean of the absolute errors."""
    import numpy as np

    import chainrule as cr

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    np.savez(tmp_path / "d.npz", X=X, y=y)
    est = cr.MLPRegressor(hidden_layer_sizes=(), max_iter=5, random_state=0).fit(X, y)
    est.coefs_[0][:] = 1e200
    est.save(tmp_path / "m.npz")
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "d.npz"), "--json"]) == 0
    scores = _strict(capsys.readouterr().out)
    with np.errstate(over="ignore"):
        errors = est.predict(X) - y
        assert not np.isfinite(np.mean(errors ** 2))  # the case
    assert scores["mse"] is None and scores["rmse"] is None and scores["r2"] is None
    assert scores["mae"] == pytest.approx(float(np.mean(np.abs(errors))), rel=1e-12)
    assert main(["importance", str(tmp_path / "m.npz"), str(tmp_path / "d.npz"), "--json",
                 "--scoring", "mse", "--repeats", "2"]) == 0
    result = _strict(capsys.readouterr().out)
    assert result["baseline"] is None
    assert all(f["importance_mean"] is None for f in result["features"])
