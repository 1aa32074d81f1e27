"""``chainrule cv --dtype`` and ``tune --dtype``: each fold trained in train's dtype.

cv and tune took train's options but --dtype, so a float32 setting could be trained but
not cross-validated.  The reference of each fold is independent of cv's code, as in
``test_cli_cv``: the fold's rows chosen here by scikit-learn's StratifiedKFold / KFold,
written to CSV files, ``chainrule train --dtype float32`` run on the training rows and
``chainrule evaluate`` on the held-out rows.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import KFold, StratifiedKFold

from chainrule import _cli_models_cv
from chainrule.cli import main
from chainrule.saved_model import SavedModel
from test_cli_cv import IRIS_OPTIONS, REGRESSION_OPTIONS, _check, _reference, _regression
from test_cli_cv import _write as _write_csv

F32 = ["--dtype", "float32"]


def _json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main([*argv, "--json", "-q"]) == 0
    return json.loads(capsys.readouterr().out)


def _text(capsys, *argv: str) -> str:
    capsys.readouterr()
    assert main([*argv, "-q"]) == 0
    return capsys.readouterr().out


def test_iris_float32_folds_are_train_float32_and_evaluate(tmp_path, capsys):
    iris = load_iris()
    X, y = iris.data, iris.target_names[iris.target]
    names = [*iris.feature_names, "species"]
    options = [*IRIS_OPTIONS, *F32]
    result = _json(capsys, "cv", "iris", *options, "--folds", "4")
    splits = StratifiedKFold(4, shuffle=True, random_state=3).split(X, y)
    reference = _reference(tmp_path, capsys, names, X, y, splits, options)
    text = _text(capsys, "cv", "iris", *options, "--folds", "4")
    _check(result, reference, text)
    assert result["dtype"] == "float32"
    assert "each fold's network and features in float32 (--dtype float32)" in (
        text.splitlines())
    # float32 arithmetic: the log losses are not float64's
    double = _json(capsys, "cv", "iris", *IRIS_OPTIONS, "--folds", "4")
    assert [r["log_loss"] for r in result["per_fold"]] != [
        r["log_loss"] for r in double["per_fold"]]


def test_regression_float32_folds_are_train_float32_and_evaluate(tmp_path, capsys):
    X, y = _regression()
    names = ["a", "b", "c", "y"]
    data = tmp_path / "all.csv"
    _write_csv(data, names, X, y)
    options = [*REGRESSION_OPTIONS, *F32]
    result = _json(capsys, "cv", str(data), *options, "--folds", "3")
    splits = KFold(3, shuffle=True, random_state=4).split(X)
    reference = _reference(tmp_path, capsys, names, X, y, splits, options)
    _check(result, reference, _text(capsys, "cv", str(data), *options, "--folds", "3"))


def test_float64_default_says_no_dtype_and_is_dtype_float64(capsys):
    argv = ["cv", "iris", *IRIS_OPTIONS, "--folds", "3"]
    for show in (_json, _text):
        default = show(capsys, *argv)
        assert show(capsys, *argv, "--dtype", "float64") == default
    assert "dtype" not in _json(capsys, *argv)
    assert "--dtype" not in _text(capsys, *argv)


def _beyond(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(6))
                    + "2,1e39,1\n")
    return path


@pytest.mark.parametrize("command", [["cv", "--folds", "2"],
                                     ["tune", "--folds", "2", "--grid", "hidden=3,4"]])
def test_a_value_beyond_float32_is_refused_as_train_refuses_it(tmp_path, capsys, command):
    path = _beyond(tmp_path)
    capsys.readouterr()
    assert main(["train", str(path), *F32, "-q", "-o", str(tmp_path / "m.npz")]) == 2
    said = capsys.readouterr().err
    assert "wide.csv line 8, column 'b': 1e+39 is beyond the range of float32" in said
    assert main([command[0], str(path), *command[1:], *F32, "-q"]) == 2
    assert capsys.readouterr().err == said
    assert main([command[0], str(path), *command[1:], "-q", "--json"]) == 0  # float64: read


@pytest.mark.slow  # about 14 s: starting joblib's worker processes
def test_float32_folds_in_workers_are_the_float32_run(capsys):
    """--n-jobs 2: the workers train in float32 (their scores are the float32 run's, not
    float64's)."""
    argv = ["cv", "iris", *IRIS_OPTIONS, "--folds", "3"]
    one = _json(capsys, *argv, *F32)
    assert _json(capsys, *argv, *F32, "--n-jobs", "2") == one
    assert _json(capsys, *argv)["per_fold"] != one["per_fold"]


def test_tune_float32_is_cv_float32_and_its_model_is_train_float32(tmp_path, capsys):
    out, ref = tmp_path / "tuned.npz", tmp_path / "ref.npz"
    argv = ["--epochs", "6", "--seed", "2", "--folds", "3"]
    result = _json(capsys, "tune", "iris", *argv, "--grid", "hidden=3,5", *F32, "-o",
                   str(out))
    assert result["dtype"] == "float32"
    for r, hidden in zip(result["results"], ("3", "5"), strict=True):
        cv = _json(capsys, "cv", "iris", *argv, "--hidden", hidden, *F32)
        assert r["per_fold"] == cv["per_fold"]
        assert r["train"][-2:] == F32
    best = result["results"][result["best_index"]]
    assert main([*best["train"][1:], "-q", "-o", str(ref)]) == 0
    tuned, trained = SavedModel.load(out), SavedModel.load(ref)
    assert tuned.network.params.dtype == np.float32
    np.testing.assert_array_equal(tuned.network.params, trained.network.params)
    assert tuned.metadata["training"]["dtype"] == "float32"
    assert tuned.metadata["training"]["dtype"] == trained.metadata["training"]["dtype"]
    text = _text(capsys, "tune", "iris", *argv, "--grid", "hidden=3,5", *F32)
    assert ("every combination's networks and features in float32 (--dtype float32)"
            in text.splitlines())


def test_tune_grid_of_dtypes_is_cv_in_each(capsys):
    argv = ["--hidden", "4", "--epochs", "5", "--seed", "1", "--folds", "3"]
    result = _json(capsys, "tune", "iris", *argv, "--grid", "dtype=float32,float64")
    assert "dtype" not in result  # each combination's, in its params
    assert [r["params"] for r in result["results"]] == [{"dtype": "float32"},
                                                        {"dtype": "float64"}]
    assert result["results"][0]["per_fold"] == _json(capsys, "cv", "iris", *argv,
                                                     *F32)["per_fold"]
    assert result["results"][1]["per_fold"] == _json(capsys, "cv", "iris",
                                                     *argv)["per_fold"]


def test_cv_float32_of_a_float32_npz_holds_no_float64_copy(tmp_path, capsys, monkeypatch):
    """Each fold's training rows are float32, and the whole run's peak is about 4.5 times
    the float32 array (the array, each fold's rows, their standardised copy and split);
    a float64 copy of the features would add 2 (the float64 run: 7.9)."""
    rng = np.random.default_rng(0)
    n, d = 20_000, 20
    X = rng.normal(loc=5.0, scale=3.0, size=(n, d)).astype(np.float32)
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=(X[:, 0] + X[:, 1] > 10).astype(int))
    argv = ["cv", str(data), "--epochs", "1", "--hidden", "4", "--batch-size", "512",
            "--folds", "3", "--seed", "0", "-q", "--json", *F32]
    fit, seen = _cli_models_cv._fit_fold, []

    def recorded(args, table, *rest):
        model, history, n_val = fit(args, table, *rest)
        seen.append((table.X.dtype, model.network.params.dtype))
        return model, history, n_val

    assert main(argv) == 0  # imports, caches
    monkeypatch.setattr(_cli_models_cv, "_fit_fold", recorded)
    tracemalloc.start()
    try:
        assert main(argv) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    capsys.readouterr()
    assert seen == [(np.float32, np.float32)] * 3
    assert peak < 5.5 * X.nbytes, peak / X.nbytes
