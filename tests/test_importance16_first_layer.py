"""``chainrule importance`` scores an MLP's shuffles from its first layer's net input.

Shuffling column j changes the first Dense layer's net input by a rank-1 term,
``Z1' = Z1 + (s'_j - s_j) W1[j, :]`` (a categorical column's 0/1 features: rank k); the
figures must stay scikit-learn's ``permutation_importance`` of the model's own
predictions (``_FileClassifier`` / ``_FileRegressor``: the file's network run in plain
NumPy) and the full forward pass's (``_FIRST_LAYER = False``), to rounding.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.inspection import permutation_importance

import chainrule
from chainrule import _cli_models_importance as importance
from chainrule import _importance_first_layer as fast
from chainrule._cli_models_importance_shuffle import permutation_scores
from chainrule.cli import main
from chainrule.saved_model import SavedModel
from test_cli_importance import _by_name, _FileClassifier, _FileRegressor, _importance, _write


def _both(capsys, monkeypatch, *argv: str) -> tuple[dict, dict]:
    """importance --json of ``argv`` from the first layer (checking that every shuffle
    went that way) and from the full forward pass."""
    calls = []
    call = fast.FirstLayer.__call__
    monkeypatch.setattr(fast.FirstLayer, "__call__",
                        lambda self, X, c=None: calls.append(1) or call(self, X, c))
    new = _importance(capsys, *argv)
    assert len(calls) == 1 + new["n_features"] * new["repeats"]  # the check, the shuffles
    monkeypatch.setattr(importance, "_FIRST_LAYER", False)
    old = _importance(capsys, *argv)
    monkeypatch.setattr(importance, "_FIRST_LAYER", True)
    assert len(calls) == 1 + new["n_features"] * new["repeats"]  # none of the full pass
    return new, old


def _same(new: dict, old: dict, rtol: float) -> None:
    assert new["baseline"] == old["baseline"]  # the baseline is the full pass in both
    a = {row["feature"]: row["importances"] for row in new["features"]}
    b = {row["feature"]: row["importances"] for row in old["features"]}
    assert sorted(a) == sorted(b)
    scale = max(1.0, abs(new["baseline"]))
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=0, atol=rtol * scale)


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    """Four classes of 6 features (two of them noise), 120 rows, a 6-8-6-4 relu/tanh model."""
    folder = tmp_path_factory.mktemp("importance16")
    rng = np.random.default_rng(16)
    X = rng.normal(size=(120, 6)) * [1, 3, 0.5, 2, 1, 1] + [0, 5, -1, 0, 2, 0]
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 5)
    names = [f"f{j}" for j in range(6)]
    _write(folder / "d.csv", [*names, "y"], X, y)
    model = folder / "m.npz"
    assert main(["train", str(folder / "d.csv"), "--target", "y", "--hidden", "8", "6",
                 "--activation", "relu", "tanh", "--epochs", "40", "--seed", "3", "-q",
                 "-o", str(model)]) == 0
    return folder, model, X, y, names


@pytest.mark.parametrize(("scoring", "sklearn_scoring"), [
    (None, None), ("log_loss", "neg_log_loss"), ("roc_auc", "roc_auc_ovr")])
def test_a_deep_classifier_is_scikit_learns_and_the_full_pass(blobs, capsys, monkeypatch,
                                                               scoring, sklearn_scoring):
    folder, model, X, y, names = blobs
    argv = (str(model), str(folder / "d.csv"), "--repeats", "3", "--seed", "4",
            *(["--scoring", scoring] if scoring else []))
    new, old = _both(capsys, monkeypatch, *argv)
    _same(new, old, 1e-12)
    if scoring is None:  # accuracy: the same predictions, so exactly the same figures
        assert new == old
    want = permutation_importance(_FileClassifier(str(model)).fit(X, y), X, y,
                                  scoring=sklearn_scoring, n_repeats=3, random_state=4)
    mean, std = _by_name(new, names)
    np.testing.assert_allclose(mean, want.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, want.importances_std, rtol=0, atol=1e-12)
    assert mean[0] > 0.05 and mean[1] > 0.05  # the features the classes are made of


def test_a_standardised_weighted_regression_is_scikit_learns(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(100, 4)) * [1.0, 2.0, 5.0, 1.0] + [10.0, -3.0, 0.5, 100.0]
    y = 3 * X[:, 0] - 2 * X[:, 1] + 50
    w = rng.uniform(0.2, 2.0, 100)
    with open(tmp_path / "d.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["x0", "x1", "x2", "x3", "w", "y"])
        writer.writerows([*map(repr, map(float, row))] for row in np.column_stack([X, w, y]))
    model = tmp_path / "r.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--sample-weight", "w",
                 "--hidden", "6", "5", "--activation", "tanh", "--epochs", "60", "--seed", "0",
                 "-q", "-o", str(model)]) == 0
    for scoring, sklearn_scoring in ((None, None), ("mse", "neg_mean_squared_error")):
        new, old = _both(capsys, monkeypatch, str(model), str(tmp_path / "d.csv"),
                         "--sample-weight", "w", "--repeats", "3", "--seed", "2",
                         *(["--scoring", scoring] if scoring else []))
        _same(new, old, 1e-12)
        want = permutation_importance(_FileRegressor(str(model)), X, y,
                                      scoring=sklearn_scoring, n_repeats=3, random_state=2,
                                      sample_weight=w)
        mean, _ = _by_name(new, ["x0", "x1", "x2", "x3"])
        scale = max(1.0, abs(new["baseline"]))
        np.testing.assert_allclose(mean, want.importances_mean, rtol=0, atol=1e-12 * scale)


def test_a_float32_model_is_the_full_pass_to_float32s_rounding(blobs, capsys, monkeypatch):
    folder, _, X, y, names = blobs
    model = folder / "m32.npz"
    assert main(["train", str(folder / "d.csv"), "--target", "y", "--hidden", "8", "6",
                 "--dtype", "float32", "--epochs", "40", "--seed", "3", "-q", "-o",
                 str(model)]) == 0
    new, old = _both(capsys, monkeypatch, str(model), str(folder / "d.csv"), "--repeats",
                     "3", "--scoring", "log_loss")
    _same(new, old, 1e-5)  # float32 sums in another order: ~1e-7 of each probability
    accuracy = _both(capsys, monkeypatch, str(model), str(folder / "d.csv"), "--repeats", "3")
    assert accuracy[0] == accuracy[1]
    # scikit-learn's of the file's network in float64 (its log loss differs where a float32
    # probability rounds to 0 or 1: accuracy, which such rounding leaves alone here)
    want = permutation_importance(_FileClassifier(str(model)).fit(X, y), X, y,
                                  n_repeats=3, random_state=0)
    np.testing.assert_allclose(_by_name(accuracy[0], names)[0], want.importances_mean,
                               atol=1e-12)


def test_a_categorical_column_moves_its_features_together(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(3)
    colour = rng.choice(["red", "green", "blue"], 90)
    x, z = rng.normal(size=90), rng.normal(size=90)
    y = np.where((colour == "red") ^ (x > 0), "yes", "no")
    with open(tmp_path / "d.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["x", "colour", "z", "y"])
        writer.writerows([repr(float(a)), c, repr(float(b)), t]
                         for a, c, b, t in zip(x, colour, z, y, strict=True))
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--hidden", "8", "4",
                 "--epochs", "60", "--seed", "0", "-q", "-o", str(model)]) == 0
    for scoring in ("accuracy", "log_loss"):
        new, old = _both(capsys, monkeypatch, str(model), str(tmp_path / "d.csv"),
                         "--repeats", "4", "--seed", "7", "--scoring", scoring)
        _same(new, old, 1e-12)
        assert [row["feature"] for row in new["features"]] == [
            row["feature"] for row in old["features"]]
    assert {row["feature"] for row in new["features"]} == {"x", "colour", "z"}


@pytest.mark.parametrize("told", [False, True])
@pytest.mark.parametrize("task", ["classification", "regression", "binary"])
def test_random_models_are_the_full_pass(task, told):
    """Random 10-7-5-k networks, standardised inputs: each shuffled output of the first
    layer's path is the full pass's, to float64 rounding (1e-12 relative), told the
    columns shuffled or finding them."""
    rng = np.random.default_rng(["classification", "regression", "binary"].index(task))
    k = {"classification": 3, "regression": 2, "binary": 1}[task]
    output = {"classification": "softmax", "regression": "identity", "binary": "sigmoid"}
    net = chainrule.mlp([10, 7, 5, k], hidden=["tanh", "relu"], output=output[task],
                        seed=int(rng.integers(100)))
    meta = {"task": "regression" if task == "regression" else "classification",
            "x_mean": rng.normal(size=10).tolist(), "x_scale": rng.uniform(0.5, 2, 10).tolist()}
    if task == "regression":
        meta.update(y_mean=[1.0, -2.0], y_scale=[3.0, 0.5], target_names=["a", "b"])
    else:
        meta["labels"] = ["no", "yes"] if k == 1 else ["a", "b", "c"]
    model = SavedModel(net, meta)
    X = rng.normal(size=(60, 10)) * 2 + 1
    path = fast.first_layer(model, X)
    assert path is not None
    method = "predict" if task == "regression" else "predict_proba"
    got, want = [], []

    def score(Xs, columns=None):
        tail, A1 = path(Xs, columns)
        got.append(getattr(tail, method)(A1))
        want.append(getattr(model, method)(Xs))
        return 0.0

    permutation_scores(score, X, 2, 0, groups=[np.array([0]), np.array([3, 4]),
                                               np.array([9])], told=told)
    assert len(got) == 7
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    if task != "regression":
        log = path(X)[0].predict_log_proba(path(X)[1])
        np.testing.assert_allclose(log, model.predict_log_proba(X), rtol=1e-12, atol=1e-14)


def test_models_it_cannot_take_go_the_full_pass():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4))
    one = SavedModel(chainrule.mlp([4, 3], output="softmax", seed=0),
                     {"task": "classification", "labels": [0, 1, 2]})
    assert fast.first_layer(one, X) is None  # no layer after the first
    # an estimator's file other than an MLP's (an MLP's: test_importance16b_*)
    estimator = chainrule.SoftmaxRegression(max_iter=5).fit(X, (X[:, 0] > 0).astype(int))
    from chainrule.saved_model import EstimatorModel

    assert fast.first_layer(EstimatorModel(estimator), X) is None
