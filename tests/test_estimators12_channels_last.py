"""Images given channels last, (n, H, W, C), to an estimator with image ``layers`` and no
``input_shape``: read channels first they would be H channels of W x C pixels, so the fit
refuses them, as ``chainrule train`` refuses such a file, naming ``np.moveaxis(X, -1, 1)``
and the ``input_shape`` that takes them as they are; with ``input_shape`` (or a first
Conv2D whose ``in_channels`` is their second axis) they are taken as given.  Reference:
PyTorch's conv2d on the transposed images."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

from chainrule import MLPClassifier
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

CONV = {"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1}
LAYERS = [CONV, {"type": "Flatten"}]
ADVICE = ("these look like images of 3 channels of 8 x 6 pixels given channels last, "
          "(n, H, W, C); the images are read channels first, (n, C, H, W): pass "
          "np.moveaxis(X, -1, 1), of shape n x 3 x 8 x 6")


@pytest.fixture(scope="module")
def images() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12)
    X = rng.normal(size=(24, 8, 6, 3))  # channels last: 3 channels of 8 x 6 pixels
    return X, rng.integers(0, 2, 24)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        return est.fit(X, y)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_channels_last_images_are_refused_naming_moveaxis_and_input_shape(images, method):
    X, y = images
    est = MLPClassifier(layers=LAYERS, max_iter=1, random_state=0)
    kwargs = {"classes": [0, 1]} if method == "partial_fit" else {}
    with pytest.raises(ValueError) as info:
        getattr(est, method)(X, y, **kwargs)
    assert str(info.value) == (
        "X: images of shape (24, 8, 6, 3) are read channels first, as 8 channels of 6 x 3 "
        "pixels, but their last axis is 3 long (grey, RGB, RGBA) and their second is not: "
        + ADVICE + "; or, if they are 8 channels of 6 x 3 pixels, give "
        "input_shape=(8, 6, 3), with X as it is")
    assert not hasattr(est, "network_")


def test_a_first_conv_of_the_last_axis_channels_is_refused_without_input_shape(images):
    X, y = images
    layers = [dict(CONV, in_channels=3), {"type": "Flatten"}]
    with pytest.raises(ValueError, match=re.escape(
            "but the first layer's in_channels=3 is their last axis: " + ADVICE)) as info:
        _fit(MLPClassifier(layers=layers, max_iter=1, random_state=0), X, y)
    assert "input_shape=(" not in str(info.value)


def test_the_transposed_images_give_pytorchs_forward_pass(images):
    X, y = images
    first = np.moveaxis(X, -1, 1)
    est = _fit(MLPClassifier(layers=LAYERS, max_iter=2, random_state=0), first, y)
    assert est.network_.n_inputs == (3, 8, 6)
    conv = est.network_.layers[0]
    a = torch.relu(torch.nn.functional.conv2d(
        torch.from_numpy(np.ascontiguousarray(first)), torch.from_numpy(conv.W),
        torch.from_numpy(conv.b), padding=1)).flatten(1).numpy()
    z = a @ est.coefs_[0] + est.intercepts_[0]
    np.testing.assert_allclose(est.predict_proba(first)[:, 1], 1 / (1 + np.exp(-z[:, 0])),
                               rtol=1e-10)


def test_given_input_shape_or_matching_in_channels_take_them_as_they_are(images):
    X, y = images
    given = _fit(MLPClassifier(layers=LAYERS, input_shape=(8, 6, 3), max_iter=1,
                               random_state=0), X, y)
    assert given.network_.n_inputs == (8, 6, 3)
    named = _fit(MLPClassifier(layers=[dict(CONV, in_channels=8), {"type": "Flatten"}],
                               max_iter=1, random_state=0), X, y)
    assert named.network_.n_inputs == (8, 6, 3)
    np.testing.assert_array_equal(named.predict_proba(X), given.predict_proba(X))
    # grey images (n, H, W) of any width are one channel: nothing to refuse
    grey = _fit(MLPClassifier(layers=LAYERS, max_iter=1, random_state=0), X[..., 0], y)
    assert grey.network_.n_inputs == (1, 8, 6)
