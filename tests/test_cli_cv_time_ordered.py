"""``--time-ordered`` of ``chainrule cv``, ``tune`` and ``train``: rows in time order are
split by scikit-learn's ``TimeSeriesSplit`` (cv, tune) and train's validation rows are the
last ones, so no held-out row is older than a row the model trained on."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from sklearn.model_selection import TimeSeriesSplit

from chainrule.cli import _parse, main
from chainrule.saved_model import SavedModel
from file_helpers import write_rows_csv as _write

OPTIONS = ["--hidden", "5", "--epochs", "6", "--seed", "2"]




def _cv(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(["cv", *argv, "--json", "-q"]) == 0
    return json.loads(capsys.readouterr().out)


def _series(n: int = 60, seed: int = 0):
    """A regression of two features on a drifting target, rows in time order."""
    rng = np.random.default_rng(seed)
    X = np.c_[np.arange(n) / n, rng.normal(size=n)]
    return X, np.cumsum(rng.normal(size=n)) + X[:, 1]


def test_cv_folds_are_time_series_split_train_and_evaluate(tmp_path, capsys):
    """Each fold's scores are evaluate's of train --time-ordered on the fold's training
    rows (its --val-fraction rows their last ones), evaluated on its held-out block."""
    X, y = _series(100)
    data = _write(tmp_path / "all.csv", ["t", "a", "y"], X, y)
    options = [*OPTIONS, "--val-fraction", "0.2"]
    result = _cv(capsys, data, "--time-ordered", *options, "--folds", "3")
    splits = list(TimeSeriesSplit(n_splits=3).split(X))
    assert result["splitter"] == "TimeSeriesSplit" and result["shuffle"] is False
    assert result["time_ordered"] == {"never_held_out": len(splits[0][0]), "gap": 0,
                                      "max_train_rows": None}
    assert len(result["per_fold"]) == 3
    for i, ((train, held), row) in enumerate(zip(splits, result["per_fold"], strict=True)):
        fit = _write(tmp_path / f"fit{i}.csv", ["t", "a", "y"], X[train], y[train])
        test = _write(tmp_path / f"test{i}.csv", ["t", "a", "y"], X[held], y[held])
        model = str(tmp_path / f"m{i}.npz")
        assert main(["train", fit, "--time-ordered", *options, "-q", "-o", model]) == 0
        capsys.readouterr()
        assert main(["evaluate", model, test, "--json"]) == 0
        scores = json.loads(capsys.readouterr().out)
        for key, value in scores.items():
            assert row[key] == value, (i, key)
        assert row["train_samples"] == len(train)
    # the printed folds line names the splitter and the block never held out
    capsys.readouterr()
    assert main(["cv", data, "--time-ordered", *options, "--folds", "3", "-q"]) == 0
    out = capsys.readouterr().out
    assert "3 folds (TimeSeriesSplit of the rows in DATA's order, --time-ordered, not " in out
    assert f"the first {len(splits[0][0])} rows never held out" in out


@pytest.mark.parametrize("n, k", [(60, 5), (23, 4), (7, 6)])
def test_every_held_out_block_comes_after_its_training_rows(tmp_path, n, k):
    from chainrule._cli_models_cv import setup

    X, y = _series(n, seed=1)
    args = _parse(["cv", _write(tmp_path / "d.csv", ["t", "a", "y"], X, y),
                   "--time-ordered", "--folds", str(k)])
    *_, splitter, folds = setup(args)
    assert splitter == "TimeSeriesSplit"
    assert len(folds) == k
    size = n // (k + 1)  # TimeSeriesSplit's test_size; the first block takes the rest
    for i, (train, held) in enumerate(folds):
        start = n - (k - i) * size
        np.testing.assert_array_equal(train, np.arange(start))  # every row before it
        np.testing.assert_array_equal(held, np.arange(start, start + size))
        assert train.max() < held.min()
    assert folds[0][0].size == n - k * size  # never held out


def test_a_random_walk_scores_far_better_shuffled_than_in_time_order(tmp_path, capsys):
    """The leak --time-ordered closes: of a random walk against the time, shuffled folds
    score each held-out row by its neighbours on both sides (the future included); in
    time order, a fold's model meets rows after all it trained on.  The folds' mean
    squared errors spread over orders of magnitude in time order, so they are compared as
    logs: the mean of each, 3 standard errors of their difference apart at least."""
    rng = np.random.default_rng(5)
    n = 120
    t = np.arange(n) / n
    data = _write(tmp_path / "walk.csv", ["t", "y"], t[:, None], np.cumsum(rng.normal(size=n)))
    options = ["--hidden", "16", "--epochs", "60", "--lr", "0.03", "--folds", "5",
               "--val-fraction", "0", "--seed", "0"]
    logs = {}
    for how in ("shuffled", "time"):
        extra = ["--time-ordered"] if how == "time" else []
        result = _cv(capsys, data, *options, *extra)
        logs[how] = np.log([row["mse"] for row in result["per_fold"]])
    se = math.hypot(*(np.std(v, ddof=1) / math.sqrt(v.size) for v in logs.values()))
    assert logs["time"].mean() - logs["shuffled"].mean() > 3 * se
    assert np.exp(logs["time"].mean() - logs["shuffled"].mean()) > 5  # a factor of 5 +


def test_train_validates_on_the_last_rows_and_records_it(tmp_path, capsys):
    rng = np.random.default_rng(1)
    n, fraction = 50, 0.15
    X = rng.normal(size=(n, 2))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=n) > 0, "up", "down")
    data = _write(tmp_path / "d.csv", ["a", "b", "y"], X, y)
    model = str(tmp_path / "m.npz")
    capsys.readouterr()
    assert main(["train", data, "--time-ordered", "--val-fraction", str(fraction),
                 "--hidden", "3", "--epochs", "4", "-o", model]) == 0
    n_val = math.ceil(fraction * n)
    assert (f"{n - n_val} for training, {n_val} for validation (the last rows: "
            "--time-ordered)") in capsys.readouterr().out
    m = SavedModel.load(model)
    meta = m.metadata
    assert meta["training"]["time_ordered"] is True
    assert meta["training"]["val_rows"] == n_val
    # the standardising statistics are the first n - n_val rows'
    np.testing.assert_allclose(meta["x_mean"], X[:n - n_val].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(meta["x_scale"], X[:n - n_val].std(axis=0), rtol=1e-12)

    # the last epoch's validation loss: NumPy's forward pass and log loss of the last rows
    def log_loss(rows):
        A = (X[rows] - meta["x_mean"]) / meta["x_scale"]
        hidden, out = m.network.layers
        A = np.maximum(A @ np.asarray(hidden.W).reshape(2, 3) + np.ravel(hidden.b), 0)
        p = 1 / (1 + np.exp(-(A @ np.asarray(out.W).reshape(3, 1) + np.ravel(out.b))))[:, 0]
        up = y[rows] == "up"
        return -np.mean(np.where(up, np.log(p), np.log(1 - p)))

    assert meta["history"]["val_loss"][-1] == pytest.approx(log_loss(np.arange(n - n_val, n)),
                                                            rel=1e-9)
    assert meta["history"]["val_loss"][-1] != pytest.approx(log_loss(np.arange(n_val)),
                                                            rel=1e-3)
    assert main(["evaluate", model, data]) == 0
    assert (f"the data the model was trained on ({n - n_val} training and {n_val} "
            "validation examples;") in capsys.readouterr().out.splitlines()[0]
    assert main(["info", model]) == 0
    assert "time_ordered=True, val_rows=8" in capsys.readouterr().out


def test_tune_cross_validates_every_combination_on_the_time_ordered_folds(tmp_path,
                                                                          capsys):
    X, y = _series(40, seed=3)
    data = _write(tmp_path / "d.csv", ["t", "a", "y"], X, y)
    options = ["--epochs", "4", "--seed", "1", "--folds", "3", "--time-ordered"]
    capsys.readouterr()
    assert main(["tune", data, *options, "--grid", "hidden=3,5", "--json", "-q"]) == 0
    tuned = json.loads(capsys.readouterr().out)
    assert tuned["splitter"] == "TimeSeriesSplit" and tuned["shuffle"] is False
    for result in tuned["results"]:
        cv = _cv(capsys, data, *options, "--hidden", result["params"]["hidden"])
        assert [r["mse"] for r in result["per_fold"]] == [r["mse"] for r in cv["per_fold"]]
        assert "--time-ordered" in result["train"]  # the best line and -o keep it
    assert "--time-ordered" in tuned["best_command"]
    assert main(["tune", data, *options, "--grid", "time-ordered=on,off"]) == 2
    assert "give --time-ordered once" in capsys.readouterr().err


@pytest.mark.slow
def test_n_jobs_runs_the_same_folds(tmp_path, capsys):
    X, y = _series(40, seed=4)
    data = _write(tmp_path / "d.csv", ["t", "a", "y"], X, y)
    argv = [data, "--time-ordered", *OPTIONS, "--folds", "3"]
    assert _cv(capsys, *argv, "--n-jobs", "2") == _cv(capsys, *argv)


def _classes(tmp_path, labels: list[str]) -> str:
    X = np.arange(len(labels), dtype=float)[:, None]
    return _write(tmp_path / "c.csv", ["x", "y"], X, labels)


@pytest.mark.parametrize("case, argv, words", [
    ("groups", ["cv", "--groups", "g", "--folds", "2"],
     ["--time-ordered: not with --groups g:", "give one of them"]),
    ("val-data", ["train", "--val-data", "VAL"],
     ["--time-ordered: not with --val-data", "none is held out last"]),
    ("few", ["cv", "--folds", "6"],
     ["--folds 6: ", "has 6 examples", "cuts them into 7 blocks", "give --folds 5 or fewer"]),
    ("class", ["cv", "--folds", "3"],
     ["--folds 3: the class 'c' of the target 'y' first appears in row 8",
      "after the 4 training rows of fold 1", "give fewer --folds"]),  # 10 // 4 = 2 a fold
    ("val-class", ["train", "--val-fraction", "0.3"],
     ["--val-fraction 0.3: every example of the class 'c'", "is in its last 3 rows",
      "first is row 8"]),
])
def test_refusals_name_the_options_and_the_counts(tmp_path, capsys, case, argv, words):
    if case == "groups":
        rows = [["g", "x", "y"], *([f"k{i % 3}", str(i), str(i % 2)] for i in range(9))]
        with open(tmp_path / "g.csv", "w", newline="") as fh:
            csv.writer(fh).writerows(rows)
        data = str(tmp_path / "g.csv")
    elif case in ("class", "val-class"):
        data = _classes(tmp_path, ["a", "b"] * 4 + ["c", "a"])
    else:
        data = _write(tmp_path / "d.csv", ["x", "y"], np.arange(6.0)[:, None], np.arange(6.0))
    argv = [data if a == "VAL" else a for a in argv]
    capsys.readouterr()
    assert main([argv[0], data, *argv[1:], "--time-ordered", "--epochs", "1", "-q", "-o"
                 if argv[0] == "train" else "--seed", str(tmp_path / "m.npz")
                 if argv[0] == "train" else "0"]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err
    assert "Traceback" not in err


def test_resume_refuses_another_setting(tmp_path, capsys):
    X, y = _series(30)
    data = _write(tmp_path / "d.csv", ["t", "a", "y"], X, y)
    ck, out = str(tmp_path / "ck.npz"), str(tmp_path / "m.npz")
    assert main(["train", data, "--time-ordered", "--epochs", "1", "--checkpoint", ck, "-q",
                 "-o", out]) == 0
    capsys.readouterr()
    assert main(["train", data, "--epochs", "2", "--checkpoint", ck, "--resume", "-q",
                 "-o", out]) == 2
    assert (f"--time-ordered: the run in {ck} was started with --time-ordered, got no "
            "--time-ordered") in capsys.readouterr().err
    assert main(["train", data, "--time-ordered", "--epochs", "2", "--checkpoint", ck,
                 "--resume", "-q", "-o", out]) == 0
