"""MLPClassifier / MLPRegressor with image ``layers`` and no ``input_shape`` fitted on grey
images X of shape (n_samples, H, W): the shape is (1, H, W), as ``chainrule train`` reads
an NPZ file's X of (n, H, W).  References: the same estimator given ``input_shape=(1, H,
W)`` and the flat rows, and NumPy's reshapes of the images."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from chainrule import MLPClassifier, MLPRegressor
from chainrule._tabular_npz import npz_image_shape
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

LAYERS = [{"type": "Conv2D", "out_channels": 3, "kernel_size": 3, "padding": 1},
          {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]


@pytest.fixture(scope="module")
def grey() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    X = rng.random((50, 8, 6))
    y = (X[:, :4].mean(axis=(1, 2)) > 0.5).astype(int) + (X[:, :, :3].mean(axis=(1, 2)) > 0.5)
    return X, y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        return est.fit(X, y)


def test_grey_images_fit_as_one_channel(grey, tmp_path):
    X, y = grey
    path = tmp_path / "grey.npz"
    np.savez(path, X=X, y=y)
    assert npz_image_shape(path) == (1, 8, 6)  # the shape `chainrule train` reads
    est = _fit(MLPClassifier(layers=LAYERS, max_iter=5, random_state=0), X, y)
    rows = X.reshape(len(X), -1)
    flat = _fit(MLPClassifier(layers=LAYERS, input_shape=(1, 8, 6), max_iter=5,
                              random_state=0), rows, y)
    assert est.input_shape is None and est.network_.n_inputs == (1, 8, 6)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba, flat.predict_proba(rows), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(est.network_.params, flat.network_.params, rtol=1e-12)
    # the images with their channel axis, and the flat rows, give the same numbers
    np.testing.assert_array_equal(est.predict_proba(X[:, None]), proba)
    np.testing.assert_array_equal(est.predict_proba(rows), proba)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    assert est.score(X, y) == np.mean(est.classes_[proba.argmax(axis=1)] == y)


def test_grey_images_of_another_shape_are_refused_naming_both(grey):
    X, y = grey
    est = _fit(MLPClassifier(layers=LAYERS, max_iter=1, random_state=0), X, y)
    expected = re.escape("X must hold images of shape (n_samples, 1, 8, 6) or (n_samples, "
                         "8, 6) (the network takes images of shape (1, 8, 6), taken from X "
                         "at fit (input_shape=None))")
    for other in (X[:, :6], X[:, None, :6], np.stack([X] * 3, axis=1)):
        with pytest.raises(ValueError, match=expected + ".*got shape "
                           + re.escape(str(other.shape))):
            est.predict(other)
    params = est.network_.params.copy()
    with pytest.raises(ValueError, match=re.escape(
            "the fitted network takes images of shape (1, 8, 6), taken from X at fit "
            "(input_shape=None), got images of shape (1, 6, 6)")):
        est.partial_fit(X[:, :6], y)
    np.testing.assert_array_equal(est.network_.params, params)


def test_partial_fit_and_regressor_on_grey_images(grey):
    X, y = grey
    rows = X.reshape(len(X), -1)
    est = MLPClassifier(layers=LAYERS, random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    ref = MLPClassifier(layers=LAYERS, input_shape=(1, 8, 6), random_state=0)
    ref.partial_fit(rows, y, classes=[0, 1, 2])
    est.partial_fit(X[:, None], y)  # the channel axis given: the same images
    ref.partial_fit(rows, y)
    np.testing.assert_allclose(est.network_.params, ref.network_.params, rtol=1e-12)
    t = X[:, :4].mean(axis=(1, 2))
    reg = _fit(MLPRegressor(layers=LAYERS, max_iter=5, random_state=0), X, t)
    flat = _fit(MLPRegressor(layers=LAYERS, input_shape=(1, 8, 6), max_iter=5,
                             random_state=0), rows, t)
    np.testing.assert_allclose(reg.predict(X), flat.predict(rows), rtol=1e-12, atol=1e-15)
