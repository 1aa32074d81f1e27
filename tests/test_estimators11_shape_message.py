"""An estimator fitted on images X without ``input_shape`` refuses images of another shape
naming the network's shape as taken from the training images, not as an ``input_shape``
it was not given; one given ``input_shape`` names that parameter as before."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pytest

from chainrule import MLPClassifier
from chainrule.estimators import load_estimator
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

LAYERS = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
          {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]
TAKEN = ("X must hold images of shape (n_samples, 3, 16, 16) (the network takes images of "
         "shape (3, 16, 16), taken from X at fit (input_shape=None)), or their flat rows of "
         "768 pixel values, X.reshape(len(X), -1), got shape ")


@pytest.fixture(scope="module")
def fitted() -> tuple[MLPClassifier, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    X = rng.random((30, 3, 16, 16))
    y = rng.integers(0, 2, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        est = MLPClassifier(layers=LAYERS, max_iter=1, random_state=0).fit(X, y)
    return est, X, y


def test_predict_names_the_shape_taken_from_the_training_images(fitted, tmp_path):
    est, X, y = fitted
    small = X[:, :, :8, :8]
    path = os.path.join(tmp_path, "m.npz")
    est.save(path)
    loaded = load_estimator(path)
    for method in (est.predict, est.predict_proba, est.predict_log_proba, loaded.predict):
        with pytest.raises(ValueError) as info:
            method(small)
        assert str(info.value) == TAKEN + "(30, 3, 8, 8)"
        assert "input_shape=(" not in str(info.value)
    with pytest.raises(ValueError, match=re.escape(TAKEN + "(30, 3, 8, 8)")):
        est.score(small, y)


def test_partial_fit_of_another_form_names_the_shape_taken_at_fit(fitted):
    est, X, y = fitted
    params = est.network_.params.copy()
    with pytest.raises(ValueError) as info:
        est.partial_fit(X[:, None], y)  # five axes: no images of any shape
    assert str(info.value) == TAKEN + "(30, 1, 3, 16, 16)"
    np.testing.assert_array_equal(est.network_.params, params)


def test_a_given_input_shape_is_still_named_as_the_parameter(fitted):
    _, X, y = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        given = MLPClassifier(layers=LAYERS, input_shape=(3, 16, 16), max_iter=1,
                              random_state=0).fit(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match=re.escape(
            "X must hold images of shape (n_samples, 3, 16, 16) (input_shape=(3, 16, 16): "
            "channels, height, width), or their flat rows of 768 pixel values")):
        given.predict(X[:, :, :8, :8])
