"""Shared by the tests of the estimators given images (test_estimator_images,
_grey_images): their CNN, the digits as images written out pixel by pixel; by the tests
of ``layers=`` (test_estimator_layers, _layers_files): their CNN and digit rows; and by
these four and test_estimators, test_estimator_checks and test_partial_fit_sklearn, the
module's one BLAS thread (an autouse fixture: import it into the test module)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

IMAGE_CNN = [{"type": "Conv2D", "out_channels": 3, "kernel_size": 3, "padding": 1},
             {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]

# a CNN of layer dicts with a hidden Dense layer, on (1, 8, 8) digits
LAYERS_CNN = [{"type": "Conv2D", "out_channels": 4, "kernel_size": 3},
              {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"},
              {"type": "Dense", "fan_out": 16}]


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """BLAS on one thread while the importing module's tests run (even under
    ``CHAINRULE_TEST_THREADS``): their fits are on small data, where BLAS threads only add
    start-up and, on a busy machine, waiting (10x slower L-BFGS fits of the scikit-learn
    checks measured on 2 shared cores)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def digit_images(channel_axis: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first 240 digits: their rows ``X`` (240, 64) scaled to [0, 1], the same pixels
    as images (240, 1, 8, 8), or (240, 8, 8) without ``channel_axis``, and the classes
    ``y`` (240,).

    The images are written out pixel by pixel: image i, row r, column c is feature
    8 * r + c of row i (load_digits' order)."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:240] / 16, y[:240]
    images = np.empty((len(X), 1, 8, 8) if channel_axis else (len(X), 8, 8))
    pixels = images.reshape(len(X), 8, 8)  # a view: writing it writes the images
    for r in range(8):
        for c in range(8):
            pixels[:, r, c] = X[:, 8 * r + c]
    return X, images, y


def digit_rows() -> tuple[np.ndarray, np.ndarray]:
    """The first 300 digits: their rows (300, 64) scaled to [0, 1] and classes (300,)."""
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]
