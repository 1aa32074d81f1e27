"""Edited or damaged files: one clear error that names the file and what is wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_iris

from chainrule.estimators import MLPClassifier, MLPRegressor, load_estimator


def _edit_meta(path, edit) -> None:
    """Rewrite the JSON record of a saved file with ``edit(meta)`` (arrays untouched)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    edit(meta)
    with open(path, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


@pytest.fixture
def saved_classifier(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier((4,), max_iter=5, random_state=0).fit(X, np.array(["a", "b", "c"])[y])
    return clf.save(tmp_path / "clf.npz")


def _set_fitted(key, value):
    def edit(meta):
        meta["fitted"][key] = value
    return edit


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("edit", "match"), [
    (_set_fitted("classes_", ["a", "b", "c", "d"]), r"classes_: expected 3 labels"),
    (_set_fitted("classes_", ["a", "b"]), r"classes_: expected 3 labels"),
    (_set_fitted("classes_", ["a", "a", "b"]), r"classes_: expected distinct"),
    (_set_fitted("y_type_", "multilabel-indicator"), r"y_type_: 'multilabel-indicator'"),
    (_set_fitted("y_type_", 5), r"y_type_: expected one of"),
    (_set_fitted("classes_dtype", "int64"), r"classes_dtype: 'int64' cannot hold"),
    (_set_fitted("predict", 1), r"unknown key\(s\) \['predict'\]"),
    (_set_fitted("network_", None), r"unknown key\(s\) \['network_'\]"),
    (_set_fitted("n_features_in_", "4"), r"n_features_in_: expected 4"),
    (_set_fitted("n_features_in_", 5), r"n_features_in_: expected 4"),
    (_set_fitted("n_iter_", -1), r"n_iter_: expected a non-negative integer"),
    (_set_fitted("loss_curve_", [float("nan")]), r"loss_curve_: expected a list of finite"),
    (_set_fitted("out_activation_", "identity"), r"out_activation_: expected 'softmax'"),
    (lambda meta: meta["fitted"].pop("t_"), r"missing key\(s\) \['t_'\]"),
    (lambda meta: meta.update(estimator="MLPRegressor"), r"estimator: 'MLPRegressor' needs"),
    (lambda meta: meta.update(estimator="SVC"), r"estimator: expected one of"),
    (lambda meta: meta["params"].update(random_state=-1), r"random_state: expected null or"),
    (lambda meta: meta["params"].update(bogus=1), r"params: unknown parameter"),
    (lambda meta: meta.update(fitted=[1]), r"fitted: expected a JSON object"),
])
def test_load_estimator_refuses_an_edited_record(saved_classifier, edit, match):
    _edit_meta(saved_classifier, edit)
    with pytest.raises(ValueError, match=match) as err:
        load_estimator(saved_classifier)
    assert str(saved_classifier) in str(err.value)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_load_estimator_checks_binary_classes_and_regressor_kind(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier((3,), max_iter=5, random_state=0).fit(X, y == 0)
    path = clf.save(tmp_path / "binary.npz")
    assert load_estimator(path).classes_.tolist() == [False, True]  # one sigmoid = 2 classes
    _edit_meta(path, _set_fitted("classes_", [False, True, 3]))
    with pytest.raises(ValueError, match=r"classes_: expected 2 labels"):
        load_estimator(path)
    reg = MLPRegressor((3,), max_iter=5, random_state=0).fit(X[:, :3], X[:, 3])
    path = reg.save(tmp_path / "reg.npz")
    _edit_meta(path, lambda meta: meta.update(estimator="MLPClassifier"))
    with pytest.raises(ValueError, match=r"reg\.npz.*estimator: .MLPClassifier. needs"):
        load_estimator(path)
    path = reg.save(tmp_path / "reg.npz")
    _edit_meta(path, _set_fitted("classes_", [0, 1]))
    with pytest.raises(ValueError, match=r"reg\.npz.*unknown key\(s\) \['classes_'\]"):
        load_estimator(path)
