"""The regression baseline's RidgeCV subset follows the run's ``--seed``.

Above its budget, the linear model beside a regression's scores (train's note, cv's
line) is fitted on a random subset of the training rows.  That subset was drawn with
seed 0 whatever ``--seed`` said, while the split, the folds and the initial weights of
the same run follow ``--seed``.  The references are scikit-learn's ``StandardScaler`` and
``RidgeCV`` fitted here on the subset drawn from the seed, R^2 in plain NumPy.
"""

from __future__ import annotations

import numpy as np

from chainrule import _cli_models_baseline as baseline
from chainrule.cli import main
from chainrule.tabular import Table
from sklearn_twins import linear_regression_data, ridge_subset_r2

_BUDGET = 50 * 6 * 6  # RidgeCV's budget: 50 rows of 6 features


def test_train_note_subset_is_drawn_from_the_seed(monkeypatch):
    X, y = linear_regression_data()
    train_idx, val_idx = np.arange(300), np.arange(300, 400)
    monkeypatch.setattr(baseline, "_RIDGE_FLOPS", _BUDGET)
    refs = {s: ridge_subset_r2(X, y, train_idx, val_idx, 50, s) for s in (1, 2)}
    assert f"{refs[1]:.4g}" != f"{refs[2]:.4g}"  # two seeds, two subsets, two lines
    for seed, ref in refs.items():
        note = baseline.train_note(X, y, train_idx, val_idx, None, -5.0, seed=seed)
        assert f"scores r2 {ref:.4g}, the network -5" in note
        # one seed repeats its line
        assert note == baseline.train_note(X, y, train_idx, val_idx, None, -5.0, seed=seed)


def test_cv_baselines_subset_is_drawn_from_the_seed(monkeypatch):
    X, y = linear_regression_data()
    table = Table(X=X, y=y, feature_names=[f"x{i}" for i in range(6)], target_name="y", source="d",
                  task="regression")
    folds = [(np.arange(300), np.arange(300, 400)), (np.arange(100, 400), np.arange(100))]
    monkeypatch.setattr(baseline, "_RIDGE_FLOPS", _BUDGET)
    got = {s: baseline.fold_baselines(table, folds, seed=s) for s in (1, 2)}
    for seed, found in got.items():
        r2 = [f["r2"] for f in found["ridge"]["per_fold"]]
        ref = [ridge_subset_r2(X, y, tr, he, 50, seed) for tr, he in folds]
        np.testing.assert_allclose(r2, ref, rtol=1e-10)
        assert baseline.fold_baselines(table, folds, seed=seed) == found
    assert got[1]["ridge"]["per_fold"] != got[2]["ridge"]["per_fold"]


def test_the_commands_pass_their_seed(monkeypatch, tmp_path, capsys):
    """train and cv hand their --seed to the baseline's draw."""
    X, y = linear_regression_data()
    np.savez(tmp_path / "d.npz", X=X, y=y)
    monkeypatch.setattr(baseline, "_RIDGE_FLOPS", _BUDGET)
    seeds = []
    fold = baseline._fold

    def spy(train, held, seed=0):
        seeds.append(seed)
        return fold(train, held, seed=seed)

    monkeypatch.setattr(baseline, "_fold", spy)
    assert main(["cv", str(tmp_path / "d.npz"), "--folds", "2", "--hidden", "2",
                 "--epochs", "1", "-q", "--seed", "7"]) == 0
    assert seeds == [7, 7]
    assert main(["train", str(tmp_path / "d.npz"), "--hidden", "2", "--epochs", "1", "-q",
                 "--seed", "11", "-o", str(tmp_path / "m.npz")]) == 0
    assert seeds == [7, 7, 11]
    capsys.readouterr()
