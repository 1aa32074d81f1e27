"""The linear baseline beside a regression's scores (train's note, cv's line) is fitted on
a bounded number of training rows: RidgeCV's leave-one-out costs about rows x features x
min(rows, features), 14 s for 45,000 rows of 784 features, beside a network whose epoch
of them takes under a second.  Above the budget the line is a RidgeCV fitted on a fixed
random subset of the training rows, and its words say so; the references here are
scikit-learn's RidgeCV fitted in the test on the same subset, R^2 in plain NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import _cli_models_baseline as baseline
from chainrule.cli import main
from sklearn_twins import linear_regression_data, ridge_subset_r2


@pytest.mark.parametrize("n, p", [(10, 3), (45_000, 784), (100_000, 5_000), (3, 10**6)])
def test_the_rows_are_the_most_the_budget_allows(n, p):
    def cost(m: int) -> float:
        return float(m) * p * min(m, p)

    m = baseline._ridge_rows(n, p)
    assert 2 <= m <= n
    if m < n:
        assert cost(m) <= baseline._RIDGE_FLOPS < cost(m + 1) or m == 2
    else:
        assert cost(n) <= baseline._RIDGE_FLOPS


def test_train_note_over_the_budget_is_of_the_subset_and_says_so(monkeypatch):
    X, y = linear_regression_data()
    train_idx, val_idx = np.arange(300), np.arange(300, 400)
    monkeypatch.setattr(baseline, "_RIDGE_FLOPS", 50 * 6 * 6)  # 50 rows of 6 features
    note = baseline.train_note(X, y, train_idx, val_idx, None, -5.0)
    ref = ridge_subset_r2(X, y, train_idx, val_idx, 50)
    assert ("fitted on a random 50 of the 300 training rows) scores "
            f"r2 {ref:.4g}, the network -5") in note


def test_train_note_within_the_budget_is_of_every_row(monkeypatch):
    X, y = linear_regression_data()
    train_idx, val_idx = np.arange(300), np.arange(300, 400)
    note = baseline.train_note(X, y, train_idx, val_idx, None, -5.0)
    ref = ridge_subset_r2(X, y, train_idx, val_idx, 300)  # the "subset" of every row, in order
    assert f"fitted on the 300 training rows) scores r2 {ref:.4g}" in note


def test_cv_line_over_the_budget_says_the_subset(monkeypatch, capsys, tmp_path):
    X, y = linear_regression_data()
    np.savez(tmp_path / "d.npz", X=X, y=y)
    monkeypatch.setattr(baseline, "_RIDGE_FLOPS", 50 * 6 * 6)
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "d.npz"), "--folds", "4", "--hidden", "2",
                 "--epochs", "1", "-q"]) == 0
    out = capsys.readouterr().out
    assert ("a linear model (RidgeCV on the standardised features, fitted on a random 50 "
            "of each fold's 300 training rows at most)") in out
