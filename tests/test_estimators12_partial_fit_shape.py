"""A partial_fit (or warm start) of images of another shape than the fitted network's, where
that shape was taken from the first fit's images X (``input_shape=None``), is refused
saying so, as predict's refusal does, not naming an ``input_shape`` never given; a network
of rows given images says it takes rows.  Nothing of the network changes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chainrule import MLPClassifier
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

LAYERS = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
          {"type": "Flatten"}]
GOES_ON = ("partial_fit goes on with the fitted network; to train another architecture fit "
           "a new network (fit with warm_start=False)")


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12)
    return rng.normal(size=(20, 2, 8, 6)), rng.integers(0, 2, 20)


@pytest.mark.parametrize("index, shape", [((slice(None), slice(None), slice(0, 4)),
                                           (2, 4, 6)),
                                          ((slice(None), 0), (1, 8, 6))])
def test_partial_fit_names_the_shape_taken_from_X(data, index, shape):
    X, y = data
    est = MLPClassifier(layers=LAYERS, random_state=0).partial_fit(X, y, classes=[0, 1])
    params = est.network_.params.copy()
    with pytest.raises(ValueError) as info:
        est.partial_fit(X[index], y)
    assert str(info.value) == (
        "X: the fitted network takes images of shape (2, 8, 6), taken from X at fit "
        f"(input_shape=None), got images of shape {shape}; " + GOES_ON)
    assert "input_shape=(" not in str(info.value)
    np.testing.assert_array_equal(est.network_.params, params)


def test_a_warm_start_says_so_too(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        est = MLPClassifier(layers=LAYERS, warm_start=True, max_iter=1,
                            random_state=0).fit(X, y)
    with pytest.raises(ValueError) as info:
        est.fit(X[:, :, :4], y)
    assert str(info.value).startswith(
        "X: the fitted network takes images of shape (2, 8, 6), taken from X at fit "
        "(input_shape=None), got images of shape (2, 4, 6); a warm start (warm_start=True)")


def test_a_network_of_rows_given_images_says_it_takes_rows(data):
    X, y = data
    est = MLPClassifier(layers=[{"type": "Dense", "fan_out": 3}], random_state=0)
    est.partial_fit(X.reshape(len(X), -1), y, classes=[0, 1])
    with pytest.raises(ValueError) as info:
        est.partial_fit(X, y)
    assert str(info.value) == (
        "X: the fitted network takes rows of 96 features (input_shape=None), got images of "
        "shape (2, 8, 6); give their flat rows, X.reshape(len(X), -1); " + GOES_ON)
