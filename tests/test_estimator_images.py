"""The estimators with ``layers`` and ``input_shape`` given images as they come,
(n_samples, C, H, W): read as their flat rows, the rows README documents; any other array
of more than two axes refused with a message that says how to give it."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score

import chainrule as cr
from chainrule._mlp_image_rows import image_rows
from estimator_helpers import IMAGE_CNN as CNN
from estimator_helpers import digit_images, one_blas_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    return digit_images(channel_axis=True)


def _cnn(cls=cr.MLPClassifier, **kw):
    return cls(layers=CNN, input_shape=(1, 8, 8), max_iter=4, learning_rate_init=0.01,
               random_state=0, **kw)


@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.MLPRegressor])
def test_images_fit_predict_and_score_as_their_flat_rows(digits, cls):
    """X of shape (240, 1, 8, 8) was refused by scikit-learn's check ("Found array with
    dim 4"); now it is read as the flat rows: the same fitted parameters, predictions and
    score as on the rows, whichever of the two each call is given."""
    X, images, y = digits
    target = y if cls is cr.MLPClassifier else y / 9.0
    on_rows, on_images = _cnn(cls).fit(X, target), _cnn(cls).fit(images, target)
    np.testing.assert_array_equal(on_images.network_.params, on_rows.network_.params)
    assert on_images.n_features_in_ == 64
    np.testing.assert_array_equal(on_images.predict(images), on_rows.predict(X))
    assert on_images.score(images, target) == on_rows.score(X, target)
    if cls is cr.MLPClassifier:
        np.testing.assert_array_equal(on_rows.predict_proba(images), on_rows.predict_proba(X))
        np.testing.assert_array_equal(on_rows.predict_log_proba(images),
                                      on_rows.predict_log_proba(X))
    a, b = _cnn(cls), _cnn(cls)
    for batch in (slice(0, 120), slice(120, 240)):
        kw = {"classes": np.arange(10)} if cls is cr.MLPClassifier else {}
        a.partial_fit(X[batch], target[batch], **kw)
        b.partial_fit(images[batch], target[batch], **kw)
    np.testing.assert_array_equal(b.network_.params, a.network_.params)


def test_images_are_rows_without_a_copy_and_keep_their_dtype(digits):
    _, images, _ = digits
    rows = image_rows(images, (1, 8, 8))
    assert rows.shape == (240, 64) and np.shares_memory(rows, images)
    single = images.astype(np.float32)
    assert image_rows(single, (1, 8, 8)).dtype == np.float32
    X = np.zeros((3, 64))
    assert image_rows(X, (1, 8, 8)) is X and image_rows(X, None) is X


def test_images_go_through_cross_validation_and_grid_search(digits):
    X, images, y = digits
    np.testing.assert_array_equal(cross_val_score(_cnn(), images, y, cv=3),
                                  cross_val_score(_cnn(), X, y, cv=3))
    search = GridSearchCV(_cnn(), {"alpha": [1e-4, 1e-1]}, cv=2).fit(images, y)
    assert search.best_estimator_.predict(images[:5]).shape == (5,)


@pytest.mark.parametrize("shape, hint", [
    ((240, 1, 4, 16), ""),
    ((240, 4, 16), ""),
    ((240, 8, 8, 1), "; these look like images of 1 channel of 8 x 8 pixels given channels "
                     "last, (n, H, W, C); the images are read channels first, (n, C, H, W): "
                     "pass np.moveaxis(X, -1, 1), of shape n x 1 x 8 x 8"),
])
def test_images_of_another_shape_are_refused_saying_how_to_give_them(digits, shape, hint):
    X, _, y = digits
    message = ("X must hold images of shape (n_samples, 1, 8, 8) or (n_samples, 8, 8) "
               "(input_shape=(1, 8, 8): channels, height, width), or their flat rows of 64 "
               f"pixel values, X.reshape(len(X), -1), got shape {shape}{hint}")
    with pytest.raises(ValueError) as fit_error:
        _cnn().fit(X.reshape(shape), y)
    assert str(fit_error.value) == message
    fitted = _cnn().fit(X, y)
    with pytest.raises(ValueError) as predict_error:
        fitted.predict(X.reshape(shape))
    assert str(predict_error.value) == message


def test_a_multilayer_perceptron_refuses_images_saying_how_to_give_them(digits):
    """Without input_shape the estimator takes rows alone: scikit-learn's "Found array
    with dim 4" now says what to pass instead."""
    _, images, y = digits
    message = ("Found array with dim 4, while dim <= 2 is required by MLPClassifier. (X must "
               "have shape (n_samples, n_features), got shape (240, 1, 8, 8); for "
               "images, give their flat rows, X.reshape(len(X), -1)")
    with pytest.raises(ValueError, match=re.escape(message)):
        cr.MLPClassifier((8,), max_iter=2, random_state=0).fit(images, y)
    fitted = cr.MLPClassifier((8,), max_iter=2, random_state=0).fit(images.reshape(240, -1), y)
    with pytest.raises(ValueError, match=re.escape("X.reshape(len(X), -1)")):
        fitted.predict(images)


def test_no_images_are_refused_as_no_rows(digits):
    """X of shape (0, 1, 8, 8) raised NumPy's "cannot reshape array of size 0 into shape
    (0,newaxis)"; it is now the rows (0, 64), refused by scikit-learn's check as the empty
    rows are, in fit and in predict."""
    X, images, y = digits
    empty = images[:0]
    assert image_rows(empty, (1, 8, 8)).shape == (0, 64)
    with pytest.raises(ValueError, match=re.escape("0 sample(s) (shape=(0, 64))")):
        _cnn().fit(empty, y[:0])
    fitted = _cnn().fit(X, y)
    with pytest.raises(ValueError, match=re.escape("0 sample(s) (shape=(0, 64))")):
        fitted.predict(empty)


def test_a_list_of_images_is_read_as_their_array(digits):
    """A list of images (C, H, W), arrays or nested lists, is the array-like scikit-learn
    reads as np.asarray(X); it fell to scikit-learn's "Found array with dim 4", the message
    the images' own reader replaces. Now it fits and predicts as the array of images, and
    one of another shape is refused naming its shape."""
    X, images, y = digits
    fitted = _cnn().fit(X, y)
    on_list = _cnn().fit(list(images), y)
    np.testing.assert_array_equal(on_list.network_.params, fitted.network_.params)
    np.testing.assert_array_equal(fitted.predict(list(images)), fitted.predict(X))
    np.testing.assert_array_equal(fitted.predict_proba(images[:5].tolist()),
                                  fitted.predict_proba(X[:5]))
    np.testing.assert_array_equal(fitted.predict(tuple(images[:5])), fitted.predict(X[:5]))
    # grey images (8, 8) are the (1, 8, 8) ones (tests/test_estimator_grey_images.py)
    np.testing.assert_array_equal(fitted.predict([image[0] for image in images[:5]]),
                                  fitted.predict(X[:5]))
    with pytest.raises(ValueError, match=re.escape("got shape (5, 4, 16)")):
        fitted.predict([image[0].reshape(4, 16) for image in images[:5]])
    # rows as lists are scikit-learn's, as before
    np.testing.assert_array_equal(fitted.predict(X[:5].tolist()), fitted.predict(X[:5]))
