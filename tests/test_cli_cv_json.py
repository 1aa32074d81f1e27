"""``chainrule cv``'s summary of scores near the top of the float range, and its JSON.

A network trained by SGD at a learning rate far too large for it, on diabetes, is scored
with an MSE of about 1e298 (or past the largest float) on each fold: NumPy's ``std`` of two
such numbers squares their deviations into inf (with a RuntimeWarning), though their
standard deviation is a float.  The references are Python's ``statistics.fmean`` and
``statistics.pstdev``, which work in exact fractions, and ``json.loads`` refusing the
``NaN`` and ``Infinity`` constants that RFC 8259 (and most languages' JSON readers) lack.
"""

from __future__ import annotations

import json
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
