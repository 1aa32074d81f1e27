"""Grey images without their channel axis, (n_samples, H, W), given to the estimators
with ``input_shape=(1, H, W)``: read as (n_samples, 1, H, W), as ``chainrule train`` reads
an NPZ file's ``X`` and ``cr.load_model(...).predict`` reads its ``X``."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule._mlp_image_rows import image_rows
from estimator_helpers import IMAGE_CNN as CNN
from estimator_helpers import digit_images, one_blas_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    return digit_images(channel_axis=False)


def _cnn(cls=cr.MLPClassifier, shape=(1, 8, 8)):
    return cls(layers=CNN, input_shape=shape, max_iter=4, learning_rate_init=0.01,
               random_state=0)


@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.MLPRegressor])
def test_grey_images_are_read_as_one_channel(digits, cls):
    """(240, 8, 8) was refused ("pass X[:, None]") where the CLI and load_model take it:
    now every call reads it as (240, 1, 8, 8), the same parameters bit for bit."""
    X, grey, y = digits
    target = y if cls is cr.MLPClassifier else y / 9.0
    with_axis = _cnn(cls).fit(grey[:, None], target)
    on_grey = _cnn(cls).fit(grey, target)
    np.testing.assert_array_equal(on_grey.network_.params, with_axis.network_.params)
    np.testing.assert_array_equal(on_grey.network_.params, _cnn(cls).fit(X, target)
                                  .network_.params)
    assert on_grey.n_features_in_ == 64
    np.testing.assert_array_equal(on_grey.predict(grey), with_axis.predict(grey[:, None]))
    np.testing.assert_array_equal(on_grey.predict(grey), on_grey.predict(X))
    assert on_grey.score(grey, target) == with_axis.score(X, target)
    if cls is cr.MLPClassifier:
        np.testing.assert_array_equal(on_grey.predict_proba(grey), on_grey.predict_proba(X))
        np.testing.assert_array_equal(on_grey.predict_log_proba(grey),
                                      on_grey.predict_log_proba(X))
    a, b = _cnn(cls), _cnn(cls)
    for batch in (slice(0, 120), slice(120, 240)):
        kw = {"classes": np.arange(10)} if cls is cr.MLPClassifier else {}
        a.partial_fit(grey[batch][:, None], target[batch], **kw)
        b.partial_fit(grey[batch], target[batch], **kw)
    np.testing.assert_array_equal(b.network_.params, a.network_.params)


def test_grey_rows_are_a_view_of_the_pixels(digits):
    X, grey, _ = digits
    rows = image_rows(grey, (1, 8, 8))
    assert rows.shape == (240, 64) and np.shares_memory(rows, grey)
    np.testing.assert_array_equal(rows, X)
    np.testing.assert_array_equal(image_rows(list(grey[:5]), (1, 8, 8)), X[:5])  # a list
    assert image_rows(grey[:0], (1, 8, 8)).shape == (0, 64)  # no images: no rows


def test_grey_images_of_another_size_or_for_three_channels_are_refused(digits):
    _, grey, y = digits
    with pytest.raises(ValueError, match=re.escape(
            "X must hold images of shape (n_samples, 1, 8, 8) or (n_samples, 8, 8) "
            "(input_shape=(1, 8, 8): channels, height, width), or their flat rows of 64 "
            "pixel values, X.reshape(len(X), -1), got shape (240, 4, 16)")):
        _cnn().fit(grey.reshape(240, 4, 16), y)
    rgb = np.repeat(grey[:, None], 3, axis=1)
    fitted = _cnn(shape=(3, 8, 8)).fit(rgb, y)
    with pytest.raises(ValueError, match=re.escape(
            "X must hold images of shape (n_samples, 3, 8, 8) (input_shape=(3, 8, 8): "
            "channels, height, width), or their flat rows of 192 pixel values, "
            "X.reshape(len(X), -1), got shape (240, 8, 8)")):
        fitted.predict(grey)
