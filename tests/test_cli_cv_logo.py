"""``--folds all`` of ``chainrule cv`` and ``tune`` with ``--groups``: leave-one-group-out.

Each fold's scores are checked against ``chainrule train --groups`` on the training rows
and ``chainrule evaluate`` on the held-out rows of scikit-learn's ``LeaveOneGroupOut``,
each written to a CSV file of its own here."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sklearn.model_selection import LeaveOneGroupOut

from chainrule.cli import main

OPTIONS = ["--hidden", "4", "--epochs", "5", "--seed", "2"]
NAMES = ["site", "a", "b", "label"]


def _write(path, names: list[str], groups, X: np.ndarray, y) -> str:
    """A CSV file of the groups (None: no such column), the rows ``X`` and ``y``."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for i, (row, target) in enumerate(zip(X, y, strict=True)):
            writer.writerow([*([] if groups is None else [groups[i]]),
                             *map(repr, map(float, row)), target])
    return str(path)


def _sites(n_groups: int = 5, seed: int = 0):
    """Rows of ``n_groups`` sites (text IDs of unequal sizes), two classes in each."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(6, 11, size=n_groups)
    groups = np.repeat([f"s{g}" for g in range(n_groups)], sizes)
    X = rng.normal(size=(len(groups), 2))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=len(groups)) > 0, "yes", "no")
    return groups, X, y


def _json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main([*argv, "--json", *(["-q"] if argv[0] != "evaluate" else [])]) == 0
    return json.loads(capsys.readouterr().out)


def test_cv_folds_all_is_leave_one_group_out_train_and_evaluate(tmp_path, capsys):
    groups, X, y = _sites()
    data = _write(tmp_path / "all.csv", NAMES, groups, X, y)
    result = _json(capsys, "cv", data, "--groups", "site", "--folds", "all", *OPTIONS)
    splits = list(LeaveOneGroupOut().split(X, y, groups))
    assert result["folds"] == len(np.unique(groups)) == len(splits)
    assert result["splitter"] == "LeaveOneGroupOut" and result["shuffle"] is False
    assert result["groups"] == {"column": "site", "count": 5}
    for i, ((train, held), row) in enumerate(zip(splits, result["per_fold"], strict=True)):
        assert len(np.unique(groups[held])) == 1  # one group held out, whole
        fit = _write(tmp_path / f"fit{i}.csv", NAMES, groups[train], X[train], y[train])
        test = _write(tmp_path / f"test{i}.csv", NAMES[1:], None, X[held], y[held])
        model = str(tmp_path / f"m{i}.npz")
        assert main(["train", fit, "--groups", "site", *OPTIONS, "-q", "-o", model]) == 0
        scores = _json(capsys, "evaluate", model, test)
        for key, value in scores.items():
            if key not in ("brier", "ece", "calibration"):  # evaluate's alone
                assert row[key] == value, (i, key)
        assert row["train_samples"] == len(train)
    capsys.readouterr()
    assert main(["cv", data, "--groups", "site", "--folds", "all", *OPTIONS, "-q"]) == 0
    assert ("5 folds (LeaveOneGroupOut of 5 groups of 'site', --folds all, not shuffled; "
            "seed 2 of each fold's training): each fold holds out one group, scored by a "
            "model trained on the other 4" in capsys.readouterr().out)


def test_tune_folds_all_cross_validates_on_cv_s_folds(tmp_path, capsys):
    groups, X, y = _sites(4, seed=1)
    data = _write(tmp_path / "all.csv", NAMES, groups, X, y)
    tuned = _json(capsys, "tune", data, "--groups", "site", "--folds", "ALL", "--epochs",
                  "3", "--seed", "1", "--grid", "hidden=2,3")
    assert tuned["folds"] == 4 and tuned["splitter"] == "LeaveOneGroupOut"
    assert tuned["shuffle"] is False
    for result in tuned["results"]:
        cv = _json(capsys, "cv", data, "--groups", "site", "--folds", "all", "--epochs",
                   "3", "--seed", "1", "--hidden", result["params"]["hidden"])
        assert result["per_fold"] == cv["per_fold"]


@pytest.mark.parametrize("case, words", [
    ("one", ["--folds all: ", "holds 1 group (--groups site)", "2 groups or more"]),
    ("class", ["--folds all: every example of the class 'maybe'", "in the group 's3'",
               "held out by fold 4 (LeaveOneGroupOut)"]),
    ("none", ["--folds all: ", "no --groups is given: give --groups COLUMN"]),
    ("word", ["argument --folds: expected a whole number of folds", "got 'some'"]),
])
def test_refusals(tmp_path, capsys, case, words):
    groups, X, y = _sites()
    if case == "one":
        groups = np.full(len(groups), "s0")
    if case == "class":
        y = y.astype(object)
        y[groups == "s3"] = "maybe"
    data = _write(tmp_path / "d.csv", NAMES, groups, X, y)
    argv = ["--groups", "site"] if case != "none" else ["--features", "a", "b"]
    capsys.readouterr()
    if case == "word":  # argparse's error: exit status 2
        with pytest.raises(SystemExit) as exited:
            main(["cv", data, *argv, "--folds", "some"])
        assert exited.value.code == 2
    else:
        assert main(["cv", data, *argv, "--folds", "all", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err, err
    assert "Traceback" not in err
