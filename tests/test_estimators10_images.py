"""MLPClassifier / MLPRegressor with image ``layers`` and no ``input_shape``: a fit on
images X of shape (n_samples, C, H, W) takes (C, H, W) from them, as ``chainrule train``
does.  References: the same estimator given ``input_shape`` and the flat rows, and a
PyTorch forward pass of the fitted weights."""

from __future__ import annotations

import os
import pickle
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

from chainrule import MLPClassifier, MLPRegressor
from chainrule.estimators import load_estimator
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

LAYERS = [{"type": "Conv2D", "out_channels": 4, "kernel_size": 3, "padding": 1},
          {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]


@pytest.fixture(scope="module")
def images() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(10)
    X = rng.normal(size=(48, 3, 8, 6))
    y = (X[:, 0, :4].mean(axis=(1, 2)) > 0).astype(int) + (X[:, 1].mean(axis=(1, 2)) > 0)
    return X, y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        return est.fit(X, y)


def _torch_proba(est, X: np.ndarray) -> np.ndarray:
    """The classifier's probabilities by PyTorch: conv, ReLU, 2x2 max pool, softmax."""
    conv = est.network_.layers[0]
    x = torch.from_numpy(X)
    a = torch.relu(torch.nn.functional.conv2d(x, torch.from_numpy(conv.W),
                                              torch.from_numpy(conv.b), padding=1))
    a = torch.nn.functional.max_pool2d(a, 2).flatten(1)
    z = a @ torch.from_numpy(est.coefs_[0]) + torch.from_numpy(est.intercepts_[0])
    return torch.softmax(z, dim=1).numpy()


def test_images_give_the_input_shape(images):
    X, y = images
    est = _fit(MLPClassifier(layers=LAYERS, max_iter=5, random_state=0), X, y)
    flat = _fit(MLPClassifier(layers=LAYERS, input_shape=(3, 8, 6), max_iter=5,
                              random_state=0), X.reshape(len(X), -1), y)
    assert est.input_shape is None  # fit changes no parameter
    assert est.network_.n_inputs == (3, 8, 6)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba, flat.predict_proba(X.reshape(len(X), -1)),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(proba, _torch_proba(est, X), rtol=1e-10, atol=1e-13)
    # the flat rows of C*H*W values work too, and give the same numbers
    np.testing.assert_array_equal(est.predict_proba(X.reshape(len(X), -1)), proba)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    assert est.score(X, y) == np.mean(est.predict(X) == y)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), rtol=1e-10)


def test_images_of_another_shape_are_refused_naming_both(images):
    X, y = images
    est = _fit(MLPClassifier(layers=LAYERS, max_iter=2, random_state=0), X, y)
    other = X[:, :, :6, :]
    for method in (est.predict, est.predict_proba, est.predict_log_proba):
        with pytest.raises(ValueError, match=re.escape(
                "X must hold images of shape (n_samples, 3, 8, 6)") + r".*got shape "
                + re.escape("(48, 3, 6, 6)")):
            method(other)
    with pytest.raises(ValueError, match=re.escape("(n_samples, 3, 8, 6)")):
        est.score(other, y)
    params = est.network_.params.copy()
    with pytest.raises(ValueError, match=re.escape(
            "X: the fitted network takes images of shape (3, 8, 6), taken from X at fit "
            "(input_shape=None), got images of shape (3, 6, 6); partial_fit goes on")):
        est.partial_fit(other, y)
    np.testing.assert_array_equal(est.network_.params, params)


def test_rows_without_input_shape_are_refused_by_name(images):
    X, y = images
    with pytest.raises(ValueError, match=re.escape(
            "Found array with dim 2, while dim 3 or 4 is required by MLPClassifier with layers "
            "of images and no input_shape. (layers[0] (Conv2D) takes images; give X of images "
            "of shape (n_samples, C, H, W), or input_shape=(C, H, W)")):
        MLPClassifier(layers=LAYERS).fit(X.reshape(len(X), -1), y)


def test_partial_fit_and_warm_start_go_on_with_the_images_shape(images):
    X, y = images
    est = MLPClassifier(layers=LAYERS, random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    ref = MLPClassifier(layers=LAYERS, input_shape=(3, 8, 6), random_state=0)
    rows = X.reshape(len(X), -1)
    ref.partial_fit(rows, y, classes=[0, 1, 2])
    est.partial_fit(rows, y)  # rows of the fitted network's images: go on
    ref.partial_fit(rows, y)
    est.partial_fit(X, y)
    ref.partial_fit(rows, y)
    np.testing.assert_allclose(est.network_.params, ref.network_.params, rtol=1e-12)
    warm = _fit(MLPClassifier(layers=LAYERS, max_iter=1, random_state=0, warm_start=True),
                X, y)
    before, net = warm.network_.params.copy(), warm.network_
    _fit(warm, rows, y)  # a warm start on the rows keeps the images' shape
    assert warm.network_ is net and warm.network_.n_inputs == (3, 8, 6)
    assert not np.array_equal(warm.network_.params, before)


def test_clone_pickle_and_file_keep_no_shape_parameter(images, tmp_path):
    X, y = images
    est = _fit(MLPClassifier(layers=LAYERS, max_iter=2, random_state=0), X, y)
    assert clone(est).get_params()["input_shape"] is None
    again = _fit(clone(est), X, y)
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict_proba(X),
                                  est.predict_proba(X))
    path = os.path.join(tmp_path, "m.npz")
    est.save(path)
    loaded = load_estimator(path)
    assert loaded.input_shape is None
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    # a refit of another image size after set_params takes the new images' shape
    small = X[:, :2, :4, :5]  # not 4 wide: (n, 2, 4, 4) would look channels last
    refit = _fit(est.set_params(layers=[dict(d) for d in LAYERS]), small, y)
    assert refit.network_.n_inputs == (2, 4, 5)


def test_regressor_takes_images_too(images):
    X, _ = images
    t = X[:, 0].mean(axis=(1, 2))
    est = _fit(MLPRegressor(layers=LAYERS, max_iter=5, random_state=0), X, t)
    flat = _fit(MLPRegressor(layers=LAYERS, input_shape=(3, 8, 6), max_iter=5,
                             random_state=0), X.reshape(len(X), -1), t)
    np.testing.assert_allclose(est.predict(X), flat.predict(X.reshape(len(X), -1)),
                               rtol=1e-12, atol=1e-15)
