"""``chainrule cv``, ``tune`` and ``train`` with ``--groups COLUMN``: whole groups held out.

The reference of every fold is independent of cv's code: the fold's rows are chosen here
by scikit-learn's StratifiedGroupKFold / GroupKFold with the same seed, written to CSV
files, and ``chainrule train --groups`` is run on the training rows and ``chainrule
evaluate`` on the held-out rows; train's ``--val-fraction`` rows are checked against
scikit-learn's GroupShuffleSplit the same way, by ``--val-data`` of the rows it holds out.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from chainrule.cli import _parse, main

OPTIONS = ["--hidden", "6", "--epochs", "8", "--seed", "3"]


def _write(path, names: list[str], groups, X: np.ndarray, y) -> None:
    """A CSV file of the groups (None: no such column), the rows ``X`` (exact: repr of
    each float) and the target ``y``."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for i, (row, target) in enumerate(zip(X, y, strict=True)):
            writer.writerow([*([] if groups is None else [groups[i]]),
                             *map(repr, map(float, row)), target])


def _cv(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(["cv", *argv, "--json", "-q"]) == 0
    out, err = capsys.readouterr()
    # -q: no line per fold; a note of folds that ended past their best validation loss
    assert all(line.startswith("chainrule cv: note: ") for line in err.splitlines())
    return json.loads(out)


def _reference(tmp_path, capsys, names, groups, X, y, splits, options) -> list[dict]:
    """evaluate's JSON of each fold: train --groups on the fold's training rows (their
    --val-fraction rows whole groups), evaluate on its held-out rows, each a CSV file of
    its own (``names``: the groups column's, then the features' and the target's)."""
    scores = []
    for i, (train, held) in enumerate(splits):
        fit, test, model = (tmp_path / f"fit{i}.csv", tmp_path / f"test{i}.csv",
                            tmp_path / f"m{i}.npz")
        _write(fit, names, groups[train], X[train], y[train])
        _write(test, names[1:], None, X[held], y[held])
        assert main(["train", str(fit), "--groups", names[0], *options, "-q", "-o",
                     str(model)]) == 0
        capsys.readouterr()
        assert main(["evaluate", str(model), str(test), "--json"]) == 0
        scores.append({k: v for k, v in json.loads(capsys.readouterr().out).items()
                       if k not in ("brier", "ece", "calibration")})  # evaluate's alone
    return scores


def _check(result: dict, reference: list[dict]) -> None:
    """cv's figures are evaluate's, fold by fold, exactly; its mean NumPy's."""
    assert len(result["per_fold"]) == len(reference)
    for row, scores in zip(result["per_fold"], reference, strict=True):
        for key, value in scores.items():
            assert row[key] == value, (row["fold"], key)
    for key in reference[0]:
        if key != "samples":
            assert result["mean"][key] == np.mean([s[key] for s in reference])


def _classification(n_groups: int = 12, per: int = 4, seed: int = 0):
    """Groups of rows (text IDs, of unequal sizes), a label per group, features near the
    group's own centre."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(per - 2, per + 3, size=n_groups)
    groups = np.repeat([f"id{g:02d}" for g in range(n_groups)], sizes)
    labels = np.repeat(np.where(np.arange(n_groups) % 2 == 0, "no", "yes"), sizes)
    centres = np.repeat(rng.normal(size=(n_groups, 3)), sizes, axis=0)
    return groups, centres + 0.3 * rng.normal(size=centres.shape), labels


def test_classification_folds_are_stratified_group_kfold_train_and_evaluate(tmp_path,
                                                                            capsys):
    groups, X, y = _classification()
    _write(tmp_path / "all.csv", ["customer", "a", "b", "c", "label"], groups, X, y)
    result = _cv(capsys, str(tmp_path / "all.csv"), "--groups", "customer", *OPTIONS,
                 "--folds", "3")
    splits = list(StratifiedGroupKFold(3, shuffle=True, random_state=3).split(X, y, groups))
    _check(result, _reference(tmp_path, capsys, ["customer", "a", "b", "c", "label"], groups,
                              X, y, splits, OPTIONS))
    # each fold trains on about 32 rows: its default --val-fraction 0.1 holds out groups
    assert all(row["train_samples"] >= 20 for row in result["per_fold"])
    assert result["splitter"] == "StratifiedGroupKFold"
    assert result["groups"] == {"column": "customer", "count": 12}
    assert [r["train_samples"] for r in result["per_fold"]] == [len(t) for t, _ in splits]
    # the printed line names the splitter and the groups
    assert main(["cv", str(tmp_path / "all.csv"), "--groups", "customer", *OPTIONS,
                 "--folds", "3", "-q"]) == 0
    assert ("3 folds (StratifiedGroupKFold of 12 groups of 'customer', shuffled with seed 3)"
            in capsys.readouterr().out)


def test_regression_folds_are_group_kfold_shuffled_by_the_seed(tmp_path, capsys):
    rng = np.random.default_rng(4)
    groups = np.repeat(np.arange(10) * 7 % 10, 3)  # numbers as IDs (of one digit: text
    # and numbers sort alike, so that the CSV file's and the NPZ file's folds are alike)
    X = rng.normal(size=(30, 2))
    y = X @ [1.5, -2.0] + rng.normal(scale=0.1, size=30)
    _write(tmp_path / "all.csv", ["site", "a", "b", "y"], groups, X, y)
    options = ["--hidden", "4", "--epochs", "6", "--seed", "5", "--val-fraction", "0"]
    result = _cv(capsys, str(tmp_path / "all.csv"), "--groups", "site", *options,
                 "--folds", "4")
    splits = list(GroupKFold(4, shuffle=True, random_state=5).split(X, y, groups))
    unshuffled = GroupKFold(4).split(X, y, groups)  # the seed shuffles them
    assert any(len(a) != len(b) or (a != b).any()
               for (_, a), (_, b) in zip(splits, unshuffled, strict=True))
    _check(result, _reference(tmp_path, capsys, ["site", "a", "b", "y"], groups, X, y,
                              splits, options))
    assert result["splitter"] == "GroupKFold"
    assert result["groups"] == {"column": "site", "count": 10}
    # an NPZ file's array of that name: the same folds, the same scores
    np.savez(tmp_path / "all.npz", X=X, y=y, site=groups)
    assert _cv(capsys, str(tmp_path / "all.npz"), "--groups", "site", *options,
               "--folds", "4")["per_fold"] == result["per_fold"]


@pytest.mark.parametrize("extra", [[], ["--target", "label", "--features", "b", "a"]])
def test_a_group_is_held_out_by_one_fold_whole_and_is_no_feature(tmp_path, extra):
    from chainrule._cli_models_cv import setup

    groups, X, y = _classification(15, 5, seed=2)
    _write(tmp_path / "all.csv", ["customer", "a", "b", "c", "label"], groups, X, y)
    args = _parse(["cv", str(tmp_path / "all.csv"), "--groups", "customer", "--folds", "4",
                   *extra])
    table, _, _, _, _, _, splitter, folds = setup(args)
    assert splitter == "StratifiedGroupKFold"
    assert "customer" not in table.feature_names and table.y.ndim == 1
    held = [set(groups[idx]) for _, idx in folds]
    for i, (train, _) in enumerate(folds):
        assert not set(groups[train]) & held[i]  # none of its groups trains it
        for j in range(i):
            assert not held[i] & held[j]  # a group in one fold only
    assert sorted(np.concatenate([idx for _, idx in folds])) == list(range(len(groups)))


def test_customers_labels_independent_of_features_grouped_near_chance(tmp_path, capsys):
    # rows of customers, a label per customer independent of its features: no model can
    # beat chance (0.5) on a new customer; shuffled folds put a customer's rows on both
    # sides, and a network that recognises the customer scores well above it
    rng = np.random.default_rng(7)
    n, per = 200, 5
    label = np.repeat(rng.permutation(np.r_[np.zeros(n // 2), np.ones(n // 2)]), per)
    X = (np.repeat(rng.normal(size=(n, 4)) * 2, per, axis=0)
         + 0.3 * rng.normal(size=(n * per, 4)))
    groups = np.repeat([f"c{i:03d}" for i in range(n)], per)
    _write(tmp_path / "c.csv", ["customer", "a", "b", "c", "d", "buys"], groups, X,
           np.where(label == 1, "yes", "no"))
    options = ["--hidden", "32", "--epochs", "60", "--seed", "0", "--folds", "5"]
    grouped = _cv(capsys, str(tmp_path / "c.csv"), "--groups", "customer", *options)
    shuffled = _cv(capsys, str(tmp_path / "c.csv"), "--features", "a", "b", "c", "d",
                   *options)
    acc_g, acc_s = grouped["mean"]["accuracy"], shuffled["mean"]["accuracy"]
    # the customers are the independent draws: a guess per customer, right with
    # probability 0.5, has a standard error of 0.5 / sqrt(n) on n customers
    se = 0.5 / np.sqrt(n)
    assert abs(acc_g - 0.5) < 3 * se
    assert acc_s > 0.5 + 3 * se and acc_s - acc_g > 0.1
    assert grouped["splitter"] == "StratifiedGroupKFold"
    assert shuffled["splitter"] == "StratifiedKFold"


def test_standard_input_is_split_as_the_file(tmp_path, capsys, monkeypatch):
    groups, X, y = _classification()
    _write(tmp_path / "all.csv", ["a0", "a", "b", "c", "label"], groups, X, y)
    argv = ["--groups", "a0", "--epochs", "3", "--folds", "3"]
    by_path = _cv(capsys, str(tmp_path / "all.csv"), *argv)
    raw = (tmp_path / "all.csv").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    from_stdin = _cv(capsys, "-", *argv)
    assert from_stdin["per_fold"] == by_path["per_fold"]
    assert from_stdin["groups"] == {"column": "a0", "count": 12}


def test_tune_cross_validates_every_combination_on_cv_s_grouped_folds(tmp_path, capsys):
    groups, X, y = _classification()
    _write(tmp_path / "all.csv", ["customer", "a", "b", "c", "label"], groups, X, y)
    data = str(tmp_path / "all.csv")
    capsys.readouterr()
    assert main(["tune", data, "--groups", "customer", "--epochs", "4", "--seed", "1",
                 "--folds", "3", "--grid", "hidden=3,5", "--json", "-q"]) == 0
    tuned = json.loads(capsys.readouterr().out)
    assert tuned["splitter"] == "StratifiedGroupKFold"
    assert tuned["groups"] == {"column": "customer", "count": 12}
    for result in tuned["results"]:
        hidden = result["params"]["hidden"]
        cv = _cv(capsys, data, "--groups", "customer", "--epochs", "4", "--seed", "1",
                 "--folds", "3", "--hidden", hidden)
        assert [{k: r[k] for k in ("accuracy", "log_loss", "samples")}
                for r in result["per_fold"]] == [
            {k: r[k] for k in ("accuracy", "log_loss", "samples")} for r in cv["per_fold"]]
        # its train line: --groups too, so that the column is no feature
        line = result["train"]
        assert line[line.index("--groups") + 1] == "customer"


def _lines(tmp_path, rows: list[list[str]]) -> str:
    path = tmp_path / "d.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


@pytest.mark.parametrize("case, words", [
    ("missing", ["--groups g: ", "d.csv line 4, column 'g': the group is missing"]),
    ("few", ["--folds 3: ", "holds 2 groups (--groups g), fewer than the 3 folds",
             "give --folds 2 or fewer"]),
    ("absent", ["--groups nope: ", "has no column 'nope'"]),
    ("target", ["--groups y: the column is the last of", "name the target column with "
                "--target"]),
    ("feature", ["--groups g: the column is also given to --features"]),
    ("class", ["every example of the class 'b'", "is held out by fold"]),
])
def test_refusals_name_the_option_the_row_and_the_counts(tmp_path, capsys, case, words):
    rows = [["g", "x", "y"]] + [[f"k{i % 2}" if case == "few" else f"k{i}", str(i),
                                 "b" if case == "class" and i == 0 else "a" if i % 2 else
                                 "c"] for i in range(12)]
    if case == "missing":
        rows[3][0] = " "
    argv = {"absent": ["--groups", "nope"], "target": ["--groups", "y"],
            "feature": ["--groups", "g", "--features", "x", "g"]}.get(case, ["--groups", "g"])
    capsys.readouterr()
    assert main(["cv", _lines(tmp_path, rows), *argv, "--folds", "3", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err
    assert "Traceback" not in err


def test_a_bundled_set_and_an_npz_file_without_the_array_are_refused(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", X=np.zeros((6, 2)), y=np.arange(6.0),
             g=np.array([0.0, 1, 2, np.nan, 1, 2]))
    capsys.readouterr()
    for data, group, word in (("iris", "g", "iris is a bundled data set, which has no "
                               "groups column"),
                              (str(tmp_path / "d.npz"), "h", "no array named 'h'"),
                              (str(tmp_path / "d.npz"), "g", "row 3, array 'g': the group "
                               "is missing")):
        assert main(["cv", data, "--groups", group, "--folds", "2", "--epochs", "1"]) == 2
        assert f"--groups {group}: " in capsys.readouterr().err
        assert main(["cv", data, "--groups", group, "--folds", "2", "--epochs", "1"]) == 2
        assert word in capsys.readouterr().err


def test_train_holds_out_whole_groups_as_group_shuffle_split_does(tmp_path, capsys):
    from sklearn.model_selection import GroupShuffleSplit

    groups, X, y = _classification(15, 5, seed=2)
    names = ["customer", "a", "b", "c", "label"]
    _write(tmp_path / "all.csv", names, groups, X, y)
    options = ["--hidden", "5", "--epochs", "6", "--seed", "4", "--patience", "2"]
    capsys.readouterr()
    assert main(["train", str(tmp_path / "all.csv"), "--groups", "customer", *options,
                 "--val-fraction", "0.2", "-o", str(tmp_path / "g.npz")]) == 0
    out = capsys.readouterr().out
    # 0.2 of the 15 groups, rounded up: 3 held out, whole
    train, val = next(GroupShuffleSplit(1, test_size=3, random_state=4).split(X, y, groups))
    assert not set(groups[train]) & set(groups[val])
    assert (f"{len(train)} for training, {len(val)} for validation (whole groups of "
            "'customer': 3 of 15)") in out
    # the same model as train on those training rows, validated by those held out
    train, val = np.sort(train), np.sort(val)
    _write(tmp_path / "fit.csv", names[1:], None, X[train], y[train])
    _write(tmp_path / "val.csv", names[1:], None, X[val], y[val])
    assert main(["train", str(tmp_path / "fit.csv"), "--val-data", str(tmp_path / "val.csv"),
                 *options, "-q", "-o", str(tmp_path / "ref.npz")]) == 0
    with np.load(tmp_path / "g.npz") as a, np.load(tmp_path / "ref.npz") as b:
        assert np.array_equal(a["params"], b["params"])
    # the groups column is no feature of the model
    assert main(["info", str(tmp_path / "g.npz")]) == 0
    assert "features (3): a, b, c" in capsys.readouterr().out


def test_train_refuses_a_fraction_of_every_group_and_val_data(tmp_path, capsys):
    groups, X, y = _classification(4, 6)
    _write(tmp_path / "all.csv", ["g", "a", "b", "c", "label"], groups, X, y)
    capsys.readouterr()
    assert main(["train", str(tmp_path / "all.csv"), "--groups", "g", "--val-fraction",
                 "0.8", "--epochs", "1"]) == 2
    assert ("--val-fraction 0.8: " in (err := capsys.readouterr().err)
            and "holds 4 groups (--groups g)" in err and "(4) leaves none to train on" in err)
    assert main(["train", str(tmp_path / "all.csv"), "--groups", "g", "--val-data",
                 str(tmp_path / "all.csv"), "--epochs", "1"]) == 2
    assert "--groups g: with --val-data no row of DATA is held out" in capsys.readouterr().err
    assert main(["tune", str(tmp_path / "all.csv"), "--grid", "groups=g", "--epochs",
                 "1"]) == 2
    assert "give --groups once" in capsys.readouterr().err


def test_a_fold_of_one_training_group_validates_on_none_by_default(tmp_path, capsys):
    # 2 groups of 15 rows, 2 folds: each fold trains on 15 rows of one group, of which no
    # whole group can validate; the default --val-fraction is then 0, as for fewer than
    # 20 training rows; given, it is refused naming the fold
    groups = np.repeat(["p", "q"], 15)
    X = np.arange(60.0).reshape(30, 2)
    y = np.tile(["u", "v"], 15)
    _write(tmp_path / "d.csv", ["g", "a", "b", "y"], groups, X, y)
    data = str(tmp_path / "d.csv")
    rows = _cv(capsys, data, "--groups", "g", "--folds", "2", "--epochs", "1")["per_fold"]
    assert [r["train_samples"] for r in rows] == [15, 15]
    assert main(["cv", data, "--groups", "g", "--folds", "2", "--epochs", "1",
                 "--val-fraction", "0.2", "-q"]) == 2
    assert ("--val-fraction 0.2: " + data + " (the training rows of fold 1 of 2) holds 1 "
            "group (--groups g)") in capsys.readouterr().err


def test_resume_refuses_another_groups_column(tmp_path, capsys):
    groups, X, y = _classification(8, 4)
    _write(tmp_path / "d.csv", ["g", "a", "b", "c", "label"], groups, X, y)
    data, ck = str(tmp_path / "d.csv"), str(tmp_path / "ck.npz")
    assert main(["train", data, "--groups", "g", "--epochs", "1", "--checkpoint", ck, "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["train", data, "--features", "a", "b", "c", "--epochs", "2", "--checkpoint",
                 ck, "--resume", "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert ("--groups: the run in " + ck + " was started with --groups g, got no --groups"
            in capsys.readouterr().err)
