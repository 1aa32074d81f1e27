"""``chainrule tune``: a grid (or random) search of train's options, scored by cv.

The references are independent of tune's code: each combination's scores are those that
``chainrule cv`` prints of the same options (run here), the order of the combinations is
scikit-learn's ``ParameterGrid`` / ``ParameterSampler`` of the same grid, the ranks are
``scipy.stats.rankdata(method="min")`` of the (signed) means, and the refit model is the
one ``chainrule train`` writes with the best options.
"""

from __future__ import annotations

import json
import shlex
import warnings

import numpy as np
import pytest
from scipy.stats import rankdata
from sklearn.model_selection import ParameterGrid, ParameterSampler

from chainrule import _cli_models_cv, _cli_models_tune
from chainrule.cli import _parse, main

COMMON = ["--epochs", "6", "--folds", "3", "--seed", "2"]
GRID = ["hidden=4|6 3", "lr=0.01,0.05"]
EXPECTED = {"hidden": ["4", "6 3"], "lr": ["0.01", "0.05"]}


def _run(capsys, *argv: str, status: int = 0) -> dict:
    capsys.readouterr()
    assert main([*argv, "--json", "-q"]) == status
    return json.loads(capsys.readouterr().out)


def _error(capsys, *argv: str) -> str:
    capsys.readouterr()
    assert main(["tune", "iris", *COMMON, "-q", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: ")
    return err


def _options(params: dict) -> list[str]:
    return [w for key, value in params.items() for w in [f"--{key}", *value.split()]]


def test_each_combination_scores_as_cv_in_parameter_grid_order(capsys):
    result = _run(capsys, "tune", "iris", *COMMON, "--grid", *GRID)
    assert [r["params"] for r in result["results"]] == list(ParameterGrid(EXPECTED))
    assert result["partial"] is False and result["scoring"] == "accuracy"
    for r in result["results"]:
        cv = _run(capsys, "cv", "iris", *COMMON, *_options(r["params"]))
        assert r["mean"] == cv["mean"] and r["std"] == cv["std"]
        assert r["per_fold"] == cv["per_fold"]
    means = np.array([r["mean"]["accuracy"] for r in result["results"]])
    ranks = rankdata(-means, method="min")
    assert [r["rank"] for r in result["results"]] == ranks.tolist()
    best = result["results"][result["best_index"]]
    assert best["rank"] == 1 and result["best_index"] == int(np.argmin(ranks))
    # the printed line is train's, with the best's options
    assert result["best_command"] == shlex.join(best["train"])
    assert best["train"][:3] == ["chainrule", "train", "iris"]
    line = _parse(best["train"][1:])  # read back by chainrule's own parser
    assert (line.command, line.data, line.epochs, line.seed) == ("train", "iris", 6, 2)
    assert line.hidden == [int(w) for w in best["params"]["hidden"].split()]
    assert line.lr == float(best["params"]["lr"])


def test_lower_is_better_ranked_lowest_first(capsys):
    result = _run(capsys, "tune", "iris", *COMMON, "--grid", *GRID, "--scoring", "log_loss")
    means = np.array([r["mean"]["log_loss"] for r in result["results"]])
    assert [r["rank"] for r in result["results"]] == rankdata(means, method="min").tolist()
    assert result["greater_is_better"] is False


def test_ranks_ties_share_the_smallest_rank():
    results = [{"mean": {"accuracy": v}} for v in (0.9, 0.95, 0.95, 0.8)] + [{"mean": {}}]
    assert _cli_models_tune.ranks(results, "accuracy").tolist() == [3, 1, 1, 4, 5]
    mse = [{"mean": {"mse": v}} for v in (2.0, 1.0, 2.0)]
    expected = rankdata([2.0, 1.0, 2.0], method="min").tolist()
    assert _cli_models_tune.ranks(mse, "mse").tolist() == expected == [2, 1, 2]


def test_random_is_parameter_sampler(capsys):
    grid = ["hidden=3,4,5", "lr=0.01,0.02,0.05"]
    result = _run(capsys, "tune", "iris", *COMMON, "--grid", *grid, "--random", "4")
    full = {"hidden": ["3", "4", "5"], "lr": ["0.01", "0.02", "0.05"]}
    assert [r["params"] for r in result["results"]] == list(
        ParameterSampler(full, 4, random_state=2))
    assert result["search"] == "random" and result["combinations"] == 4


def test_random_larger_than_the_grid_runs_the_whole_grid_and_says_so(capsys):
    capsys.readouterr()
    assert main(["tune", "iris", *COMMON, "--grid", "lr=0.01,0.05", "--random", "5",
                 "--json", "-q"]) == 0
    out, err = capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:  # scikit-learn warns, runs all
        warnings.simplefilter("always")
        expected = list(ParameterSampler({"lr": ["0.01", "0.05"]}, 5, random_state=2))
    assert caught and len(expected) == 2
    assert [r["params"] for r in json.loads(out)["results"]] == expected
    assert err == ("chainrule tune: --random 5: the grid has 2 combinations, fewer than 5: "
                   "each is tried once, in ParameterSampler's order (as RandomizedSearchCV, "
                   "which warns and runs the whole grid)\n")


def test_refit_writes_the_model_train_writes_with_the_best_options(capsys, tmp_path):
    tuned, trained = tmp_path / "tuned.npz", tmp_path / "trained.npz"
    result = _run(capsys, "tune", "iris", *COMMON, "--grid", *GRID, "-o", str(tuned))
    best = result["results"][result["best_index"]]
    assert main(["train", "iris", "--epochs", "6", "--seed", "2",
                 *_options(best["params"]), "-q", "-o", str(trained)]) == 0
    with np.load(tuned) as a, np.load(trained) as b:
        np.testing.assert_array_equal(a["params"], b["params"])
        meta_a, meta_b = (json.loads(str(z["__meta__"]))["metadata"] for z in (a, b))
    assert meta_a["tune"]["best"] == best["params"]
    assert meta_a["tune"]["grid"] == EXPECTED and meta_a["tune"]["folds"] == 3
    assert meta_a["tune"]["mean"] == best["mean"]["accuracy"]
    assert "tune" not in meta_b
    assert meta_a["training"]["hidden"] == meta_b["training"]["hidden"]
    assert shlex.split(result["best_command"])[-2:] == ["-o", str(tuned)]
    capsys.readouterr()
    assert main(["info", str(tuned)]) == 0
    mean, std = best["mean"]["accuracy"], best["std"]["accuracy"]
    chosen = " ".join(_options(best["params"]))  # the best row's options, as train's
    assert (f"chosen by chainrule tune: {chosen}, the best of 4 combinations (grid search of "
            f"hidden=4|6 3; lr=0.01|0.05), mean accuracy {mean:.6g} (std {std:.6g}) over 3 "
            "folds (StratifiedKFold, seed 2)\n") in capsys.readouterr().out


def test_text_table_and_best_line(capsys):
    capsys.readouterr()
    # DATA may follow --grid's entries, as it follows --target's names
    assert main(["tune", *COMMON, "--grid", "hidden=4|6 3", "iris", "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "iris: 150 examples, classification of 'species'"
    assert lines[2].split() == ["hidden", "mean", "std", "rank", "seconds"]
    assert lines[3].split()[0] == "4" and lines[4].split()[:2] == ["6", "3"]
    assert lines[-1].startswith("best: chainrule train iris --hidden ")


def test_ctrl_c_prints_the_combinations_finished(capsys, monkeypatch):
    full = _run(capsys, "tune", "iris", *COMMON, "--grid", *GRID)
    fit, calls = _cli_models_cv._fit_fold, []

    def interrupted(*args, **kwargs):  # Ctrl-C in the first fold of the third combination
        calls.append(1)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return fit(*args, **kwargs)

    monkeypatch.setattr(_cli_models_cv, "_fit_fold", interrupted)
    capsys.readouterr()
    assert main(["tune", "iris", *COMMON, "--grid", *GRID, "--json", "-q"]) == 130
    out, err = capsys.readouterr()
    assert err == ("chainrule tune: interrupted during combination 3 of 4; the table is of "
                   "the 2 finished\n")
    part = json.loads(out)
    assert part["partial"] is True
    for a, b in zip(part["results"], full["results"][:2], strict=True):
        assert (a["params"], a["mean"], a["std"]) == (b["params"], b["mean"], b["std"])
    means = [r["mean"]["accuracy"] for r in part["results"]]
    assert [r["rank"] for r in part["results"]] == rankdata(
        -np.array(means), method="min").tolist()


def test_a_diverged_combination_is_ranked_last(capsys):
    result = _run(capsys, "tune", "diabetes", "--epochs", "3", "--folds", "2",
                  "--optimizer", "sgd", "--grid", "lr=1e4,0.01")
    diverged, fine = result["results"]
    assert "diverged" in diverged["failed"] and diverged["mean"] == {}
    assert (diverged["rank"], fine["rank"]) == (2, 1)
    assert result["best"] == {"lr": "0.01"}


@pytest.mark.parametrize(("grid", "words"), [
    ("bogus=1,2", "--grid bogus=1,2: --bogus is not an option of chainrule train"),
    ("epoch=3", "(did you mean epochs?)"),
    ("lr=abc", "--grid lr=abc: the value 'abc' of lr: argument --lr: expected a finite "
               "number > 0, got 'abc'"),
    ("hidden=4|x 2", "the value 'x 2' of hidden: argument --hidden: expected an integer"),
    ("lr=", "--grid lr=: no value of lr to try (an empty grid)"),
    ("lr=0.1,,0.2", "an empty value of lr"),
    ("lr=0.1,0.1", "the value '0.1' of lr is given twice"),
    ("lr", "--grid lr: expected OPTION=V1,V2,..."),
    ("folds=2,3", "--folds is an option of chainrule tune itself"),
    ("seed=1,2", "--seed cannot be tried in a grid"),
    ("target=species", "--target cannot be tried in a grid"),
    ("checkpoint=a.npz", "--checkpoint cannot be tried in a grid"),
    ("epochs=4", "--epochs is given outside --grid too"),
])
def test_bad_grids_are_refused_by_name(capsys, grid, words):
    assert words in _error(capsys, "--grid", grid)


def test_other_refusals(capsys):
    assert "--grid: required" in _error(capsys)
    assert "--plot: not an option of chainrule tune" in _error(
        capsys, "--grid", "lr=0.1", "--plot", "a.png")
    assert "--grid lr=0.2: lr is given twice" in _error(capsys, "--grid", "lr=0.1", "lr=0.2")
    assert "--scoring r2: not a score of classification" in _error(
        capsys, "--grid", "lr=0.1", "--scoring", "r2")
    # a combination's options that need no data are checked before anything trains
    err = _error(capsys, "--grid", "optimizer=adam,lbfgs", "batch-size=8")
    assert err.startswith("chainrule: error: the combination --batch-size 8 --optimizer "
                          "lbfgs: --batch-size")


def test_overwriting_the_data_is_refused_before_the_search(capsys, tmp_path, monkeypatch):
    X = np.arange(40.0).reshape(20, 2)
    np.savez(tmp_path / "d.npz", X=X, y=X[:, 0] * 2.0)
    monkeypatch.setattr(_cli_models_cv, "_run_folds", None)  # nothing may train
    capsys.readouterr()
    assert main(["tune", str(tmp_path / "d.npz"), "--grid", "lr=0.1", "-o",
                 str(tmp_path / "d.npz")]) == 2
    assert "-o/--out" in capsys.readouterr().err


def test_regression_scores_as_cv(capsys):
    options = ["--epochs", "3", "--folds", "2", "--seed", "1", "--batch-size", "64"]
    result = _run(capsys, "tune", "diabetes", *options, "--grid", "weight-decay=0,0.5",
                  "--scoring", "mae")
    assert result["task"] == "regression" and result["splitter"] == "KFold"
    for r in result["results"]:
        cv = _run(capsys, "cv", "diabetes", *options, *_words(r["params"]))
        assert (r["mean"], r["std"], r["per_fold"]) == (cv["mean"], cv["std"], cv["per_fold"])
    maes = [r["mean"]["mae"] for r in result["results"]]
    assert [r["rank"] for r in result["results"]] == rankdata(maes, method="min").tolist()


@pytest.mark.parametrize("scoring", ["hamming_loss", "f1_macro", "roc_auc"])
def test_multilabel_scores_its_cv_keys(capsys, tmp_path, scoring):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    a, b = (X[:, 0] > 0).astype(int), (X[:, 1] + X[:, 2] > 0).astype(int)
    path = tmp_path / "ml.csv"
    rows = zip(X, a, b, strict=True)
    path.write_text("x0,x1,x2,a,b\n" + "".join(
        ",".join(map(repr, map(float, r))) + f",{p},{q}\n" for r, p, q in rows))
    options = [str(path), "--target", "a", "b", "--epochs", "3", "--folds", "3"]
    result = _run(capsys, "tune", *options, "--grid", "lr=0.01,0.1", "--scoring", scoring)
    sign = 1 if scoring == "hamming_loss" else -1
    for r in result["results"]:
        cv = _run(capsys, "cv", *options, *_words(r["params"]))
        assert r["mean"][scoring] == cv["mean"][scoring]
    means = np.array([r["mean"][scoring] for r in result["results"]])
    assert [r["rank"] for r in result["results"]] == rankdata(
        sign * means, method="min").tolist()


def test_a_grid_of_one_combination_is_cv(capsys):
    result = _run(capsys, "tune", "iris", *COMMON, "--grid", "hidden=")
    cv = _run(capsys, "cv", "iris", *COMMON, "--hidden")
    assert result["results"][0]["mean"] == cv["mean"]
    assert result["results"][0]["rank"] == 1


def test_json_values_and_their_train_line(capsys):
    schedule = '{"name": "step", "step_size": 2, "gamma": 0.5}'
    result = _run(capsys, "tune", "iris", "--epochs", "3", "--folds", "2", "--grid",
                  f"schedule=constant|{schedule}", "weight-decay=0,1e-3")
    assert [r["params"] for r in result["results"]] == list(ParameterGrid(
        {"schedule": ["constant", schedule], "weight-decay": ["0", "1e-3"]}))
    for r in result["results"]:  # each line reads back as the options typed to train
        line = vars(_parse(r["train"][1:]))
        typed = vars(_parse(["train", "iris", "--epochs", "3", *_words(r["params"])]))
        assert line == typed


def _words(params: dict) -> list[str]:
    return [w for key, value in params.items() for w in (f"--{key}", value)]


@pytest.mark.parametrize(("data", "grid", "words"), [
    ("iris", "output=softmax,identity", "the combination --output identity: --output: a "
     "classifier of 3 classes needs a softmax output, got 'identity'"),
    ("diabetes", "loss=mse,cross_entropy", "the combination --loss cross_entropy: --loss "
     "cross_entropy: needs an output activation it is defined on"),
])
def test_a_combination_refused_on_data_is_refused_before_anything_trains(
        capsys, monkeypatch, data, grid, words):
    trained = []
    monkeypatch.setattr(_cli_models_cv, "_run_folds", lambda *a, **k: trained.append(a))
    capsys.readouterr()
    assert main(["tune", data, "--epochs", "2", "--folds", "2", "--grid", grid]) == 2
    err = capsys.readouterr().err
    assert trained == [] and "combination 1 of 2" not in err
    assert err.startswith(f"chainrule: error: {words}")


def test_ranks_a_nan_mean_last_as_scikit_learn():
    # GridSearchCV ranks a NaN mean (error_score=nan) after every number: worked by hand,
    # 0.9 first, 0.5 second, the NaN and the missing score sharing the last rank
    nan = float("nan")
    results = [{"mean": {"accuracy": v}} for v in (nan, 0.5, 0.9)] + [{"mean": {}}]
    assert _cli_models_tune.ranks(results, "accuracy").tolist() == [3, 2, 1, 3]
    mse = [{"mean": {"mse": v}} for v in (2.0, nan, 1.0)]
    assert _cli_models_tune.ranks(mse, "mse").tolist() == [2, 3, 1]


def test_interrupted_after_diverged_combinations_only_recommends_none(capsys, monkeypatch):
    fit, calls = _cli_models_cv._fit_fold, []

    def interrupted(*args, **kwargs):  # Ctrl-C in the first fold of the second combination
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return fit(*args, **kwargs)

    monkeypatch.setattr(_cli_models_cv, "_fit_fold", interrupted)
    argv = ["tune", "diabetes", "--epochs", "3", "--folds", "2", "--optimizer", "sgd",
            "--grid", "lr=1e4,0.01", "-q"]
    capsys.readouterr()
    assert main(argv) == 130
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "best so far: none: no combination finished has a mean r2"
    calls.clear()
    assert main([*argv, "--json"]) == 130
    part = json.loads(capsys.readouterr().out)
    assert part["results"][0]["failed"] and part["partial"] is True
    assert (part["best"], part["best_index"], part["best_command"]) == (None, None, None)


def test_one_json_value_cut_at_its_commas_says_how_to_give_it(capsys):
    layers = '[{"type": "Dense", "fan_out": 4}]'
    err = _error(capsys, "--grid", f"layers={layers}", "lr=0.01,0.1")
    assert err.startswith(f"chainrule: error: --grid layers={layers}: the value "
                          "'[{\"type\": \"Dense\"' of layers: argument --layers")
    assert err.rstrip().endswith(
        "(values were split at commas, as the text holds no |: a value holding commas is "
        "separated from the others by |, as layers=V1|V2, and one value alone is given "
        "outside --grid, as --layers V)")
    # as said: given outside --grid, the same value is tune's fixed option
    assert main(["tune", "iris", *COMMON, "-q", "--layers", layers, "--grid",
                 "lr=0.01,0.1"]) == 0


def test_a_diverged_combination_is_said_in_the_command_line_words(capsys):
    options = ["--epochs", "3", "--folds", "2", "--optimizer", "sgd"]
    result = _run(capsys, "tune", "diabetes", *options, "--grid", "lr=1e4,0.01")
    failed = result["results"][0]["failed"]
    # cv's line of the same options, but for what the command keeps
    assert main(["cv", "diabetes", *options, "--lr", "1e4", "-q"]) == 1
    cv = capsys.readouterr().err.removeprefix("chainrule: error: ").strip()
    assert cv.startswith("training diverged in fold 1 of 2: ")
    assert failed == cv.replace("no scores were printed", "the combination has no score")
    assert "a smaller --lr (this run: 10000)" in failed and "--clip-norm MAX" in failed
    assert "clip_norm" not in failed and "keeps its last parameters" not in failed


def test_running_out_of_memory_names_the_combination_and_the_size_options(capsys):
    # 10**11 hidden units of 4 inputs: 3 TB of weights, on any machine
    assert main(["tune", "iris", *COMMON, "-q", "--grid", f"hidden=4,{10**11}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: not enough memory (the combination --hidden "
                          f"{10**11}: Unable to allocate ")
    assert err.endswith("; is a size among the options (--hidden, --layers, --batch-size) "
                        "too large?\n")


def test_r2_of_leave_one_out_folds_is_refused_before_anything_trains(capsys, monkeypatch,
                                                                     tmp_path):
    X = np.arange(40.0).reshape(20, 2)
    np.savez(tmp_path / "d.npz", X=X, y=X[:, 0] * 2.0)
    trained = []
    monkeypatch.setattr(_cli_models_cv, "_run_folds", lambda *a, **k: trained.append(a))
    argv = ["tune", str(tmp_path / "d.npz"), "--task", "regression", "--epochs", "2",
            "--folds", "20", "-q", "--grid", "lr=0.01,0.1"]
    capsys.readouterr()
    assert main(argv) == 2
    assert trained == []  # 20 folds of 20 rows: one held out by each, no R^2 of any
    assert capsys.readouterr().err == (
        "chainrule: error: --scoring r2 (the default of regression): R^2 needs two held-out "
        "examples or more, and each of the 20 folds holds out one, so no combination would "
        "have a score to rank: give --scoring mse, rmse or mae, or fewer --folds\n")
    monkeypatch.undo()
    assert main([*argv, "--scoring", "mse"]) == 0  # each fold has its mse


@pytest.mark.parametrize(("outside", "grid"), [
    (["--epochs", "100"], "epochs=2,3"),  # train's default, typed
    (["--scale", "standard"], "scale=none,standard"),
    (["--weight-decay", "0"], "weight-decay=0,0.1"),
    (["--optimizer", "adam"], "optimizer=sgd,adam"),
])
def test_an_option_typed_outside_the_grid_with_its_default_is_refused(capsys, outside, grid):
    name = grid.partition("=")[0]
    capsys.readouterr()
    assert main(["tune", "iris", "--folds", "2", *outside, "--grid", grid, "-q"]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: --grid {grid}: --{name} is given outside --grid too; give its "
        "values in --grid alone\n")


def test_options_not_typed_take_trains_defaults(capsys):
    # tune's parser leaves them None until the search: each run has train's own
    result = _run(capsys, "tune", "iris", "--folds", "2", "--grid", "lr=0.01")
    line = vars(_parse(result["results"][0]["train"][1:]))
    assert line == vars(_parse(["train", "iris", "--lr", "0.01"]))
    assert result["seed"] == 0 and result["results"][0]["train"] == [
        "chainrule", "train", "iris", "--lr", "0.01"]
