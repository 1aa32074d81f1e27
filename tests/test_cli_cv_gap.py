"""``--gap ROWS`` and ``--max-train-rows ROWS`` of ``--time-ordered``: scikit-learn's
``TimeSeriesSplit(gap=..., max_train_size=...)`` folds of cv and tune, and train's gap
before its last validation rows (and window before them).

The references are independent of chainrule's splitting: the folds are scikit-learn's,
written to CSV files here and trained and evaluated by ``chainrule train`` and
``evaluate``; train's split is checked by ``--val-data`` of the rows it should validate
on, with the rows it should train on as DATA."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.model_selection import TimeSeriesSplit

from chainrule.cli import main
from chainrule.saved_model import SavedModel
from file_helpers import write_rows_csv as _write

OPTIONS = ["--hidden", "4", "--epochs", "5", "--seed", "1"]




def _series(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = np.c_[np.arange(n) / n, rng.normal(size=n)]
    return X, np.cumsum(rng.normal(size=n)) + X[:, 1]


def _json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main([*argv, "--json", *(["-q"] if argv[0] != "evaluate" else [])]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("gap, most", [(3, None), (4, 30)])
def test_cv_folds_are_time_series_split_with_gap_and_window(tmp_path, capsys, gap, most):
    X, y = _series(90)
    names = ["t", "a", "y"]
    data = _write(tmp_path / "all.csv", names, X, y)
    window = ["--gap", str(gap), *(["--max-train-rows", str(most)] if most else [])]
    options = [*OPTIONS, "--val-fraction", "0.2", "--time-ordered", *window]
    result = _json(capsys, "cv", data, *options, "--folds", "3")
    splits = list(TimeSeriesSplit(n_splits=3, gap=gap, max_train_size=most).split(X))
    assert result["folds"] == 3 and result["splitter"] == "TimeSeriesSplit"
    assert result["time_ordered"] == {"never_held_out": int(splits[0][1][0]), "gap": gap,
                                      "max_train_rows": most}
    for i, ((train, held), row) in enumerate(zip(splits, result["per_fold"], strict=True)):
        fit = _write(tmp_path / f"fit{i}.csv", names, X[train], y[train])
        test = _write(tmp_path / f"test{i}.csv", names, X[held], y[held])
        model = str(tmp_path / f"m{i}.npz")
        assert main(["train", fit, *options, "-q", "-o", model]) == 0
        scores = _json(capsys, "evaluate", model, test)
        for key, value in scores.items():
            assert row[key] == value, (i, key)
        assert row["train_samples"] == len(train)
    capsys.readouterr()
    assert main(["cv", data, *options, "--folds", "3", "-q"]) == 0
    out = capsys.readouterr().out
    assert f"the first {splits[0][1][0]} rows never held out" in out
    assert (f"the {gap} left out just before it (--gap)" in out) == bool(gap)
    assert (f"the last {most} rows (--max-train-rows)" in out) == bool(most)


def _table(n: int):
    return SimpleNamespace(n_samples=n, source="d.csv", y=np.zeros(n), target_name="y")


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("gap", [1, 4, 9])
def test_a_gap_too_large_is_refused_where_time_series_split_refuses(k, gap):
    """Refused exactly where scikit-learn's split refuses, saying the rows needed: a
    count from which every number of rows splits."""
    from chainrule._cli_time_order import time_folds

    for n in range(k + 1, (gap + 2) * (k + 1) + 3):
        try:
            expected = list(TimeSeriesSplit(n_splits=k, gap=gap).split(np.zeros((n, 1))))
        except ValueError:
            expected = None
        if expected is None:
            with pytest.raises(ValueError) as refused:
                time_folds(_table(n), "regression", False, k, gap)
            words = str(refused.value)
            assert words.startswith(f"--gap {gap}: d.csv has {n} examples")
            need = int(words.split(" examples or more are needed")[0].rsplit(" ", 1)[1])
            assert need > n
            for m in range(need, need + 2 * (k + 1)):  # each of them splits
                TimeSeriesSplit(n_splits=k, gap=gap).split(np.zeros((m, 1))).__next__()
            with pytest.raises(ValueError):  # one fewer may not
                list(TimeSeriesSplit(n_splits=k, gap=gap).split(np.zeros((need - 1, 1))))
        else:
            _, folds = time_folds(_table(n), "regression", False, k, gap)
            assert [(list(a), list(b)) for a, b in folds] == [
                (list(a), list(b)) for a, b in expected]


def test_train_leaves_out_the_gap_before_its_last_rows_and_records_it(tmp_path, capsys):
    X, y = _series(60, seed=2)
    names = ["t", "a", "y"]
    data = _write(tmp_path / "d.csv", names, X, y)
    n, fraction, gap, most = 60, 0.2, 5, 30
    model = str(tmp_path / "m.npz")
    capsys.readouterr()
    assert main(["train", data, "--time-ordered", "--gap", str(gap), "--max-train-rows",
                 str(most), "--val-fraction", str(fraction), *OPTIONS, "-o", model]) == 0
    n_val = math.ceil(fraction * n)
    end = n - n_val - gap
    assert (f"{most} for training, {n_val} for validation (the last rows: --time-ordered; "
            f"the {gap} before them left out: --gap)") in capsys.readouterr().out
    training = SavedModel.load(model).metadata["training"]
    assert (training["gap"], training["max_train_rows"], training["val_rows"]) == (
        gap, most, n_val)
    # the model of train on the rows end - most to end, validated on the last n_val
    fit = _write(tmp_path / "fit.csv", names, X[end - most:end], y[end - most:end])
    val = _write(tmp_path / "val.csv", names, X[n - n_val:], y[n - n_val:])
    reference = str(tmp_path / "ref.npz")
    assert main(["train", fit, "--val-data", val, *OPTIONS, "-q", "-o", reference]) == 0
    with np.load(model) as a, np.load(reference) as b:
        assert np.array_equal(a["params"], b["params"])
    # evaluate on DATA counts the rows of neither
    capsys.readouterr()
    assert main(["evaluate", model, data]) == 0
    assert (f"({most} training and {n_val} validation examples, {n - most - n_val} of "
            "neither (--gap, --max-train-rows); not a test score)") in capsys.readouterr().out


def test_tune_keeps_the_gap_in_its_folds_and_best_line(tmp_path, capsys):
    X, y = _series(60, seed=3)
    data = _write(tmp_path / "d.csv", ["t", "a", "y"], X, y)
    tuned = _json(capsys, "tune", data, "--time-ordered", "--gap", "2", "--folds", "3",
                  "--epochs", "3", "--grid", "hidden=2,3")
    assert tuned["time_ordered"] == {"never_held_out": 60 - 3 * (60 // 4), "gap": 2,
                                     "max_train_rows": None}
    line = tuned["results"][0]["train"]
    assert line[line.index("--gap") + 1] == "2"


@pytest.mark.parametrize("argv, words", [
    (["cv", "--gap", "2"], "--gap 2: an option of --time-ordered"),
    (["cv", "--max-train-rows", "9"], "--max-train-rows 9: an option of --time-ordered"),
    (["train", "--time-ordered", "--val-fraction", "0.5", "--gap", "10"],
     "--gap 10: of 20 examples, the last 10 validate (--val-fraction 0.5, --time-ordered) "
     "and the 10 before them are left out, which leaves none to train on: 22 examples or "
     "more are needed"),
    (["tune", "--time-ordered", "--grid", "gap=1,2"], "give --gap once"),
])
def test_refusals(tmp_path, capsys, argv, words):
    X, y = _series(20)
    data = _write(tmp_path / "d.csv", ["t", "a", "y"], X, y)
    capsys.readouterr()
    assert main([argv[0], data, *argv[1:], "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert words in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("option, value", [("--gap", "-1"), ("--max-train-rows", "0")])
def test_negative_rows_are_refused_by_the_parser(capsys, option, value):
    with pytest.raises(SystemExit) as exited:
        main(["cv", "iris", "--time-ordered", option, value])
    assert exited.value.code == 2
    assert f"argument {option}: expected a whole number of rows" in capsys.readouterr().err


def test_a_window_that_lacks_a_class_is_refused_naming_the_fold():
    from chainrule._cli_time_order import time_folds

    n = 40
    y = np.where(np.arange(n) < 2, "rare", np.where(np.arange(n) % 2, "a", "b"))
    table = SimpleNamespace(n_samples=n, source="d.csv", y=y, target_name="y")
    time_folds(table, "classification", False, 3)  # every fold trains on rows 0 and 1
    with pytest.raises(ValueError) as refused:
        time_folds(table, "classification", False, 3, 0, 8)
    train = next(TimeSeriesSplit(n_splits=3, max_train_size=8).split(y))[0]
    assert not (y[train] == "rare").any()  # scikit-learn's window lacks it too
    assert str(refused.value).startswith(
        f"--max-train-rows 8: the class 'rare' of the target 'y' of d.csv is in none of the "
        f"8 training rows of fold 1 (rows {train[0]} to {train[-1]}, counted from 0")


def test_resume_refuses_another_gap(tmp_path, capsys):
    X, y = _series(30)
    data = _write(tmp_path / "d.csv", ["t", "a", "y"], X, y)
    run = ["train", data, "--time-ordered", "--hidden", "3", "-q", "-o",
           str(tmp_path / "m.npz"), "--checkpoint",
           str(tmp_path / "ck.npz")]
    assert main([*run, "--gap", "2", "--epochs", "2"]) == 0
    capsys.readouterr()
    assert main([*run, "--gap", "3", "--epochs", "3", "--resume"]) == 2
    assert ("--gap: the run in " in capsys.readouterr().err)
    assert main([*run, "--gap", "2", "--epochs", "3", "--resume"]) == 0
