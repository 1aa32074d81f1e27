"""``chainrule cv``: k-fold cross-validation from the command line.

The reference of every fold is independent of cv's code: the fold's rows are chosen here
by scikit-learn's StratifiedKFold / KFold with the same seed, written to CSV files, and
``chainrule train`` is run on the training rows and ``chainrule evaluate`` on the held-out
rows; the means and standard deviations are NumPy's of evaluate's scores.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import KFold, StratifiedKFold

from chainrule import _cli_models_report
from chainrule.cli import main

IRIS_OPTIONS = ["--hidden", "6", "--epochs", "12", "--seed", "3"]
REGRESSION_OPTIONS = ["--hidden", "5", "--epochs", "10", "--seed", "4", "--val-fraction", "0.2",
                      "--patience", "3", "--batch-size", "8"]


def _write(path, names: list[str], X: np.ndarray, y) -> None:
    """A CSV file of the rows ``X`` (exact: repr of each float) and the target ``y``."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row, target in zip(X, y, strict=True):
            writer.writerow([*map(repr, map(float, row)), target])


def _cv(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(["cv", *argv, "--json", "-q"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # -q: no line per fold
    return json.loads(out)


def _reference(tmp_path, capsys, names, X, y, splits, options) -> list[tuple[dict, str]]:
    """evaluate's JSON and text of each fold: train on the fold's training rows, evaluate
    on its held-out rows, each a CSV file of its own."""
    folds = []
    for i, (train, held) in enumerate(splits):
        fit, test, model = (tmp_path / f"fit{i}.csv", tmp_path / f"test{i}.csv",
                            tmp_path / f"m{i}.npz")
        _write(fit, names, X[train], y[train])
        _write(test, names, X[held], y[held])
        assert main(["train", str(fit), *options, "-q", "-o", str(model)]) == 0
        capsys.readouterr()
        assert main(["evaluate", str(model), str(test), "--json"]) == 0
        calibration = ("brier", "ece", "calibration")  # evaluate's alone, not cv's
        scores = {k: v for k, v in json.loads(capsys.readouterr().out).items()
                  if k not in calibration}
        assert main(["evaluate", str(model), str(test)]) == 0
        words = [line for line in capsys.readouterr().out.splitlines()
                 if not line.startswith(("Brier score: ", "ECE: ", "calibration: "))]
        folds.append((scores, "\n".join(words) + "\n"))
    return folds


def _check(result: dict, reference: list[tuple[dict, str]], text: str) -> None:
    """cv's figures are evaluate's, fold by fold, exactly; its mean and std NumPy's."""
    assert len(result["per_fold"]) == len(reference)
    table = text.splitlines()
    header = next(i for i, line in enumerate(table) if line.startswith("fold "))
    for i, (row, (scores, words)) in enumerate(zip(result["per_fold"], reference,
                                                   strict=True)):
        assert row["fold"] == i + 1
        for key, value in scores.items():
            assert row[key] == value, (i, key)
        # the text's line of the fold: evaluate's printed figures (name: value), in order
        printed = [line.rpartition(": ")[2] for line in words.splitlines()[1:]]
        assert table[header + 1 + i].split()[2:] == printed
    for key in reference[0][0]:
        if key == "samples":
            continue
        values = [scores[key] for scores, _ in reference]
        assert result["mean"][key] == np.mean(values)
        assert result["std"][key] == np.std(values)
    means = table[header + 1 + len(reference)].split()
    assert means[0] == "mean" and means[1:] == [f"{result['mean'][k]:.6g}"
                                                for k in result["mean"]]


def test_iris_folds_are_train_and_evaluate_on_each_fold(tmp_path, capsys):
    iris = load_iris()
    X, y = iris.data, iris.target_names[iris.target]
    names = [*iris.feature_names, "species"]
    result = _cv(capsys, "iris", *IRIS_OPTIONS, "--folds", "4")
    splits = StratifiedKFold(4, shuffle=True, random_state=3).split(X, y)
    reference = _reference(tmp_path, capsys, names, X, y, splits, IRIS_OPTIONS)
    assert main(["cv", "iris", *IRIS_OPTIONS, "--folds", "4", "-q"]) == 0
    _check(result, reference, capsys.readouterr().out)
    assert result["splitter"] == "StratifiedKFold" and result["seed"] == 3
    assert set(reference[0][0]) == {"samples", "accuracy", "log_loss", "balanced_accuracy",
                                    "f1_macro", "roc_auc", "average_precision"}
    assert [row["samples"] for row in result["per_fold"]] == [38, 38, 37, 37]


def _regression(n: int = 44) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(n, 3)) * [1.0, 10.0, 0.1] + [0.0, 50.0, -3.0]
    return X, X @ [2.0, 0.3, -8.0] + rng.normal(scale=0.5, size=n)


def test_regression_folds_are_train_and_evaluate_on_each_fold(tmp_path, capsys):
    X, y = _regression()
    names = ["a", "b", "c", "y"]
    _write(tmp_path / "all.csv", names, X, y)
    result = _cv(capsys, str(tmp_path / "all.csv"), *REGRESSION_OPTIONS, "--folds", "3")
    splits = KFold(3, shuffle=True, random_state=4).split(X)
    reference = _reference(tmp_path, capsys, names, X, y, splits, REGRESSION_OPTIONS)
    assert main(["cv", str(tmp_path / "all.csv"), *REGRESSION_OPTIONS, "--folds", "3"]) == 0
    out, err = capsys.readouterr()
    _check(result, reference, out)
    assert result["splitter"] == "KFold"
    assert set(reference[0][0]) == {"samples", "mse", "rmse", "mae", "r2"}
    # progress: one line per fold on stderr, none with -q (above)
    assert [line.split(":")[0] for line in err.splitlines()] == [
        f"fold {i} of 3" for i in (1, 2, 3)]


def test_standard_input_is_read_once_and_split_as_the_file(tmp_path, capsys, monkeypatch):
    X, y = _regression(24)
    _write(tmp_path / "all.csv", ["a", "b", "c", "y"], X, y)
    by_path = _cv(capsys, str(tmp_path / "all.csv"), "--epochs", "3", "--folds", "3")
    raw = (tmp_path / "all.csv").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    assert _cv(capsys, "-", "--epochs", "3", "--folds", "3") == by_path


def test_each_fold_is_standardised_with_its_training_rows_alone(tmp_path, capsys,
                                                               monkeypatch):
    # an outlier (1000) in row 0: the statistics of all rows are far from those of the
    # folds that hold it out, and each fold's must be those of its training rows
    X, y = _regression(30)
    X[0, 0] = 1000.0
    _write(tmp_path / "all.csv", ["a", "b", "c", "y"], X, y)
    models = []
    evaluation = _cli_models_report._evaluation

    def spy(model, table, report=False, sample_weight=None):
        models.append((model, table.X.copy()))
        return evaluation(model, table, report, sample_weight)

    monkeypatch.setattr(_cli_models_report, "_evaluation", spy)
    _cv(capsys, str(tmp_path / "all.csv"), "--epochs", "2", "--folds", "3", "--seed", "1",
        "--val-fraction", "0")
    assert len(models) == 3
    for (model, held), (train, test) in zip(
            models, KFold(3, shuffle=True, random_state=1).split(X), strict=True):
        meta = model.metadata
        np.testing.assert_array_equal(held, X[test])
        np.testing.assert_allclose(meta["x_mean"], X[train].mean(axis=0), rtol=1e-13)
        np.testing.assert_allclose(meta["x_scale"], X[train].std(axis=0), rtol=1e-13)
        np.testing.assert_allclose(meta["y_mean"], y[train].mean(), rtol=1e-13)
        np.testing.assert_allclose(meta["y_scale"], y[train].std(), rtol=1e-13)
    held_out_outlier = next(m for m, held in models if 1000.0 in held[:, 0])
    assert abs(held_out_outlier.metadata["x_mean"][0] - X[:, 0].mean()) > 30


@pytest.mark.parametrize("option, words", [
    (["-o", "m.npz"], "-o/--out: not an option of chainrule cv: cv writes no model"),
    (["--out", "m.npz"], "-o/--out: not an option of chainrule cv: cv writes no model"),
    (["--plot", "loss.png"], "--plot: not an option of chainrule cv: cv draws no loss curve"),
    (["--checkpoint", "run.npz"], "--checkpoint: not an option of chainrule cv: cv trains a "
     "new network per fold"),
    (["--checkpoint-every", "2"], "--checkpoint-every: not an option of chainrule cv: cv "
     "writes no checkpoint"),
    (["--resume"], "--resume: not an option of chainrule cv: cv writes no checkpoint"),
    (["--max-time", "5"], "--max-time: not an option of chainrule cv: a time budget ends one "
     "run"),
    (["--find-lr"], "--find-lr: not an option of chainrule cv: the learning-rate range test "
     "trains no model"),
    (["--lr-min", "1e-5"], "--lr-min: not an option of chainrule cv: an option of --find-lr"),
    (["--lr-max", "1"], "--lr-max: not an option of chainrule cv: an option of --find-lr"),
    (["--lr-steps", "50"], "--lr-steps: not an option of chainrule cv: an option of "
     "--find-lr"),
    (["--val-data", "v.csv"], "--val-data: not an option of chainrule cv: each fold's "
     "held-out rows are its test examples"),
    (["--folds", "1"], "--folds 1: cross-validation needs 2 folds or more"),
    (["--folds", "0"], "--folds 0: cross-validation needs 2 folds or more"),
    (["--folds", "151"], "--folds 151: iris has 150 examples, and each fold needs one held "
     "out at least: give --folds 150 or fewer"),
    (["--folds", "51"], "--folds 51: the class 'setosa' of the target 'species' has 50 "
     "examples in iris, fewer than the 51 folds"),
])
def test_refusals_name_the_option_and_why(capsys, option, words):
    capsys.readouterr()
    assert main(["cv", "iris", "--epochs", "1", *option]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"chainrule: error: {words}"), err


def test_a_class_of_fewer_examples_than_folds_is_named_with_its_count(tmp_path, capsys):
    X, _ = _regression(20)
    y = ["a"] * 9 + ["b"] * 9 + ["rare"] * 2
    _write(tmp_path / "d.csv", ["p", "q", "r", "label"], X, y)
    assert main(["cv", str(tmp_path / "d.csv"), "--epochs", "1", "--folds", "3"]) == 2
    err = capsys.readouterr().err
    assert ("--folds 3: the class 'rare' of the target 'label' has 2 examples in "
            f"{tmp_path / 'd.csv'}, fewer than the 3 folds") in err
    assert "give --folds 2 or fewer" in err


@pytest.mark.parametrize("loss", ["huber", "poisson"])
def test_a_regression_loss_on_text_labels_is_named_as_train_names_it(tmp_path, capsys, loss):
    # the task comes from --loss (a regression loss); the message names --loss, as train's
    # does, not a --task regression that was never given
    X, _ = _regression(12)
    _write(tmp_path / "d.csv", ["p", "q", "r", "label"], X, ["a", "b"] * 6)
    capsys.readouterr()
    assert main(["train", str(tmp_path / "d.csv"), "--loss", loss, "--epochs", "1"]) == 2
    train_err = capsys.readouterr().err
    assert main(["cv", str(tmp_path / "d.csv"), "--loss", loss, "--epochs", "1",
                 "--folds", "2"]) == 2
    err = capsys.readouterr().err
    assert f"--loss {loss}, a regression loss, needs numeric targets" in err
    assert "--task" not in err
    assert err == train_err


def test_each_fold_keeps_the_task_of_every_row(tmp_path, capsys):
    # 21 distinct whole numbers: a regression; 14 training rows of a fold alone hold at most
    # 20 distinct ones, which train would take for classes
    X, _ = _regression(21)
    _write(tmp_path / "d.csv", ["p", "q", "r", "y"], X, range(21))
    result = _cv(capsys, str(tmp_path / "d.csv"), "--epochs", "1", "--folds", "3")
    assert result["task"] == "regression"
    assert all(set(row) >= {"mse", "r2"} for row in result["per_fold"])


def test_a_bad_target_of_an_npz_file_is_named_by_its_row_of_the_file(tmp_path, capsys):
    # an NPZ file has no lines: its rows are named by their index, which must be the
    # file's (7), not the index among a fold's training rows
    X, y = _regression(30)
    y = y.astype(str)
    y[7] = "oops"
    np.savez(tmp_path / "d.npz", X=X, y=y)
    capsys.readouterr()
    for seed in ("0", "1", "2"):
        assert main(["cv", str(tmp_path / "d.npz"), "--task", "regression", "--epochs", "1",
                     "--folds", "3", "--seed", seed]) == 2
        out, err = capsys.readouterr()
        assert err == (f"chainrule: error: {tmp_path / 'd.npz'} row 7, target 'y': not a "
                       "number: 'oops'; --task regression needs numeric targets (leave it out "
                       "to classify text labels)\n")
        assert out == ""  # nothing trained


def _multilabel_file(path, rare_rows) -> None:
    """12 rows: 'a' of both values, 'b' 'yes' in ``rare_rows`` alone."""
    X, _ = _regression(12)
    b = ["yes" if i in rare_rows else "no" for i in range(12)]
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["p", "q", "r", "a", "b"])
        for row, a, t in zip(X, ["yes", "no"] * 6, b, strict=True):
            writer.writerow([*map(repr, map(float, row)), a, t])


def test_a_multilabel_fold_that_trains_on_one_value_of_a_target_is_refused_first(
        tmp_path, capsys):
    # KFold does not stratify: the fold that holds out every 'yes' of b would train on
    # 'no' alone, which train refuses, blaming DATA (which holds both)
    path = tmp_path / "tags.csv"
    _multilabel_file(path, {4})
    fold = next(i for i, (_, held) in enumerate(KFold(3, shuffle=True, random_state=0)
                                                 .split(np.zeros((12, 1))), 1) if 4 in held)
    capsys.readouterr()
    assert main(["cv", str(path), "--target", "a", "b", "--epochs", "1", "--folds", "3"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "fold 1 of 3" not in err  # refused before any fold is trained
    assert err.startswith(f"chainrule: error: --folds 3: the target 'b' is 'yes' in 1 example "
                          f"of {path}, held out by fold {fold} (KFold, --seed 0), whose "
                          "training rows are then all 'no'")
    # two 'yes': refused by the seeds whose folds hold both out together, not the others
    _multilabel_file(path, {2, 9})
    for seed in range(6):
        together = [i for i, (_, held) in enumerate(
            KFold(3, shuffle=True, random_state=seed).split(np.zeros((12, 1))), 1)
            if {2, 9} <= set(held)]
        code = main(["cv", str(path), "--target", "a", "b", "--epochs", "1", "--folds", "3",
                     "--hidden", "2", "--seed", str(seed), "-q"])
        err = capsys.readouterr().err
        assert code == (2 if together else 0), (seed, err)
        if together:
            assert f"'yes' in 2 examples of {path}, held out by fold {together[0]}" in err
            assert "give fewer --folds or another --seed" in err


def test_a_class_of_one_example_is_not_told_to_take_fewer_folds(tmp_path, capsys):
    # --folds 2 is the fewest; the advice to give --folds 2 or fewer would be refused again
    X, _ = _regression(20)
    _write(tmp_path / "d.csv", ["p", "q", "r", "label"], X, ["a"] * 10 + ["b"] * 9 + ["one"])
    capsys.readouterr()
    for folds in ("2", "3"):
        assert main(["cv", str(tmp_path / "d.csv"), "--epochs", "1", "--folds", folds]) == 2
        err = capsys.readouterr().err
        assert (f"--folds {folds}: the class 'one' of the target 'label' has 1 example in "
                f"{tmp_path / 'd.csv'}, fewer than the {folds} folds") in err
        assert "give --folds" not in err
        assert "leave out the class's example" in err


def test_a_fold_that_diverges_is_said_as_train_says_it_naming_the_fold(tmp_path, capsys):
    # the library's words (lr=..., clip_norm, "the network keeps its last parameters")
    # are the CLI's in train; cv's are train's, naming the fold, and exit 1 as train's
    X, y = _regression(30)
    names = ["a", "b", "c", "y"]
    _write(tmp_path / "all.csv", names, X, y)
    train_rows = next(iter(KFold(2, shuffle=True, random_state=0).split(X)))[0]
    _write(tmp_path / "fit.csv", names, X[train_rows], y[train_rows])
    options = ["--optimizer", "sgd", "--lr", "1e300", "--epochs", "3", "--val-fraction", "0",
               "--hidden", "4"]
    capsys.readouterr()
    assert main(["train", str(tmp_path / "fit.csv"), *options, "-q", "-o",
                 str(tmp_path / "m.npz")]) == 1
    said = capsys.readouterr().err
    assert said.startswith("chainrule: error: training diverged: the loss became NaN")
    assert main(["cv", str(tmp_path / "all.csv"), *options, "--folds", "2", "-q"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (said.replace("training diverged:", "training diverged in fold 1 of 2:")
                   .replace("no model was written", "no scores were printed"))
    assert "--clip-norm MAX" in err and "clip_norm" not in err


def test_running_out_of_memory_points_at_the_size_options(tmp_path, capsys):
    # the network of --hidden is too large, as train says, not only the 30-row file
    X, y = _regression(30)
    _write(tmp_path / "all.csv", ["a", "b", "c", "y"], X, y)
    options = ["--hidden", str(10**11), "--epochs", "1"]
    capsys.readouterr()
    assert main(["train", str(tmp_path / "all.csv"), *options, "-o",
                 str(tmp_path / "m.npz")]) == 1
    said = capsys.readouterr().err
    assert said.endswith(f"is a size among the options (--hidden, --layers, --batch-size), or "
                         f"{tmp_path / 'all.csv'}, too large?\n"), said
    assert main(["cv", str(tmp_path / "all.csv"), *options, "--folds", "2"]) == 1
    assert capsys.readouterr().err == said


def test_the_default_validation_fraction_is_one_rule_for_every_fold(tmp_path, capsys):
    # 24 rows in 5 folds: training rows of 19 (four folds) and 20 (one); train's default,
    # 0.1 of 20 rows or more, would hold 2 validation rows out of one fold alone, whose
    # --patience would then stop on them while the others ran to the end
    X, y = _regression(24)
    _write(tmp_path / "all.csv", ["a", "b", "c", "y"], X, y)
    sizes = sorted(len(train) for train, _ in KFold(5, shuffle=True, random_state=0).split(X))
    assert sizes == [19, 19, 19, 19, 20]
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "all.csv"), "--hidden", "4", "--epochs", "3",
                 "--patience", "1", "--seed", "0"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 5 and all("(0 of them for validation)" in line for line in lines)
    # and with 20 or more in every fold (24 here), 0.1 of each, the same count in each
    X, y = _regression(30)
    _write(tmp_path / "all.csv", ["a", "b", "c", "y"], X, y)
    assert main(["cv", str(tmp_path / "all.csv"), "--hidden", "4", "--epochs", "3",
                 "--seed", "0"]) == 0
    held = [int(line.split(": ")[1].split(" (")[1].split(" of")[0])
            for line in capsys.readouterr().err.splitlines()]
    assert len(held) == 5 and len(set(held)) == 1 and held[0] > 0
