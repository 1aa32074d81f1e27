"""``chainrule importance``: permutation feature importance of a model file.

The reference is scikit-learn's ``permutation_importance`` itself, called on a small
estimator written here: its forward pass is NumPy's, from the model file's flat parameters
and its recorded scaling, so that neither the command's reading nor its scoring nor its
shuffles are shared; the shuffles agree exactly because the command draws scikit-learn's.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.datasets import load_iris
from sklearn.inspection import permutation_importance

from chainrule.cli import main

_ACTIVATIONS = {"relu": lambda Z: np.maximum(Z, 0), "tanh": np.tanh, "identity": lambda Z: Z,
                "sigmoid": lambda Z: 1 / (1 + np.exp(-Z))}


def _softmax(Z: np.ndarray) -> np.ndarray:
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


class _FileModel(BaseEstimator):
    """A model file's network, run in NumPy: its Dense layers' W (fan_in, fan_out) and b
    in turn in the flat ``params``, the features standardised by ``x_mean``/``x_scale``
    first, a regression's output scaled back by ``y_scale``/``y_mean``."""

    def __init__(self, path=None):
        self.path = path

    def fit(self, X, y):  # permutation_importance asks for a fit method; nothing to fit
        return self

    def _load(self):
        with np.load(self.path) as z:
            meta, params = json.loads(str(z["__meta__"])), z["params"]
        layers, at = [], 0
        for layer in meta["network"]["layers"]:
            n_in, n_out = layer["fan_in"], layer["fan_out"]
            W = params[at:at + n_in * n_out].reshape(n_in, n_out)
            b = params[at + n_in * n_out:at + n_in * n_out + n_out]
            at += n_in * n_out + n_out
            layers.append((W, b, layer["activation"]))
        assert at == params.size
        return meta["metadata"], layers

    def _outputs(self, X):
        meta, layers = self._load()
        A = (np.asarray(X, dtype=float) - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
        for W, b, activation in layers:
            Z = A @ W + b
            A = _softmax(Z) if activation == "softmax" else _ACTIVATIONS[activation](Z)
        return A


class _FileClassifier(ClassifierMixin, _FileModel):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return self._outputs(X)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class _FileRegressor(RegressorMixin, _FileModel):
    def predict(self, X):
        meta, _ = self._load()
        return self._outputs(X)[:, 0] * meta["y_scale"] + meta["y_mean"]


def _write(path, names, X, y) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row, target in zip(X, y, strict=True):
            writer.writerow([*map(repr, map(float, row)), target])


def _importance(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(["importance", *argv, "--json"]) == 0, capsys.readouterr().err
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def _by_name(result: dict, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The means and stds of ``result``'s features, in the order of ``names``."""
    rows = {row["feature"]: row for row in result["features"]}
    assert sorted(rows) == sorted(names)
    return (np.array([rows[n]["importance_mean"] for n in names]),
            np.array([rows[n]["importance_std"] for n in names]))


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    """A classifier of iris, trained on a CSV file of its first 120 rows (shuffled), and a
    CSV file of the 30 others, held out."""
    folder = tmp_path_factory.mktemp("importance")
    X, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], np.array(["setosa", "versicolor", "virginica"])[y[order]]
    names = ["sl", "sw", "pl", "pw", "species"]
    _write(folder / "train.csv", names, X[:120], y[:120])
    _write(folder / "test.csv", names, X[120:], y[120:])
    model = folder / "iris.npz"
    assert main(["train", str(folder / "train.csv"), "--hidden", "6", "--epochs", "40",
                 "--seed", "1", "-q", "-o", str(model)]) == 0
    return model, folder / "test.csv", X[120:], y[120:], names[:4]


@pytest.mark.parametrize(("scoring", "sklearn_scoring"), [
    (None, None), ("log_loss", "neg_log_loss"), ("balanced_accuracy", "balanced_accuracy")])
@pytest.mark.parametrize(("seed", "repeats"), [(0, 5), (11, 3)])
def test_a_classifier_matches_scikit_learns_permutation_importance(
        iris_model, capsys, scoring, sklearn_scoring, seed, repeats):
    """Each feature's mean and std are scikit-learn's, to rounding, and the baseline is
    the estimator's score; log loss (lower is better) is reported as scikit-learn's
    neg_log_loss gives it: the rise of the loss, positive for a feature relied on."""
    model, test, X, y, names = iris_model
    argv = [str(model), str(test), "--seed", str(seed), "--repeats", str(repeats)]
    result = _importance(capsys, *argv, *(["--scoring", scoring] if scoring else []))
    estimator = _FileClassifier(str(model)).fit(X, y)
    reference = permutation_importance(estimator, X, y, scoring=sklearn_scoring,
                                       n_repeats=repeats, random_state=seed)
    mean, std = _by_name(result, names)
    np.testing.assert_allclose(mean, reference.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, reference.importances_std, rtol=0, atol=1e-12)
    rows = {row["feature"]: row for row in result["features"]}
    for j, name in enumerate(names):
        np.testing.assert_allclose(rows[name]["importances"], reference.importances[j],
                                   rtol=0, atol=1e-12)
    if scoring is None:
        assert result["scoring"] == "accuracy" and result["greater_is_better"]
        assert result["baseline"] == pytest.approx(estimator.score(X, y), abs=1e-15)
    # sorted by the mean importance, the largest first
    means = [row["importance_mean"] for row in result["features"]]
    assert means == sorted(means, reverse=True)
    assert result["repeats"] == repeats and result["seed"] == seed
    assert result["samples"] == 30 and result["n_features"] == 4


def test_log_loss_is_its_rise_and_positive_for_the_petals(iris_model, capsys):
    """Shuffling a petal measurement raises iris' log loss: the importance is the rise
    (the shuffled loss minus the baseline's), not the drop, which would be negative."""
    model, test, X, y, names = iris_model
    result = _importance(capsys, str(model), str(test), "--scoring", "log loss")
    assert result["scoring"] == "log_loss" and result["greater_is_better"] is False
    estimator = _FileClassifier(str(model)).fit(X, y)
    from sklearn.metrics import log_loss

    assert result["baseline"] == pytest.approx(log_loss(y, estimator.predict_proba(X)),
                                               rel=1e-12)
    mean, _ = _by_name(result, names)
    assert mean[2] > 0.1 and mean[3] > 0.1  # petal length and width
    for row in result["features"]:  # each repeat: the shuffled loss above the baseline
        if row["feature"] in ("pl", "pw"):
            assert min(row["importances"]) > 0
    capsys.readouterr()
    assert main(["importance", str(model), str(test), "--scoring", "log_loss"]) == 0
    text = capsys.readouterr().out
    assert "the rise in log loss (lower is better)" in text
    assert "positive: the model relies on the feature" in text


def test_the_text_is_the_jsons_figures_sorted_and_cut_by_top(iris_model, capsys):
    model, test, *_ = iris_model
    result = _importance(capsys, str(model), str(test), "--seed", "3")
    assert main(["importance", str(model), str(test), "--seed", "3", "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{test}: 30 examples"  # held-out rows: no word of training data
    assert lines[1] == f"baseline accuracy: {result['baseline']:.6g}"
    header = next(i for i, line in enumerate(lines) if line.startswith("feature "))
    assert lines[header].split() == ["feature", "importance", "std"]
    rows = [line.split() for line in lines[header + 1:header + 3]]
    assert rows == [[r["feature"], f"{r['importance_mean']:.6g}", f"{r['importance_std']:.6g}"]
                    for r in result["features"][:2]]
    assert lines[header + 3] == "(2 of 4 features shown)"
    top = _importance(capsys, str(model), str(test), "--seed", "3", "--top", "1")
    assert top["features"] == result["features"][:1] and top["n_features"] == 4


def test_a_regression_matches_scikit_learn_and_finds_the_features_it_uses(tmp_path, capsys):
    """y = 3 x0 - 2 x1 (x2 a column of noise the target does not depend on): R^2 and the
    mean squared error's importances are scikit-learn's, to rounding; x0's and x1's are
    large, x2's near 0."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 3)) * [1.0, 2.0, 5.0] + [10.0, -3.0, 0.5]
    y = 3 * X[:, 0] - 2 * X[:, 1]
    _write(tmp_path / "d.csv", ["x0", "x1", "x2", "y"], X, y)
    model = tmp_path / "r.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--hidden", "8",
                 "--epochs", "150", "--seed", "0", "-q", "-o", str(model)]) == 0
    estimator = _FileRegressor(str(model))
    for scoring, sklearn_scoring in ((None, None), ("mse", "neg_mean_squared_error"),
                                     ("mae", "neg_mean_absolute_error")):
        result = _importance(capsys, str(model), str(tmp_path / "d.csv"), "--repeats", "4",
                             "--seed", "5", *(["--scoring", scoring] if scoring else []))
        reference = permutation_importance(estimator, X, y, scoring=sklearn_scoring,
                                           n_repeats=4, random_state=5)
        mean, std = _by_name(result, ["x0", "x1", "x2"])
        scale = max(1.0, abs(result["baseline"]))
        np.testing.assert_allclose(mean, reference.importances_mean, rtol=1e-12 * scale,
                                   atol=1e-12 * scale)
        np.testing.assert_allclose(std, reference.importances_std, rtol=1e-12 * scale,
                                   atol=1e-12 * scale)
        if scoring is None:
            assert result["scoring"] == "r2"
            assert result["baseline"] == pytest.approx(estimator.score(X, y), abs=1e-12)
            assert result["baseline"] > 0.95
            # shuffled x0 (variance 9) or x1 (variance 16): R^2 drops by about 2 var / var(y)
            assert mean[0] > 0.5 and mean[1] > 0.5 and abs(mean[2]) < 0.05
    # one example: no shuffle moves a value, whatever the score (R^2: evaluate leaves it
    # out too); refused as such (tests/test_cli_importance_unmeasurable.py)
    _write(tmp_path / "one.csv", ["x0", "x1", "x2", "y"], X[:1], y[:1])
    capsys.readouterr()
    assert main(["importance", str(model), str(tmp_path / "one.csv")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"chainrule: error: {tmp_path / 'one.csv'}: 1 example; a shuffled column of one row "
        "is the same column, so every importance would be 0: importance needs two examples "
        "or more")


@pytest.mark.parametrize(("argv", "message"), [
    (["--scoring", "precision"], "argument --scoring: expected one of the scores evaluate "
                                 "prints: accuracy, balanced_accuracy, f1_macro, roc_auc, "
                                 "average_precision, r2, "
                                 "log_loss, hamming_loss, mse, rmse, mae, got 'precision'"),
    (["--repeats", "0"], "argument --repeats: expected an integer >= 1, got '0'"),
    (["--top", "0"], "argument --top: expected an integer >= 1, got '0'"),
])
def test_bad_options_are_refused_by_name(iris_model, capsys, argv, message):
    model, test, *_ = iris_model
    with pytest.raises(SystemExit) as exit_:
        main(["importance", str(model), str(test), *argv])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().endswith(message)


def test_a_score_of_the_other_task_is_refused(iris_model, capsys):
    model, test, *_ = iris_model
    capsys.readouterr()
    assert main(["importance", str(model), str(test), "--scoring", "r2"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"chainrule: error: --scoring r2: {model} is a classifier; its scores are accuracy, "
        "log_loss, balanced_accuracy, f1_macro, roc_auc, average_precision")


def test_roc_auc_of_data_without_a_class_says_why(iris_model, tmp_path, capsys):
    """ROC AUC of rows of one class is left out by evaluate: refused, with its reason."""
    model, _, X, y, names = iris_model
    one = y == "setosa"
    _write(tmp_path / "setosa.csv", [*names, "species"], X[one], y[one])
    capsys.readouterr()
    assert main(["importance", str(model), str(tmp_path / "setosa.csv"),
                 "--scoring", "roc_auc"]) == 2
    assert capsys.readouterr().err.strip() == (
        "chainrule: error: --scoring roc_auc: evaluate leaves it out of these data (the data "
        "hold one class (setosa); ROC AUC ranks the examples of one class against those of "
        "the others); choose another with --scoring: accuracy, log_loss, balanced_accuracy, "
        "f1_macro")


def test_a_model_of_images_is_refused(tmp_path, capsys):
    """A convolutional network (digits as 1 x 8 x 8 images) is refused before its data
    are read, saying why."""
    model = tmp_path / "cnn.npz"
    assert main(["train", "digits", "--input-shape", "1", "8", "8", "--layers",
                 '[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}, '
                 '{"type": "Flatten"}]', "--epochs", "1", "-q", "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["importance", str(model), "digits"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: {model}: the model takes images of 1 x 8 x 8 "
                          "(64 pixels); importance shuffles one feature at a time")
    assert "it takes a model of table columns" in err


def test_data_of_images_is_refused_naming_the_data(tmp_path, capsys):
    """A model of table columns given an NPZ file of images (n, 1, 8, 8): the refusal
    names DATA, which holds the images, not the model file, which takes none."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    np.savez(tmp_path / "flat.npz", X=X[:100], y=y[:100])
    np.savez(tmp_path / "images.npz", X=X[:100].reshape(-1, 1, 8, 8), y=y[:100])
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "flat.npz"), "--hidden", "4", "--epochs", "1", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["importance", str(model), str(tmp_path / "images.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: {tmp_path / 'images.npz'}: DATA holds images "
                          "of 1 x 8 x 8 (64 pixels); importance shuffles one feature at a time")
    assert err.strip().endswith("it takes DATA of table columns")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 30 epochs
def test_an_estimator_file_matches_permutation_importance_of_the_estimator(tmp_path, capsys):
    """The file of a fitted MLPClassifier: the command's figures are those of
    scikit-learn's permutation_importance called on the estimator itself."""
    from chainrule import MLPClassifier

    X, y = load_iris(return_X_y=True)
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0).fit(X, y)
    est.save(tmp_path / "est.npz")
    _write(tmp_path / "iris.csv", ["a", "b", "c", "d", "y"], X, y)
    result = _importance(capsys, str(tmp_path / "est.npz"), str(tmp_path / "iris.csv"),
                         "--seed", "2")
    reference = permutation_importance(est, X, y, n_repeats=5, random_state=2)
    mean, std = _by_name(result, ["a", "b", "c", "d"])
    np.testing.assert_allclose(mean, reference.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, reference.importances_std, rtol=0, atol=1e-12)


class _FileMultiOutput(_FileModel):
    """A model file of several targets: each regression target scaled back, or each
    multi-label target's 0/1 (its probability above 0.5)."""

    def predict(self, X):
        meta, _ = self._load()
        A = self._outputs(X)
        if meta["task"] == "classification":
            return (A > 0.5).astype(int)
        return A * np.array(meta["y_scale"]) + np.array(meta["y_mean"])


@pytest.mark.parametrize(("task", "scoring", "sklearn_scoring"), [
    ("regression", None, "r2"), ("regression", "rmse", "neg_root_mean_squared_error"),
    ("multilabel", None, "accuracy"), ("multilabel", "hamming_loss", "hamming")])
def test_a_model_of_several_targets_matches_scikit_learn(tmp_path, capsys, task, scoring,
                                                         sklearn_scoring):
    """Several targets: R^2 and RMSE of a regression are scikit-learn's uniform average
    over the targets; a multi-label classifier's accuracy is the subset accuracy, its
    hamming loss the fraction of wrong labels (scikit-learn's hamming_loss)."""
    from sklearn.metrics import hamming_loss, make_scorer

    rng = np.random.default_rng(2)
    X = rng.normal(size=(150, 3))
    Y = np.column_stack([X[:, 0] + 0.5 * X[:, 1], X[:, 1] - X[:, 2]])
    if task == "multilabel":
        Y = (Y > 0).astype(int)
    with open(tmp_path / "d.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "c", "t", "u"])
        writer.writerows([[*map(repr, map(float, x)), *(str(v) for v in t)]
                          for x, t in zip(X, Y.tolist(), strict=True)])
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--target", "t", "u", "--hidden", "6",
                 "--epochs", "40", "--seed", "0", "-q", "-o", str(model)]) == 0
    result = _importance(capsys, str(model), str(tmp_path / "d.csv"), "--seed", "4",
                         *(["--scoring", scoring] if scoring else []))
    scorer = (make_scorer(hamming_loss, greater_is_better=False)
              if sklearn_scoring == "hamming" else sklearn_scoring)
    reference = permutation_importance(_FileMultiOutput(str(model)), X, Y, scoring=scorer,
                                       n_repeats=5, random_state=4)
    mean, std = _by_name(result, ["a", "b", "c"])
    np.testing.assert_allclose(mean, reference.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, reference.importances_std, rtol=0, atol=1e-12)
    assert result["scoring"] == scoring or (scoring is None and result["scoring"] ==
                                            ("r2" if task == "regression" else "accuracy"))
    assert mean[2] < mean[1]  # c is in one target alone, b in both


def test_standard_input_and_target_before_the_positionals(iris_model, capsys, monkeypatch):
    """DATA - reads a CSV file from standard input, and MODEL DATA may follow --target's
    names, as evaluate's: the same figures as of the file."""
    import io
    import sys

    model, test, *_ = iris_model
    expected = _importance(capsys, str(model), str(test))
    monkeypatch.setattr(sys, "stdin", io.StringIO(test.read_text()))
    assert _importance(capsys, "--target", "species", str(model), "-") == expected


@pytest.mark.parametrize("repeats", [1, 2])
def test_the_line_counts_the_shuffles_and_one_says_its_std_is_zero(iris_model, capsys, repeats):
    """--repeats 1: scikit-learn's std of one importance is 0, which says nothing of the
    spread; the line says so rather than "over 1 shuffles"."""
    model, test, *_ = iris_model
    result = _importance(capsys, str(model), str(test), "--repeats", str(repeats))
    stds = [row["importance_std"] for row in result["features"]]
    assert (max(stds) == 0) == (repeats == 1)  # std of one shuffle: 0
    assert main(["importance", str(model), str(test), "--repeats", str(repeats)]) == 0
    text = capsys.readouterr().out
    said = ("over 1 shuffle (std 0: give --repeats 2 or more for a spread) (seed 0)"
            if repeats == 1 else "over 2 shuffles (seed 0)")
    assert said in text and "1 shuffles" not in text
