"""``chainrule importance`` of an MLPClassifier's or MLPRegressor's file scores its
shuffles from the first layer's net input, as of a chainrule-train model.

The references: scikit-learn's ``permutation_importance`` called on the estimator loaded
from the file (its own ``predict``, ``predict_proba``, ``predict_log_proba``, ``score``),
and the full forward pass of each shuffle (``_FIRST_LAYER = False``).  A spy on
:class:`~chainrule._importance_first_layer.FirstLayer` shows which path was taken.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.inspection import permutation_importance
from sklearn.metrics import hamming_loss, make_scorer

from chainrule import MLPClassifier, MLPRegressor, load_estimator
from chainrule import _cli_models_importance as importance
from chainrule import _importance_first_layer as fast
from test_cli_importance import _by_name, _importance

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
_NAMES = ["a", "b", "c", "d", "e"]


def _write(path, X, Y) -> None:
    Y = Y.reshape(len(Y), -1)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*_NAMES, *(f"t{k}" for k in range(Y.shape[1]))])
        writer.writerows([[*map(repr, map(float, x)), *map(repr, t.tolist())]
                          for x, t in zip(X, Y, strict=True)])


def _both(capsys, monkeypatch, *argv: str) -> tuple[dict, dict]:
    """importance --json of ``argv`` from the first layer (every shuffle, and the one
    check, through FirstLayer) and from the full forward pass (none through it)."""
    calls = []
    call = fast.FirstLayer.__call__
    monkeypatch.setattr(fast.FirstLayer, "__call__",
                        lambda self, X, c=None: calls.append(1) or call(self, X, c))
    new = _importance(capsys, *argv)
    assert len(calls) == 1 + new["n_features"] * new["repeats"]
    monkeypatch.setattr(importance, "_FIRST_LAYER", False)
    old = _importance(capsys, *argv)
    assert len(calls) == 1 + new["n_features"] * new["repeats"]
    return new, old


def _data(task: str, seed: int = 16) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(90, 5)) * [1, 2, 0.5, 1, 1]
    s = X[:, 0] + 0.5 * X[:, 1] - X[:, 2]
    if task == "binary":
        return X, (s > 0).astype(int)
    if task == "multiclass":
        return X, np.digitize(s, [-1, 0, 1])
    if task == "multilabel":
        return X, np.column_stack([s > 0, X[:, 3] - X[:, 1] > 0]).astype(int)
    return X, np.column_stack([s, X[:, 3] * 2]) if task == "two targets" else 3 * s + 1


@pytest.mark.parametrize(("task", "scoring", "sklearn_scoring"), [
    ("binary", None, None), ("binary", "log_loss", "neg_log_loss"),
    ("binary", "roc_auc", "roc_auc"), ("multiclass", None, None),
    ("multiclass", "log_loss", "neg_log_loss"), ("multilabel", None, None),
    ("multilabel", "hamming_loss", "hamming"), ("regression", None, None),
    ("regression", "mse", "neg_mean_squared_error"), ("two targets", None, None)])
def test_an_estimators_file_is_scikit_learns_and_the_full_pass(tmp_path, capsys, monkeypatch,
                                                                task, scoring, sklearn_scoring):
    X, Y = _data(task)
    kind = MLPRegressor if task in ("regression", "two targets") else MLPClassifier
    est = kind(hidden_layer_sizes=(7, 4), activation="tanh", max_iter=60, random_state=1)
    est.fit(X, Y).save(tmp_path / "est.npz")
    _write(tmp_path / "d.csv", X, Y)
    targets = [f"t{k}" for k in range(Y.reshape(len(Y), -1).shape[1])]
    argv = (str(tmp_path / "est.npz"), str(tmp_path / "d.csv"), "--target", *targets,
            "--repeats", "3", "--seed", "5", *(["--scoring", scoring] if scoring else []))
    new, old = _both(capsys, monkeypatch, *argv)
    assert new["baseline"] == old["baseline"]
    a = {row["feature"]: row["importances"] for row in new["features"]}
    b = {row["feature"]: row["importances"] for row in old["features"]}
    for name in _NAMES:
        np.testing.assert_allclose(a[name], b[name], rtol=0, atol=1e-12)
    scorer = (make_scorer(hamming_loss, greater_is_better=False)
              if sklearn_scoring == "hamming" else sklearn_scoring)
    loaded = load_estimator(tmp_path / "est.npz")
    reference = permutation_importance(loaded, X, Y, scoring=scorer, n_repeats=3,
                                       random_state=5)
    mean, std = _by_name(new, _NAMES)
    np.testing.assert_allclose(mean, reference.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, reference.importances_std, rtol=0, atol=1e-12)


def test_the_tail_estimator_gives_the_estimators_outputs_and_leaves_it_alone():
    """The path's model of the layers after the first, on the first layer's activations
    (written here in NumPy): the estimator's own predict, predict_proba and
    predict_log_proba of X; the estimator keeps its network and features."""
    from chainrule.saved_model import EstimatorModel

    X, y = _data("multiclass", seed=3)
    est = MLPClassifier(hidden_layer_sizes=(6, 5), max_iter=40, random_state=0).fit(X, y)
    net = est.network_
    A1 = np.maximum(X @ est.coefs_[0] + est.intercepts_[0], 0)  # relu
    tail, B1 = fast.FirstLayer(EstimatorModel(est), X)(X)
    np.testing.assert_allclose(B1, A1, rtol=0, atol=1e-13)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        np.testing.assert_allclose(getattr(tail, method)(A1), getattr(est, method)(X),
                                   rtol=0, atol=1e-13)
    assert est.network_ is net and est.n_features_in_ == 5


def test_an_estimator_whose_path_differs_takes_the_full_pass(monkeypatch):
    """The one-time check: a path whose outputs are not the estimator's is refused."""
    from chainrule.saved_model import EstimatorModel

    X, y = _data("binary")
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, y)
    assert fast.first_layer(EstimatorModel(est), X) is not None
    monkeypatch.setattr(fast.FirstLayer, "_net_input", lambda self, S: S @ self._W)  # no b
    assert fast.first_layer(EstimatorModel(est), X) is None
