"""``chainrule importance --sample-weight COLUMN``: weighted permutation importance.

The reference is scikit-learn's ``permutation_importance(..., sample_weight=w)``, called
on the NumPy estimators of ``test_cli_importance``: it gives the weights to the scorer of
the baseline and of every shuffle, the rows' weights staying in place while a feature's
column is shuffled.  The weight column is no feature: it is neither scored nor shuffled.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.inspection import permutation_importance

from chainrule.cli import main
from test_cli_importance import _by_name, _FileClassifier, _FileRegressor, _importance


def _write(path, names: list[str], X: np.ndarray, w, y) -> None:
    """A CSV file of the features ``names[:-2]``, the weight column ``names[-2]`` (its
    cells as given: text) and the target ``names[-1]``."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row, weight, target in zip(X, w, y, strict=True):
            writer.writerow([*map(repr, map(float, row)), weight, target])


def _weights(n: int, seed: int) -> np.ndarray:
    """Weights 0 .. 3.5 (some 0, some not integers)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4, size=n) + 0.5 * (np.arange(n) % 2)


@pytest.fixture(scope="module")
def iris_weighted(tmp_path_factory):
    """A classifier of iris trained with --sample-weight w on 120 rows, and a CSV file of
    the 30 others, with their own weights."""
    folder = tmp_path_factory.mktemp("weighted")
    X, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], np.array(["setosa", "versicolor", "virginica"])[y[order]]
    w = _weights(len(y), 1)
    names = ["sl", "sw", "pl", "pw", "w", "species"]
    _write(folder / "train.csv", names, X[:120], w[:120], y[:120])
    _write(folder / "test.csv", names, X[120:], w[120:], y[120:])
    model = folder / "iris.npz"
    assert main(["train", str(folder / "train.csv"), "--target", "species",
                 "--sample-weight", "w", "--hidden", "6", "--epochs", "40", "--seed", "1",
                 "-q", "-o", str(model)]) == 0
    return model, folder / "test.csv", X[120:], y[120:], w[120:], names[:4]


@pytest.mark.parametrize(("scoring", "sklearn_scoring"), [
    (None, None), ("log_loss", "neg_log_loss"), ("roc_auc", "roc_auc_ovr")])
def test_a_classifier_matches_permutation_importance_with_sample_weight(
        iris_weighted, capsys, scoring, sklearn_scoring):
    """Each repeat's importance is scikit-learn's with the weights, to 1e-12; the
    baseline is the weighted score; the weight column is not a feature."""
    model, test, X, y, w, names = iris_weighted
    result = _importance(capsys, str(model), str(test), "--sample-weight", "w", "--seed", "3",
                         *(["--scoring", scoring] if scoring else []))
    estimator = _FileClassifier(str(model)).fit(X, y)
    reference = permutation_importance(estimator, X, y, scoring=sklearn_scoring,
                                       n_repeats=5, random_state=3, sample_weight=w)
    rows = {row["feature"]: row for row in result["features"]}
    assert sorted(rows) == sorted(names)  # w is neither a feature nor shuffled
    for j, name in enumerate(names):
        np.testing.assert_allclose(rows[name]["importances"], reference.importances[j],
                                   rtol=0, atol=1e-12)
    mean, std = _by_name(result, names)
    np.testing.assert_allclose(mean, reference.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, reference.importances_std, rtol=0, atol=1e-12)
    assert result["sample_weight"] == "w" and result["n_features"] == 4
    if scoring is None:
        assert result["baseline"] == pytest.approx(
            estimator.score(X, y, sample_weight=w), abs=1e-15)
        # the weights matter: the unweighted figures differ
        plain = permutation_importance(estimator, X, y, n_repeats=5, random_state=3)
        assert np.abs(plain.importances_mean - mean).max() > 0.01
        assert abs(estimator.score(X, y) - result["baseline"]) > 1e-3


def test_the_text_says_how_the_scores_are_weighted(iris_weighted, capsys):
    """With the option, the weights' column and sum; without it, of a model trained
    weighted, that the scores are not weighted (evaluate's lines)."""
    model, test, _, _, w, _ = iris_weighted
    capsys.readouterr()
    assert main(["importance", str(model), str(test), "--sample-weight", "w"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("scores weighted by the column 'w' (--sample-weight; the weights "
                        f"sum to {w.sum():.6g})")
    assert main(["importance", str(model), str(test)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("scores unweighted: the model was trained with --sample-weight w; "
                        "give --sample-weight w to weigh them as its training cost")
    plain = _importance(capsys, str(model), str(test))
    assert "sample_weight" not in plain


def test_a_regression_matches_permutation_importance_with_sample_weight(tmp_path, capsys):
    """y = 3 x0 - 2 x1 (x2: noise): R^2 and MSE with the weights are scikit-learn's; of
    one example of a positive weight, R^2 is refused as evaluate leaves it out."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(120, 3)) * [1.0, 2.0, 5.0] + [10.0, -3.0, 0.5]
    y = 3 * X[:, 0] - 2 * X[:, 1] + rng.normal(scale=0.3, size=120)
    w = _weights(120, 5)
    names = ["x0", "x1", "x2", "w", "y"]
    _write(tmp_path / "d.csv", names, X, w, y)
    model = tmp_path / "r.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--sample-weight", "w",
                 "--hidden", "8", "--epochs", "100", "--seed", "0", "-q", "-o",
                 str(model)]) == 0
    estimator = _FileRegressor(str(model))
    for scoring, sklearn_scoring in ((None, None), ("mse", "neg_mean_squared_error")):
        result = _importance(capsys, str(model), str(tmp_path / "d.csv"), "--sample-weight",
                             "w", "--repeats", "4", "--seed", "5",
                             *(["--scoring", scoring] if scoring else []))
        reference = permutation_importance(estimator, X, y, scoring=sklearn_scoring,
                                           n_repeats=4, random_state=5, sample_weight=w)
        scale = max(1.0, abs(result["baseline"]))
        rows = {row["feature"]: row for row in result["features"]}
        for j, name in enumerate(names[:3]):
            np.testing.assert_allclose(rows[name]["importances"], reference.importances[j],
                                       rtol=0, atol=1e-12 * scale)
        if scoring is None:
            assert result["baseline"] == pytest.approx(
                estimator.score(X, y, sample_weight=w), abs=1e-12)
            assert result["baseline"] > 0.9
    one = np.zeros(120)
    one[7] = 2.0
    _write(tmp_path / "one.csv", names, X, one, y)
    capsys.readouterr()
    assert main(["importance", str(model), str(tmp_path / "one.csv"), "--sample-weight",
                 "w"]) == 2
    assert capsys.readouterr().err.strip() == (
        "chainrule: error: the default score, r2: evaluate leaves it out of these data (R^2 "
        "needs two examples or more of a positive weight); choose another with --scoring: "
        "mse, rmse, mae")


@pytest.mark.parametrize(("weights", "option", "message"), [
    (["0"] * 30, "w", "--sample-weight w: every weight of {test} is 0; at least one "
                      "example must weigh more than 0"),
    (["1"] * 29 + ["-1"], "w", "--sample-weight w: {test} line 31: the weight is '-1'; "
                               "expected a finite number >= 0"),
    (["1"] * 30, "nope", "--sample-weight nope: {test} has no column 'nope'"),
    (["1"] * 30, "pl", "--sample-weight pl: the column is a feature of {model}; the weight "
                       "column weighs the examples and is no input of the model"),
    (["1"] * 30, "species", "--sample-weight species: the column is the target the model "
                            "is scored on; name another column"),
])
def test_bad_weights_are_refused_as_evaluate_refuses_them(
        iris_weighted, tmp_path, capsys, weights, option, message):
    model, _, X, y, _, _ = iris_weighted
    test = tmp_path / "t.csv"
    _write(test, ["sl", "sw", "pl", "pw", "w", "species"], X, weights, y)
    expected = message.format(test=test, model=model)
    for command in ("evaluate", "importance"):
        capsys.readouterr()
        assert main([command, str(model), str(test), "--sample-weight", option]) == 2
        assert capsys.readouterr().err.strip() == f"chainrule: error: {expected}"

